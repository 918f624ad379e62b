//! The test process's side: find the session's reaper, or start it, and stay connected.

use std::collections::HashMap;
use std::io;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::Duration;

use super::config;
use super::lock::SessionLock;
use super::protocol::{hand_over_line, parse_reply, read_hello, read_line};
use super::spawn::spawn_reaper;
use crate::base::error::{Error, Result};
use crate::base::identity::SessionId;
use crate::base::paths::{self, ReaperPaths};
use crate::engine::Engine;
use crate::primitives::hand_off::ScopeRemoval;

/// How long a client waits for a reaper's greeting; a fresh one answers within milliseconds.
const HELLO_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a hand-over waits for its answer, which the reaper gives before it removes anything.
const HAND_OVER_TIMEOUT: Duration = Duration::from_secs(2);
/// Longer than any answer a reaper gives (`refused` and a one-line reason).
const MAX_LINE_OF_ANSWER: usize = 4096;

/// Registration with a session's reaper. While any clone is alive this process counts as a
/// client; dropping the last one (or the process ending in any way) disconnects it.
#[derive(Clone, Debug)]
pub struct ReaperLease(Option<Arc<Connection>>);

#[derive(Debug)]
struct Connection {
    /// Holding it open is the registration; after the greeting it carries only hand-overs.
    stream: UnixStream,
    /// One hand-over at a time on the stream; poisoned for good (`true`) once an answer went
    /// missing, since a late one would be taken for the next request's.
    hand_over: Mutex<bool>,
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

    /// Hands the removal of a drained scope to the reaper, which starts it at once and greets
    /// no new client of the session before it is done (so the session's next process cannot
    /// meet the names still taken). `Err` says why not (an inactive lease, a reaper that refused
    /// or did not answer): the caller then removes the scope itself.
    pub(crate) async fn hand_over(&self, removal: &ScopeRemoval) -> std::result::Result<(), String> {
        let Some(connection) = self.0.clone() else {
            return Err("no reaper runs for this session".into());
        };
        let line = hand_over_line(removal);
        tokio::task::spawn_blocking(move || connection.hand_over(&line))
            .await
            .unwrap_or_else(|e| Err(format!("the hand-over did not finish: {e}")))
    }
}

impl Connection {
    fn hand_over(&self, line: &str) -> std::result::Result<(), String> {
        use std::io::Write;
        let mut broken = self.hand_over.lock().unwrap_or_else(|p| p.into_inner());
        if *broken {
            return Err("an earlier hand-over went unanswered".into());
        }
        let asked = (&self.stream).write_all(line.as_bytes()).map_err(|e| format!("cannot write to the reaper: {e}"));
        let answer = asked.and_then(|()| {
            read_line(&self.stream, HAND_OVER_TIMEOUT, MAX_LINE_OF_ANSWER, "the reaper's answer is too long")
                .map_err(|e| format!("no answer from the reaper: {e}"))
        });
        match answer {
            Ok(answer) => parse_reply(answer.trim_end_matches('\n')),
            Err(why) => {
                *broken = true;
                Err(why)
            }
        }
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
    Connection { stream, hand_over: Mutex::new(false), pid, socket: paths.socket.clone(), log: paths.log.clone() }
}
