//! The whole file: its top-level objects (volumes, networks, secrets and configs), each service
//! read against them, and the rules between services.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use super::super::extras::FileObjects;
use super::super::file::ComposeFile;
use super::super::text::Sites;
use super::service::{self, FileScope};
use super::values::{is_valid_name, type_name};
use super::{dependencies, networks, Location, ServiceModel};

/// Everything read from the file: the services (also after errors, for the stand-in
/// expansion), the files whose change must rebuild the crate, and the problems.
pub(in crate::compose) struct Resolved {
    pub services: Vec<ServiceModel>,
    pub env_files: Vec<PathBuf>,
    pub errors: Vec<String>,
}

pub(in crate::compose) struct Options<'a> {
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

pub(in crate::compose) fn resolve(compose: ComposeFile, location: &Location, options: &Options) -> Resolved {
    let mut errors = Vec::new();
    let objects = FileObjects::of(&compose, location, options.sites, &mut errors);
    let volumes: BTreeSet<String> = compose.volumes.iter().flat_map(|v| v.keys().cloned()).collect();
    networks::check_drivers(compose.networks.as_ref(), &mut errors);
    let declared_networks: BTreeSet<String> = compose.networks.iter().flat_map(|n| n.keys().cloned()).collect();

    let services = compose.services.unwrap_or_default();
    if services.is_empty() {
        errors.push("the compose file has no services".into());
    }
    let names: BTreeSet<String> = services.keys().cloned().collect();
    let scope = FileScope {
        location,
        options,
        objects: &objects,
        volumes: &volumes,
        networks: &declared_networks,
        names: &names,
    };
    let (mut models, mut env_files, mut waits, mut networks_of) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
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
        let read = service::read(&name, ty, service.unwrap_or_default(), &scope, &mut problem);
        env_files.extend(read.env_files);
        waits.extend(read.waits);
        networks_of.push((name.clone(), read.networks));
        models.extend(read.model);
    }

    dependencies::derive_readiness(&mut models, &waits, &mut errors);
    networks::check_shared(&networks_of, &mut errors);
    // A dependency cycle is the scenario's compile-time check to report, as for `#[container]`s.
    Resolved { services: models, env_files, errors }
}
