//! Waiting for readiness: runs the strategy's probe against the timeout and, at the same time,
//! watches for the container exiting, which fails the wait at once with its exit code.

use std::time::{Duration, Instant};

use super::probe;
use super::target::{exit_code, LastSeen, ProbeEnd, ProbeTarget};
use crate::base::error::{Error, Result};
use crate::primitives::logs::{log_tail, ERROR_LOG_LINES};
use crate::spec::readiness::{Readiness, Strategy};

/// Waits until `readiness` holds, the container exits, or the timeout passes. Returns how long
/// the wait took.
pub(crate) async fn wait_ready(target: &ProbeTarget<'_>, readiness: &Readiness) -> Result<Duration> {
    let begun = Instant::now();
    let _shown = crate::base::progress::task(format!("ready {}", target.name), format!("waiting for {readiness}"));
    let last_seen = LastSeen::default();
    let probe = probe(target, &readiness.strategy, &last_seen);
    // A followed log stream ends when the container stops, so the log strategy needs no
    // separate watcher (one engine connection less per container); a container that should
    // run to completion is watched by its probe.
    let watch_exit = !matches!(readiness.strategy, Strategy::Log { .. } | Strategy::Completed);
    let exit_watch = async {
        if watch_exit {
            exit_code(target).await
        } else {
            std::future::pending().await
        }
    };
    let watched = async {
        tokio::select! {
            // A container that prints its ready line and exits is ready; check the probe first.
            biased;
            end = probe => match end {
                Ok(ProbeEnd::Ready) => Ok(Ok(())),
                Ok(ProbeEnd::Exhausted) => Ok(Err(exit_code(target).await)),
                Err(e) => Err(e),
            },
            code = exit_watch => Ok(Err(code)),
        }
    };
    match tokio::time::timeout(readiness.timeout, watched).await {
        Ok(Ok(Ok(()))) => Ok(begun.elapsed()),
        Ok(Err(probe_error)) => Err(probe_error),
        Ok(Ok(Err(code))) => Err(exited(target, readiness, code?).await),
        Err(_elapsed) => {
            let seen = last_seen.get();
            Err(Error::ReadinessTimeout {
                container: target.name.to_string(),
                strategy: readiness.to_string(),
                waited: begun.elapsed(),
                last_probe: if seen.is_empty() { seen } else { format!(" (last probe: {seen})") },
                log_tail: log_tail(target.engine, target.id, ERROR_LOG_LINES).await,
            })
        }
    }
}

/// The error for a container that stopped before it was ready.
pub(crate) async fn exited(target: &ProbeTarget<'_>, readiness: &Readiness, exit_code: i64) -> Error {
    let when = "while waiting for it to be ready";
    if let Some(oom) = crate::primitives::oom::oom_killed(target.engine, target.id, target.name, when).await {
        return oom;
    }
    Error::ContainerExited {
        container: target.name.to_string(),
        exit_code,
        strategy: readiness.to_string(),
        log_tail: log_tail(target.engine, target.id, ERROR_LOG_LINES).await,
    }
}
