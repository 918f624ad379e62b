//! The keys real compose files carry for production, and what each becomes in a test:
//!
//! - `restart`: not applied unless the attribute says `keep_restart`: tests see a crash rather
//!   than a restart that hides it.
//! - `logging`, `platform`: accepted and not applied. The runtime collects the logs; the
//!   engine's own platform is used.
//! - `pull_policy`: `always`, `missing` (`if_not_present`) and `never` become the container's
//!   pull policy; `build`, `daily`, `weekly` and `every_<duration>` are accepted and leave the
//!   default (`missing`).
//! - `container_name`, `hostname`: further names of the container on the instance's network
//!   (the scenario names the container itself, per instance).
//! - `stop_grace_period` is the stop's grace period; `stop_signal`, `init`, `extra_hosts`,
//!   `shm_size`, `ulimits`, `cap_add`, `cap_drop`, `mem_limit`, `cpus` and
//!   `deploy.resources.limits` apply as written (`deploy.resources.reservations` is a scheduling
//!   hint and is not applied).
//! - `privileged` is refused (by `keys`, with the reason) unless the attribute says
//!   `allow_privileged`; then it applies.
//! - `secrets` and `configs` backed by files: mounted read-only where compose mounts them,
//!   `/run/secrets/<name>` and `/<name>`, or at their `target`.

use std::collections::BTreeMap;
use std::time::Duration;

use super::file::{ComposeFile, FileObjectRef, ListOrMap, Scalar, Service, Ulimit};
use super::model::{go_duration, HostPath, Location, MountModel};
use super::text::{Sites, Text};

/// What the production keys of one service add to its container.
#[derive(Debug, Default, PartialEq)]
pub(super) struct Extras {
    /// The restart policy as read; applied only with `keep_restart`.
    pub restart: Option<RestartModel>,
    /// `privileged: true`, accepted only with `allow_privileged`.
    pub privileged: bool,
    pub init: bool,
    pub stop_signal: Option<Text>,
    pub stop_grace_period: Option<Duration>,
    /// `(name, address)`.
    pub extra_hosts: Vec<(String, Text)>,
    pub shm_size: Option<i64>,
    pub ulimits: Vec<(String, i64, i64)>,
    pub cap_add: Vec<String>,
    pub cap_drop: Vec<String>,
    pub memory: Option<i64>,
    pub cpus: Option<f64>,
    /// `container_name` and `hostname`, as network aliases.
    pub aliases: Vec<Text>,
    /// Secrets and configs.
    pub mounts: Vec<MountModel>,
    /// `pull_policy` as the runtime's `PullPolicy` variant name, where it maps onto one.
    pub pull: Option<&'static str>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum RestartModel {
    Always,
    UnlessStopped,
    OnFailure(u32),
}

/// The top-level secrets and configs: name -> file.
pub(super) struct FileObjects {
    secrets: BTreeMap<String, Option<HostPath>>,
    configs: BTreeMap<String, Option<HostPath>>,
}

impl FileObjects {
    pub fn of(compose: &ComposeFile, location: &Location, sites: &Sites, errors: &mut Vec<String>) -> FileObjects {
        let mut read = |kind: &str, defs: &Option<BTreeMap<String, Option<super::file::FileObjectDef>>>| {
            defs.iter()
                .flatten()
                .map(|(name, def)| {
                    let file = def.as_ref().and_then(|d| d.file.as_deref());
                    if file.is_none() {
                        errors.push(format!(
                            "{kind} `{name}` has no `file`; scenario supports {kind}s backed by files \
                             (external ones and ones from the environment would differ between machines)"
                        ));
                    }
                    let file = file.and_then(|f| match sites.fixed(f, &format!("the file of {kind} `{name}`")) {
                        Ok(path) => Some(location.resolve(&path)),
                        Err(e) => {
                            errors.push(e);
                            None
                        }
                    });
                    (name.clone(), file)
                })
                .collect()
        };
        FileObjects { secrets: read("secret", &compose.secrets), configs: read("config", &compose.configs) }
    }
}

