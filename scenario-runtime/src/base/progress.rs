//! Progress of long work (image builds and pulls, readiness waits), shown while it happens: a
//! live display on a terminal, timestamped lines where stderr is not one (CI, nextest's
//! captured output), and nothing for work that ends within a second, so a warm run stays
//! silent. Off unless the harness turns it on (library users get no output they did not ask
//! for); `SCENARIO_PROGRESS=auto|live|plain|off` chooses.
//!
//! The live display and libtest's output share one terminal: while it is on, this process's
//! stdout goes through a pipe whose complete lines are written above the display
//! ([`indicatif::MultiProgress::suspend`]), so a redraw never lands inside a test's line.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// Work shorter than this is never shown (`SCENARIO_PROGRESS_AFTER_MS` changes it).
const SHOW_AFTER: Duration = Duration::from_secs(1);
/// The longest detail shown.
const DETAIL_CHARS: usize = 100;
/// How often the display looks at the tasks.
const TICK: Duration = Duration::from_millis(100);
/// In plain mode, a task whose detail does not change is still reported this often.
const PLAIN_REPEAT: Duration = Duration::from_secs(10);

/// How progress is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    Off,
    Plain,
    Live,
}

struct Display {
    mode: Mode,
    show_after: Duration,
    started: Instant,
    tasks: Mutex<HashMap<u64, Shown>>,
    live: Option<indicatif::MultiProgress>,
}

struct Shown {
    title: String,
    detail: String,
    begun: Instant,
    /// Plain mode: the detail last printed, and when.
    printed: Option<(String, Instant)>,
    bar: Option<indicatif::ProgressBar>,
}

static DISPLAY: OnceLock<Arc<Display>> = OnceLock::new();
static FORWARDER: Mutex<Option<StdoutForwarder>> = Mutex::new(None);
static NEXT_ID: AtomicU64 = AtomicU64::new(0);

/// The mode `SCENARIO_PROGRESS` asks for, `auto` deciding by whether stderr is a terminal.
pub(crate) fn mode_from_env() -> Mode {
    use std::io::IsTerminal;
    match std::env::var("SCENARIO_PROGRESS").unwrap_or_default().trim().to_ascii_lowercase().as_str() {
        "off" => Mode::Off,
        "plain" => Mode::Plain,
        "live" => Mode::Live,
        _ if std::io::stderr().is_terminal() => Mode::Live,
        _ => Mode::Plain,
    }
}

/// Turns the display on for this process (the harness calls it once, and [`finish`] before
/// the process exits).
pub(crate) fn enable(mode: Mode) {
    if let Some(forwarder) = start(mode) {
        *FORWARDER.lock().unwrap() = Some(forwarder);
    }
}

/// Ends the display: the real stdout is put back with everything written to it so far.
pub(crate) fn finish() {
    let forwarder = FORWARDER.lock().unwrap().take();
    if let Some(forwarder) = forwarder {
        forwarder.finish();
    }
    if let Some(multi) = DISPLAY.get().and_then(|d| d.live.as_ref()) {
        let _ = multi.clear();
    }
}

fn start(mode: Mode) -> Option<StdoutForwarder> {
    if mode == Mode::Off || DISPLAY.get().is_some() {
        return None;
    }
    let live = (mode == Mode::Live)
        .then(|| indicatif::MultiProgress::with_draw_target(indicatif::ProgressDrawTarget::stderr_with_hz(10)));
    let show_after = std::env::var("SCENARIO_PROGRESS_AFTER_MS")
        .ok()
        .and_then(|ms| ms.trim().parse().ok())
        .map_or(SHOW_AFTER, Duration::from_millis);
    let display =
        Arc::new(Display { mode, show_after, started: Instant::now(), tasks: Mutex::new(HashMap::new()), live });
    if DISPLAY.set(display.clone()).is_err() {
        return None;
    }
    let ticking = display.clone();
    std::thread::Builder::new()
        .name("scenario-progress".into())
        .spawn(move || loop {
            std::thread::sleep(TICK);
            ticking.tick();
        })
        .ok()?;
    display.live.clone().and_then(StdoutForwarder::start)
}

/// A piece of long work; shown once it has run for a second, gone when dropped.
#[must_use = "the task is shown until it is dropped"]
pub(crate) struct Task {
    id: u64,
}

/// Starts a task titled like `build web` or `ready db`. Without a display, a no-op.
pub(crate) fn task(title: impl Into<String>, detail: impl Into<String>) -> Task {
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    if let Some(display) = DISPLAY.get() {
        let mut shown =
            Shown { title: title.into(), detail: detail.into(), begun: Instant::now(), printed: None, bar: None };
        if display.mode == Mode::Plain && display.show_after.is_zero() {
            // Everything is shown: say so now, not at the next tick, which short work never sees.
            display.line(&format!("{}: {}", shown.title, shown.detail));
            shown.printed = Some((shown.detail.clone(), shown.begun));
        }
        display.tasks.lock().unwrap().insert(id, shown);
    }
    Task { id }
}

impl Task {
    /// What the task is doing now (`step 3/7: RUN apt-get ...`, `2/5 layers, 31/80 MB`).
    pub(crate) fn set(&self, detail: impl Into<String>) {
        if let Some(display) = DISPLAY.get() {
            if let Some(shown) = display.tasks.lock().unwrap().get_mut(&self.id) {
                shown.detail = one_short_line(&detail.into());
            }
        }
    }
}

