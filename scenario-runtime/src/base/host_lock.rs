//! Locks between the processes of this machine, for engine operations the engine does not
//! serialise itself (engines before API 1.44 create two networks of one name side by side).

use std::fs::{File, OpenOptions};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use crate::base::error::{Error, Result};
use crate::base::identity::short_hash;

/// An exclusive `flock` (std's `File::lock`), released when dropped or when the holder dies.
#[derive(Debug)]
pub(crate) struct HostLock {
    _file: File,
}

/// Waits for the lock named `key` (hashed into a file name in the user's private runtime folder).
/// The files are tiny and kept: removing them would race with the next waiter.
pub(crate) async fn acquire(key: &str) -> Result<HostLock> {
    let dir = crate::base::paths::runtime_dir();
    let path = dir.join(format!("lock-{}", short_hash(key.as_bytes())));
    tokio::task::spawn_blocking(move || {
        crate::base::paths::create_private_dir(&dir).map_err(|e| Error::io("cannot create", &dir, e))?;
        let file = open_lock_file(&path)?;
        file.lock().map_err(|e| Error::io("cannot lock", &path, e))?;
        Ok(HostLock { _file: file })
    })
    .await
    .expect("locking does not panic")
}

/// Opens (creating it, readable by this user only) the lock file at `path`, in a folder that
/// exists; locking it is the caller's. Blocking.
pub(crate) fn open_lock_file(path: &Path) -> Result<File> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(path)
        .map_err(|e| Error::io("cannot open lock", path, e))
}
