//! One container's lifecycle as typed states. Each transition consumes the previous state, so a
//! container that is not ready cannot be asked for its host port:
//!
//! ```text
//! Container<Configured> --start--> Container<Started> --wait_ready--> Container<Ready>
//! Container<Ready> --drain--> Container<Drained> --remove--> Removed
//! ```

mod adopt;
mod attach;
mod exec;
mod in_scope;
pub(crate) mod teardown;

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

pub use crate::primitives::ports::PublishedPorts;
pub use attach::Origin;

use crate::base::error::{status_of, Error, Result};
use crate::readiness::wait::{exited, wait_ready};
use crate::readiness::ProbeTarget;
use crate::scope::Scope;
use crate::spec::ContainerSpec;

/// State: the spec is checked and the container's name and labels are decided; nothing exists on
/// the engine yet.
#[derive(Debug)]
pub struct Configured {
    _private: (),
}

/// State: created and started; not yet known to serve.
#[derive(Debug)]
pub struct Started {
    id: String,
    image_id: String,
    started_at: SystemTime,
    /// Only a container this process created is removed when its readiness fails.
    created_here: bool,
    /// A kept container proven ready before and not started since (`reuse::proof`): a log
    /// strategy holds without replaying the log.
    proven_ready: bool,
    /// An inspection made moments ago (the reuse proof's): the readiness wait starts from it.
    inspected: Option<Arc<bollard::models::ContainerInspectResponse>>,
}

/// State: the readiness strategy succeeded. Host ports, URLs, exec and logs are available here.
#[derive(Debug)]
pub struct Ready {
    running: Running,
    ready_after: Duration,
}

/// State: drain is done (logs written to the artifacts folder); the container still exists.
#[derive(Debug)]
pub struct Drained {
    id: String,
    log_path: PathBuf,
}

/// Proof that a container was removed, or that its removal was handed to the session's reaper,
/// with where its logs went.
#[derive(Debug)]
pub struct Removed {
    /// The container's name within its scenario.
    pub name: String,
    /// Where drain wrote its logs.
    pub log_path: PathBuf,
    /// The removal was handed to the session's reaper, which carries it out after this process
    /// moved on (the harness's teardown when a reaper runs); `false`: it is gone already.
    pub handed_off: bool,
}

/// What the engine told us about a started container.
#[derive(Debug, Clone)]
struct Running {
    id: String,
    image_id: String,
    ports: PublishedPorts,
    ip: Option<IpAddr>,
    started_at: SystemTime,
    /// Set when the container was no longer running at inspection.
    exit_code: Option<i64>,
    /// The engine's start time and restart count, for the proof of readiness.
    life: Option<crate::readiness::proof::Life>,
}

/// A container of a scenario in lifecycle state `S`.
#[derive(Debug)]
#[must_use = "a container left unused is never made ready, drained or removed by this handle"]
pub struct Container<S> {
    shared: Arc<Shared>,
    state: S,
}

#[derive(Debug)]
struct Shared {
    scope: Scope,
    spec: ContainerSpec,
    name: String,
}

impl<S> Container<S> {
    /// The container's name within its scenario (`db`).
    pub fn name(&self) -> &str {
        &self.shared.spec.name
    }

    /// The container's name on the engine (deterministic per project, scenario and instance).
    pub fn engine_name(&self) -> &str {
        &self.shared.name
    }

    /// The spec the container was configured with.
    pub fn spec(&self) -> &ContainerSpec {
        &self.shared.spec
    }

    /// The scope the container belongs to.
    pub fn scope(&self) -> &Scope {
        &self.shared.scope
    }

    fn with<T>(self, state: T) -> Container<T> {
        Container { shared: self.shared, state }
    }
}

impl Container<Configured> {
    pub(crate) fn configure(scope: Scope, spec: ContainerSpec) -> Result<Container<Configured>> {
        spec.validate()?;
        let name = scope.ids().container_name(&spec.name);
        Ok(Container { shared: Arc::new(Shared { scope, spec, name }), state: Configured { _private: () } })
    }