pub(super) fn extras(
    service: &Service,
    objects: &FileObjects,
    sites: &Sites,
    problem: &mut impl FnMut(String),
) -> Extras {
    let mut extras =
        Extras { init: service.init == Some(true), privileged: service.privileged == Some(true), ..Extras::default() };
    if let Some(restart) = &service.restart {
        let (policy, retries) = restart.0.split_once(':').unwrap_or((&restart.0, "0"));
        extras.restart = match (policy, retries.parse::<u32>()) {
            ("no" | "false", _) => None,
            ("always", _) => Some(RestartModel::Always),
            ("unless-stopped", _) => Some(RestartModel::UnlessStopped),
            ("on-failure", Ok(n)) => Some(RestartModel::OnFailure(n)),
            _ => {
                problem(format!(
                    "`restart: {}` is not a restart policy (no, always, on-failure[:N], unless-stopped)",
                    restart.0
                ));
                None
            }
        };
    }
    if let Some(policy) = &service.pull_policy {
        extras.pull = match policy.as_str() {
            "always" => Some("Always"),
            "never" => Some("Never"),
            "missing" | "if_not_present" => Some("Missing"),
            "build" | "daily" | "weekly" => None,
            every if every.starts_with("every_") => None,
            _ => {
                problem(format!("`pull_policy: {policy}` is not a pull policy (always, never, missing, build, ...)"));
                None
            }
        };
    }
    extras.stop_signal = service.stop_signal.as_deref().map(|s| sites.text(s));
    if let Some(period) = &service.stop_grace_period {
        match go_duration(period) {
            Ok(period) => extras.stop_grace_period = Some(period),
            Err(e) => problem(format!("`stop_grace_period`: {e}")),
        }
    }
    match &service.extra_hosts {
        Some(ListOrMap::List(items)) => {
            for item in items {
                // `host:ip` (an IPv6 address has colons of its own) or `host=ip`.
                match item.0.split_once('=').or_else(|| item.0.split_once(':')) {
                    Some((host, address)) => extras.extra_hosts.push((host.to_string(), sites.text(address))),
                    None => problem(format!("extra_hosts entry `{}` is not `host:address`", item.0)),
                }
            }
        }
        Some(ListOrMap::Map(map)) => {
            for (host, address) in map {
                let address = address.as_ref().map_or(Text::Literal(String::new()), |a| sites.text(&a.0));
                extras.extra_hosts.push((host.clone(), address));
            }
        }
        None => {}
    }
    let mut size = |key: &str, value: &Option<Scalar>| {
        value.as_ref().and_then(|v| match bytes(&v.0) {
            Ok(n) => Some(n),
            Err(e) => {
                problem(format!("`{key}`: {e}"));
                None
            }
        })
    };
    extras.shm_size = size("shm_size", &service.shm_size);
    let limits = service.deploy.as_ref().and_then(|d| d.resources.as_ref()).and_then(|r| r.limits.as_ref());
    extras.memory = size("mem_limit", &service.mem_limit)
        .or(size("deploy.resources.limits.memory", &limits.and_then(|l| l.memory.clone())));
    let cpus = service.cpus.as_ref().or(limits.and_then(|l| l.cpus.as_ref()));
    if let Some(cpus) = cpus {
        match cpus.0.parse::<f64>() {
            Ok(n) if n > 0.0 => extras.cpus = Some(n),
            _ => problem(format!("`cpus: {}` is not a positive number of CPUs", cpus.0)),
        }
    }
    if let Some(pids) = limits.and_then(|l| l.pids.as_ref()) {
        problem(format!("`deploy.resources.limits.pids: {}` is not supported; the runtime sets no pids limit", pids.0));
    }
    for (name, limit) in service.ulimits.iter().flatten() {
        let (soft, hard) = match limit {
            Ulimit::Single(n) => (*n, *n),
            Ulimit::Pair { soft, hard } => (*soft, *hard),
        };
        extras.ulimits.push((name.clone(), soft, hard));
    }
    extras.cap_add = service.cap_add.clone().unwrap_or_default();
    extras.cap_drop = service.cap_drop.clone().unwrap_or_default();
    extras.aliases = service.container_name.iter().chain(&service.hostname).map(|n| sites.text(n)).collect();
    for (kind, refs, defined, folder) in [
        ("secret", &service.secrets, &objects.secrets, "/run/secrets/"),
        ("config", &service.configs, &objects.configs, "/"),
    ] {
        for reference in refs.iter().flatten() {
            let (source, target) = match reference {
                FileObjectRef::Name(name) => (name, None),
                FileObjectRef::Long { source, target, .. } => (source, target.as_deref()),
            };
            let target = match target {
                Some(target) if target.starts_with('/') => target.to_string(),
                Some(target) => format!("{folder}{target}"),
                None => format!("{folder}{source}"),
            };
            match defined.get(source) {
                Some(Some(file)) => {
                    extras.mounts.push(MountModel::Bind { source: file.clone(), target, read_only: true })
                }
                Some(None) => {}
                None => problem(format!("{kind} `{source}` is not declared under the top-level `{kind}s`")),
            }
        }
    }
    extras
}

