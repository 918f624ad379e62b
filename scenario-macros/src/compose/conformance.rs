//! The compose reading compared with compose itself: for generated compose files (services
//! with the supported keys written in their various forms, interpolation with the operators
//! `docker-compose` 1.29 knows, variables from the process and from `.env`), every value the
//! macro reads, resolved the way the runtime resolves it at the start, must equal what
//! `docker-compose config` prints for the same file and environment; and a file compose refuses
//! for a missing required variable must fail the start too.
//!
//! Needs `docker compose` (the plugin) or `docker-compose` (`scripts/install-docker-compose.sh`).
//! `${VAR:+alt}` and nested defaults are newer than docker-compose 1.29; the runtime's
//! `compose::interpolate` tests cover them from the specification.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use scenario_runtime::__private::ComposeVariables as Variables;
use serde_norway::Value;

use super::model::{self, EnvValue, HostPath, ImageModel, Location, MountModel, ServiceModel};
use super::text::{Text, Words};
use super::{file, sources};

/// Every variable the generated files use carries this prefix, so setting them in this
/// process touches nothing else.
const PREFIX: &str = "SCNCONF_";

/// What a compose file says about one service, in one normal form for both readers.
#[derive(Debug, Default, PartialEq)]
struct Seen {
    image: String,
    command: Option<Vec<String>>,
    entrypoint: Option<Vec<String>>,
    env: BTreeMap<String, String>,
    /// (container port, udp, host ip, host port)
    ports: BTreeSet<(u16, bool, String, Option<u16>)>,
    /// `source:target:mode`, bind sources absolute.
    volumes: BTreeSet<String>,
    labels: BTreeMap<String, String>,
    working_dir: Option<String>,
    user: Option<String>,
    depends_on: BTreeSet<String>,
    healthcheck: Option<(Vec<String>, Option<std::time::Duration>)>,
    extra_hosts: BTreeSet<String>,
    cap_add: BTreeSet<String>,
    container_name: Option<String>,
}

/// One generated case: the compose file, the process's variables, `.env`'s.
#[derive(Clone, Debug)]
struct Case {
    file: String,
    process: Vec<(String, String)>,
    dotenv: Vec<(String, String)>,
}

fn var(name: &str) -> String {
    format!("{PREFIX}{name}")
}

fn value_template() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("plain".to_string()),
        Just("5$$".to_string()),
        Just(format!("${}", var("A"))),
        Just(format!("${{{}}}", var("A"))),
        Just(format!("x-${{{}:-fallback}}", var("B"))),
        Just(format!("${{{}-dash}}", var("EMPTY"))),
        Just(format!("${{{}:-colon}}", var("EMPTY"))),
        Just(format!("${{{}:?needed}}", var("A"))),
        Just(format!("${{{}?needed}}", var("B"))),
        Just(format!("${}/${{{}}}", var("A"), var("C"))),
    ]
}