    /// Resolves (or builds) the image, creates the container on the scope's network and starts
    /// it. A container that fails to start is removed again.
    pub async fn start(self) -> Result<Container<Started>> {
        self.start_inner().await.map_err(|(_, e)| e)
    }

    /// `start`, handing the configured container back on failure (for attach-on-conflict).
    async fn start_inner(self) -> Result<Container<Started>, (Container<Configured>, Error)> {
        let scope = &self.shared.scope;
        let engine = scope.engine();
        let image = match crate::primitives::image::ensure_for(engine, &self.shared.spec, &scope.ids().session).await {
            Ok(image) => image,
            Err(e) => return Err((self, e)),
        };
        let network = match scope.network().await {
            Ok(network) => network,
            Err(e) => return Err((self, e)),
        };
        let mut body = crate::primitives::create::create_body(
            &self.shared.spec,
            scope.ids(),
            &image.id,
            network,
            engine.publish_ip(),
        );
        crate::primitives::host_alias::add_if_known(engine, network, &mut body).await;
        let options = bollard::query_parameters::CreateContainerOptionsBuilder::new().name(&self.shared.name).build();
        let created = match engine.docker().create_container(Some(options), body).await {
            Ok(created) => created,
            Err(e) if status_of(&e) == Some(409) => {
                let conflict = self.name_conflict().await;
                return Err((self, conflict));
            }
            Err(e) => {
                let error = Error::engine("create", &self.shared.name, e);
                return Err((self, error));
            }
        };
        let id = created.id;
        if let Err(error) =
            crate::primitives::copy::upload(engine, &id, &self.shared.name, &self.shared.spec.copies).await
        {
            self.abandon(&id).await;
            return Err((self, error));
        }
        // 304: another process attached and started it first (see attach); that is a start.
        let start = engine.docker().start_container(&id, None).await;
        if let Err(e) = start.or_else(|e| if status_of(&e) == Some(304) { Ok(()) } else { Err(e) }) {
            let error = Error::engine("start", &self.shared.name, e);
            self.abandon(&id).await;
            return Err((self, error));
        }
        Ok(self.with(Started {
            id,
            image_id: image.id,
            started_at: SystemTime::now(),
            created_here: true,
            proven_ready: false,
            inspected: None,
        }))
    }

    async fn name_conflict(&self) -> Error {
        let existing = self.shared.scope.engine().docker().inspect_container(&self.shared.name, None).await.ok();
        let labels =
            existing.as_ref().and_then(|c| c.config.as_ref()).and_then(|c| c.labels.clone()).unwrap_or_default();
        let detail = if labels.get(crate::base::labels::MANAGED).map(String::as_str) != Some("true") {
            " and is not managed by scenario".to_string()
        } else {
            format!(
                " for scenario `{}` of session {}",
                labels.get(crate::base::labels::SCENARIO).cloned().unwrap_or_default(),
                labels.get(crate::base::labels::SESSION).cloned().unwrap_or_default()
            )
        };
        Error::NameConflict {
            name: self.shared.name.clone(),
            existing_id: existing.and_then(|c| c.id).unwrap_or_default(),
            detail,
        }
    }
}

impl<S> Container<S> {
    async fn inspect_running(&self, id: &str, image_id: String, started_at: SystemTime) -> Result<Running> {
        let engine = self.shared.scope.engine();
        let inspected = engine
            .docker()
            .inspect_container(id, None)
            .await
            .map_err(|e| Error::engine("inspect", &self.shared.name, e))?;
        Ok(self.running_from(id, image_id, started_at, &inspected))
    }