/// Compose's byte sizes: `1024`, `64m`, `1.5g`, `512mb`, `2GB`.
/// A size in compose's units (`64m`, `1.5g`); also `#[container(memory = ...)]`'s.
pub(crate) fn bytes(text: &str) -> Result<i64, String> {
    let lower = text.trim().to_ascii_lowercase();
    let number_end = lower.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(lower.len());
    let (number, unit) = lower.split_at(number_end);
    let scale: i64 = match unit.trim_end_matches('b').trim_end_matches('i') {
        "" => 1,
        "k" => 1 << 10,
        "m" => 1 << 20,
        "g" => 1 << 30,
        "t" => 1 << 40,
        _ => return Err(format!("`{text}` is not a size (a number with b, k, m, g or t)")),
    };
    match number.parse::<f64>() {
        Ok(n) if n >= 0.0 => Ok((n * scale as f64).round() as i64),
        _ => Err(format!("`{text}` is not a size (a number with b, k, m, g or t)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pull_policy_maps_onto_the_runtimes_policies() {
        let compose: ComposeFile = serde_norway::from_str(
            "services:\n  a: {image: x, pull_policy: always}\n  b: {image: x, pull_policy: if_not_present}\n  \
             c: {image: x, pull_policy: never}\n  d: {image: x, pull_policy: build}\n  e: {image: x, pull_policy: sometimes}\n",
        )
        .unwrap();
        let location = Location { written: "docker-compose.yml".into(), manifest_dir: "/tmp".into() };
        let sites = Sites::default();
        let objects = FileObjects::of(&compose, &location, &sites, &mut Vec::new());
        let services = compose.services.as_ref().unwrap();
        let mut problems = Vec::new();
        let pulls: Vec<Option<&str>> = ["a", "b", "c", "d", "e"]
            .iter()
            .map(|name| {
                let service = services[*name].as_ref().unwrap();
                extras(service, &objects, &sites, &mut |p| problems.push(p)).pull
            })
            .collect();
        assert_eq!(pulls, [Some("Always"), Some("Missing"), Some("Never"), None, None]);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("`pull_policy: sometimes`"), "{problems:?}");
    }

    #[test]
    fn sizes_take_compose_units() {
        assert_eq!(bytes("1024").unwrap(), 1024);
        assert_eq!(bytes("64m").unwrap(), 64 << 20);
        assert_eq!(bytes("512MB").unwrap(), 512 << 20);
        assert_eq!(bytes("1.5g").unwrap(), 3 << 29);
        assert!(bytes("lots").is_err());
    }
}
