//! The runtime's errors: each names the container or resource at fault, what was expected and,
//! where a container was involved, the tail of its logs.

use std::path::PathBuf;
use std::time::Duration;

/// Result alias used throughout the runtime.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong while configuring, starting, probing or tearing down containers.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No engine answered at the endpoint.
    #[error(
        "cannot reach the Docker engine at {endpoint}: {reason}\n  \
         hint: start the engine (`systemctl start docker`, or `dockerd &` as root), or point \
         DOCKER_HOST at a running one; `docker info` shows what the CLI sees"
    )]
    EngineUnreachable {
        /// The engine's address, e.g. `unix:///var/run/docker.sock`.
        endpoint: String,
        /// Why the connection failed.
        reason: String,
    },

    /// The engine's configuration (DOCKER_HOST, a docker context, SCENARIO_DOCKER_HOSTS) cannot be used.
    #[error("the Docker engine configured by {origin} cannot be used: {reason}")]
    EngineConfig {
        /// Where the configuration came from, e.g. `DOCKER_HOST`.
        origin: String,
        /// What is wrong with it.
        reason: String,
    },

    /// Nothing named an engine and no default socket answered.
    #[error(
        "no Docker engine found; looked at:\n{tried}\n  \
         hint: start one (`systemctl start docker`), or name it: DOCKER_HOST=unix:///PATH or \
         tcp://HOST:2376 (with DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH), or `docker context use NAME`; \
         `cargo scenario doctor` shows what was tried"
    )]
    EngineNotFound {
        /// The places looked at, one per line.
        tried: String,
    },

    /// The image is neither on the engine nor pullable.
    #[error(
        "image `{reference}` is not on the engine and could not be pulled from {registry}: {reason}\n  \
         hint: build or load it first (`docker image ls {reference}`), or declare the container \
         with a build context instead of an image reference"
    )]
    ImageMissing {
        /// The image reference as declared.
        reference: String,
        /// The registry the pull went to.
        registry: String,
        /// Why it was not pulled.
        reason: String,
    },

    /// Building an image from a context folder failed.
    #[error(
        "building the image of `{context}` failed: {reason}\n--- last lines of the build output ---\n{output_tail}"
    )]
    BuildFailed {
        /// The build context folder.
        context: PathBuf,
        /// Why the build failed.
        reason: String,
        /// The last lines of the build output.
        output_tail: String,
    },

    /// A build context's ignore file has a pattern Docker would reject.
    #[error("cannot use the ignore file `{file}` of a build context: {reason}")]
    InvalidIgnoreFile {
        /// The ignore file (`.dockerignore`).
        file: PathBuf,
        /// What is wrong with it.
        reason: String,
    },

    /// The readiness strategy did not succeed within its timeout.
    #[error(
        "container `{container}` was not ready after {waited:?}: still waiting for {strategy}{last_probe}\n\
         --- last log lines of {container} ---\n{log_tail}"
    )]
    ReadinessTimeout {
        /// The container's name.
        container: String,
        /// The readiness strategy still waited for.
        strategy: String,
        /// How long the runtime waited.
        waited: Duration,
        /// What the last probe saw, if it saw anything worth telling (", last probe: ...").
        last_probe: String,
        /// The last lines of the container's logs.
        log_tail: String,
    },

    /// The container stopped while the runtime waited for it to become ready.
    #[error(
        "container `{container}` exited with code {exit_code} while waiting for {strategy}\n\
         --- last log lines of {container} ---\n{log_tail}"
    )]
    ContainerExited {
        /// The container's name.
        container: String,
        /// The code it exited with.
        exit_code: i64,
        /// The readiness strategy that was waited for.
        strategy: String,
        /// The last lines of the container's logs.
        log_tail: String,
    },

    /// The kernel killed the container for exceeding its memory limit.
    #[error(
        "container `{container}` was OOM-killed {when}: it used more memory than its limit, {limit}\n  \
         hint: raise `memory` (compose: `mem_limit`, `deploy.resources.limits.memory`) or make it use less\n\
         --- last log lines of {container} ---\n{log_tail}"
    )]
    OomKilled {
        /// The container's name.
        container: String,
        /// When it was killed, e.g. "during the test".
        when: &'static str,
        /// Its memory limit, or a note that it had none of its own.
        limit: String,
        /// The last lines of the container's logs.
        log_tail: String,
    },

    /// A host port was asked for a container port the spec does not publish.
    #[error("container `{container}` does not publish port {port}; it publishes: {published}")]
    PortNotExposed {
        /// The container's name.
        container: String,
        /// The container port asked for.
        port: String,
        /// The ports the container does publish.
        published: String,
    },

    /// Another container already holds the deterministic name.
    #[error(
        "a container named `{name}` already exists (id {existing_id}){detail}\n  \
         hint: another run of the same scenario holds it; remove it with `docker rm -f {name}`"
    )]
    NameConflict {
        /// The contested name.
        name: String,
        /// The id of what holds it, empty if unknown.
        existing_id: String,
        /// More about the holder, appended to the message as is.
        detail: String,
    },

    /// A container, or something it needs (its network, the engine's host, its pre-start pool),
    /// was found in a state this run cannot use; the spec itself is fine.
    #[error("container `{container}` cannot be used: {reason}")]
    Unusable {
        /// The container's name (or the thing's, when no container is involved yet).
        container: String,
        /// What was found, and what to do about it.
        reason: String,
    },

    /// The spec cannot be turned into a container.
    #[error("container `{container}` is misconfigured: {reason}")]
    InvalidSpec {
        /// The container's name.
        container: String,
        /// What is wrong with its spec.
        reason: String,
    },

    /// A file or folder could not be copied into or out of a container.
    #[error("copying `{path}` {direction} container `{container}` failed: {reason}")]
    Copy {
        /// The container's name.
        container: String,
        /// The path (or paths) copied.
        path: String,
        /// "into" or "out of".
        direction: &'static str,
        /// Why the copy failed.
        reason: String,
    },

    /// A user hook (post_start, drain) of a container failed.
    #[error("the {hook} hook of container `{container}` failed: {source}")]
    Hook {
        /// The container's name.
        container: String,
        /// Which hook failed, e.g. "drain".
        hook: &'static str,
        /// The hook's own error, with its causes (downcast it to the hook's error type).
        #[source]
        source: Box<dyn std::error::Error + Send + Sync + 'static>,
    },

    /// A Docker API call failed for a reason the other variants do not cover.
    #[error("Docker call `{operation}` for `{subject}` failed: {source}")]
    Engine {
        /// The API call, e.g. "create container".
        operation: &'static str,
        /// What the call was about (a container, image or network).
        subject: String,
        /// The engine client's error.
        #[source]
        source: EngineError,
    },

    /// An engine call got no answer within `SCENARIO_ENGINE_TIMEOUT_MS`.
    #[error(
        "{engine} did not answer the call `{operation}` for `{subject}` within {after:?}: it is hung or \
         overloaded\n  hint: `docker info` against it shows whether it answers at all; \
         SCENARIO_ENGINE_TIMEOUT_MS sets how long one call may wait"
    )]
    EngineTimeout {
        /// The API call.
        operation: &'static str,
        /// What the call was about.
        subject: String,
        /// Which engine, e.g. "the Docker engine at unix:///var/run/docker.sock".
        engine: String,
        /// How long the call waited.
        after: Duration,
    },

    /// The engine went away during a call: its socket vanished, or it refused or closed the connection.
    #[error(
        "{engine} went away during the call `{operation}` for `{subject}`: {reason}\n  \
         hint: it stopped or restarted; the next run starts afresh once it answers again"
    )]
    EngineGone {
        /// The API call.
        operation: &'static str,
        /// What the call was about.
        subject: String,
        /// Which engine.
        engine: String,
        /// How the connection failed.
        reason: String,
    },

    /// The session's reaper (the process that cleans up after killed runs) could not be reached
    /// or started.
    #[error(
        "the reaper of session {session} {reason}\n  \
         hint: its log is {log}; SCENARIO_REAPER=off runs without it (then nothing removes the \
         containers of a killed run)"
    )]
    Reaper {
        /// The session the reaper serves.
        session: String,
        /// What went wrong, phrased to follow "the reaper of session ...".
        reason: String,
        /// The reaper's log file.
        log: PathBuf,
    },

    /// A file of the project (build context, artifacts) could not be read or written.
    #[error("{action} `{path}`: {source}")]
    Io {
        /// What was being done, e.g. "cannot read".
        action: &'static str,
        /// The file or folder.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// Names the engine in an error that blames it, where the call site did not know which
    /// engine it was talking to.
    pub(crate) fn naming_engine(mut self, endpoint: &str) -> Self {
        if let Error::EngineTimeout { engine, .. } | Error::EngineGone { engine, .. } = &mut self {
            if engine == UNNAMED_ENGINE {
                *engine = format!("the Docker engine at {endpoint}");
            }
        }
        self
    }

    pub(crate) fn io(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io { action, path: path.into(), source }
    }
}

/// What the engine client reported for a failed call (an HTTP status and message from the
/// engine, or a transport failure); its own causes follow through `source()`.
#[derive(Debug)]
pub struct EngineError(bollard::errors::Error);

impl EngineError {
    pub(crate) fn new(error: bollard::errors::Error) -> Self {
        EngineError(error)
    }

    /// The HTTP status the engine answered with, if it answered.
    pub fn status(&self) -> Option<u16> {
        status_of(&self.0)
    }
}

impl std::fmt::Display for EngineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for EngineError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}

pub(crate) const UNNAMED_ENGINE: &str = "the Docker engine";

/// An error with its causes: "error trying to connect" alone does not say that the socket is gone.
pub(crate) fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(inner) = cause {
        let more = inner.to_string();
        if !text.contains(&more) {
            text = format!("{text}: {more}");
        }
        cause = inner.source();
    }
    text
}

/// The HTTP status of a failed engine call, if the engine answered one.
pub(crate) fn status_of(err: &bollard::errors::Error) -> Option<u16> {
    match err {
        bollard::errors::Error::DockerResponseServerError { status_code, .. } => Some(*status_code),
        _ => None,
    }
}
