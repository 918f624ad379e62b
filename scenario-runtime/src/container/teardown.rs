//! The end of a container: its logs saved to the artifacts folder, then stop and removal.

use std::path::PathBuf;
use std::time::Duration;

use crate::base::error::{status_of, Error, Result};
use crate::primitives::logs::read_logs;
use crate::scope::Scope;

/// Writes what the container logged (in a reusable scope: since this run began) to
/// `<scope artifacts>/<name>.log`; a folder that cannot be written is warned about, not an error.
pub(crate) async fn drain_logs(scope: &Scope, id: &str, name: &str) -> Result<PathBuf> {
    // A kept-alive container's logs span many runs; this run's artifacts hold this run's part.
    let since = scope.ids().reusable.then(|| {
        let started = scope.run_started().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        i64::try_from(started.as_secs()).unwrap_or(0)
    });
    let bytes = read_logs(scope.engine(), id, name, since, None).await?;
    let dir = scope.artifacts_dir();
    let path = dir.join(format!("{}.log", crate::base::identity::sanitize(name)));
    // Not writable: a warning, and the teardown goes on (the container must still be removed).
    if let Err(e) = tokio::fs::create_dir_all(dir).await {
        crate::base::artifacts::warn_unwritable("cannot create the artifacts folder", dir, &e);
    } else if let Err(e) = tokio::fs::write(&path, bytes).await {
        crate::base::artifacts::warn_unwritable("cannot write", &path, &e);
    }
    Ok(path)
}

/// Removes a container with its anonymous volumes. With a stop timeout it is stopped gracefully
/// first; without one it is killed by the removal itself (one call instead of two).
pub(crate) async fn remove_container(scope: &Scope, id: &str, name: &str, stop_timeout: Duration) -> Result<()> {
    use bollard::query_parameters::{RemoveContainerOptionsBuilder, StopContainerOptionsBuilder};
    let docker = scope.engine().docker();
    if !stop_timeout.is_zero() {
        // The engine answers a stop only after the grace period: that wait is not a hang.
        let docker = scope.engine().docker_allowing(stop_timeout);
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
    match docker.remove_container(id, Some(options)).await {
        Ok(()) => Ok(()),
        Err(e) if status_of(&e) == Some(404) => Ok(()),
        Err(e) => Err(Error::engine("remove", name, e)),
    }
}
