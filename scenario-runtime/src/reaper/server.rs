//! The reaper process: counts connected clients, carries out the removals they hand over and,
//! once none has been connected for the grace period, removes the session's resources, its
//! socket, and exits.

use std::os::fd::{FromRawFd, RawFd};
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::mpsc;
use tokio::time::Instant;
use tracing_subscriber::fmt::MakeWriter;

use super::config::{self, env};
use super::lock::SessionLock;
use super::protocol::{hello_line, parse_request, reply_line, MAX_REQUEST};
use super::reap::reap;
use crate::base::identity::SessionId;
use crate::engine::Engine;
use crate::primitives::hand_off::ScopeRemoval;

/// How long a new client's greeting waits for hand-overs in progress: well below a client's
/// patience for its greeting (10 s), after which it would take the reaper for hung.
const GREETING_WAIT: Duration = Duration::from_secs(5);

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
    // Its stderr is the session's reaper log file (see `spawn`). Nothing else in this process
    // installed a subscriber: it was re-executed before the harness would.
    let _ = tracing::subscriber::set_global_default(log_subscriber(std::io::stderr));
    let _pid = tracing::info_span!("reaper", pid = std::process::id()).entered();
    let inputs = match Inputs::from_env() {
        Ok(inputs) => inputs,
        Err(e) => {
            tracing::error!("cannot start: {e}");
            return 2;
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            tracing::error!("cannot start its runtime: {e}");
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
            tracing::error!("cannot use the listening socket (fd {listen_fd}): {e}");
            return 2;
        }
    };
    // Remembered so that only our own socket file is removed at the end.
    let socket_id = std::fs::metadata(&socket).ok().map(|m| (m.dev(), m.ino()));
    tracing::info!("started for session {session} on {endpoint}: socket {}, grace {grace:?}", socket.display());

    let hand_overs = Arc::new(HandOvers::new(session.clone(), endpoint.clone()));
    let (gone_tx, mut gone_rx) = mpsc::unbounded_channel::<()>();
    let mut clients = 0usize;
    let mut ever_connected = false;
    let mut idle_since = Instant::now();
    let mut locking: Option<tokio::task::JoinHandle<std::io::Result<SessionLock>>> = None;
    loop {
        let idle_limit = if ever_connected { grace } else { startup_timeout };
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    // Counted from the accept: a client waiting for its greeting is one too.
                    clients += 1;
                    ever_connected = true;
                    tracing::info!("client connected ({clients} connected)");
                    tokio::spawn(serve_client(stream, hand_overs.clone(), gone_tx.clone()));
                }
                Err(e) => {
                    tracing::warn!("accept failed: {e}");
                    // Such errors (out of descriptors) last a while; do not spin on them.
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
            Some(()) = gone_rx.recv() => {
                clients -= 1;
                tracing::info!("client disconnected ({clients} connected)");
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
                    Ok(Err(e)) => { tracing::error!("cannot lock {}: {e}", lock.display()); return 1; }
                    Err(e) => { tracing::error!("cannot lock {}: {e}", lock.display()); return 1; }
                };
                // Under the lock no client is between connect and greeting, so this check is final.
                if clients == 0 && idle_since.elapsed() >= idle_limit {
                    remove_socket(&socket, socket_id);
                    drop(listener);
                    hand_overs.settled(None).await;
                    let code = finish(&session, &endpoint, ever_connected, idle_limit).await;
                    held.remove();
                    return code;
                }
                // Someone came (and maybe went) while we waited for the lock: serve on.
            }
        }
    }
}

/// One client: greeted once no hand-over is in progress, then its hand-overs answered until its
/// end of the connection closes, which is reported on `gone`.
async fn serve_client(mut stream: UnixStream, hand_overs: Arc<HandOvers>, gone: mpsc::UnboundedSender<()>) {
    // A new process of the session would meet the names of a handed-over scope still taken.
    hand_overs.settled(Some(GREETING_WAIT)).await;
    if let Err(e) = stream.write_all(hello_line(std::process::id()).as_bytes()).await {
        tracing::warn!("a client left before the greeting: {e}");
        let _ = gone.send(());
        return;
    }
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    loop {
        let mut line = String::new();
        match (&mut read).take(MAX_REQUEST as u64).read_line(&mut line).await {
            Ok(0) => break,
            Ok(_) if line.ends_with('\n') => {
                let outcome = parse_request(line.trim_end_matches('\n')).map(|removal| hand_overs.start(removal));
                if let Err(why) = &outcome {
                    tracing::warn!("refused a request: {why}");
                }
                if write.write_all(reply_line(&outcome).as_bytes()).await.is_err() {
                    break;
                }
            }
            // Too long, or not text: nothing more from this client is read as requests.
            _ => {
                tracing::warn!("a client sent an unreadable request; ignoring the rest of its connection");
                let mut sink = [0u8; 4096];
                while let Ok(1..) = read.read(&mut sink).await {}
                break;
            }
        }
    }
    let _ = gone.send(());
}

