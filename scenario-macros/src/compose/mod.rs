//! `#[scenario(compose = "docker-compose.yml")]`: a compose file as a scenario, read when the
//! crate compiles. Each service becomes a container type in a `services` module inside the
//! scenario module (`env.get::<services::Web>()`), whose spec is built through the runtime like a
//! hand-written `#[container]`'s, so labels, reuse, staleness, the reaper and instances apply.
//!
//! Reading is keys -> file -> model: `keys` walks the YAML and reports every key outside the
//! supported subset and every `${VAR}` with its line; `file` reads the values with serde_yaml;
//! `model` resolves them (paths against the compose file's folder, env files, ports, volumes,
//! readiness from healthchecks, ports and `depends_on` conditions). `expand` writes the code.

mod expand;
mod file;
mod keys;
mod model;

use std::path::PathBuf;

use proc_macro2::TokenStream;
use syn::{Expr, LitStr};

use crate::errors::Errors;
pub(crate) use expand::{impls, paths, services_module, watch_files};
use model::{Location, ServiceModel};

/// `build_context(web = expr)`: the build folder of a service, computed by the test crate when
/// the scenario starts (for contexts that are made at run time, such as one holding a binary
/// cargo just built). The compose file's `build.dockerfile` and `args` still apply.
pub(crate) struct ComputedContext {
    pub service: String,
    /// The key as written, where an error about it is reported.
    pub key: TokenStream,
    pub expr: Expr,
}

/// A compose file as far as it could be read.
pub(crate) struct Compose {
    /// The path as written in the attribute.
    pub written: String,
    /// The services read (also when some are invalid, so a stand-in expansion can name them).
    services: Vec<ServiceModel>,
    /// Files whose change must rebuild the crate: the compose file and its env files.
    watched: Vec<PathBuf>,
    /// Everything checked out: the services can be expanded for real.
    pub valid: bool,
}

/// Reads, checks and resolves the compose file named by `lit` (relative to the crate's folder).
/// Every problem goes to `errors`, spanned on `lit` (or on a `build_context` key).
pub(crate) fn load(lit: &LitStr, contexts: &[ComputedContext], instances: Option<u32>, errors: &mut Errors) -> Compose {
    let written = lit.value();
    let before = errors.len();
    let mut compose = Compose { written: written.clone(), services: Vec::new(), watched: Vec::new(), valid: false };
    let Some(manifest_dir) = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from) else {
        errors.spanned(lit, "CARGO_MANIFEST_DIR is not set: compose files are read relative to the crate, under cargo");
        return compose;
    };
    let location = Location { written: written.clone(), manifest_dir };
    let path = location.absolute();
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) => {
            errors.spanned(
                lit,
                format!("cannot read the compose file `{written}`: {e} (the path is relative to the folder of the crate's Cargo.toml)"),
            );
            return compose;
        }
    };
    compose.watched.push(path);

    let walked = keys::walk(&text);
    for problem in &walked.problems {
        errors.spanned(lit, format!("{written}:{}:{}: {}", problem.line, problem.column, problem.message));
    }
    if let Some(error) = walked.yaml_error {
        errors.spanned(lit, format!("{written}: invalid YAML: {error}"));
        return compose;
    }
    let typed = if walked.merges {
        // serde_yaml leaves `<<` merge keys to the reader: apply them, then read the values.
        serde_yaml::from_str::<serde_yaml::Value>(&text).and_then(|mut value| {
            value.apply_merge()?;
            serde_yaml::from_value::<file::ComposeFile>(value)
        })
    } else {
        serde_yaml::from_str::<file::ComposeFile>(&text)
    };
    let typed = match typed {
        Ok(typed) => typed,
        Err(error) => {
            errors.spanned(lit, format!("{written}: {error}"));
            return compose;
        }
    };

    let computed: Vec<String> = contexts.iter().map(|c| c.service.clone()).collect();
    let resolved = model::resolve(typed, &location, &model::Options { computed_contexts: &computed, instances });
    for message in resolved.errors {
        errors.spanned(lit, format!("{written}: {message}"));
    }
    for context in contexts {
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
