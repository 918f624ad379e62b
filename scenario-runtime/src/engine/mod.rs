//! The connection to one Docker engine: which endpoint (found by [`discovery`]), and which host
//! its published ports are bound and reached on.

mod context;
pub mod discovery;
pub mod endpoint;
mod fault;
pub mod timeout;

use std::time::Duration;

use bollard::Docker;

pub use endpoint::Endpoint;

use crate::base::error::{error_chain, Error, Result};

/// Where the engine listens when nothing else is configured.
pub const DEFAULT_ENDPOINT: &str = "unix:///var/run/docker.sock";

/// A connected Docker engine. Cheap to clone (the client is reference counted).
#[derive(Clone, Debug)]
pub struct Engine {
    /// Bounded by [`timeout::configured`]: every call that should answer promptly.
    docker: Docker,
    /// For pulls, builds, followed logs, waits and events, which the bound must not cut.
    streaming: Docker,
    target: Endpoint,
    canonical: String,
    port_host: String,
}

impl Engine {
    /// Connects to the engine the docker CLI would use (see `engine/discovery.rs`): `DOCKER_HOST`, the
    /// current docker context, else the first default socket that answers (a ping proves it).
    pub async fn connect() -> Result<Engine> {
        Engine::connect_with(discovery::discover()).await
    }

    /// Connects to what `discovery` decided, logging each of its steps at debug.
    pub async fn connect_with(discovery: discovery::Discovery) -> Result<Engine> {
        for step in &discovery.steps {
            tracing::debug!(target: "scenario::engine", "discovery: {step}");
        }
        match discovery.outcome {
            discovery::Outcome::Configured(endpoint) => Engine::connect_endpoint(&endpoint).await,
            discovery::Outcome::Broken(e) => Err(e),
            discovery::Outcome::Sockets(sockets) => {
                let mut tried = Vec::new();
                for endpoint in &sockets {
                    match Engine::connect_endpoint(endpoint).await {
                        Ok(engine) => return Ok(engine),
                        Err(e) => {
                            tracing::debug!(target: "scenario::engine", "discovery: {} does not answer: {e}", endpoint.describe());
                            tried.push(format!("  {}: {e}", endpoint.describe()));
                        }
                    }
                }
                if tried.is_empty() {
                    tried = discovery.steps.iter().map(|s| format!("  {s}")).collect();
                }
                Err(Error::EngineNotFound { tried: tried.join("\n") })
            }
        }
    }

    /// Connects to one entry: an address in `DOCKER_HOST` syntax (`unix:///path`,
    /// `tcp://host:port`) or a docker context's name, with `?tls=DIR&publish=IP` options (see
    /// `engine/endpoint.rs`). TLS on a `tcp://` address also follows `DOCKER_TLS_VERIFY`/`DOCKER_CERT_PATH`.
    pub async fn connect_to(entry: &str) -> Result<Engine> {
        Engine::connect_entry(entry, &format!("the endpoint `{entry}`")).await
    }

    /// [`Engine::connect_to`], naming where the entry came from in errors.
    pub async fn connect_entry(entry: &str, origin: &str) -> Result<Engine> {
        let var = |key: &str| std::env::var(key).ok().filter(|v| !v.is_empty());
        Engine::connect_endpoint(&Endpoint::parse_entry(entry, origin, &var)?).await
    }

