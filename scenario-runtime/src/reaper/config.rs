//! The reaper's settings and the environment variables that carry them: users set the public
//! ones; the private ones tell a re-executed binary that it is a reaper, and which one.

use std::time::Duration;

/// How long the reaper waits, after its last client disconnected, for one to come back.
pub const DEFAULT_GRACE: Duration = Duration::from_secs(10);

/// How long a new reaper waits for its first client before it exits without cleaning up.
pub const DEFAULT_STARTUP_TIMEOUT: Duration = Duration::from_secs(30);

/// The environment variables the reaper reads.
pub mod env {
    /// `off` (or `0`, `false`, `no`) disables the reaper: `reaper::ensure` returns an
    /// inactive lease and nothing cleans up after a killed run.
    pub const SWITCH: &str = "SCENARIO_REAPER";
    /// Grace period in milliseconds (default 10 000). Read by the process that starts the reaper.
    pub const GRACE_MS: &str = "SCENARIO_REAPER_GRACE_MS";
    /// Startup timeout in milliseconds (default 30 000).
    pub const STARTUP_TIMEOUT_MS: &str = "SCENARIO_REAPER_STARTUP_TIMEOUT_MS";
    /// A binary to run as the reaper instead of the current one; it must call
    /// `scenario_runtime::__private::reaper::run_if_reaper_process` first in `main`.
    pub const EXE: &str = "SCENARIO_REAPER_EXE";

    /// Set to [`ROLE_REAPER`] in the re-executed process.
    #[doc(hidden)]
    pub const ROLE: &str = "SCENARIO_REAPER_ROLE";
    #[doc(hidden)]
    pub const ROLE_REAPER: &str = "reaper";
    /// The session whose resources the reaper removes.
    #[doc(hidden)]
    pub const SESSION: &str = "SCENARIO_REAPER_SESSION";
    /// The engine endpoint (`DOCKER_HOST` syntax) the session's resources live on.
    #[doc(hidden)]
    pub const ENDPOINT: &str = "SCENARIO_REAPER_ENDPOINT";
    /// The socket path, removed by the reaper on exit.
    #[doc(hidden)]
    pub const SOCKET: &str = "SCENARIO_REAPER_SOCKET";
    /// The lock file serialising connect-or-spawn against the reaper's last check.
    #[doc(hidden)]
    pub const LOCK: &str = "SCENARIO_REAPER_LOCK";
    /// The inherited descriptor of the listening socket, bound by the spawning client.
    #[doc(hidden)]
    pub const LISTEN_FD: &str = "SCENARIO_REAPER_LISTEN_FD";
}

/// Whether `SCENARIO_REAPER` turns the reaper off.
pub(crate) fn disabled() -> bool {
    // A bad value never gets here: the harness checks every setting before it starts.
    std::env::var(env::SWITCH).ok().and_then(|v| crate::base::settings::parse_switch(&v).ok()) == Some(false)
}

/// Whether this process was started as a reaper. One variable lookup: cheap in every test binary.
pub(crate) fn is_reaper_process() -> bool {
    std::env::var_os(env::ROLE).is_some_and(|v| v == env::ROLE_REAPER)
}

pub(crate) fn grace() -> Duration {
    millis(env::GRACE_MS).unwrap_or(DEFAULT_GRACE)
}

pub(crate) fn startup_timeout() -> Duration {
    millis(env::STARTUP_TIMEOUT_MS).unwrap_or(DEFAULT_STARTUP_TIMEOUT)
}

fn millis(key: &str) -> Option<Duration> {
    std::env::var(key).ok()?.trim().parse().ok().map(Duration::from_millis)
}
