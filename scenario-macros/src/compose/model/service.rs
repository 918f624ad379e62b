//! One service of the file, read into its model against the file's top-level objects.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use syn::Ident;

use super::super::extras::{self, FileObjects};
use super::super::file::{self, StringOrList};
use super::super::ports::{exposed_port, port};
use super::super::text::{Sites, Text};
use super::dependencies::{self, Wait};
use super::health::healthcheck;
use super::image::image;
use super::mounts::mounts;
use super::values::{is_valid_name, pairs, words};
use super::{networks, EnvValue, HostPath, Location, Options, PortModel, ServiceModel};

/// What every service is read against.
pub(super) struct FileScope<'a> {
    pub location: &'a Location,
    pub options: &'a Options<'a>,
    pub objects: &'a FileObjects,
    /// The declared volumes, networks and services.
    pub volumes: &'a BTreeSet<String>,
    pub networks: &'a BTreeSet<String>,
    pub names: &'a BTreeSet<String>,
}

/// One service as read: its model (none without a usable image), and what the rules between
/// services and the rebuild need.
pub(super) struct Read {
    pub model: Option<ServiceModel>,
    /// Its env files as found on disk.
    pub env_files: Vec<PathBuf>,
    pub networks: BTreeSet<String>,
    pub waits: Vec<Wait>,
}

pub(super) fn read(
    name: &str,
    ty: Ident,
    service: file::Service,
    scope: &FileScope,
    problem: &mut impl FnMut(String),
) -> Read {
    let (location, options, sites) = (scope.location, scope.options, scope.options.sites);
    let computed = options.computed_contexts.iter().any(|c| c == name);
    let image = image(&service, computed, location, sites, problem);
    let command = service.command.as_ref().and_then(|c| words("command", c, sites, problem));
    let entrypoint = service.entrypoint.as_ref().and_then(|e| words("entrypoint", e, sites, problem));
    let (env_files, on_disk) = env_files(service.env_file.as_ref(), location, sites, problem);
    let mut env: BTreeMap<String, EnvValue> = BTreeMap::new();
    for (key, value) in pairs("environment", service.environment.as_ref(), problem) {
        env.insert(key, value.map_or(EnvValue::FromHost, |v| EnvValue::Value(sites.text(&v))));
    }
    let ports = ports(&service, options, sites, problem);
    let mut mounts = mounts(service.volumes.as_ref(), service.tmpfs.as_ref(), location, scope.volumes, sites, problem);
    let (networks, aliases) = networks::of_service(service.networks.as_ref(), scope.networks, sites, problem);
    let mut extras = extras::extras(&service, scope.objects, sites, problem);
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
    let mut labels = Vec::new();
    for (key, value) in pairs("labels", service.labels.as_ref(), problem) {
        if key.starts_with("dev.scenario.") {
            problem(format!("label `{key}`: labels under `dev.scenario.` are set by the runtime"));
        }
        labels.push((key, sites.text(&value.unwrap_or_default())));
    }
    let healthcheck = service.healthcheck.as_ref().and_then(|h| healthcheck(h, sites, problem));
    let (depends_on, waits) = dependencies::depends_on(name, service.depends_on.as_ref(), scope.names, problem);

    let model = image.map(|image| ServiceModel {
        name: name.to_string(),
        ty,
        image,
        command,
        entrypoint,
        env_files,
        env: env.into_iter().collect(),
        working_dir: service.working_dir.as_deref().map(|w| sites.text(w)),
        user: service.user.as_ref().map(|u| sites.text(&u.0)),
        ports,
        mounts,
        aliases,
        labels,
        extras,
        healthcheck,
        // Derived once every service is read, from what the others wait for.
        ready: super::ReadyModel::None,
        depends_on,
    });
    Read { model, env_files: on_disk, networks, waits }
}

/// Env files are read when the scenario starts (their values interpolate like the file's);
/// here only that they exist, and they rebuild the crate when edited. The paths as the
/// generated code names them, and as found on disk.
fn env_files(
    env_file: Option<&StringOrList>,
    location: &Location,
    sites: &Sites,
    problem: &mut impl FnMut(String),
) -> (Vec<HostPath>, Vec<PathBuf>) {
    let (mut paths, mut on_disk) = (Vec::new(), Vec::new());
    for path in env_file.into_iter().flat_map(StringOrList::list) {
        let path = match sites.fixed(&path, "an `env_file` path") {
            Ok(path) => location.resolve(&path),
            Err(e) => {
                problem(e);
                continue;
            }
        };
        let found = location.on_disk(&path);
        if !found.is_file() {
            problem(format!("env_file `{}` does not exist", found.display()));
        } else {
            on_disk.push(found);
        }
        paths.push(path);
    }
    (paths, on_disk)
}

/// `ports` and `expose`, with the attribute's rules for fixed host ports.
fn ports(
    service: &file::Service,
    options: &Options,
    sites: &Sites,
    problem: &mut impl FnMut(String),
) -> Vec<PortModel> {
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
    ports
}
