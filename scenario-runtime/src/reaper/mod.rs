//! The session's reaper: the safety net that removes a test session's containers, networks and
//! volumes after the session's last process has gone, also after a panic, Ctrl-C or SIGKILL.
//!
//! No image can be pulled for it (so no Ryuk container): the test binary re-executes itself as a
//! detached process, one per session and engine endpoint. Every process of the session holds a
//! connection to it ([`ensure`] returns a [`ReaperLease`]); the kernel closes that connection
//! however the process ends. Once no client has been connected for a grace period (10 s by
//! default), the reaper removes everything labelled `dev.scenario.managed=true` with its session
//! label, except what is marked `dev.scenario.reuse=true`, and exits. Its log is
//! `<target>/scenario-logs/reaper/<session>.log`.
//!
//! A binary that may start a reaper calls [`run_if_reaper_process`] first thing in `main` (the
//! harness's `main!` does): in the re-executed copy it runs the reaper and exits.
//!
//! Configuration, by environment (see [`env`]): `SCENARIO_REAPER=off` disables it;
//! `SCENARIO_REAPER_GRACE_MS` and `SCENARIO_REAPER_STARTUP_TIMEOUT_MS` set its timings.

mod client;
mod config;
mod lock;
mod protocol;
mod reap;
mod server;
mod spawn;

pub use client::{ensure, ReaperLease};
pub use config::env;
pub use config::{DEFAULT_GRACE, DEFAULT_STARTUP_TIMEOUT};

/// Call first thing in `main`. In a process started as a reaper it runs the reaper and exits;
/// anywhere else it returns at once, and marks this binary as one [`ensure`] may re-execute
/// (a libtest binary re-executed would run its tests instead, so [`ensure`] refuses without it).
pub fn run_if_reaper_process() {
    if config::is_reaper_process() {
        std::process::exit(server::main());
    }
    spawn::allow_reexec();
}