fn service(index: usize) -> impl Strategy<Value = String> {
    let image = prop_oneof![
        Just("busybox:1.35".to_string()),
        Just(format!("busybox:${{{}:-1.36}}", var("TAG"))),
        Just(format!("${{{}-local}}/app:${{{}}}", var("REGISTRY"), var("TAG"))),
    ];
    let command = proptest::option::of(prop_oneof![
        proptest::collection::vec(value_template(), 1..4).prop_map(|words| format!("[{}]", quoted(&words))),
        proptest::collection::vec(value_template(), 1..3).prop_map(|words| format!("'sh -c {}'", words.join(" "))),
    ]);
    let env_keys = proptest::sample::subsequence(vec!["E1", "E2", "E3", "E4"], 0..4);
    let environment =
        (env_keys, proptest::collection::vec(proptest::option::weighted(0.85, value_template()), 4), any::<bool>());
    let ports = proptest::sample::subsequence(
        vec![
            "\"8080\"".to_string(),
            "\"18081:81\"".to_string(),
            "\"127.0.0.1:18082:82/udp\"".to_string(),
            format!("\"${{{}:-18083}}:83\"", var("PORT")),
            "\"127.0.0.1::84\"".to_string(),
            "{target: 85, published: 18085, protocol: tcp}".to_string(),
        ],
        0..4,
    );
    let volumes = proptest::sample::subsequence(
        vec![
            "data:/data",
            "./conf:/etc/conf:ro",
            "data:/cache:rw",
            "{type: bind, source: ./site, target: /site, read_only: true}",
        ],
        0..3,
    );
    let extras = (
        proptest::option::of(prop_oneof![Just("/srv".to_string()), Just(format!("${{{}:-/app}}", var("DIR")))]),
        proptest::option::of(prop_oneof![Just("\"1000\"".to_string()), Just(format!("\"${{{}:-1001}}\"", var("UID")))]),
        proptest::option::of(prop_oneof![
            Just("{test: [\"CMD-SHELL\", \"true\"], interval: 1m30s}".to_string()),
            Just("{test: [\"CMD\", \"wget\", \"-q\", \"localhost\"], interval: 500ms}".to_string()),
            Just("{test: \"nc -z localhost 80\"}".to_string()),
        ]),
        proptest::sample::subsequence(vec!["NET_ADMIN", "SYS_TIME"], 0..2),
        any::<bool>(),
        any::<bool>(),
    );
    (image, command, environment, ports, volumes, extras).prop_map(
        move |(image, command, (keys, values, as_list), ports, volumes, (dir, user, health, caps, hosts, named))| {
            let mut out = format!("  s{index}:\n    image: \"{image}\"\n");
            if let Some(command) = command {
                out.push_str(&format!("    command: {command}\n"));
            }
            if !keys.is_empty() {
                out.push_str("    environment:\n");
                for (key, value) in keys.iter().zip(&values) {
                    let key = var(key);
                    match (as_list, value) {
                        (true, Some(value)) => out.push_str(&format!("      - \"{key}={value}\"\n")),
                        (true, None) => out.push_str(&format!("      - {key}\n")),
                        (false, Some(value)) => out.push_str(&format!("      {key}: \"{value}\"\n")),
                        (false, None) => out.push_str(&format!("      {key}:\n")),
                    }
                }
            }
            if !ports.is_empty() {
                out.push_str(&format!("    ports: [{}]\n", ports.join(", ")));
            }
            if !volumes.is_empty() {
                out.push_str(&format!("    volumes: [{}]\n", volumes.join(", ")));
            }
            if let Some(dir) = dir {
                out.push_str(&format!("    working_dir: \"{dir}\"\n"));
            }
            if let Some(user) = user {
                out.push_str(&format!("    user: {user}\n"));
            }
            if let Some(health) = health {
                out.push_str(&format!("    healthcheck: {health}\n"));
            }
            if !caps.is_empty() {
                out.push_str(&format!("    cap_add: [{}]\n", caps.join(", ")));
            }
            if hosts {
                out.push_str("    extra_hosts: [\"payments.internal:10.0.0.9\"]\n");
            }
            if named {
                out.push_str(&format!("    container_name: named-s{index}\n    restart: unless-stopped\n"));
            }
            out.push_str(&format!("    labels: {{team: \"t{index}\"}}\n"));
            if index > 0 {
                out.push_str(&format!("    depends_on: [s{}]\n", index - 1));
            }
            out
        },
    )
}

fn quoted(words: &[String]) -> String {
    words.iter().map(|w| format!("\"{w}\"")).collect::<Vec<_>>().join(", ")
}

fn case() -> impl Strategy<Value = Case> {
    let values = |pool: Vec<(&'static str, &'static str)>| {
        proptest::sample::subsequence(pool.clone(), 0..=pool.len())
            .prop_map(|pairs| pairs.into_iter().map(|(k, v)| (var(k), v.to_string())).collect::<Vec<_>>())
    };
    (1..=3usize)
        .prop_flat_map(|count| (0..count).map(service).collect::<Vec<_>>())
        .prop_map(|services| format!("services:\n{}volumes:\n  data: {{}}\n", services.concat()))
        .prop_flat_map(move |file| {
            let process = values(vec![("A", "from-process"), ("TAG", "1.35"), ("EMPTY", ""), ("PORT", "18099")]);
            let dotenv =
                values(vec![("A", "from-dotenv"), ("B", "b-dotenv"), ("C", "c"), ("DIR", "/work"), ("UID", "42")]);
            (Just(file), process, dotenv)
        })
        .prop_map(|(file, process, dotenv)| Case { file, process, dotenv })
}