/// Removals handed over by clients, carried out concurrently with serving.
struct HandOvers {
    session: SessionId,
    endpoint: String,
    engine: tokio::sync::OnceCell<Engine>,
    /// How many are being carried out.
    pending: tokio::sync::watch::Sender<usize>,
}

impl HandOvers {
    fn new(session: SessionId, endpoint: String) -> HandOvers {
        HandOvers { session, endpoint, engine: Default::default(), pending: tokio::sync::watch::Sender::new(0) }
    }

    /// Registers a removal (before the client is answered) and starts it.
    fn start(self: &Arc<Self>, removal: ScopeRemoval) {
        self.pending.send_modify(|n| *n += 1);
        let this = self.clone();
        tokio::spawn(async move {
            this.carry_out(&removal).await;
            this.pending.send_modify(|n| *n -= 1);
        });
    }

    async fn carry_out(&self, removal: &ScopeRemoval) {
        let names: Vec<&str> = removal.containers.iter().map(|c| c.name.as_str()).collect();
        let engine = match self.engine.get_or_try_init(|| Engine::connect_to(&self.endpoint)).await {
            Ok(engine) => engine,
            Err(e) => {
                tracing::warn!("cannot remove the handed-over {names:?} now ({e}); the session's cleanup will");
                return;
            }
        };
        match removal.carry_out(engine, &self.session).await {
            Ok(cleaned) => tracing::info!(
                "removed the handed-over {names:?}: {} containers, {} networks, {} volumes",
                cleaned.containers,
                cleaned.networks,
                cleaned.volumes
            ),
            Err(e) => tracing::warn!("removing the handed-over {names:?} failed ({e}); the session's cleanup retries"),
        }
    }

    /// Waits until none is in progress, at most `limit` when given.
    async fn settled(&self, limit: Option<Duration>) {
        let mut pending = self.pending.subscribe();
        let idle = pending.wait_for(|n| *n == 0);
        match limit {
            Some(limit) => {
                let _ = tokio::time::timeout(limit, idle).await;
            }
            None => {
                let _ = idle.await;
            }
        }
    }
}

fn remove_socket(socket: &std::path::Path, ours: Option<(u64, u64)>) {
    let current = std::fs::metadata(socket).ok().map(|m| (m.dev(), m.ino()));
    if current.is_some() && current == ours {
        if let Err(e) = std::fs::remove_file(socket) {
            tracing::warn!("cannot remove {}: {e}", socket.display());
        }
    }
}

async fn finish(session: &SessionId, endpoint: &str, ever_connected: bool, waited: Duration) -> i32 {
    if !ever_connected {
        tracing::info!("no client connected within {waited:?}; exiting without cleaning up");
        return 0;
    }
    tracing::info!("no client for {waited:?}: removing what session {session} left on {endpoint}");
    match reap(endpoint, session, waited).await {
        Ok(()) => {
            tracing::info!("done; exiting");
            0
        }
        Err(e) => {
            tracing::error!("cleanup failed: {e}");
            1
        }
    }
}

/// The reaper's log lines: RFC 3339 UTC time (tracing-subscriber's own timer), level, the
/// `reaper{pid=..}` span, message; no colours, as the writer is a file (the reaper's stderr).
fn log_subscriber<W>(writer: W) -> impl tracing::Subscriber + Send + Sync + 'static
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    tracing_subscriber::fmt()
        .with_writer(writer)
        .with_timer(tracing_subscriber::fmt::time::SystemTime)
        .with_ansi(false)
        .with_target(false)
        .with_max_level(tracing::Level::INFO)
        .finish()
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Lines(Arc<Mutex<Vec<u8>>>);

    impl Write for Lines {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().write(buf)
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn log_lines_start_with_an_rfc3339_utc_time_and_name_the_reaper_pid() {
        let lines = Lines::default();
        let writer = lines.clone();
        tracing::subscriber::with_default(super::log_subscriber(move || writer.clone()), || {
            let _pid = tracing::info_span!("reaper", pid = 42).entered();
            tracing::info!("client connected (1 connected)");
            tracing::debug!("not written: the log keeps info and above");
        });
        let text = String::from_utf8(lines.0.lock().unwrap().clone()).unwrap();
        let mut written = text.lines();
        let line = written.next().unwrap_or_default();
        assert_eq!(written.next(), None, "{text}");
        // `YYYY-MM-DDTHH:MM:SS.ffffffZ`
        let (time, rest) = line.split_once(' ').unwrap_or_default();
        let shape: String = time.chars().map(|c| if c.is_ascii_digit() { '0' } else { c }).collect();
        assert_eq!(shape, "0000-00-00T00:00:00.000000Z", "{line}");
        assert_eq!(rest.trim_start(), "INFO reaper{pid=42}: client connected (1 connected)", "{line}");
    }
}