/// Runs of white space as one space, and at most [`DETAIL_CHARS`] characters (a Dockerfile's
/// `RUN` can be a screenful).
fn one_short_line(text: &str) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match line.char_indices().nth(DETAIL_CHARS) {
        Some((cut, _)) => format!("{}...", &line[..cut]),
        None => line,
    }
}

impl Drop for Task {
    fn drop(&mut self) {
        let Some(display) = DISPLAY.get() else { return };
        let Some(shown) = display.tasks.lock().unwrap().remove(&self.id) else { return };
        if let Some(bar) = shown.bar {
            bar.finish_and_clear();
        }
        if display.mode == Mode::Plain && shown.printed.is_some() {
            // With the last detail: where a pull or build ended (`1/1 layers, 28.3/28.3 MB`).
            let seconds = shown.begun.elapsed().as_secs_f64();
            display.line(&format!("{}: done after {seconds:.1} s ({})", shown.title, shown.detail));
        }
    }
}

impl Display {
    fn tick(&self) {
        let mut tasks = self.tasks.lock().unwrap();
        let now = Instant::now();
        for shown in tasks.values_mut().filter(|s| now.duration_since(s.begun) >= self.show_after) {
            let elapsed = now.duration_since(shown.begun).as_secs();
            match (self.mode, &self.live) {
                (Mode::Live, Some(multi)) => {
                    let bar = shown.bar.get_or_insert_with(|| {
                        let bar = multi.add(indicatif::ProgressBar::new_spinner());
                        bar.set_style(
                            indicatif::ProgressStyle::with_template("{spinner} {prefix} {wide_msg}")
                                .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
                        );
                        bar.set_prefix(shown.title.clone());
                        bar
                    });
                    bar.set_message(format!("{} ({elapsed} s)", shown.detail));
                    bar.tick();
                }
                _ => {
                    let due = match &shown.printed {
                        None => true,
                        Some((detail, at)) => *detail != shown.detail || now.duration_since(*at) >= PLAIN_REPEAT,
                    };
                    if due {
                        self.line(&format!("{}: {} ({elapsed} s)", shown.title, shown.detail));
                        shown.printed = Some((shown.detail.clone(), now));
                    }
                }
            }
        }
    }

    /// One timestamped line on stderr, written whole.
    fn line(&self, text: &str) {
        use std::io::Write;
        let line = format!("[{:>7.1}s] {text}\n", self.started.elapsed().as_secs_f64());
        let _ = std::io::stderr().lock().write_all(line.as_bytes());
    }
}

/// This process's stdout, redirected through a pipe while the live display is on: complete
/// lines are written to the real stdout above the display; a partial line waits for its end.
struct StdoutForwarder {
    saved_stdout: libc::c_int,
    done: std::sync::mpsc::Receiver<()>,
}

impl StdoutForwarder {
    fn start(multi: indicatif::MultiProgress) -> Option<StdoutForwarder> {
        use std::io::{Read, Write};
        use std::os::fd::FromRawFd;

        let mut fds = [0; 2];
        // SAFETY: plain descriptor calls; every result is checked before use.
        unsafe {
            if libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) != 0 {
                return None;
            }
            let saved = libc::fcntl(libc::STDOUT_FILENO, libc::F_DUPFD_CLOEXEC, 3);
            if saved < 0 {
                libc::close(fds[0]);
                libc::close(fds[1]);
                return None;
            }
            let _ = std::io::stdout().flush();
            if libc::dup2(fds[1], libc::STDOUT_FILENO) < 0 {
                libc::close(fds[0]);
                libc::close(fds[1]);
                libc::close(saved);
                return None;
            }
            libc::close(fds[1]);
            let mut pipe = std::fs::File::from_raw_fd(fds[0]);
            let real_fd = libc::fcntl(saved, libc::F_DUPFD_CLOEXEC, 3);
            let mut real = std::fs::File::from_raw_fd(real_fd);
            let (done_tx, done) = std::sync::mpsc::channel();
            std::thread::Builder::new()
                .name("scenario-stdout".into())
                .spawn(move || {
                    let mut pending = Vec::new();
                    let mut chunk = [0u8; 8192];
                    loop {
                        let n = match pipe.read(&mut chunk) {
                            Ok(0) | Err(_) => break,
                            Ok(n) => n,
                        };
                        pending.extend_from_slice(&chunk[..n]);
                        if let Some(end) = pending.iter().rposition(|b| *b == b'\n') {
                            let lines: Vec<u8> = pending.drain(..=end).collect();
                            multi.suspend(|| {
                                let _ = real.write_all(&lines);
                                let _ = real.flush();
                            });
                        }
                    }
                    multi.suspend(|| {
                        let _ = real.write_all(&pending);
                        let _ = real.flush();
                    });
                    let _ = done_tx.send(());
                })
                .ok()?;
            Some(StdoutForwarder { saved_stdout: saved, done })
        }
    }

    /// Puts the real stdout back and waits (briefly: a child process may still hold the pipe)
    /// until everything written before is out.
    fn finish(self) {
        use std::io::Write;
        let _ = std::io::stdout().flush();
        // SAFETY: restoring the descriptor saved in `start`.
        unsafe {
            libc::dup2(self.saved_stdout, libc::STDOUT_FILENO);
            libc::close(self.saved_stdout);
        }
        let _ = self.done.recv_timeout(Duration::from_secs(2));
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn details_are_one_short_line() {
        assert_eq!(
            super::one_short_line("step 2/8 : RUN set -eux;\n    apt-get update"),
            "step 2/8 : RUN set -eux; apt-get update"
        );
        let long = "x".repeat(150);
        assert_eq!(super::one_short_line(&long), format!("{}...", "x".repeat(100)));
    }
}
