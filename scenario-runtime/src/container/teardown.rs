//! The end of a container: its logs saved to the artifacts folder, then stop and removal.

use std::path::PathBuf;
use std::time::Duration;

use crate::base::error::Result;
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
    crate::primitives::cleanup::remove_container(scope.engine(), id, name, stop_timeout).await
}
