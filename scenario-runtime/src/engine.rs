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
        let endpoint =
            std::env::var("DOCKER_HOST").ok().filter(|h| !h.is_empty()).unwrap_or_else(|| DEFAULT_ENDPOINT.to_string());
        Engine::connect_to(&endpoint).await
    }

    /// Connects to one endpoint in `DOCKER_HOST` syntax (`unix:///path`, `tcp://host:port`).
    pub async fn connect_to(endpoint: &str) -> Result<Engine> {
        let unreachable = |reason: String| Error::EngineUnreachable { endpoint: endpoint.to_string(), reason };
        let socket = endpoint.strip_prefix("unix://");
        if let Some(path) = socket.filter(|path| !std::path::Path::new(path).exists()) {
            return Err(unreachable(format!("socket {path} does not exist")));
        }
        // The version this very daemon negotiated before (a restarted daemon has a new socket,
        // hence a new key): one round trip less on every connection.
        let cache = socket.and_then(VersionCache::for_socket);
        let known = cache.as_ref().and_then(VersionCache::read);
        let version = known.as_ref().unwrap_or(bollard::API_DEFAULT_VERSION);
        let docker = match socket {
            Some(path) => Docker::connect_with_socket(path, REQUEST_TIMEOUT_SECS, version),
            None if endpoint.starts_with("tcp://") || endpoint.starts_with("http://") => {
                Docker::connect_with_http(endpoint, REQUEST_TIMEOUT_SECS, version)
            }
            None => Docker::connect_with_host(endpoint),
        }
        .map_err(|e| unreachable(e.to_string()))?;
        let docker = match known {
            // A ping (the cheapest call) still proves a daemon answers behind the socket.
            Some(_) => {
                tokio::time::timeout(Duration::from_secs(10), docker.ping())
                    .await
                    .map_err(|_| unreachable("no answer within 10 s".into()))?
                    .map_err(|e| unreachable(e.to_string()))?;
                docker
            }
            None => {
                let docker = tokio::time::timeout(Duration::from_secs(10), docker.negotiate_version())
                    .await
                    .map_err(|_| unreachable("no answer within 10 s".into()))?
                    .map_err(|e| unreachable(e.to_string()))?;
                if let Some(cache) = &cache {
                    cache.write(&docker.client_version());
                }
                docker
            }
        };
        Ok(Engine { docker, endpoint: endpoint.to_string(), port_host: port_host_of(endpoint) })
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

/// The API version negotiated with one daemon, kept in the user's private runtime folder under a
/// key made of the socket's path, inode and modification time.
struct VersionCache {
    path: std::path::PathBuf,
}

impl VersionCache {
    fn for_socket(socket: &str) -> Option<VersionCache> {
        use std::os::unix::fs::MetadataExt;
        let meta = std::fs::metadata(socket).ok()?;
        let key = format!("{socket}\n{}\n{}.{}", meta.ino(), meta.mtime(), meta.mtime_nsec());
        let dir = crate::reaper::paths::runtime_dir();
        crate::reaper::paths::create_private_dir(&dir).ok()?;
        Some(VersionCache { path: dir.join(format!("api-{}", crate::identity::short_hash(key.as_bytes()))) })
    }

    fn read(&self) -> Option<bollard::ClientVersion> {
        let text = std::fs::read_to_string(&self.path).ok()?;
        let (major, minor) = text.trim().split_once('.')?;
        Some(bollard::ClientVersion { major_version: major.parse().ok()?, minor_version: minor.parse().ok()? })
    }

    fn write(&self, version: &bollard::ClientVersion) {
        // Written aside and renamed: a concurrent reader sees the old file or the whole new one.
        let aside = self.path.with_extension(format!("tmp{}", std::process::id()));
        let text = format!("{}.{}", version.major_version, version.minor_version);
        if std::fs::write(&aside, text).is_ok() {
            let _ = std::fs::rename(&aside, &self.path);
        }
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
