//! The test process's side: find the session's reaper, or start it, and stay connected.

use std::collections::HashMap;
use std::io;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::Duration;

use super::config;
use super::lock::SessionLock;
use super::protocol::read_hello;
use super::spawn::spawn_reaper;
use crate::base::error::{Error, Result};
use crate::base::identity::SessionId;
use crate::base::paths::{self, ReaperPaths};
use crate::engine::Engine;

/// How long a client waits for a reaper's greeting; a fresh one answers within milliseconds.
const HELLO_TIMEOUT: Duration = Duration::from_secs(10);

/// Registration with a session's reaper. While any clone is alive this process counts as a
/// client; dropping the last one (or the process ending in any way) disconnects it.
#[derive(Clone, Debug)]
pub struct ReaperLease(Option<Arc<Connection>>);

#[derive(Debug)]
struct Connection {
    /// Never read or written after the greeting: holding it open is the registration.
    _stream: UnixStream,
    pid: u32,
    socket: PathBuf,
    log: PathBuf,
}

impl ReaperLease {
    /// A lease that registers nothing (`SCENARIO_REAPER=off`).
    pub fn inactive() -> ReaperLease {
        ReaperLease(None)
    }

    /// Whether this lease is registered with a reaper (false for [`ReaperLease::inactive`]).
    pub fn is_active(&self) -> bool {
        self.0.is_some()
    }

    /// The reaper's process id, as it reported it.
    pub fn reaper_pid(&self) -> Option<u32> {
        self.0.as_ref().map(|c| c.pid)
    }

    /// The socket the reaper listens on for clients.
    pub fn socket_path(&self) -> Option<&Path> {
        self.0.as_ref().map(|c| c.socket.as_path())
    }

    /// Where the reaper logs what it removed.
    pub fn log_path(&self) -> Option<&Path> {
        self.0.as_ref().map(|c| c.log.as_path())
    }
}

/// Connects to `session`'s reaper for `engine`, starting it if none runs, and returns the lease
/// that keeps this process registered. Race-safe across processes: connect-or-spawn runs under a
/// per-session file lock, so processes starting at once end with one reaper. Within a process,
/// later calls share the first connection while it is held. `SCENARIO_REAPER=off` returns an
/// inactive lease.
pub async fn ensure(engine: &Engine, session: &SessionId) -> Result<ReaperLease> {
    if config::disabled() {
        return Ok(ReaperLease::inactive());
    }
    let key = (session.to_string(), engine.endpoint().to_string());
    if let Some(connection) = registry().lock().unwrap().get(&key).and_then(Weak::upgrade) {
        return Ok(ReaperLease(Some(connection)));
    }
    let (session, endpoint) = (session.clone(), engine.endpoint().to_string());
    let log = paths::log_path(&session);
    let connection = tokio::task::spawn_blocking(move || connect_or_spawn(&session, &endpoint))
        .await
        .map_err(|e| Error::Reaper { session: key.0.clone(), reason: format!("could not be reached: {e}"), log })??;
    let mut leases = registry().lock().unwrap();
    // Another task of this process may have connected meanwhile: keep one connection.
    if let Some(existing) = leases.get(&key).and_then(Weak::upgrade) {
        return Ok(ReaperLease(Some(existing)));
    }
    let connection = Arc::new(connection);
    leases.insert(key, Arc::downgrade(&connection));
    Ok(ReaperLease(Some(connection)))
}

/// This process's connections, by (session, endpoint); weak, so dropping every lease disconnects.
type Registry = Mutex<HashMap<(String, String), Weak<Connection>>>;

fn registry() -> &'static Registry {
    static LEASES: OnceLock<Registry> = OnceLock::new();
    LEASES.get_or_init(Default::default)
}

fn connect_or_spawn(session: &SessionId, endpoint: &str) -> Result<Connection> {
    let fail = |reason: String| Error::Reaper { session: session.to_string(), reason, log: paths::log_path(session) };
    let paths = ReaperPaths::prepare(session, endpoint).map_err(&fail)?;
    let lock =
        SessionLock::acquire(&paths.lock).map_err(|e| fail(format!("cannot lock {}: {e}", paths.lock.display())))?;
    match UnixStream::connect(&paths.socket) {
        Ok(stream) => {
            // A reaper that does not greet is dying or hung: replace it (it cannot be cleaning
            // up, since it would hold the lock).
            if let Ok(pid) = read_hello(&stream, HELLO_TIMEOUT) {
                return Ok(connection(stream, pid, &paths));
            }
        }
        Err(e) if matches!(e.kind(), io::ErrorKind::NotFound | io::ErrorKind::ConnectionRefused) => {}
        Err(e) => return Err(fail(format!("cannot connect to {}: {e}", paths.socket.display()))),
    }
    spawn_and_connect(session, endpoint, &paths).map_err(|reason| {
        // No reaper, so nothing of this session's to keep in the runtime folder.
        let _ = std::fs::remove_file(&paths.socket);
        lock.remove();
        fail(reason)
    })
}

/// Binds the socket here and hands the listener to the new reaper, so the connection made right
/// after is queued before the reaper even runs: no polling for its socket to appear, and a client
/// killed at any point after `connect` is still counted (and then seen to leave).
fn spawn_and_connect(session: &SessionId, endpoint: &str, paths: &ReaperPaths) -> Result<Connection, String> {
    let socket = paths.socket.display();
    match std::fs::remove_file(&paths.socket) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(format!("cannot remove the stale socket {socket}: {e}")),
    }
    let listener = UnixListener::bind(&paths.socket).map_err(|e| format!("cannot listen on {socket}: {e}"))?;
    let stream = UnixStream::connect(&paths.socket).map_err(|e| format!("cannot connect to {socket}: {e}"))?;
    spawn_reaper(&listener, session, endpoint, paths)?;
    drop(listener);
    let pid = read_hello(&stream, HELLO_TIMEOUT).map_err(|e| format!("started but did not answer: {e}"))?;
    Ok(connection(stream, pid, paths))
}

fn connection(stream: UnixStream, pid: u32, paths: &ReaperPaths) -> Connection {
    Connection { _stream: stream, pid, socket: paths.socket.clone(), log: paths.log.clone() }
}