/// `docker compose config` or `docker-compose config` on `dir`, with only `process` set.
fn compose_config(dir: &Path, process: &[(String, String)]) -> Result<Value, String> {
    let tool = compose_tool();
    let mut command = Command::new(&tool[0]);
    command.args(&tool[1..]).arg("config").current_dir(dir).env_clear();
    command.env("PATH", std::env::var("PATH").unwrap_or_default());
    command.envs(process.iter().cloned());
    let output = command.output().expect("the compose tool runs");
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).into_owned());
    }
    Ok(serde_norway::from_slice(&output.stdout).expect("compose prints YAML"))
}

fn compose_tool() -> Vec<String> {
    static TOOL: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    TOOL.get_or_init(|| {
        let works = |args: &[&str]| {
            Command::new(args[0]).args(&args[1..]).arg("version").output().is_ok_and(|o| o.status.success())
        };
        if works(&["docker", "compose"]) {
            vec!["docker".into(), "compose".into()]
        } else if works(&["docker-compose"]) {
            vec!["docker-compose".into()]
        } else {
            panic!("neither `docker compose` nor `docker-compose` is installed: run scripts/install-docker-compose.sh")
        }
    })
    .clone()
}

fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => String::new(),
    }
}

/// Compose prints values with `$$` still escaped.
fn unescaped(value: &Value) -> String {
    text(value).replace("$$", "$")
}

fn words(value: &Value) -> Vec<String> {
    match value {
        Value::Sequence(items) => items.iter().map(unescaped).collect(),
        other => shlex::split(&text(other)).unwrap_or_default().iter().map(|w| w.replace("$$", "$")).collect(),
    }
}

/// Compose's view of each service.
fn seen_by_compose(config: &Value) -> BTreeMap<String, Seen> {
    let mut all = BTreeMap::new();
    let Some(Value::Mapping(services)) = config.get("services") else { return all };
    for (name, service) in services {
        let field = |key: &str| service.get(key);
        let mut seen = Seen { image: field("image").map(unescaped).unwrap_or_default(), ..Seen::default() };
        seen.command = field("command").map(words);
        seen.entrypoint = field("entrypoint").map(words);
        if let Some(Value::Mapping(env)) = field("environment") {
            for (key, value) in env {
                if !value.is_null() {
                    seen.env.insert(text(key), unescaped(value));
                }
            }
        }
        for port in field("ports").and_then(Value::as_sequence).into_iter().flatten() {
            seen.ports.insert(match port {
                Value::Mapping(long) => (
                    long.get("target").map(text).unwrap_or_default().parse().unwrap(),
                    long.get("protocol").map(text).as_deref() == Some("udp"),
                    long.get("host_ip").map(text).unwrap_or_default(),
                    long.get("published").map(text).and_then(|p| p.parse().ok()),
                ),
                short => {
                    let short = text(short);
                    let (address, protocol) = short.rsplit_once('/').unwrap_or((&short, "tcp"));
                    let parts: Vec<&str> = address.split(':').collect();
                    let (ip, host, container) = match parts.as_slice() {
                        [c] => ("", "", *c),
                        [h, c] => ("", *h, *c),
                        [ip, h, c] => (*ip, *h, *c),
                        _ => panic!("port {short}"),
                    };
                    (container.parse().unwrap(), protocol == "udp", ip.to_string(), host.parse().ok())
                }
            });
        }
        for volume in field("volumes").and_then(Value::as_sequence).into_iter().flatten() {
            seen.volumes.insert(match volume {
                Value::Mapping(long) => {
                    let mode = if long.get("read_only") == Some(&Value::Bool(true)) { "ro" } else { "rw" };
                    format!(
                        "{}:{}:{mode}",
                        long.get("source").map(text).unwrap_or_default(),
                        long.get("target").map(text).unwrap_or_default()
                    )
                }
                short => {
                    let short = text(short);
                    if short.matches(':').count() == 1 {
                        format!("{short}:rw")
                    } else {
                        short
                    }
                }
            });
        }
        if let Some(Value::Mapping(labels)) = field("labels") {
            seen.labels = labels.iter().map(|(k, v)| (text(k), unescaped(v))).collect();
        }
        seen.working_dir = field("working_dir").map(unescaped);
        seen.user = field("user").map(unescaped);
        if let Some(Value::Mapping(depends)) = field("depends_on") {
            seen.depends_on = depends.keys().map(text).collect();
        }
        if let Some(check) = field("healthcheck") {
            let command = match check.get("test") {
                Some(Value::Sequence(items)) => {
                    let items: Vec<String> = items.iter().map(unescaped).collect();
                    match items[0].as_str() {
                        "CMD-SHELL" => vec!["/bin/sh".into(), "-c".into(), items[1].clone()],
                        _ => items[1..].to_vec(),
                    }
                }
                Some(line) => vec!["/bin/sh".into(), "-c".into(), unescaped(line)],
                None => Vec::new(),
            };
            let interval = check.get("interval").map(|i| model::go_duration(&text(i)).unwrap());
            seen.healthcheck = Some((command, interval));
        }
        seen.extra_hosts = field("extra_hosts").and_then(Value::as_sequence).into_iter().flatten().map(text).collect();
        seen.cap_add = field("cap_add").and_then(Value::as_sequence).into_iter().flatten().map(text).collect();
        seen.container_name = field("container_name").map(text);
        all.insert(text(name), seen);
    }
    all
}

