//! Where drained logs go: `<target>/scenario-logs/<session>/<scenario>[.<instance>]/<container>.log`.

use std::path::{Path, PathBuf};

use crate::base::labels::ScopeIds;

/// `SCENARIO_ARTIFACTS_DIR` if set; else `scenario-logs` in the cargo target folder that holds
/// the running executable (found by its `CACHEDIR.TAG`); else `target/scenario-logs`.
pub fn default_root() -> PathBuf {
    if let Some(dir) = std::env::var_os("SCENARIO_ARTIFACTS_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.ancestors().find(|dir| dir.join("CACHEDIR.TAG").is_file()).map(Path::to_path_buf))
        .unwrap_or_else(|| PathBuf::from("target"))
        .join("scenario-logs")
}

pub(crate) fn scope_dir(root: &Path, ids: &ScopeIds) -> PathBuf {
    let scenario = if ids.instance == 0 { ids.scenario.clone() } else { format!("{}.{}", ids.scenario, ids.instance) };
    root.join(ids.session.as_str()).join(scenario)
}

/// Says, once per process, that logs cannot be kept: an unwritable artifacts folder (a read-only
/// mount, a path under a file) costs the logs, never a test's result or the removal of its containers.
pub(crate) fn warn_unwritable(action: &str, path: &Path, error: &std::io::Error) {
    static WARNED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    tracing::warn!(target: "scenario::artifacts", "{action} `{}`: {error}", path.display());
    if !WARNED.swap(true, std::sync::atomic::Ordering::Relaxed) {
        eprintln!(
            "warning: container logs are not kept: {action} `{}`: {error} (set SCENARIO_ARTIFACTS_DIR to a writable folder)",
            path.display()
        );
    }
}
