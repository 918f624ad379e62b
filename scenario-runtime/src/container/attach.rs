//! Starting a container or, when its deterministic name is taken by a container of the same
//! scope (another process of this session, or a run that kept it for reuse), attaching to it.
//! The engine's name uniqueness is the lock: racing creators end with one container.

use std::time::{Duration, SystemTime};

/// Rounds of inspect-or-create while a name is between states (about 2 s with the backoff).
const ATTEMPTS: usize = 25;
/// How long an attacher waits for another process to finish copying files into a container.
const UPLOAD_WAIT: Duration = Duration::from_secs(30);

use super::{Configured, Container, Started};
use crate::base::error::{status_of, Error, Result};
use crate::base::labels;
use crate::primitives::found::ContainerState;

/// Whether this process created the container or found it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// This process created and started it.
    Created,
    /// It was already running in this scope; this process attached to it.
    Attached,
}

impl Container<Configured> {
    /// Starts the container, or attaches to the running one of the same name if it belongs to
    /// this scope (managed, same project, scenario, instance and container, and this session
    /// unless the scope is reusable). Anything else under the name is a `NameConflict`.
    pub async fn start_or_attach(self) -> Result<(Container<Started>, Origin)> {
        let name = self.engine_name().to_string();
        match self.start_inner().await {
            Ok(started) => Ok((started, Origin::Created)),
            Err((configured, Error::NameConflict { .. })) => configured.attach_named(&name).await,
            Err((_, e)) => Err(e),
        }
    }

    /// Takes over a container the scope's survey found (reuse): the survey checked its labels,
    /// so no further engine call is needed before the readiness probe.
    pub fn adopt(self, found: &crate::primitives::found::Found) -> Container<Started> {
        self.adopt_found(found, false, None)
    }

    /// [`Container::adopt`], for a container whose readiness the reuse decision already proved
    /// (`reuse::proof`): a log strategy then does not replay the log.
    /// `inspected`: an inspection made moments ago (by the proof), used instead of a new one.
    pub(crate) fn adopt_found(
        self,
        found: &crate::primitives::found::Found,
        proven_ready: bool,
        inspected: Option<std::sync::Arc<bollard::models::ContainerInspectResponse>>,
    ) -> Container<Started> {
        self.with(Started {
            id: found.id.clone(),
            image_id: found.image_id.clone(),
            started_at: SystemTime::now(),
            created_here: false,
            proven_ready,
            inspected,
        })
    }

    /// Attaches to the existing container of this name (kept alive by an earlier run), with the
    /// same label checks as `start_or_attach`; starts one if it has gone meanwhile.
    pub async fn attach(self) -> Result<(Container<Started>, Origin)> {
        let name = self.engine_name().to_string();
        self.attach_named(&name).await
    }

    /// The engine reserves a name before the container can be inspected, and frees it a moment
    /// after removal starts: between a 409 on create and a 404 on inspect, take turns trying both.
    async fn attach_named(self, name: &str) -> Result<(Container<Started>, Origin)> {
        let mut this = self;
        let mut pause = Duration::from_millis(2);
        for _ in 0..ATTEMPTS {
            match this.scope().engine().docker().inspect_container(name, None).await {
                Ok(existing) => return this.attach_inspected(name, existing).await,
                Err(e) if status_of(&e) == Some(404) => match this.start_inner().await {
                    Ok(started) => return Ok((started, Origin::Created)),
                    Err((back, Error::NameConflict { .. })) => this = back,
                    Err((_, e)) => return Err(e),
                },
                Err(e) => return Err(Error::engine("inspect", name, e)),
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_millis(100));
        }
        Err(Error::NameConflict {
            name: name.to_string(),
            existing_id: String::new(),
            detail: " but stayed between creation and removal for seconds".into(),
        })
    }

    /// A container with copies that its creator has not started yet is still being uploaded
    /// into: starting it here could run it without its files, so wait for the creator's start.
    async fn await_upload(
        &self,
        name: &str,
        mut existing: bollard::models::ContainerInspectResponse,
    ) -> Result<bollard::models::ContainerInspectResponse> {
        let is_created = |c: &bollard::models::ContainerInspectResponse| {
            ContainerState::from_engine(c.state.as_ref().and_then(|s| s.status)) == ContainerState::Created
        };
        let mut pause = Duration::from_millis(5);
        let deadline = std::time::Instant::now() + UPLOAD_WAIT;
        while is_created(&existing) {
            if std::time::Instant::now() > deadline {
                return Err(Error::Unusable {
                    container: self.name().to_string(),
                    reason: format!(
                        "found its container `{name}` created but not started for {UPLOAD_WAIT:?} (its creator \
                         may have died while copying files in); remove it with `docker rm -f {name}`"
                    ),
                });
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_millis(200));
            existing = self
                .scope()
                .engine()
                .docker()
                .inspect_container(name, None)
                .await
                .map_err(|e| Error::engine("inspect", name, e))?;
        }
        Ok(existing)
    }

    async fn attach_inspected(
        self,
        name: &str,
        existing: bollard::models::ContainerInspectResponse,
    ) -> Result<(Container<Started>, Origin)> {
        let docker = self.scope().engine().docker();
        let found = existing.config.as_ref().and_then(|c| c.labels.clone()).unwrap_or_default();
        let mut wanted = self.scope().ids().identity_labels();
        wanted.insert(labels::CONTAINER.into(), self.name().to_string());
        let mismatched: Vec<&str> =
            wanted.iter().filter(|(k, v)| found.get(*k) != Some(*v)).map(|(k, _)| k.as_str()).collect();
        let id = existing.id.clone().unwrap_or_default();
        if !mismatched.is_empty() {
            let detail = if found.get(labels::MANAGED).map(String::as_str) != Some("true") {
                " and is not managed by scenario".to_string()
            } else {
                format!(" with other labels ({})", mismatched.join(", "))
            };
            return Err(Error::NameConflict { name: name.to_string(), existing_id: id, detail });
        }
        let existing = if self.spec().copies.is_empty() { existing } else { self.await_upload(name, existing).await? };
        let state = existing.state.as_ref();
        let status = ContainerState::from_engine(state.and_then(|s| s.status));
        // A one-shot job that has run is attached to as it is: its readiness reads the exit code.
        let finished_job = status == ContainerState::Exited && self.spec().readiness.runs_to_completion();
        let was_running = state.and_then(|s| s.running) == Some(true);
        if !was_running && !finished_job {
            // Created but not yet started by the process that won the race: starting twice is
            // harmless (the engine answers 304).
            let created = status == ContainerState::Created;
            if !created {
                return Err(Error::Unusable {
                    container: self.name().to_string(),
                    reason: format!(
                        "found its container `{name}` {status}, not running; remove it with `docker rm -f {name}`"
                    ),
                });
            }
            match docker.start_container(&id, None).await {
                Ok(()) => {}
                Err(e) if status_of(&e) == Some(304) => {}
                Err(e) => return Err(Error::engine("start", name, e)),
            }
        }
        let image_id = existing.image.clone().unwrap_or_default();
        Ok((
            self.with(Started {
                id,
                image_id,
                started_at: SystemTime::now(),
                created_here: false,
                proven_ready: false,
                // Started just now it has new ports; running, this inspection is current.
                inspected: was_running.then(|| std::sync::Arc::new(existing)),
            }),
            Origin::Attached,
        ))
    }
}