/// The macro's view of each service, resolved as the runtime resolves it; `Err` when the start
/// would fail (a required variable missing).
fn seen_by_scenario(dir: &Path) -> Result<BTreeMap<String, Seen>, String> {
    let sources = sources::read(&["docker-compose.yml".to_string()], dir, &[]);
    assert!(sources.problems.is_empty(), "{:?}", sources.problems);
    let typed: file::ComposeFile = serde_norway::from_value(sources.value.unwrap()).unwrap();
    let location = Location { written: "docker-compose.yml".into(), manifest_dir: dir.to_path_buf() };
    let options = model::Options {
        computed_contexts: &[],
        instances: None,
        remap_ports: false,
        keep_restart: false,
        sites: &sources.sites,
    };
    let resolved = model::resolve(typed, &location, &options);
    assert!(resolved.errors.is_empty(), "{:?}", resolved.errors);
    let vars = Variables::load(dir.to_str().unwrap());
    let mut all = BTreeMap::new();
    for service in &resolved.services {
        all.insert(service.name.clone(), seen_service(service, &vars, &location));
    }
    let problems = vars.finish(scenario_runtime::ContainerSpec::from_image("probe", "i")).problems().to_vec();
    if problems.is_empty() {
        Ok(all)
    } else {
        Err(problems.join("; "))
    }
}

fn seen_service(service: &ServiceModel, vars: &Variables, location: &Location) -> Seen {
    let resolve = |text: &Text| match text {
        Text::Literal(value) => value.clone(),
        Text::Variable { raw, at } => vars.text(raw, at),
    };
    let path = |path: &HostPath| -> PathBuf {
        match path {
            HostPath::Variable { raw, at, folder } => {
                vars.path(raw, location_path(folder, location).to_str().unwrap(), at)
            }
            other => location_path(other, location),
        }
    };
    let mut seen = Seen {
        image: match &service.image {
            ImageModel::Reference(reference) => resolve(reference),
            ImageModel::Build { .. } => unreachable!("no builds are generated"),
        },
        command: service.command.as_ref().map(|c| resolved_words(c, vars)),
        entrypoint: service.entrypoint.as_ref().map(|c| resolved_words(c, vars)),
        working_dir: service.working_dir.as_ref().map(resolve),
        user: service.user.as_ref().map(resolve),
        depends_on: service.depends_on.iter().cloned().collect(),
        labels: service.labels.iter().map(|(k, v)| (k.clone(), resolve(v))).collect(),
        cap_add: service.extras.cap_add.iter().cloned().collect(),
        extra_hosts: service.extras.extra_hosts.iter().map(|(h, a)| format!("{h}:{}", resolve(a))).collect(),
        ..Seen::default()
    };
    for (key, value) in &service.env {
        let value = match value {
            EnvValue::Value(text) => Some(resolve(text)),
            EnvValue::FromHost => std::env::var(key).ok(),
        };
        if let Some(value) = value {
            seen.env.insert(key.clone(), value);
        }
    }
    for port in &service.ports {
        let host_port = port.host_port.as_ref().map(resolve).filter(|p| !p.is_empty()).map(|p| p.parse().unwrap());
        let ip = port.host_ip.as_ref().map(resolve).unwrap_or_default();
        seen.ports.insert((port.container, port.udp, ip, host_port));
    }
    for mount in &service.mounts {
        seen.volumes.insert(match mount {
            MountModel::Volume { name, target, read_only } => format!("{name}:{target}:{}", mode(*read_only)),
            MountModel::Bind { source, target, read_only } => {
                format!("{}:{target}:{}", path(source).display(), mode(*read_only))
            }
            MountModel::Tmpfs { .. } => unreachable!("no tmpfs is generated"),
        });
    }
    seen.healthcheck = service.healthcheck.as_ref().map(|h| (h.command.iter().map(resolve).collect(), h.interval));
    // `container_name` is one more alias of the container.
    seen.container_name = service.aliases.iter().map(resolve).find(|a| a.starts_with("named-"));
    seen
}