    fn running_from(
        &self,
        id: &str,
        image_id: String,
        started_at: SystemTime,
        inspected: &bollard::models::ContainerInspectResponse,
    ) -> Running {
        let engine = self.shared.scope.engine();
        let network_settings = inspected.network_settings.as_ref();
        let ports = PublishedPorts::from_inspect(engine.port_host(), network_settings.and_then(|n| n.ports.as_ref()));
        let ip = network_settings
            .and_then(|n| n.networks.as_ref())
            .and_then(|nets| nets.get(self.shared.scope.network_name()))
            .and_then(|endpoint| endpoint.ip_address.as_deref())
            .and_then(|ip| ip.parse().ok());
        let state = inspected.state.as_ref();
        let exit_code = match state.and_then(|s| s.running) {
            Some(false) => Some(state.and_then(|s| s.exit_code).unwrap_or(-1)),
            _ => None,
        };
        let life = crate::readiness::proof::life_of(inspected);
        Running { id: id.to_string(), image_id, ports, ip, started_at, exit_code, life }
    }

    /// After a failed start or readiness wait: keep the logs, remove the container. Errors here
    /// are secondary to the one being reported, so they are only traced.
    async fn abandon(&self, id: &str) {
        if let Err(e) = crate::container::teardown::drain_logs(&self.shared.scope, id, self.name()).await {
            tracing::warn!(container = self.name(), "could not save logs: {e}");
        }
        if let Err(e) =
            crate::container::teardown::remove_container(&self.shared.scope, id, self.name(), Duration::ZERO).await
        {
            tracing::warn!(container = self.name(), "could not remove after a failed start: {e}");
        }
    }
}

impl Container<Started> {
    /// The engine's id of the container.
    pub fn id(&self) -> &str {
        &self.state.id
    }

    /// Waits for the spec's readiness strategy. On failure (timeout, exit) the container's logs
    /// are saved to the artifacts folder and the container is removed; the error carries the
    /// container's name, the strategy and the tail of its logs.
    pub async fn wait_ready(self) -> Result<Container<Ready>> {
        let Started { id, image_id, started_at, created_here, proven_ready, inspected } = &self.state;
        let readiness = &self.shared.spec.readiness;
        let inspect = async {
            match inspected {
                Some(inspected) => Ok(self.running_from(id, image_id.clone(), *started_at, inspected)),
                None => self.inspect_running(id, image_id.clone(), *started_at).await,
            }
        };
        let outcome = if *proven_ready && readiness.reads_the_log() {
            // Up without interruption since it printed its line: the log need not be replayed.
            inspect.await.map(|running| (running, Duration::ZERO))
        } else if readiness.port_used().is_some() {
            // Port and HTTP probes need the published ports and the container's address first.
            match inspect.await {
                Ok(running) => {
                    let target = self.probe_target(&running);
                    match running.exit_code {
                        // Already gone: it has no ports left to probe.
                        Some(code) => Err(exited(&target, readiness, code).await),
                        None => wait_ready(&target, readiness).await.map(|after| (running, after)),
                    }
                }
                Err(e) => Err(e),
            }
        } else {
            // The rest only need the id: learn the ports while the probe runs.
            let no_ports = PublishedPorts::default();
            let target = ProbeTarget {
                engine: self.shared.scope.engine(),
                id,
                name: &self.shared.spec.name,
                ports: &no_ports,
                ip: None,
                started_at: *started_at,
            };
            let (running, waited) = tokio::join!(inspect, wait_ready(&target, readiness));
            running.and_then(|running| waited.map(|after| (running, after)))
        };
        match outcome {
            Ok((running, ready_after)) => {
                if self.shared.scope.ids().reusable {
                    if let Some(life) = &running.life {
                        crate::readiness::proof::record(id, life);
                    }
                }
                Ok(self.with(Ready { running, ready_after }))
            }
            Err(e) => {
                if *created_here {
                    self.abandon(id).await;
                }
                Err(e)
            }
        }
    }

    fn probe_target<'a>(&'a self, running: &'a Running) -> ProbeTarget<'a> {
        ProbeTarget {
            engine: self.shared.scope.engine(),
            id: &running.id,
            name: &self.shared.spec.name,
            ports: &running.ports,
            ip: running.ip,
            started_at: running.started_at,
        }
    }
}

impl Container<Ready> {
    /// The engine's id of the container.
    pub fn id(&self) -> &str {
        &self.state.running.id
    }

