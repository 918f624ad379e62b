//! The reaper process: counts connected clients and, once none has been connected for the grace
//! period, removes the session's resources, its socket, and exits.

use std::os::fd::{FromRawFd, RawFd};
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::config::{self, env};
use super::lock::SessionLock;
use super::protocol::hello_line;
use super::reap::reap;
use crate::base::identity::SessionId;

/// What the spawning client handed over, through the environment.
struct Inputs {
    session: SessionId,
    endpoint: String,
    socket: PathBuf,
    lock: PathBuf,
    listen_fd: RawFd,
    grace: Duration,
    startup_timeout: Duration,
}

impl Inputs {
    fn from_env() -> Result<Inputs, String> {
        let var = |key: &str| std::env::var(key).map_err(|_| format!("{key} is not set"));
        Ok(Inputs {
            session: SessionId::new(&var(env::SESSION)?),
            endpoint: var(env::ENDPOINT)?,
            socket: var(env::SOCKET)?.into(),
            lock: var(env::LOCK)?.into(),
            listen_fd: var(env::LISTEN_FD)?.parse().map_err(|e| format!("{}: {e}", env::LISTEN_FD))?,
            grace: config::grace(),
            startup_timeout: config::startup_timeout(),
        })
    }
}

/// The reaper's `main`; returns the exit code.
pub(crate) fn main() -> i32 {
    let inputs = match Inputs::from_env() {
        Ok(inputs) => inputs,
        Err(e) => {
            log(format_args!("cannot start: {e}"));
            return 2;
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            log(format_args!("cannot start its runtime: {e}"));
            return 2;
        }
    };
    runtime.block_on(serve(inputs))
}

async fn serve(inputs: Inputs) -> i32 {
    let Inputs { session, endpoint, socket, lock, listen_fd, grace, startup_timeout } = inputs;
    // SAFETY: the spawning client passed this descriptor for us alone; nothing else owns it.
    let listener = unsafe { std::os::unix::net::UnixListener::from_raw_fd(listen_fd) };
    let listener = match listener.set_nonblocking(true).and_then(|()| UnixListener::from_std(listener)) {
        Ok(listener) => listener,
        Err(e) => {
            log(format_args!("cannot use the listening socket (fd {listen_fd}): {e}"));
            return 2;
        }
    };
    // Remembered so that only our own socket file is removed at the end.
    let socket_id = std::fs::metadata(&socket).ok().map(|m| (m.dev(), m.ino()));
    log(format_args!("started for session {session} on {endpoint}: socket {}, grace {grace:?}", socket.display()));

    let (gone_tx, mut gone_rx) = mpsc::unbounded_channel::<()>();
    let mut clients = 0usize;
    let mut ever_connected = false;
    let mut idle_since = Instant::now();
    let mut locking: Option<tokio::task::JoinHandle<std::io::Result<SessionLock>>> = None;
    loop {
        let idle_limit = if ever_connected { grace } else { startup_timeout };
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => match greet(stream).await {
                    Ok(stream) => {
                        clients += 1;
                        ever_connected = true;
                        log(format_args!("client connected ({clients} connected)"));
                        tokio::spawn(watch(stream, gone_tx.clone()));
                    }
                    Err(e) => log(format_args!("a client left before the greeting: {e}")),
                },
                Err(e) => {
                    log(format_args!("accept failed: {e}"));
                    // Such errors (out of descriptors) last a while; do not spin on them.
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
            Some(()) = gone_rx.recv() => {
                clients -= 1;
                log(format_args!("client disconnected ({clients} connected)"));
                if clients == 0 {
                    idle_since = Instant::now();
                }
            }
            () = tokio::time::sleep_until(idle_since + idle_limit), if clients == 0 && locking.is_none() => {
                // Keep serving while waiting: a client holding the lock waits for our greeting.
                let lock = lock.clone();
                locking = Some(tokio::task::spawn_blocking(move || SessionLock::acquire(&lock)));
            }
            held = async { locking.as_mut().expect("guarded by the precondition").await }, if locking.is_some() => {
                locking = None;
                let held = match held {
                    Ok(Ok(held)) => held,
                    Ok(Err(e)) => { log(format_args!("cannot lock {}: {e}", lock.display())); return 1; }
                    Err(e) => { log(format_args!("cannot lock {}: {e}", lock.display())); return 1; }
                };
                // Under the lock no client is between connect and greeting, so this check is final.
                if clients == 0 && idle_since.elapsed() >= idle_limit {
                    remove_socket(&socket, socket_id);
                    drop(listener);
                    let code = finish(&session, &endpoint, ever_connected, idle_limit).await;
                    held.remove();
                    return code;
                }
                // Someone came (and maybe went) while we waited for the lock: serve on.
            }
        }
    }
}

async fn greet(mut stream: UnixStream) -> std::io::Result<UnixStream> {
    stream.write_all(hello_line(std::process::id()).as_bytes()).await?;
    Ok(stream)
}

/// Waits for the client's end of the connection to close; clients send nothing.
async fn watch(mut stream: UnixStream, gone: mpsc::UnboundedSender<()>) {
    let mut buf = [0u8; 64];
    while let Ok(1..) = stream.read(&mut buf).await {}
    let _ = gone.send(());
}

fn remove_socket(socket: &std::path::Path, ours: Option<(u64, u64)>) {
    let current = std::fs::metadata(socket).ok().map(|m| (m.dev(), m.ino()));
    if current.is_some() && current == ours {
        if let Err(e) = std::fs::remove_file(socket) {
            log(format_args!("cannot remove {}: {e}", socket.display()));
        }
    }
}

async fn finish(session: &SessionId, endpoint: &str, ever_connected: bool, waited: Duration) -> i32 {
    if !ever_connected {
        log(format_args!("no client connected within {waited:?}; exiting without cleaning up"));
        return 0;
    }
    log(format_args!("no client for {waited:?}: removing what session {session} left on {endpoint}"));
    match reap(endpoint, session).await {
        Ok(()) => {
            log(format_args!("done; exiting"));
            0
        }
        Err(e) => {
            log(format_args!("cleanup failed: {e}"));
            1
        }
    }
}

/// One line on stderr (the log file): UTC time, pid, message.
pub(crate) fn log(message: std::fmt::Arguments<'_>) {
    eprintln!("{} reaper[{}] {message}", utc_now(), std::process::id());
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ`, without a date crate.
fn utc_now() -> String {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    let (days, secs) = ((now.as_secs() / 86_400) as i64, now.as_secs() % 86_400);
    // Days to civil date (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60,
        now.subsec_millis()
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn utc_time_is_formatted_like_rfc3339() {
        let now = super::utc_now();
        assert_eq!(now.len(), 24, "{now}");
        assert!(now.starts_with("20") && now.ends_with('Z') && now.as_bytes()[10] == b'T', "{now}");
    }
}
