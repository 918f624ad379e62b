//! The compose reader never panics, whatever the file holds: valid files mutated character by
//! character, and random YAML built from compose's keys and awkward values, go through reading,
//! merging, key checks and resolving; every outcome is a list of problems or services. Ignored
//! in the default run (many cases); scripts/test.sh runs it with `--ignored`.

use std::sync::atomic::{AtomicU32, Ordering::Relaxed};

use proptest::prelude::*;
use serde_norway::{Mapping, Value};

use super::model::{self, Location};
use super::{file, sources};
use crate::never_panics::{CASES, REACHED};

const BASES: &[&str] = &[
    include_str!("../../../tests/ui/compose/all-keys.yml"),
    include_str!("../../../examples/compose/docker-compose.yml"),
];

const KEYS: &[&str] = &[
    "services",
    "image",
    "build",
    "context",
    "dockerfile",
    "args",
    "command",
    "entrypoint",
    "environment",
    "env_file",
    "ports",
    "expose",
    "volumes",
    "tmpfs",
    "networks",
    "aliases",
    "depends_on",
    "condition",
    "healthcheck",
    "test",
    "interval",
    "timeout",
    "retries",
    "start_period",
    "restart",
    "container_name",
    "hostname",
    "init",
    "stop_signal",
    "stop_grace_period",
    "extra_hosts",
    "shm_size",
    "ulimits",
    "soft",
    "hard",
    "cap_add",
    "cap_drop",
    "mem_limit",
    "cpus",
    "deploy",
    "resources",
    "limits",
    "reservations",
    "memory",
    "pids",
    "profiles",
    "include",
    "extends",
    "service",
    "file",
    "secrets",
    "configs",
    "target",
    "published",
    "host_ip",
    "protocol",
    "mode",
    "type",
    "source",
    "read_only",
    "privileged",
    "labels",
    "x-custom",
    "<<",
    "web",
    "db",
    "",
];

const SCALARS: &[&str] = &[
    "",
    " ",
    "0",
    "-1",
    "65536",
    "1e400",
    "NaN",
    ".inf",
    "0.5",
    "-0.5",
    "80",
    "80:80",
    "127.0.0.1:8080:80/tcp",
    "8080-8090:80",
    "a:b:c:d",
    ":",
    "/",
    "./x",
    "../../..",
    "${X}",
    "${X:-d}",
    "${X?required}",
    "$$",
    "$",
    "${",
    "1m30s",
    "1h",
    "0s",
    "-1s",
    "64m",
    "1.5g",
    "lots",
    "SIGKILL",
    "always",
    "on-failure:3",
    "no",
    "true",
    "service_healthy",
    "CMD-SHELL",
    "é",
    "\0",
    "~",
    "null",
    "[",
    "{",
    "*x",
    "&a",
    "!!binary x",
];

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        (0..SCALARS.len()).prop_map(|i| Value::String(SCALARS[i].to_string())),
        any::<i64>().prop_map(|n| Value::Number(n.into())),
        any::<f64>().prop_map(|n| Value::Number(n.into())),
        any::<bool>().prop_map(Value::Bool),
        Just(Value::Null),
    ]
}

fn yaml() -> impl Strategy<Value = Value> {
    scalar().prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Sequence),
            prop::collection::vec((0..KEYS.len(), inner), 0..6).prop_map(|entries| {
                let mut map = Mapping::new();
                for (key, value) in entries {
                    map.insert(Value::String(KEYS[key].to_string()), value);
                }
                Value::Mapping(map)
            }),
        ]
    })
}

/// A compose-shaped file: `services` with random services, or any YAML at all.
fn file_text() -> impl Strategy<Value = String> {
    let shaped = prop::collection::vec((0..KEYS.len(), yaml()), 0..4).prop_map(|services| {
        let mut all = Mapping::new();
        for (name, service) in services {
            all.insert(Value::String(KEYS[name].to_string()), service);
        }
        let mut top = Mapping::new();
        top.insert(Value::String("services".into()), Value::Mapping(all));
        serde_norway::to_string(&Value::Mapping(top)).unwrap_or_default()
    });
    let mutated = (0..BASES.len(), prop::collection::vec((0..4000usize, prop::option::of(any::<char>())), 1..6))
        .prop_map(|(base, edits)| {
            let mut chars: Vec<char> = BASES[base].chars().collect();
            for (at, replacement) in edits {
                let at = at % chars.len().max(1);
                match replacement {
                    Some(c) if at < chars.len() => chars[at] = c,
                    _ if at < chars.len() => {
                        chars.remove(at);
                    }
                    _ => {}
                }
            }
            chars.into_iter().collect::<String>()
        });
    let any_yaml = yaml().prop_map(|v| serde_norway::to_string(&v).unwrap_or_default());
    prop_oneof![shaped, mutated, any_yaml]
}

static READ: AtomicU32 = AtomicU32::new(0);
static RESOLVED: AtomicU32 = AtomicU32::new(0);

/// What `load` does with one file, minus the compile errors it turns the problems into.
fn read_and_resolve(dir: &std::path::Path, text: &str) {
    std::fs::write(dir.join("docker-compose.yml"), text).unwrap();
    READ.fetch_add(1, Relaxed);
    let sources = sources::read(&["docker-compose.yml".to_string()], dir, &[]);
    let Some(value) = sources.value else { return };
    let Ok(mut typed) = serde_norway::from_value::<file::ComposeFile>(value) else { return };
    let mut problems = Vec::new();
    if let Some(services) = typed.services.as_mut() {
        super::profiles::apply(services, &["dev".to_string()], &mut problems);
    }
    let location = Location { written: "docker-compose.yml".into(), manifest_dir: dir.to_path_buf() };
    let options = model::Options {
        computed_contexts: &[],
        instances: Some(2),
        remap_ports: true,
        keep_restart: false,
        sites: &sources.sites,
    };
    let resolved = model::resolve(typed, &location, &options);
    if resolved.errors.is_empty() && problems.is_empty() {
        RESOLVED.fetch_add(1, Relaxed);
    }
}

#[test]
#[ignore = "16,000 cases; scripts/test.sh runs it"]
fn compose_reading_never_panics() {
    let dir = std::env::temp_dir().join(format!("scn-compose-fuzz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = ProptestConfig { cases: CASES, failure_persistence: None, ..ProptestConfig::default() };
    let result = proptest::test_runner::TestRunner::new(config).run(&file_text(), |text| {
        read_and_resolve(&dir, &text);
        Ok(())
    });
    std::fs::remove_dir_all(&dir).unwrap();
    result.unwrap();
    let (read, resolved) = (READ.load(Relaxed), RESOLVED.load(Relaxed));
    println!("compose: {read} files read, {resolved} resolved without problems");
    assert!(read >= REACHED, "only {read} files read");
    assert!(resolved > 0 && resolved < read, "{resolved} of {read} resolved cleanly");
}