    /// The id of the image the container runs.
    pub fn image_id(&self) -> &str {
        &self.state.running.image_id
    }

    /// The host on which the published ports are reached (127.0.0.1 for a local engine).
    pub fn host(&self) -> &str {
        self.state.running.ports.host()
    }

    /// The host port published for a TCP container port.
    pub fn host_port(&self, container_port: u16) -> Result<u16> {
        self.state.running.ports.tcp(self.name(), container_port)
    }

    /// All published ports.
    pub fn ports(&self) -> &PublishedPorts {
        &self.state.running.ports
    }

    /// `host:port` for a TCP container port.
    pub fn address(&self, container_port: u16) -> Result<String> {
        Ok(format!("{}:{}", self.host(), self.host_port(container_port)?))
    }

    /// `http://host:port/path` for a container port.
    pub fn url(&self, container_port: u16, path: &str) -> Result<String> {
        let path = path.strip_prefix('/').unwrap_or(path);
        Ok(format!("http://{}/{path}", self.address(container_port)?))
    }

    /// The container's address on the scenario network (reachable from its other containers).
    pub fn network_ip(&self) -> Option<IpAddr> {
        self.state.running.ip
    }

    /// How long the readiness wait took.
    pub fn ready_after(&self) -> Duration {
        self.state.ready_after
    }

    /// The bytes of the file `path` inside the container.
    pub async fn copy_from(&self, path: &str) -> Result<Vec<u8>> {
        crate::primitives::copy::file_bytes(self.shared.scope.engine(), self.id(), self.name(), path).await
    }

    /// Copies the file or folder `path` of the container into the host folder `host_dir`
    /// (created if missing); returns the host path of the copy (`host_dir/<name>`).
    pub async fn copy_from_to(&self, path: &str, host_dir: impl AsRef<Path>) -> Result<PathBuf> {
        crate::primitives::copy::to_host(self.shared.scope.engine(), self.id(), self.name(), path, host_dir.as_ref())
            .await
    }

    /// For drain hooks: copies `path` of the container into the artifacts folder, next to the
    /// container's logs (`<scenario folder>/<container>/`); returns where it went.
    pub async fn save_artifact(&self, path: &str) -> Result<PathBuf> {
        let dir = self.shared.scope.artifacts_dir().join(self.name());
        self.copy_from_to(path, dir).await
    }

    /// Everything the container wrote to stdout and stderr so far.
    pub async fn logs(&self) -> Result<String> {
        let bytes =
            crate::primitives::logs::read_logs(self.shared.scope.engine(), self.id(), self.name(), None, None).await?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }

    /// The last `lines` lines of the container's output, formatted for quoting.
    pub async fn log_tail(&self, lines: usize) -> String {
        crate::primitives::logs::log_tail(self.shared.scope.engine(), self.id(), lines).await
    }

    /// Writes the container's logs to the artifacts folder; the container keeps running.
    pub async fn drain(self) -> Result<Container<Drained>> {
        let id = self.state.running.id.clone();
        let log_path = crate::container::teardown::drain_logs(&self.shared.scope, &id, self.name()).await?;
        Ok(self.with(Drained { id, log_path }))
    }
}

impl Container<Drained> {
    /// The engine's id of the container.
    pub fn id(&self) -> &str {
        &self.state.id
    }

    /// Where drain wrote the logs.
    pub fn log_path(&self) -> &Path {
        &self.state.log_path
    }

    /// Stops (within the spec's stop timeout) and removes the container with its anonymous volumes.
    pub async fn remove(self) -> Result<Removed> {
        crate::container::teardown::remove_container(
            &self.shared.scope,
            &self.state.id,
            self.name(),
            self.shared.spec.stop_timeout,
        )
        .await?;
        Ok(Removed { name: self.shared.spec.name.clone(), log_path: self.state.log_path, handed_off: false })
    }

    /// The container's removal was handed off with its scope's (`Scope::teardown`).
    pub(crate) fn handed_off(self) -> Removed {
        Removed { name: self.shared.spec.name.clone(), log_path: self.state.log_path, handed_off: true }
    }
}