fn resolved_words(words: &Words, vars: &Variables) -> Vec<String> {
    match words {
        Words::List(list) => list
            .iter()
            .map(|text| match text {
                Text::Literal(value) => value.clone(),
                Text::Variable { raw, at } => vars.text(raw, at),
            })
            .collect(),
        Words::Line { raw, at } => vars.words(raw, at),
    }
}

fn location_path(path: &HostPath, location: &Location) -> PathBuf {
    match path {
        HostPath::InCrate(relative) => {
            let joined = location.manifest_dir.join(relative);
            if relative == "." {
                location.manifest_dir.clone()
            } else {
                joined
            }
        }
        HostPath::Absolute(path) => PathBuf::from(path),
        HostPath::Variable { .. } => unreachable!("a folder is never interpolated"),
    }
}

fn mode(read_only: bool) -> &'static str {
    if read_only {
        "ro"
    } else {
        "rw"
    }
}

fn check(case: &Case, dir: &Path) -> Result<(), TestCaseError> {
    std::fs::write(dir.join("docker-compose.yml"), &case.file).unwrap();
    let dotenv: String = case.dotenv.iter().map(|(k, v)| format!("{k}={v}\n")).collect();
    std::fs::write(dir.join(".env"), dotenv).unwrap();
    for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with(PREFIX)) {
        std::env::remove_var(key);
    }
    for (key, value) in &case.process {
        std::env::set_var(key, value);
    }
    let theirs = compose_config(dir, &case.process);
    let ours = seen_by_scenario(dir);
    match (theirs, ours) {
        (Ok(config), Ok(ours)) => {
            let theirs = seen_by_compose(&config);
            prop_assert_eq!(theirs, ours, "for\n{}", case.file);
        }
        (Err(compose), Err(scenario)) => {
            prop_assert!(compose.contains("needed") && scenario.contains("needed"), "{compose} / {scenario}");
        }
        (Ok(_), Err(scenario)) => prop_assert!(false, "compose accepts, the start fails: {scenario}\n{}", case.file),
        (Err(compose), Ok(_)) => prop_assert!(false, "compose refuses, the start would not: {compose}\n{}", case.file),
    }
    Ok(())
}

#[test]
fn the_reading_matches_compose_config() {
    let dir = std::env::temp_dir().join(format!("scenario-conformance-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cases = std::env::var("SCENARIO_CONFORMANCE_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(32);
    // Each case runs the compose tool (about 0.4 s of CPU): few shrink steps keep a failure's
    // report quick, and still small.
    let config = Config { cases, failure_persistence: None, max_shrink_iters: 48, ..Config::default() };
    let mut runner = TestRunner::new(config);
    let result = runner.run(&case(), |case| check(&case, &dir));
    std::fs::remove_dir_all(&dir).ok();
    if let Err(error) = result {
        panic!("{error}");
    }
}
