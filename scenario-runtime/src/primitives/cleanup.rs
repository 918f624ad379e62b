//! Removal: one container by id, or by labels everything of one session (or of a label filter)
//! that carries the managed label and is not kept alive for reuse (the safety net behind normal
//! teardown).

use std::collections::HashMap;

use std::time::Duration;

use bollard::query_parameters::{
    ListContainersOptionsBuilder, ListNetworksOptionsBuilder, ListVolumesOptionsBuilder, RemoveContainerOptionsBuilder,
    StopContainerOptionsBuilder,
};

use crate::base::error::{status_of, Error, Result};
use crate::base::identity::SessionId;
use crate::base::labels;
use crate::engine::Engine;

/// What a label-based cleanup removed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Cleaned {
    /// Containers removed.
    pub containers: usize,
    /// Networks removed.
    pub networks: usize,
    /// Named volumes removed (anonymous ones go with their containers, uncounted).
    pub volumes: usize,
}

/// Removes a container with its anonymous volumes. With a stop timeout it is stopped gracefully
/// first; without one it is killed by the removal itself (one call instead of two). Gone already
/// counts as removed.
pub(crate) async fn remove_container(engine: &Engine, id: &str, name: &str, stop_timeout: Duration) -> Result<()> {
    if !stop_timeout.is_zero() {
        // The engine answers a stop only after the grace period: that wait is not a hang.
        let docker = engine.docker_allowing(stop_timeout);
        let seconds = i32::try_from(stop_timeout.as_secs()).unwrap_or(i32::MAX).max(1);
        let options = StopContainerOptionsBuilder::new().t(seconds).build();
        match docker.stop_container(id, Some(options)).await {
            Ok(()) => {}
            // 304: already stopped; 404: already gone.
            Err(e) if matches!(status_of(&e), Some(304 | 404)) => {}
            Err(e) => return Err(Error::engine("stop", name, e)),
        }
    }
    let options = RemoveContainerOptionsBuilder::new().force(true).v(true).build();
    match engine.docker().remove_container(id, Some(options)).await {
        Ok(()) => Ok(()),
        Err(e) if status_of(&e) == Some(404) => Ok(()),
        Err(e) => Err(Error::engine("remove", name, e)),
    }
}

/// Removes the session's containers (with anonymous volumes), then its networks and named
/// volumes. Containers labelled `dev.scenario.reuse=true` and their networks are left alone.
pub async fn remove_session(engine: &Engine, session: &SessionId) -> Result<Cleaned> {
    remove_labelled(engine, &[format!("{}={session}", labels::SESSION)]).await
}

/// Removes everything carrying the managed label and all of `label_filters` (`key=value`),
/// except what is marked for reuse.
pub async fn remove_labelled(engine: &Engine, label_filters: &[String]) -> Result<Cleaned> {
    remove_matching(engine, label_filters, Kept::Spare).await
}

/// Removes everything carrying the managed label and all of `label_filters`, kept-alive reuse
/// containers included (`scenario down` / `prune`).
pub async fn remove_including_kept(engine: &Engine, label_filters: &[String]) -> Result<Cleaned> {
    remove_matching(engine, label_filters, Kept::Remove).await
}

/// What to do with resources labelled `dev.scenario.reuse=true`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kept {
    Spare,
    Remove,
}

async fn remove_matching(engine: &Engine, label_filters: &[String], kept: Kept) -> Result<Cleaned> {
    let docker = engine.docker();
    let mut wanted = vec![format!("{}=true", labels::MANAGED)];
    wanted.extend(label_filters.iter().cloned());
    let filters = HashMap::from([("label".to_string(), wanted)]);
    let is_reused = |labels: Option<&HashMap<String, String>>| {
        kept == Kept::Spare && labels.and_then(|l| l.get(labels::REUSE)).map(String::as_str) == Some("true")
    };
    let mut cleaned = Cleaned::default();
    let mut first_error = None;

    let containers = docker
        .list_containers(Some(ListContainersOptionsBuilder::new().all(true).filters(&filters).build()))
        .await
        .map_err(|e| Error::engine("list containers", "cleanup", e))?;
    let removals =
        containers.iter().filter(|c| !is_reused(c.labels.as_ref())).filter_map(|c| c.id.clone()).map(|id| async move {
            let options = RemoveContainerOptionsBuilder::new().force(true).v(true).build();
            match docker.remove_container(&id, Some(options)).await {
                Ok(()) => Ok(true),
                Err(e) if matches!(status_of(&e), Some(404 | 409)) => Ok(false),
                Err(e) => Err(Error::engine("remove", id, e)),
            }
        });
    for result in futures_util::future::join_all(removals).await {
        match result {
            Ok(true) => cleaned.containers += 1,
            Ok(false) => {}
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }

    let networks = docker
        .list_networks(Some(ListNetworksOptionsBuilder::new().filters(&filters).build()))
        .await
        .map_err(|e| Error::engine("list networks", "cleanup", e))?;
    for network in networks.into_iter().filter(|n| !is_reused(n.labels.as_ref())) {
        let Some(id) = network.id else { continue };
        match docker.remove_network(&id).await {
            Ok(()) => cleaned.networks += 1,
            Err(e) if status_of(&e) == Some(404) => {}
            Err(e) => {
                first_error.get_or_insert(Error::engine("remove network", id, e));
            }
        }
    }

    let volumes = docker
        .list_volumes(Some(ListVolumesOptionsBuilder::new().filters(&filters).build()))
        .await
        .map_err(|e| Error::engine("list volumes", "cleanup", e))?;
    for volume in volumes.volumes.unwrap_or_default().into_iter().filter(|v| !is_reused(Some(&v.labels))) {
        match docker.remove_volume(&volume.name, None::<bollard::query_parameters::RemoveVolumeOptions>).await {
            Ok(()) => cleaned.volumes += 1,
            Err(e) if status_of(&e) == Some(404) => {}
            Err(e) => {
                first_error.get_or_insert(Error::engine("remove volume", volume.name, e));
            }
        }
    }
    first_error.map_or(Ok(cleaned), Err)
}
