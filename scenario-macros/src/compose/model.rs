//! From the typed compose file to the services `expand` turns into containers: every value
//! resolved (paths against the compose file's folder, ports and volumes parsed; interpolated
//! values kept as written for the start, see `text`), each service's readiness derived, and
//! every rule the runtime cannot honour reported.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};
use std::time::Duration;

use syn::Ident;

use super::extras::{self, Extras, FileObjects};
use super::file::{self, Build, ComposeFile, DependsOn, ListOrMap, ServiceNetworks, StringOrList, VolumeEntry};
pub(super) use super::ports::PortModel;
use super::ports::{exposed_port, port};
use super::text::{split_outside, unescape, Sites, Text, Words};
use crate::case::upper_camel_case;
use crate::duration::parse_duration;

/// A host path as the generated code names it.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum HostPath {
    /// Relative to the crate (`CARGO_MANIFEST_DIR`), already normalised (`compose/../x` -> `x`).
    InCrate(String),
    Absolute(String),
    /// Written with interpolation: resolved at the start, relative to `folder` (the project's).
    Variable {
        raw: String,
        at: String,
        folder: Box<HostPath>,
    },
}

#[derive(Debug, PartialEq)]
pub(super) enum ImageModel {
    Reference(Text),
    Build { context: HostPath, dockerfile: Option<Text>, args: Vec<(String, Text)> },
}

#[derive(Debug, PartialEq)]
pub(super) enum EnvValue {
    Value(Text),
    /// `- KEY` or `KEY:` with no value: passed through from the test process's environment when
    /// it is set there, as compose passes it through from the shell.
    FromHost,
}

#[derive(Debug, PartialEq)]
pub(super) enum MountModel {
    Volume { name: String, target: String, read_only: bool },
    Bind { source: HostPath, target: String, read_only: bool },
    Tmpfs { target: String, options: String },
}

