//! From the typed compose file to the services `lower` turns into specs: every value resolved
//! (paths against the compose file's folder, ports and volumes parsed; interpolated values kept
//! as written for the start, see `text`), each service's readiness derived, and every rule the
//! runtime cannot honour reported.
//!
//! `resolve` walks the file and `service` reads one service; paths (`location`), images,
//! mounts, healthchecks, networks and dependencies each have a file of their own.

mod dependencies;
mod health;
mod image;
mod location;
mod mounts;
mod networks;
mod resolve;
mod service;
mod values;

use std::time::Duration;

use syn::Ident;

use super::extras::Extras;
pub(in crate::compose) use super::ports::PortModel;
use super::text::{Text, Words};
pub(in crate::compose) use health::go_duration;
pub(in crate::compose) use location::{normalise, Location};
pub(in crate::compose) use resolve::{resolve, Options};

/// A host path as the generated code names it.
#[derive(Clone, Debug, PartialEq)]
pub(in crate::compose) enum HostPath {
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
pub(in crate::compose) enum ImageModel {
    Reference(Text),
    Build { context: HostPath, dockerfile: Option<Text>, args: Vec<(String, Text)> },
}

#[derive(Debug, PartialEq)]
pub(in crate::compose) enum EnvValue {
    Value(Text),
    /// `- KEY` or `KEY:` with no value: passed through from the test process's environment when
    /// it is set there, as compose passes it through from the shell.
    FromHost,
}

#[derive(Debug, PartialEq)]
pub(in crate::compose) enum MountModel {
    Volume { name: String, target: String, read_only: bool },
    Bind { source: HostPath, target: String, read_only: bool },
    Tmpfs { target: String, options: String },
}

#[derive(Debug, PartialEq)]
pub(in crate::compose) struct HealthModel {
    /// Run as `CMD` (a `CMD-SHELL` test becomes `/bin/sh -c`, as Docker runs it).
    pub command: Vec<Text>,
    pub interval: Option<Duration>,
    pub timeout: Option<Duration>,
    pub retries: Option<u32>,
    pub start_period: Option<Duration>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub(in crate::compose) enum ReadyModel {
    None,
    Port(u16),
    Healthy,
    Completed,
}

#[derive(Debug)]
pub(in crate::compose) struct ServiceModel {
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
