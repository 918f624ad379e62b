//! The connection to one Docker engine: which endpoint, which API version, which host its
//! published ports are reached on.

use std::time::Duration;

use bollard::Docker;

use crate::error::{Error, Result};

/// Engine calls should never take long; a build or a followed log stream is not bounded by this.
const REQUEST_TIMEOUT_SECS: u64 = 600;

/// Where the engine listens when `DOCKER_HOST` is not set.
pub const DEFAULT_ENDPOINT: &str = "unix:///var/run/docker.sock";

/// A connected Docker engine. Cheap to clone (the client is reference counted).
#[derive(Clone, Debug)]
pub struct Engine {
    docker: Docker,
    endpoint: String,
    port_host: String,
}

impl Engine {
    /// Connects to `DOCKER_HOST` if set, else to the platform's default socket, and negotiates
    /// the API version (engines older than the client's default reject newer versions).
    pub async fn connect() -> Result<Engine> {
        let endpoint = std::env::var("DOCKER_HOST")
            .ok()
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| DEFAULT_ENDPOINT.to_string());
        Engine::connect_to(&endpoint).await
    }

    /// Connects to one endpoint in `DOCKER_HOST` syntax (`unix:///path`, `tcp://host:port`).
    pub async fn connect_to(endpoint: &str) -> Result<Engine> {
        let unreachable = |reason: String| Error::EngineUnreachable {
            endpoint: endpoint.to_string(),
            reason,
        };
        let docker = if let Some(path) = endpoint.strip_prefix("unix://") {
            if !std::path::Path::new(path).exists() {
                return Err(unreachable(format!("socket {path} does not exist")));
            }
            Docker::connect_with_socket(path, REQUEST_TIMEOUT_SECS, bollard::API_DEFAULT_VERSION)
        } else if endpoint.starts_with("tcp://") || endpoint.starts_with("http://") {
            Docker::connect_with_http(endpoint, REQUEST_TIMEOUT_SECS, bollard::API_DEFAULT_VERSION)
        } else {
            Docker::connect_with_host(endpoint)
        }
        .map_err(|e| unreachable(e.to_string()))?;
        let docker = tokio::time::timeout(Duration::from_secs(10), docker.negotiate_version())
            .await
            .map_err(|_| unreachable("no answer within 10 s".into()))?
            .map_err(|e| unreachable(e.to_string()))?;
        Ok(Engine {
            docker,
            endpoint: endpoint.to_string(),
            port_host: port_host_of(endpoint),
        })
    }

    /// The bollard client, for calls the runtime does not wrap.
    pub fn docker(&self) -> &Docker {
        &self.docker
    }

    /// The endpoint this engine was reached on, as given.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The host name or address on which this engine's published ports are reached.
    pub fn port_host(&self) -> &str {
        &self.port_host
    }
}

/// A local socket publishes on this machine's loopback; a TCP engine publishes on its own host.
fn port_host_of(endpoint: &str) -> String {
    let rest = endpoint
        .strip_prefix("tcp://")
        .or_else(|| endpoint.strip_prefix("http://"))
        .or_else(|| endpoint.strip_prefix("https://"));
    match rest {
        Some(rest) => {
            let authority = rest.split('/').next().unwrap_or(rest);
            let host = match authority.rsplit_once(':') {
                Some((host, _port)) if !host.ends_with(']') || authority.starts_with('[') => host,
                _ => authority,
            };
            let host = host.trim_start_matches('[').trim_end_matches(']');
            if host.is_empty() || host == "0.0.0.0" || host == "localhost" {
                "127.0.0.1".to_string()
            } else {
                host.to_string()
            }
        }
        None => "127.0.0.1".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::port_host_of;

    #[test]
    fn ports_of_a_local_socket_are_on_loopback() {
        assert_eq!(port_host_of("unix:///var/run/docker.sock"), "127.0.0.1");
    }

    #[test]
    fn ports_of_a_tcp_engine_are_on_its_host() {
        assert_eq!(port_host_of("tcp://10.1.2.3:2375"), "10.1.2.3");
        assert_eq!(port_host_of("tcp://localhost:2375"), "127.0.0.1");
        assert_eq!(port_host_of("tcp://[fd00::1]:2375"), "fd00::1");
        assert_eq!(port_host_of("tcp://builder.internal"), "builder.internal");
    }
}
