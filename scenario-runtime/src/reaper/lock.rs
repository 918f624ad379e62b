//! The per-session lock file. Clients hold it around connect-or-spawn, so two processes starting
//! at once end with one reaper; the reaper holds it from its last client check to its exit, so no
//! client registers with a reaper that is about to clean up under it.

use std::fs::{File, OpenOptions};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// An exclusive `flock` on the lock file, released when dropped (or when the holder dies).
#[derive(Debug)]
pub(crate) struct SessionLock {
    _file: File,
    path: PathBuf,
}

impl SessionLock {
    /// Blocks until the lock is held. The exiting reaper removes the file, so a waiter may be
    /// granted the lock of a file no longer at `path`: it then locks the new one instead.
    pub(crate) fn acquire(path: &Path) -> std::io::Result<SessionLock> {
        loop {
            let file = OpenOptions::new().read(true).write(true).create(true).truncate(false).mode(0o600).open(path)?;
            // std's `File::lock` is `flock(LOCK_EX)` on Unix: it excludes other processes and is
            // released when the file is closed or its holder dies.
            file.lock()?;
            let held = file.metadata()?;
            match std::fs::metadata(path) {
                Ok(now) if (now.dev(), now.ino()) == (held.dev(), held.ino()) => {
                    return Ok(SessionLock { _file: file, path: path.to_path_buf() })
                }
                Ok(_) => continue,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// Removes the file, then releases the lock: the last user of a session leaves nothing in the
    /// runtime folder.
    pub(crate) fn remove(self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_waiter_granted_a_removed_file_locks_the_new_one() {
        let dir = std::env::temp_dir().join(format!("scenario-lock-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("s.lock");
        let first = SessionLock::acquire(&path).unwrap();
        let waiter = std::thread::spawn({
            let path = path.clone();
            move || {
                let lock = SessionLock::acquire(&path).unwrap();
                let ino = |p: &Path| std::fs::metadata(p).unwrap().ino();
                assert_eq!(lock._file.metadata().unwrap().ino(), ino(&path), "holds the file now at the path");
            }
        });
        first.remove();
        waiter.join().unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
