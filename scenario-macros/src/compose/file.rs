//! The supported subset of the compose specification as serde types, read with serde_norway.
//!
//! Keys are checked before this by `keys` (with their line numbers), so these types describe
//! the values only. Each takes every form compose allows for it: `"8080"` and `8080`,
//! `["A=1"]` and `{A: 1}`, a string or a list. These strings are as written: interpolation
//! (`${VAR}`) and compose's `$$` escape are still in them. `extends` and `include` were applied
//! before (`sources`), so they are not read here.
//!
//! docker-compose-types was tried first: its untagged `String` fields reject `ports: [8080]`,
//! numeric labels and build args, and its flattened extensions report every error inside a
//! service at the service's first line.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub(super) struct ComposeFile {
    pub services: Option<BTreeMap<String, Option<Service>>>,
    pub volumes: Option<BTreeMap<String, Option<VolumeDef>>>,
    pub networks: Option<BTreeMap<String, Option<NetworkDef>>>,
    pub secrets: Option<BTreeMap<String, Option<FileObjectDef>>>,
    pub configs: Option<BTreeMap<String, Option<FileObjectDef>>>,
}

/// A top-level secret or config: scenario supports the file-backed ones.
#[derive(Deserialize)]
pub(super) struct FileObjectDef {
    pub file: Option<String>,
}

/// A top-level volume: no keys are supported (`keys` rejects them), `data:` or `data: {}`.
#[derive(Deserialize)]
pub(super) struct VolumeDef {}

#[derive(Deserialize)]
pub(super) struct NetworkDef {
    pub driver: Option<String>,
}

#[derive(Deserialize, Default)]
pub(super) struct Service {
    pub image: Option<String>,
    pub build: Option<Build>,
    pub command: Option<StringOrList>,
    pub entrypoint: Option<StringOrList>,
    pub environment: Option<ListOrMap>,
    pub env_file: Option<StringOrList>,
    pub ports: Option<Vec<PortEntry>>,
    pub expose: Option<Vec<Scalar>>,
    pub depends_on: Option<DependsOn>,
    pub healthcheck: Option<Healthcheck>,
    pub volumes: Option<Vec<VolumeEntry>>,
    pub tmpfs: Option<StringOrList>,
    pub networks: Option<ServiceNetworks>,
    pub working_dir: Option<String>,
    pub user: Option<Scalar>,
    pub labels: Option<ListOrMap>,
    pub restart: Option<Scalar>,
    pub container_name: Option<String>,
    pub hostname: Option<String>,
    pub stop_grace_period: Option<String>,
    pub stop_signal: Option<String>,
    pub init: Option<bool>,
    /// Read only when the attribute allows it (`keys` refuses it otherwise).
    pub privileged: Option<bool>,
    pub extra_hosts: Option<ListOrMap>,
    pub shm_size: Option<Scalar>,
    pub ulimits: Option<BTreeMap<String, Ulimit>>,
    pub cap_add: Option<Vec<String>>,
    pub cap_drop: Option<Vec<String>>,
    pub pull_policy: Option<String>,
    pub mem_limit: Option<Scalar>,
    pub cpus: Option<Scalar>,
    pub deploy: Option<Deploy>,
    pub secrets: Option<Vec<FileObjectRef>>,
    pub configs: Option<Vec<FileObjectRef>>,
    pub profiles: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(untagged, expecting = "a limit (`65535`) or a map with `soft` and `hard`")]
pub(super) enum Ulimit {
    Single(i64),
    Pair { soft: i64, hard: i64 },
}

#[derive(Deserialize)]
pub(super) struct Deploy {
    pub resources: Option<Resources>,
}

#[derive(Deserialize)]
pub(super) struct Resources {
    pub limits: Option<Limits>,
}

#[derive(Deserialize)]
pub(super) struct Limits {
    pub cpus: Option<Scalar>,
    pub memory: Option<Scalar>,
    pub pids: Option<Scalar>,
}

/// A service's use of a secret or config: its name, or `source` with an optional `target`.
#[derive(Deserialize)]
#[serde(untagged, expecting = "a secret or config name, or a map with `source` and `target`")]
pub(super) enum FileObjectRef {
    Name(String),
    /// `uid`, `gid` and `mode` are accepted (by `keys`) and not read: a bind-mounted file keeps
    /// its own; compose ignores them too outside swarm.
    Long {
        source: String,
        target: Option<String>,
    },
}

#[derive(Deserialize)]
#[serde(untagged, expecting = "a build folder, or a map with `context`, `dockerfile` and `args`")]
pub(super) enum Build {
    Context(String),
    Full { context: Option<String>, dockerfile: Option<String>, args: Option<ListOrMap> },
}

#[derive(Deserialize)]
#[serde(untagged, expecting = "a string or a list of strings")]
pub(super) enum StringOrList {
    String(String),
    List(Vec<Scalar>),
}

/// `["KEY=value", "KEY"]` or `{KEY: value, KEY: null}`.
#[derive(Deserialize)]
#[serde(untagged, expecting = "a list of \"KEY=value\" strings or a map of KEY: value")]
pub(super) enum ListOrMap {
    List(Vec<Scalar>),
    Map(BTreeMap<String, Option<Scalar>>),
}

#[derive(Deserialize)]
#[serde(untagged, expecting = "a port (\"8080\", \"127.0.0.1:18080:8080/tcp\") or a map with `target`")]
pub(super) enum PortEntry {
    Short(Scalar),
    Long { target: u16, published: Option<Scalar>, host_ip: Option<String>, protocol: Option<String> },
}

#[derive(Deserialize)]
#[serde(untagged, expecting = "a list of services or a map of service: {condition: ...}")]
pub(super) enum DependsOn {
    List(Vec<String>),
    Map(BTreeMap<String, Option<DependsEntry>>),
}

#[derive(Deserialize)]
pub(super) struct DependsEntry {
    pub condition: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct Healthcheck {
    pub test: Option<StringOrList>,
    pub interval: Option<String>,
    pub timeout: Option<String>,
    pub retries: Option<u32>,
    pub start_period: Option<String>,
    pub disable: Option<bool>,
}

#[derive(Deserialize)]
#[serde(untagged, expecting = "a volume (\"data:/target\", \"./dir:/target:ro\") or a map with `type` and `target`")]
pub(super) enum VolumeEntry {
    Short(String),
    Long {
        #[serde(rename = "type")]
        kind: String,
        source: Option<String>,
        target: String,
        read_only: Option<bool>,
        tmpfs: Option<TmpfsOptions>,
    },
}

#[derive(Deserialize)]
pub(super) struct TmpfsOptions {
    pub size: Scalar,
}

#[derive(Deserialize)]
#[serde(untagged, expecting = "a list of networks or a map of network: {aliases: [...]}")]
pub(super) enum ServiceNetworks {
    List(Vec<String>),
    Map(BTreeMap<String, Option<ServiceNetwork>>),
}

#[derive(Deserialize)]
pub(super) struct ServiceNetwork {
    pub aliases: Option<Vec<String>>,
}

/// A YAML scalar as compose reads it: `8080`, `"8080"`, `true` and `1.5` are all text.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Scalar(pub String);

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Scalar, D::Error> {
        struct ScalarVisitor;
        impl Visitor<'_> for ScalarVisitor {
            type Value = Scalar;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string, number or boolean")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
        }
        deserializer.deserialize_any(ScalarVisitor)
    }
}

impl StringOrList {
    pub fn list(&self) -> Vec<String> {
        match self {
            StringOrList::String(s) => vec![s.clone()],
            StringOrList::List(items) => items.iter().map(|s| s.0.clone()).collect(),
        }
    }
}
