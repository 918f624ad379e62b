//! What a container's spec says, in the terms of the runtime's `ContainerSpec` builder, with each
//! value in the form the generated code gets it: known when the macro runs, computed by the
//! user's Rust expression, or (from a compose file) interpolated when the spec is built.

use std::time::Duration;

use syn::{Expr, Ident, LitStr};

/// A string of the spec.
pub(crate) enum Value {
    /// Known when the macro runs: a literal the user wrote (errors point at it), or one read
    /// from a compose file.
    Literal(LitStr),
    /// A Rust expression of a string-like type, computed when the spec is built.
    Computed(Expr),
    /// A compose value written with interpolation (`${TAG:-16}`), resolved when the spec is
    /// built; `at` is where it was written (`compose.yml:12`), for the error naming it.
    Interpolated { raw: String, at: String },
}

impl Value {
    /// A value read from a file rather than written in Rust (it has no span of its own).
    pub(crate) fn known(value: &str) -> Value {
        Value::Literal(LitStr::new(value, proc_macro2::Span::call_site()))
    }
}

/// `cmd` and `entrypoint`.
pub(crate) enum Words {
    List(Vec<Value>),
    /// A compose line with interpolation: resolved, then split into words as a shell would.
    Interpolated {
        raw: String,
        at: String,
    },
}

/// A path on the host, as the generated code names it.
pub(crate) enum HostPath {
    /// Relative to the crate that declares the container (its `CARGO_MANIFEST_DIR`).
    InCrate(String),
    Absolute(String),
    /// A Rust expression giving the path, computed when the spec is built.
    Computed(Expr),
    /// A compose path written with interpolation, resolved relative to `folder`.
    Interpolated {
        raw: String,
        at: String,
        folder: Box<HostPath>,
    },
}

pub(crate) enum Image {
    Reference(Value),
    Build { context: HostPath, dockerfile: Option<Value>, args: Vec<(String, Value)> },
}

pub(crate) enum Mount {
    Volume { name: String, target: String, read_only: bool },
    Bind { source: HostPath, target: String, read_only: bool },
    Tmpfs { target: String, options: String },
}

/// A file or folder of the host copied in before the start.
pub(crate) struct CopyIn {
    /// `InCrate` or `Absolute`.
    pub source: HostPath,
    pub target: String,
}

pub(crate) struct Port {
    pub container: u16,
    pub udp: bool,
    pub host_ip: Option<Value>,
    pub host_port: Option<HostPort>,
}

pub(crate) enum HostPort {
    Fixed(u16),
    /// Written with interpolation, resolved when the spec is built.
    Interpolated {
        raw: String,
        at: String,
    },
}

pub(crate) struct HealthCheck {
    pub command: Vec<Value>,
    pub interval: Option<Duration>,
    pub timeout: Option<Duration>,
    pub start_period: Option<Duration>,
    pub retries: Option<u32>,
}

pub(crate) struct Readiness {
    pub kind: ReadyKind,
    pub timeout: Option<Duration>,
}

pub(crate) enum ReadyKind {
    None,
    Log { text: Value, times: Option<usize> },
    Port(u16),
    Http { port: u16, path: Value, status: Option<u16>, body: Option<Value> },
    Healthy,
    Completed,
    Exec(Vec<Value>),
    All(Vec<Readiness>),
    Any(Vec<Readiness>),
}

#[derive(Clone, Copy)]
pub(crate) enum Restart {
    Always,
    UnlessStopped,
    OnFailure(u32),
}

/// Everything one `ContainerSpec` is built from; each field is one kind of builder call.
pub(crate) struct Spec {
    pub image: Image,
    /// The `PullPolicy` variant.
    pub pull: Option<Ident>,
    pub cmd: Option<Words>,
    pub entrypoint: Option<Words>,
    /// Read when the spec is built, before `env` (which wins over them).
    pub env_files: Vec<HostPath>,
    pub env: Vec<(String, Value)>,
    /// Passed through from the test process's environment when it is set there.
    pub env_from_host: Vec<String>,
    pub working_dir: Option<Value>,
    pub user: Option<Value>,
    pub ports: Vec<Port>,
    pub mounts: Vec<Mount>,
    pub copies: Vec<CopyIn>,
    pub aliases: Vec<Value>,
    pub labels: Vec<(String, Value)>,
    pub healthcheck: Option<HealthCheck>,
    pub ready: Option<Readiness>,
    pub restart: Option<Restart>,
    pub init: bool,
    pub privileged: bool,
    pub stop_signal: Option<Value>,
    pub stop_timeout: Option<Duration>,
    /// `(host name, address)`.
    pub extra_hosts: Vec<(String, Value)>,
    pub shm_size: Option<i64>,
    /// `(name, soft, hard)`.
    pub ulimits: Vec<(String, i64, i64)>,
    pub cap_add: Vec<String>,
    pub cap_drop: Vec<String>,
    /// Bytes.
    pub memory: Option<i64>,
    pub cpus: Option<f64>,
    /// Compose's variables: where `.env` is read. Set whenever a value may be interpolated, so
    /// the spec is marked unusable when a variable cannot be resolved.
    pub variables: Option<HostPath>,
}

impl Spec {
    pub(crate) fn new(image: Image) -> Spec {
        Spec {
            image,
            pull: None,
            cmd: None,
            entrypoint: None,
            env_files: Vec::new(),
            env: Vec::new(),
            env_from_host: Vec::new(),
            working_dir: None,
            user: None,
            ports: Vec::new(),
            mounts: Vec::new(),
            copies: Vec::new(),
            aliases: Vec::new(),
            labels: Vec::new(),
            healthcheck: None,
            ready: None,
            restart: None,
            init: false,
            privileged: false,
            stop_signal: None,
            stop_timeout: None,
            extra_hosts: Vec::new(),
            shm_size: None,
            ulimits: Vec::new(),
            cap_add: Vec::new(),
            cap_drop: Vec::new(),
            memory: None,
            cpus: None,
            variables: None,
        }
    }
}