    /// Connects to a resolved endpoint; an engine that does not answer is an error naming it and
    /// where it came from.
    pub async fn connect_endpoint(endpoint: &Endpoint) -> Result<Engine> {
        let unreachable = |reason: String| Error::EngineUnreachable { endpoint: endpoint.describe(), reason };
        let unsupported = |reason: String| Error::EngineConfig { origin: endpoint.origin.clone(), reason };
        let host = endpoint.host.as_str();
        let socket = host.strip_prefix("unix://");
        match endpoint.scheme() {
            "unix" | "tcp" | "http" | "https" => {}
            "ssh" => {
                return Err(unsupported(format!(
                    "{host}: engines over ssh:// are not supported; forward the engine's socket instead \
                     (`ssh -nNT -L /tmp/remote-docker.sock:/var/run/docker.sock USER@HOST`, then \
                     DOCKER_HOST=unix:///tmp/remote-docker.sock, whose published ports are the remote host's), \
                     or serve the engine over TLS and use tcp://HOST:2376 with DOCKER_TLS_VERIFY=1"
                )))
            }
            other => {
                return Err(unsupported(format!(
                    "{host}: `{other}://` is not an engine address scenario knows (unix://, tcp://)"
                )))
            }
        }
        if endpoint.scheme() == "https" && endpoint.tls.is_none() {
            return Err(unsupported(format!(
                "{host} needs TLS material: set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH to the folder with ca.pem, \
                 cert.pem and key.pem"
            )));
        }
        if let Some(path) = socket.filter(|path| !std::path::Path::new(path).exists()) {
            return Err(unreachable(format!("socket {path} does not exist")));
        }
        // bollard 0.21 sends every request without a version prefix (tests/engine_version.rs), so
        // the engine answers in its own API version whatever the client is set to: asking the
        // engine for its version first would cost a round trip and change nothing.
        let version = bollard::API_DEFAULT_VERSION;
        let unbounded = timeout::STREAMING.as_secs();
        let streaming = match (socket, &endpoint.tls) {
            (Some(path), _) => Docker::connect_with_socket(path, unbounded, version),
            (None, Some(dir)) => {
                let ca = endpoint::require_ca(endpoint, dir)?;
                Docker::connect_with_ssl(host, &dir.join("key.pem"), &dir.join("cert.pem"), &ca, unbounded, version)
            }
            (None, None) => Docker::connect_with_http(host, unbounded, version),
        }
        .map_err(|e| unreachable(e.to_string()))?;
        // One transport for both: the bound is a per-call setting of the client.
        let docker = timeout::bounded(&streaming, timeout::configured());
        // A ping (the cheapest call) proves a daemon answers behind the endpoint.
        tokio::time::timeout(Duration::from_secs(10), docker.ping())
            .await
            .map_err(|_| unreachable("no answer within 10 s".into()))?
            .map_err(|e| unreachable(error_chain(&e)))?;
        tracing::debug!(target: "scenario::engine", "connected to {}", endpoint.describe());
        Ok(Engine {
            docker,
            streaming,
            canonical: endpoint.canonical(),
            port_host: endpoint.port_host(),
            target: endpoint.clone(),
        })
    }

    /// The bollard client, for calls the runtime does not wrap. Each call is bounded by
    /// `SCENARIO_ENGINE_TIMEOUT_MS` (see `engine/timeout.rs`); use [`Engine::streaming`] for calls
    /// whose answer may take long to begin.
    pub fn docker(&self) -> &Docker {
        &self.docker
    }

    /// The client for pulls, builds, followed logs, waits and event streams: not cut by the
    /// engine timeout.
    pub fn streaming(&self) -> &Docker {
        &self.streaming
    }

    /// The bounded client, with `extra` more time for a call that waits on purpose (a stop
    /// with a grace period).
    pub fn docker_allowing(&self, extra: Duration) -> Docker {
        timeout::bounded(&self.docker, timeout::configured() + extra)
    }

    /// The endpoint this engine was reached on, as an entry that [`Engine::connect_to`] connects
    /// to again (the address, with its TLS folder and publish address if it has them).
    pub fn endpoint(&self) -> &str {
        &self.canonical
    }

    /// The endpoint with where it came from.
    pub fn target(&self) -> &Endpoint {
        &self.target
    }

    /// The host name or address on which this engine's published ports are reached.
    pub fn port_host(&self) -> &str {
        &self.port_host
    }

    /// The address published ports are bound to by default: loopback on this machine, all of
    /// the engine host's addresses on a remote engine (see [`Endpoint::publish_ip`]).
    pub fn publish_ip(&self) -> &str {
        self.target.publish_ip()
    }
}

#[cfg(test)]
mod tests {
    use super::{Endpoint, Engine};

    // These fail before any connection is attempted: the settings themselves are wrong.

    #[tokio::test]
    async fn tls_without_the_engines_ca_names_the_folder_and_where_it_came_from() {
        let dir = std::env::temp_dir().join(format!("scn-noca-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let endpoint = Endpoint { tls: Some(dir.clone()), ..Endpoint::new("tcp://192.0.2.1:2376", "DOCKER_HOST") };
        let err = Engine::connect_endpoint(&endpoint).await.unwrap_err().to_string();
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(err.contains("DOCKER_HOST") && err.contains(&format!("{}/ca.pem", dir.display())), "{err}");
        assert!(err.contains("DOCKER_CERT_PATH"), "{err}");
    }

    #[tokio::test]
    async fn ssh_and_unknown_schemes_say_what_to_use_instead() {
        let ssh = Endpoint::new("ssh://me@builder", "docker context `b` (DOCKER_CONTEXT)");
        let err = Engine::connect_endpoint(&ssh).await.unwrap_err().to_string();
        assert!(
            err.contains("docker context `b`") && err.contains("ssh -nNT -L") && err.contains("tcp://HOST:2376"),
            "{err}"
        );
        let npipe = Endpoint::new("npipe:////./pipe/docker_engine", "DOCKER_HOST");
        let err = Engine::connect_endpoint(&npipe).await.unwrap_err().to_string();
        assert!(err.contains("`npipe://` is not an engine address"), "{err}");
    }
}