#[derive(Debug, PartialEq)]
pub(super) struct HealthModel {
    /// Run as `CMD` (a `CMD-SHELL` test becomes `/bin/sh -c`, as Docker runs it).
    pub command: Vec<Text>,
    pub interval: Option<Duration>,
    pub timeout: Option<Duration>,
    pub retries: Option<u32>,
    pub start_period: Option<Duration>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum ReadyModel {
    None,
    Port(u16),
    Healthy,
    Completed,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Condition {
    Started,
    Healthy,
    Completed,
}

#[derive(Debug)]
pub(super) struct ServiceModel {
    pub name: String,
    pub ty: Ident,
    pub image: ImageModel,
    pub command: Option<Words>,
    pub entrypoint: Option<Words>,
    /// Read when the scenario starts, before `env` (which wins).
    pub env_files: Vec<HostPath>,
    pub env: Vec<(String, EnvValue)>,
    pub working_dir: Option<Text>,
    pub user: Option<Text>,
    pub ports: Vec<PortModel>,
    pub mounts: Vec<MountModel>,
    pub aliases: Vec<Text>,
    pub labels: Vec<(String, Text)>,
    pub extras: Extras,
    pub healthcheck: Option<HealthModel>,
    pub ready: ReadyModel,
    pub depends_on: Vec<String>,
}

/// Where the compose file is: the path as written (relative to the crate unless absolute) and
/// the crate's folder.
pub(super) struct Location {
    pub written: String,
    pub manifest_dir: PathBuf,
}

impl Location {
    /// The project's folder (the first compose file's), where `.env` is read.
    pub fn folder(&self) -> HostPath {
        self.resolve(".")
    }

    /// A path of the compose file (relative to the file's folder) as the generated code names it.
    pub fn resolve(&self, path: &str) -> HostPath {
        if Path::new(path).is_absolute() {
            return HostPath::Absolute(normalise(Path::new(path)));
        }
        let folder = Path::new(&self.written).parent().unwrap_or(Path::new(""));
        let joined = folder.join(path);
        if joined.is_absolute() {
            HostPath::Absolute(normalise(&joined))
        } else {
            HostPath::InCrate(normalise(&joined))
        }
    }

    fn on_disk(&self, path: &HostPath) -> PathBuf {
        match path {
            HostPath::InCrate(relative) => self.manifest_dir.join(relative),
            HostPath::Absolute(path) => PathBuf::from(path),
            HostPath::Variable { .. } => PathBuf::new(),
        }
    }
}

/// `a/./b/../c` -> `a/c`, lexically (the folders need not exist yet); `..` past the start stays.
pub(super) fn normalise(path: &Path) -> String {
    let mut parts: Vec<Component> = Vec::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir if matches!(parts.last(), Some(Component::Normal(_))) => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    let joined: PathBuf = parts.iter().collect();
    match joined.to_string_lossy().into_owned() {
        empty if empty.is_empty() => ".".into(),
        path => path,
    }
}

/// Everything read from the file: the services (also after errors, for the stand-in
/// expansion), the files whose change must rebuild the crate, and the problems.
pub(super) struct Resolved {
    pub services: Vec<ServiceModel>,
    pub env_files: Vec<PathBuf>,
    pub errors: Vec<String>,
}

pub(super) struct Options<'a> {
    /// Services whose build context the attribute computes (`build_context(web = ...)`).
    pub computed_contexts: &'a [String],
    pub instances: Option<u32>,
    /// `remap_ports`: fixed host ports are left to the engine (so instances can coexist).
    pub remap_ports: bool,
    /// `keep_restart`: the services' restart policies apply.
    pub keep_restart: bool,
    /// Where each interpolated value was written.
    pub sites: &'a Sites,
}

pub(super) fn resolve(compose: ComposeFile, location: &Location, options: &Options) -> Resolved {
    let mut errors = Vec::new();
    let mut env_files = Vec::new();
    let sites = options.sites;
    let objects = FileObjects::of(&compose, location, sites, &mut errors);
    let declared_volumes: BTreeSet<String> = compose.volumes.iter().flat_map(|v| v.keys().cloned()).collect();
    for (name, network) in compose.networks.iter().flatten() {
        if let Some(driver) = network.as_ref().and_then(|n| n.driver.as_deref()).filter(|d| *d != "bridge") {
            errors.push(format!(
                "network `{name}` asks for driver `{driver}`; scenario runs each instance on one bridge network"
            ));
        }
    }
    let declared_networks: BTreeSet<String> = compose.networks.iter().flat_map(|n| n.keys().cloned()).collect();

    let services = compose.services.unwrap_or_default();
    if services.is_empty() {
        errors.push("the compose file has no services".into());
    }
    let names: BTreeSet<String> = services.keys().cloned().collect();
    let mut models = Vec::new();
    let mut conditions: Vec<(String, String, Condition)> = Vec::new();
    let mut networks_of: Vec<(String, BTreeSet<String>)> = Vec::new();
    let mut types: BTreeMap<String, String> = BTreeMap::new();
    for (name, service) in services {
        let mut problem = |message: String| errors.push(format!("service `{name}`: {message}"));
        if !is_valid_name(&name) {
            problem("a service name is letters, digits, `_`, `.` and `-`, starting with a letter or digit".into());
        }
        let ty = type_name(&name);
        if let Some(other) = types.insert(ty.to_string(), name.clone()) {
            problem(format!("its type name `{ty}` is also the type name of service `{other}`; rename one of them"));
        }
        let service = service.unwrap_or_default();
        let computed = options.computed_contexts.contains(&name);
        let image = image(&service, computed, location, sites, &mut problem);
        let command = service.command.as_ref().and_then(|c| words("command", c, sites, &mut problem));
        let entrypoint = service.entrypoint.as_ref().and_then(|e| words("entrypoint", e, sites, &mut problem));

        // Env files are read when the scenario starts (their values interpolate like the
        // file's); here only that they exist, and they rebuild the crate when edited.
        let mut service_env_files = Vec::new();
        for path in service.env_file.iter().flat_map(StringOrList::list) {
            let path = match sites.fixed(&path, "an `env_file` path") {
                Ok(path) => location.resolve(&path),
                Err(e) => {
                    problem(e);
                    continue;
                }
            };
            let on_disk = location.on_disk(&path);
            if !on_disk.is_file() {
                problem(format!("env_file `{}` does not exist", on_disk.display()));
            } else {
                env_files.push(on_disk);
            }
            service_env_files.push(path);
        }
        let mut env: BTreeMap<String, EnvValue> = BTreeMap::new();
        for (key, value) in pairs("environment", service.environment.as_ref(), &mut problem) {
            env.insert(key, value.map_or(EnvValue::FromHost, |v| EnvValue::Value(sites.text(&v))));
        }

        let mut ports = Vec::new();
        for entry in service.ports.iter().flatten() {
            match port(entry, sites) {
                Ok(port) => ports.push(port),
                Err(e) => problem(e),
            }
        }
        for exposed in service.expose.iter().flatten() {
            match exposed_port(&exposed.0) {
                // Published on loopback too, so tests can reach it and readiness can probe it.
                Ok((container, udp)) => {
                    if !ports.iter().any(|p| p.container == container && p.udp == udp) {
                        ports.push(PortModel { container, udp, host_ip: None, host_port: None });
                    }
                }
                Err(e) => problem(e),
            }
        }
        if options.remap_ports {
            ports.iter_mut().for_each(|p| p.host_port = None);
        } else if options.instances.is_some_and(|n| n > 1) {
            for port in ports.iter().filter(|p| p.host_port.is_some()) {
                let fixed = match &port.host_port {
                    Some(Text::Literal(number)) => number.clone(),
                    Some(Text::Variable { raw, .. }) => raw.clone(),
                    None => continue,
                };
                problem(format!(
                    "host port {fixed} is fixed, so the scenario's instances would all claim it; \
                     publish the container port alone (e.g. \"{}\") to get a free host port per instance, \
                     or add `remap_ports` to the attribute to let the engine pick them",
                    port.container
                ));
            }
        }

        let mut mounts = Vec::new();
        for entry in service.volumes.iter().flatten() {
            match mount(entry, location, &declared_volumes, sites) {
                Ok(m) => mounts.push(m),
                Err(e) => problem(e),
            }
        }
        for target in service.tmpfs.iter().flat_map(StringOrList::list) {
            let target = unescape(&target);
            let (path, options) = target.split_once(':').unwrap_or((&target, ""));
            if path.starts_with('/') {
                mounts.push(MountModel::Tmpfs { target: path.into(), options: options.into() });
            } else {
                problem(format!("tmpfs `{target}` is not an absolute path in the container"));
            }
        }

        let (networks, aliases) = match &service.networks {
            None => (BTreeSet::from(["default".to_string()]), Vec::new()),
            Some(ServiceNetworks::List(list)) => (list.iter().cloned().collect(), Vec::new()),
            Some(ServiceNetworks::Map(map)) => {
                let aliases = map.values().flatten().flat_map(|n| n.aliases.iter().flatten()).map(|a| sites.text(a));
                (map.keys().cloned().collect(), aliases.collect::<Vec<Text>>())
            }
        };
        for network in &networks {
            if network != "default" && !declared_networks.contains(network) {
                problem(format!("network `{network}` is not declared under the top-level `networks`"));
            }
        }
        let mut extras = extras::extras(&service, &objects, sites, &mut problem);
        if !options.keep_restart {
            extras.restart = None;
        }
        let aliases: Vec<Text> = aliases.into_iter().chain(std::mem::take(&mut extras.aliases)).collect();
        mounts.append(&mut extras.mounts);
        for alias in aliases.iter().filter_map(Text::literal) {
            if !is_valid_name(alias) {
                problem(format!("alias `{alias}` is not a valid host name"));
            }
        }
        networks_of.push((name.clone(), networks));

        let mut labels = Vec::new();
        for (key, value) in pairs("labels", service.labels.as_ref(), &mut problem) {
            if key.starts_with("dev.scenario.") {
                problem(format!("label `{key}`: labels under `dev.scenario.` are set by the runtime"));
            }
            labels.push((key, sites.text(&value.unwrap_or_default())));
        }

        let healthcheck = service.healthcheck.as_ref().and_then(|h| healthcheck(h, sites, &mut problem));

        let mut depends_on = Vec::new();
        let dependencies: Vec<(String, Condition)> = match &service.depends_on {
            None => Vec::new(),
            Some(DependsOn::List(list)) => list.iter().map(|d| (d.clone(), Condition::Started)).collect(),
            Some(DependsOn::Map(map)) => map
                .iter()
                .filter_map(|(dependency, entry)| {
                    let condition = entry.as_ref().and_then(|e| e.condition.as_deref()).unwrap_or("service_started");
                    match condition {
                        "service_started" => Some((dependency.clone(), Condition::Started)),
                        "service_healthy" => Some((dependency.clone(), Condition::Healthy)),
                        "service_completed_successfully" => Some((dependency.clone(), Condition::Completed)),
                        other => {
                            problem(format!(
                                "unknown condition `{other}` for `{dependency}`; use service_started, \
                                 service_healthy or service_completed_successfully"
                            ));
                            None
                        }
                    }
                })
                .collect(),
        };
        for (dependency, condition) in dependencies {
            if dependency == name {
                problem("it depends on itself".into());
            } else if !names.contains(&dependency) {
                problem(format!("it depends on `{dependency}`, which is not a service of this file"));
            } else if !depends_on.contains(&dependency) {
                depends_on.push(dependency.clone());
                conditions.push((name.clone(), dependency, condition));
            }
        }

        let Some(image) = image else { continue };
        models.push(ServiceModel {
            name: name.clone(),
            ty,
            image,
            command,
            entrypoint,
            env_files: service_env_files,
            env: env.into_iter().collect(),
            working_dir: service.working_dir.as_deref().map(|w| sites.text(w)),
            user: service.user.as_ref().map(|u| sites.text(&u.0)),
            ports,
            mounts,
            aliases,
            labels,
            extras,
            healthcheck,
            ready: ReadyModel::None,
            depends_on,
        });
    }

    for service in &mut models {
        let wanted: Vec<(&str, Condition)> = conditions
            .iter()
            .filter(|(_, dependency, _)| *dependency == service.name)
            .map(|(dependent, _, condition)| (dependent.as_str(), *condition))
            .collect();
        let completed_by = wanted.iter().find(|(_, c)| *c == Condition::Completed);
        let healthy_by = wanted.iter().find(|(_, c)| *c == Condition::Healthy);
        service.ready = match (completed_by, healthy_by) {
            (Some((a, _)), Some((b, _))) => {
                errors.push(format!(
                    "service `{}`: `{a}` waits for it to complete while `{b}` waits for it to be healthy",
                    service.name
                ));
                ReadyModel::None
            }
            (Some(_), None) => ReadyModel::Completed,
            (None, Some(_)) => ReadyModel::Healthy,
            (None, None) if service.healthcheck.is_some() => ReadyModel::Healthy,
            (None, None) => {
                service.ports.iter().find(|p| !p.udp).map_or(ReadyModel::None, |p| ReadyModel::Port(p.container))
            }
        };
    }

    check_networks(&networks_of, &mut errors);
    check_cycles(&models, &mut errors);
    Resolved { services: models, env_files, errors }
}

/// The type of a service in `services`: `web` -> `Web`, `redis-cache` -> `RedisCache`.
pub(super) fn type_name(service: &str) -> Ident {
    let words: String = service.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
    let camel = upper_camel_case(&words);
    match syn::parse_str::<Ident>(&camel) {
        Ok(ident) if !camel.is_empty() => ident,
        _ => Ident::new(&format!("Service{camel}"), proc_macro2::Span::call_site()),
    }
}

fn is_valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

fn image(
    service: &file::Service,
    computed: bool,
    location: &Location,
    sites: &Sites,
    problem: &mut impl FnMut(String),
) -> Option<ImageModel> {
    match (&service.image, &service.build) {
        (Some(_), Some(_)) => {
            problem(
                "it has both `image` and `build`; scenario tags the images it builds by their content \
                 (`scenario-build/<folder>:<hash>`), so remove `image`"
                    .into(),
            );
            None
        }
        (None, None) => {
            problem("it has neither `image` nor `build`".into());
            None
        }
        (Some(reference), None) => {
            if computed {
                problem("`build_context` names it, but it has no `build`".into());
            }
            Some(ImageModel::Reference(sites.text(reference)))
        }
        (None, Some(build)) => {
            let (context, dockerfile, args) = match build {
                Build::Context(context) => (Some(context.clone()), None, None),
                Build::Full { context, dockerfile, args } => (context.clone(), dockerfile.clone(), args.as_ref()),
            };
            let context = match sites.fixed(context.as_deref().unwrap_or("."), "the build context") {
                Ok(context) => context,
                Err(e) => {
                    problem(e);
                    return None;
                }
            };
            if context.contains("://") || context.starts_with("git@") {
                problem(format!("build context `{context}` is a URL; scenario builds from folders only"));
            }
            let mut build_args = Vec::new();
            for (key, value) in pairs("build.args", args, problem) {
                match value {
                    Some(value) => build_args.push((key, sites.text(&value))),
                    None => problem(format!("build argument `{key}` has no value")),
                }
            }
            Some(ImageModel::Build {
                context: location.resolve(&context),
                dockerfile: dockerfile.as_deref().map(|d| sites.text(d)),
                args: build_args,
            })
        }
    }
}

/// `command` and `entrypoint`: a list as it is, a string split the way a shell splits words
/// (after interpolation, so at the start when it has variables).
fn words(key: &str, value: &StringOrList, sites: &Sites, problem: &mut impl FnMut(String)) -> Option<Words> {
    match value {
        StringOrList::List(items) => Some(Words::List(items.iter().map(|s| sites.text(&s.0)).collect())),
        StringOrList::String(line) => match (shlex::split(line), sites.text(line)) {
            (Some(_), Text::Variable { raw, at }) => Some(Words::Line { raw, at }),
            (Some(words), Text::Literal(_)) => Some(Words::List(words.iter().map(|w| sites.text(w)).collect())),
            (None, _) => {
                problem(format!("`{key}` has unbalanced quotes: `{line}`"));
                None
            }
        },
    }
}

/// `["K=v", "K"]` or `{K: v, K: null}` as (key, value) pairs; a key alone has no value.
fn pairs(key: &str, value: Option<&ListOrMap>, problem: &mut impl FnMut(String)) -> Vec<(String, Option<String>)> {
    let pairs: Vec<(String, Option<String>)> = match value {
        None => Vec::new(),
        Some(ListOrMap::List(items)) => items
            .iter()
            .map(|item| match item.0.split_once('=') {
                Some((k, v)) => (k.to_string(), Some(v.to_string())),
                None => (item.0.clone(), None),
            })
            .collect(),
        Some(ListOrMap::Map(map)) => map.iter().map(|(k, v)| (k.clone(), v.as_ref().map(|v| v.0.clone()))).collect(),
    };
    pairs
        .into_iter()
        .filter(|(k, _)| {
            let empty = k.trim().is_empty();
            if empty {
                problem(format!("`{key}` has an entry without a name"));
            }
            !empty
        })
        .collect()
}

fn mount(
    entry: &VolumeEntry,
    location: &Location,
    declared: &BTreeSet<String>,
    sites: &Sites,
) -> Result<MountModel, String> {
    let named = |name: &str, target: String, read_only: bool| {
        if declared.contains(name) {
            Ok(MountModel::Volume { name: name.to_string(), target, read_only })
        } else {
            Err(format!("volume `{name}` is not declared under the top-level `volumes`"))
        }
    };
    // An interpolated source (`${DATA_DIR:-./data}`) is taken for a host path.
    let bind = |source: &str, target: String, read_only: bool| {
        if source.starts_with('~') {
            return Err(format!(
                "bind mount `{source}`: `~` is not expanded; write the path relative to the compose file"
            ));
        }
        let source = match sites.text(source) {
            Text::Literal(path) => location.resolve(&path),
            Text::Variable { raw, at } => HostPath::Variable { raw, at, folder: Box::new(location.folder()) },
        };
        Ok(MountModel::Bind { source, target, read_only })
    };
    match entry {
        VolumeEntry::Short(text) => {
            let parts = split_outside(text, ':');
            let (source, target, mode) = match parts.as_slice() {
                [target] => {
                    return Err(format!(
                        "`{target}` is an anonymous volume; name it (`data:{target}`) and declare it under the \
                         top-level `volumes`"
                    ))
                }
                [source, target] => (*source, *target, "rw"),
                [source, target, mode] => (*source, *target, *mode),
                _ => return Err(format!("volume `{text}` is not `SOURCE:TARGET[:MODE]`")),
            };
            let read_only = match mode {
                "ro" => true,
                "rw" => false,
                other => return Err(format!("volume `{text}`: mode `{other}` is not supported; use ro or rw")),
            };
            let target = sites.fixed(target, "the target of a volume")?;
            if !target.starts_with('/') {
                return Err(format!("volume `{text}`: the target must be an absolute path in the container"));
            }
            if source.starts_with(['.', '/', '~', '$']) {
                bind(source, target, read_only)
            } else {
                named(&sites.fixed(source, "a volume name")?, target, read_only)
            }
        }
        VolumeEntry::Long { kind, source, target, read_only, tmpfs } => {
            let read_only = read_only.unwrap_or(false);
            let target = sites.fixed(target, "the target of a volume")?;
            if tmpfs.is_some() && kind != "tmpfs" {
                return Err(format!("volume `{target}`: `tmpfs` options belong to `type: tmpfs`"));
            }
            match (kind.as_str(), source.as_deref()) {
                ("volume", Some(source)) => named(&sites.fixed(source, "a volume name")?, target, read_only),
                ("volume", None) => {
                    Err(format!("volume `{target}` is anonymous; give it a `source` declared under `volumes`"))
                }
                ("bind", Some(source)) => bind(source, target, read_only),
                ("bind", None) => Err(format!("bind mount `{target}` has no `source`")),
                ("tmpfs", _) => Ok(MountModel::Tmpfs {
                    target,
                    options: tmpfs.as_ref().map(|t| format!("size={}", t.size.0)).unwrap_or_default(),
                }),
                (other, _) => Err(format!("volume type `{other}` is not supported; use volume, bind or tmpfs")),
            }
        }
    }
}

fn healthcheck(check: &file::Healthcheck, sites: &Sites, problem: &mut impl FnMut(String)) -> Option<HealthModel> {
    if check.disable == Some(true) {
        problem("`healthcheck.disable` (turning off the image's healthcheck) is not supported".into());
        return None;
    }
    let command = match &check.test {
        None => {
            problem("a `healthcheck` without `test` (tuning the image's own) is not supported; give `test`".into());
            return None;
        }
        Some(StringOrList::String(line)) => vec![shell(), Text::Literal("-c".into()), sites.text(line)],
        Some(StringOrList::List(items)) => {
            let kind = items.first().map(|k| k.0.as_str());
            let rest = items.get(1..).unwrap_or_default();
            match (kind, rest) {
                (Some("CMD"), rest) if !rest.is_empty() => rest.iter().map(|s| sites.text(&s.0)).collect(),
                (Some("CMD-SHELL"), [line]) => vec![shell(), Text::Literal("-c".into()), sites.text(&line.0)],
                (Some("NONE"), _) => {
                    problem("a `NONE` healthcheck (turning off the image's) is not supported".into());
                    return None;
                }
                _ => {
                    problem("`healthcheck.test` is `[\"CMD\", ...]`, `[\"CMD-SHELL\", \"...\"]` or a string".into());
                    return None;
                }
            }
        }
    };
    let mut duration = |key: &str, value: &Option<String>| {
        value.as_deref().and_then(|text| match go_duration(text) {
            Ok(d) => Some(d),
            Err(e) => {
                problem(format!("`healthcheck.{key}`: {e}"));
                None
            }
        })
    };
    Some(HealthModel {
        command,
        interval: duration("interval", &check.interval),
        timeout: duration("timeout", &check.timeout),
        start_period: duration("start_period", &check.start_period),
        retries: check.retries,
    })
}

fn shell() -> Text {
    Text::Literal("/bin/sh".into())
}

/// Compose durations: `1m30s`, `500ms`, `10s` (units run together, as Go writes them).
pub(super) fn go_duration(text: &str) -> Result<Duration, String> {
    let mut total = Duration::ZERO;
    let mut rest = text.trim();
    if rest.is_empty() {
        return Err("an empty duration".into());
    }
    while !rest.is_empty() {
        let number_end = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        let unit_end =
            rest[number_end..].find(|c: char| c.is_ascii_digit() || c == '.').map_or(rest.len(), |e| number_end + e);
        total += parse_duration(&rest[..unit_end])?;
        rest = &rest[unit_end..];
    }
    Ok(total)
}

/// Flattening the file's networks onto the instance's one network is exact only when every two
/// services share a network (then each already reaches the other); otherwise it would let
/// services talk that compose keeps apart, so it is refused.
fn check_networks(networks_of: &[(String, BTreeSet<String>)], errors: &mut Vec<String>) {
    for (i, (a, a_networks)) in networks_of.iter().enumerate() {
        for (b, b_networks) in &networks_of[i + 1..] {
            if a_networks.is_disjoint(b_networks) {
                errors.push(format!(
                    "services `{a}` and `{b}` share no network; scenario runs each instance on one network, \
                     so it cannot keep them apart: put them on a common network"
                ));
                return;
            }
        }
    }
}

fn check_cycles(services: &[ServiceModel], errors: &mut Vec<String>) {
    fn visit<'a>(
        at: &'a ServiceModel,
        all: &'a [ServiceModel],
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) -> Option<String> {
        if let Some(start) = path.iter().position(|p| *p == at.name) {
            let mut cycle: Vec<&str> = path[start..].to_vec();
            cycle.push(&at.name);
            return Some(cycle.join(" -> "));
        }
        if done.contains(at.name.as_str()) {
            return None;
        }
        path.push(&at.name);
        for dependency in &at.depends_on {
            if let Some(next) = all.iter().find(|s| s.name == *dependency) {
                if let Some(cycle) = visit(next, all, path, done) {
                    return Some(cycle);
                }
            }
        }
        path.pop();
        done.insert(&at.name);
        None
    }
    let mut done = BTreeSet::new();
    for service in services {
        if let Some(cycle) = visit(service, services, &mut Vec::new(), &mut done) {
            errors.push(format!("dependency cycle: {cycle}; remove one of these `depends_on`"));
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn location() -> Location {
        Location { written: "compose/docker-compose.yml".into(), manifest_dir: PathBuf::from("/crate") }
    }

    #[test]
    fn paths_resolve_against_the_compose_folder() {
        let at = location();
        assert_eq!(at.resolve("../images/postgres"), HostPath::InCrate("images/postgres".into()));
        assert_eq!(at.resolve("./fixtures"), HostPath::InCrate("compose/fixtures".into()));
        assert_eq!(at.resolve("."), HostPath::InCrate("compose".into()));
        assert_eq!(at.resolve("../../outside"), HostPath::InCrate("../outside".into()));
        assert_eq!(at.resolve("/srv/x/../y"), HostPath::Absolute("/srv/y".into()));
    }

    #[test]
    fn go_durations_run_units_together() {
        assert_eq!(go_duration("1m30s").unwrap(), Duration::from_secs(90));
        assert_eq!(go_duration("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(go_duration("2s").unwrap(), Duration::from_secs(2));
        assert!(go_duration("soon").is_err());
    }

    #[test]
    fn type_names_are_upper_camel_case() {
        assert_eq!(type_name("web").to_string(), "Web");
        assert_eq!(type_name("redis-cache").to_string(), "RedisCache");
        assert_eq!(type_name("db.primary_2").to_string(), "DbPrimary2");
        assert_eq!(type_name("2fa").to_string(), "Service2fa");
        assert_eq!(type_name("self").to_string(), "ServiceSelf");
    }
}
