//! Where a session's reaper lives on this machine: a socket and a lock file per session and
//! engine endpoint in a folder only this user can enter, short enough for a unix socket path
//! (`sun_path` holds 108 bytes), and the log under the artifacts root where users look for logs.

use std::io;
use std::os::unix::fs::{DirBuilderExt, MetadataExt};
use std::path::{Path, PathBuf};

use crate::base::identity::{short_hash, SessionId};

/// Longest base folder accepted; the rest (`/scenario-<uid>/<12 hex>.sock`) fits in what is left.
const MAX_BASE_LEN: usize = 64;

#[derive(Clone, Debug)]
pub(crate) struct ReaperPaths {
    pub(crate) socket: PathBuf,
    pub(crate) lock: PathBuf,
    pub(crate) log: PathBuf,
}

impl ReaperPaths {
    /// The paths of `session`'s reaper for `endpoint`, creating the private folder if needed.
    pub(crate) fn prepare(session: &SessionId, endpoint: &str) -> Result<ReaperPaths, String> {
        let dir = runtime_dir();
        create_private_dir(&dir).map_err(|e| format!("cannot use {} for its socket: {e}", dir.display()))?;
        let key = short_hash(format!("{session}\n{endpoint}").as_bytes());
        Ok(ReaperPaths {
            socket: dir.join(format!("{key}.sock")),
            lock: dir.join(format!("{key}.lock")),
            log: log_path(session),
        })
    }
}

/// `<artifacts root>/reaper/<session>.log`, next to the session's container logs.
pub(crate) fn log_path(session: &SessionId) -> PathBuf {
    crate::base::artifacts::default_root().join("reaper").join(format!("{session}.log"))
}

/// `$XDG_RUNTIME_DIR/scenario` (per user, cleared at logout) when set and short, else
/// `/tmp/scenario-<uid>`.
pub(crate) fn runtime_dir() -> PathBuf {
    let xdg = std::env::var_os("XDG_RUNTIME_DIR").map(PathBuf::from);
    if let Some(base) = xdg.filter(|d| d.is_absolute() && d.as_os_str().len() <= MAX_BASE_LEN && d.is_dir()) {
        return base.join("scenario");
    }
    // SAFETY: geteuid has no preconditions and cannot fail.
    let uid = unsafe { libc::geteuid() };
    PathBuf::from("/tmp").join(format!("scenario-{uid}"))
}

/// Creates `dir` with mode 0700, or checks that the existing one is ours and private: in a shared
/// `/tmp` another user could otherwise plant a socket that our tests would trust.
pub(crate) fn create_private_dir(dir: &Path) -> io::Result<()> {
    match std::fs::DirBuilder::new().mode(0o700).create(dir) {
        Ok(()) => return Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(e),
    }
    let meta = std::fs::symlink_metadata(dir)?;
    // SAFETY: as above.
    let uid = unsafe { libc::geteuid() };
    if !meta.is_dir() || meta.uid() != uid || meta.mode() & 0o077 != 0 {
        return Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            format!("it must be a folder owned by uid {uid} with mode 0700 (remove it to let it be made anew)"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_per_session_and_endpoint_and_fit_a_socket_address() {
        let a = ReaperPaths::prepare(&SessionId::new("paths-a"), "unix:///var/run/docker.sock").unwrap();
        let b = ReaperPaths::prepare(&SessionId::new("paths-b"), "unix:///var/run/docker.sock").unwrap();
        let c = ReaperPaths::prepare(&SessionId::new("paths-a"), "tcp://10.0.0.1:2375").unwrap();
        assert_ne!(a.socket, b.socket);
        assert_ne!(a.socket, c.socket);
        assert_eq!(a.socket.parent(), a.lock.parent());
        assert!(a.socket.as_os_str().len() < 100, "{}", a.socket.display());
        assert!(a.log.ends_with("reaper/paths-a.log"), "{}", a.log.display());
    }

    #[test]
    fn a_folder_others_can_enter_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("scenario-paths-test-{}", std::process::id()));
        let _ = std::fs::remove_dir(&dir);
        create_private_dir(&dir).unwrap();
        create_private_dir(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        assert_eq!(create_private_dir(&dir).unwrap_err().kind(), io::ErrorKind::PermissionDenied);
        std::fs::remove_dir(&dir).unwrap();
    }
}
