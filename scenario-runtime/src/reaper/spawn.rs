//! Starting a reaper: the current binary (or `SCENARIO_REAPER_EXE`) re-executed as a daemon.
//!
//! The child must outlive every test process and must not hold anything of theirs: it starts its
//! own session (a signal or `kill` sent to the test's process group does not reach it), is
//! re-parented away from the test by a double fork (no zombie while the test runs on), has stdin
//! on /dev/null and stdout/stderr on its log file (nextest flags a test whose descendants keep its
//! output pipes open as leaky), and inherits exactly one descriptor besides: the listening socket.

use std::fs::OpenOptions;
use std::io;
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::net::UnixListener;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};

use super::config::env;
use crate::base::identity::SessionId;
use crate::base::paths::ReaperPaths;

/// Set by `run_if_reaper_process`: this binary's `main` turns a re-executed copy into a reaper.
static REEXEC_ALLOWED: AtomicBool = AtomicBool::new(false);

pub(crate) fn allow_reexec() {
    REEXEC_ALLOWED.store(true, Ordering::Relaxed);
}

/// Starts the reaper on `listener` (already bound and listening) and returns once it is exec'd.
pub(crate) fn spawn_reaper(
    listener: &UnixListener,
    session: &SessionId,
    endpoint: &str,
    paths: &ReaperPaths,
) -> Result<(), String> {
    let (program, arg0) = reaper_exe()?;
    let opened = paths
        .log
        .parent()
        .map_or(Ok(()), std::fs::create_dir_all)
        .and_then(|()| OpenOptions::new().create(true).append(true).open(&paths.log));
    // An artifacts folder that cannot be written costs the reaper's log, not the run.
    let log = match opened {
        Ok(log) => log,
        Err(e) => {
            crate::base::artifacts::warn_unwritable("cannot open the reaper's log", &paths.log, &e);
            OpenOptions::new().write(true).open("/dev/null").map_err(|e| format!("cannot open /dev/null: {e}"))?
        }
    };
    let log_err = log.try_clone().map_err(|e| format!("cannot open its log {}: {e}", paths.log.display()))?;
    let listen_fd = listener.as_raw_fd();

    let mut command = Command::new(program);
    command
        .arg0(arg0)
        // A libtest binary started by mistake rejects this flag instead of running its tests.
        .arg("--scenario-reaper")
        .env(env::ROLE, env::ROLE_REAPER)
        .env(env::SESSION, session.as_str())
        .env(env::ENDPOINT, endpoint)
        .env(env::SOCKET, &paths.socket)
        .env(env::LOCK, &paths.lock)
        .env(env::LISTEN_FD, listen_fd.to_string())
        .current_dir("/")
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log_err);
    // SAFETY: `detach` only makes async-signal-safe calls, as required between fork and exec.
    unsafe {
        command.pre_exec(move || detach(listen_fd));
    }
    // `spawn` returns once the grandchild has exec'd (or reports why it could not); the child
    // itself exits at once and is waited for here.
    let mut child = command.spawn().map_err(|e| format!("could not be started: {e}"))?;
    let status = child.wait().map_err(|e| format!("could not be started: {e}"))?;
    if !status.success() {
        return Err(format!("could not be started: its launcher ended with {status}"));
    }
    Ok(())
}

/// Which program to run, and the `argv[0]` it shows in `ps`. `/proc/self/exe` still runs the
/// right binary when cargo has rebuilt (replaced) the file since this process started.
fn reaper_exe() -> Result<(PathBuf, PathBuf), String> {
    if let Some(exe) = std::env::var_os(env::EXE).filter(|v| !v.is_empty()) {
        return Ok((PathBuf::from(&exe), PathBuf::from(exe)));
    }
    if !REEXEC_ALLOWED.load(Ordering::Relaxed) {
        return Err(format!(
            "cannot be started from this binary: its `main` does not call \
             `scenario_runtime::reaper::run_if_reaper_process()` (the harness's `main!` does); \
             call it, or set {} to a binary that does",
            env::EXE
        ));
    }
    let current = std::env::current_exe().map_err(|e| format!("cannot find the current executable: {e}"))?;
    let self_exe = PathBuf::from("/proc/self/exe");
    Ok((if self_exe.exists() { self_exe } else { current.clone() }, current))
}

/// Runs in the forked child: new session, second fork (the first child exits, the grandchild is
/// adopted by init or the nearest subreaper), then every descriptor but the listener is marked
/// close-on-exec and the listener is made inheritable.
fn detach(listen_fd: RawFd) -> io::Result<()> {
    // SAFETY: setsid, fork, _exit, fcntl and close_range are async-signal-safe.
    unsafe {
        if libc::setsid() == -1 {
            return Err(io::Error::last_os_error());
        }
        match libc::fork() {
            -1 => return Err(io::Error::last_os_error()),
            0 => {}
            _ => libc::_exit(0),
        }
        if listen_fd > 3 {
            cloexec_range(3, listen_fd as u32 - 1);
        }
        cloexec_range(listen_fd as u32 + 1, u32::MAX);
        let flags = libc::fcntl(listen_fd, libc::F_GETFD);
        if flags == -1 || libc::fcntl(listen_fd, libc::F_SETFD, flags & !libc::FD_CLOEXEC) == -1 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

/// Marks descriptors `first..=last` close-on-exec (rather than closing them, so that std's own
/// exec-error pipe still works). Rust opens everything close-on-exec already; this catches what
/// the test process inherited from its parent without the flag.
unsafe fn cloexec_range(first: u32, last: u32) {
    #[cfg(target_os = "linux")]
    {
        if libc::syscall(libc::SYS_close_range, first, last, libc::CLOSE_RANGE_CLOEXEC) == 0 {
            return;
        }
    }
    // Kernels before 5.11: walk a bounded range.
    for fd in first..=last.min(4096) {
        let flags = libc::fcntl(fd as RawFd, libc::F_GETFD);
        if flags != -1 && flags & libc::FD_CLOEXEC == 0 {
            libc::fcntl(fd as RawFd, libc::F_SETFD, flags | libc::FD_CLOEXEC);
        }
    }
}
