//! `#[scenario(compose = "docker-compose.yml")]`: compose files as a scenario, read when the
//! crate compiles. Each service becomes a container type in a `services` module inside the
//! scenario module (`env.get::<services::Web>()`), whose spec is built through the runtime like a
//! hand-written `#[container]`'s, so labels, reuse, staleness, the reaper and instances apply.
//!
//! Reading is sources -> file -> profiles -> model: `sources` finds the files (several, an
//! override beside one, a folder's default name), applies `include` and `extends` and merges the
//! files by compose's rules (`merge`), checking each file's keys with `keys`; `file` reads the
//! values with serde_norway; `profiles` leaves out the services of inactive profiles; `model`
//! resolves them (paths against the project folder, ports in `ports`, volumes, readiness from
//! healthchecks, ports and `depends_on` conditions; production keys in `extras`). Values written
//! with interpolation stay as written (`text`) and are resolved when the scenario starts, by
//! the runtime's `compose::Variables`. `lower` turns each service into the spec model that
//! `#[container]` lowers into too, and `expand` writes the code around it.

#[cfg(test)]
mod conformance;
mod expand;
mod extras;
mod file;
mod keys;
mod lower;
mod merge;
mod model;
#[cfg(test)]
mod never_panics;
mod ports;
mod profiles;
mod sources;
mod text;

use std::path::PathBuf;

use proc_macro2::TokenStream;
use syn::Expr;

use crate::errors::Errors;
pub(crate) use expand::{impls, paths, services_module, watch_files};
pub(crate) use extras::bytes;
use model::{HostPath, Location, ServiceModel};

/// `build_context(web = expr)`: the build folder of a service, computed by the test crate when
/// the scenario starts (for contexts that are made at run time, such as one holding a binary
/// cargo just built). The compose file's `build.dockerfile` and `args` still apply.
pub(crate) struct ComputedContext {
    pub service: String,
    /// The key as written, where an error about it is reported.
    pub key: TokenStream,
    pub expr: Expr,
}

/// What the attribute says about the compose files.
pub(crate) struct ComposeArgs<'a> {
    /// `compose = ...` as written (errors about the files are spanned on it).
    pub expr: &'a Expr,
    /// The files (or one folder), relative to the crate's folder.
    pub files: &'a [String],
    pub contexts: &'a [ComputedContext],
    pub instances: Option<u32>,
    /// `profiles = [...]`.
    pub profiles: &'a [String],
    /// `remap_ports`: fixed host ports are left to the engine.
    pub remap_ports: bool,
    /// `keep_restart`: the services' restart policies apply.
    pub keep_restart: bool,
    /// `allow_privileged`: `privileged: true` is accepted.
    pub allow_privileged: bool,
}

/// Compose files as far as they could be read.
pub(crate) struct Compose {
    /// The files as written in the attribute, for docs.
    pub written: String,
    /// The services read (also when some are invalid, so a stand-in expansion can name them).
    services: Vec<ServiceModel>,
    /// The project's folder, where the runtime reads `.env`.
    folder: HostPath,
    /// Files whose change must rebuild the crate: the compose files and their env files.
    watched: Vec<PathBuf>,
    /// Everything checked out: the services can be expanded for real.
    pub valid: bool,
}

/// Reads, checks and resolves the compose files of the attribute (relative to the crate's
/// folder). Every problem goes to `errors`, spanned on the files (or on a `build_context` key).
pub(crate) fn load(args: &ComposeArgs, errors: &mut Errors) -> Compose {
    let written = args.files.join(" + ");
    let before = errors.len();
    let mut compose = Compose {
        written: written.clone(),
        services: Vec::new(),
        folder: HostPath::InCrate(".".into()),
        watched: Vec::new(),
        valid: false,
    };
    let Some(manifest_dir) = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from) else {
        errors.spanned(
            args.expr,
            "CARGO_MANIFEST_DIR is not set: compose files are read relative to the crate, under cargo",
        );
        return compose;
    };
    let allowed: &[&str] = if args.allow_privileged { &["privileged"] } else { &[] };
    let sources = sources::read(args.files, &manifest_dir, allowed);
    for problem in &sources.problems {
        errors.spanned(args.expr, problem);
    }
    compose.watched.extend(sources.watched.iter().cloned());
    let Some(value) = sources.value else { return compose };
    let mut typed = match serde_norway::from_value::<file::ComposeFile>(value) {
        Ok(typed) => typed,
        Err(error) => {
            errors.spanned(args.expr, format!("{written}: {error}"));
            return compose;
        }
    };

    let location = Location { written: sources.project_file.clone(), manifest_dir };
    compose.folder = location.folder();
    let mut problems = Vec::new();
    let active = profiles::active(args.profiles, std::env::var("COMPOSE_PROFILES").ok().as_deref());
    if let Some(services) = typed.services.as_mut() {
        profiles::apply(services, &active, &mut problems);
    }
    let computed: Vec<String> = args.contexts.iter().map(|c| c.service.clone()).collect();
    let options = model::Options {
        computed_contexts: &computed,
        instances: args.instances,
        remap_ports: args.remap_ports,
        keep_restart: args.keep_restart,
        sites: &sources.sites,
    };
    let resolved = model::resolve(typed, &location, &options);
    for message in problems.into_iter().chain(resolved.errors) {
        errors.spanned(args.expr, format!("{written}: {message}"));
    }
    for context in args.contexts {
        if !resolved.services.iter().any(|s| s.name == context.service) {
            let names: Vec<&str> = resolved.services.iter().map(|s| s.name.as_str()).collect();
            let service = &context.service;
            let message = match crate::suggest::closest(service, &names) {
                Some(close) => format!("`{written}` has no service `{service}`; did you mean `{close}`?"),
                None => format!("`{written}` has no service `{service}` (its services: {})", names.join(", ")),
            };
            errors.spanned(&context.key, message);
        }
    }
    compose.watched.extend(resolved.env_files);
    compose.services = resolved.services;
    compose.valid = errors.len() == before;
    compose
}
