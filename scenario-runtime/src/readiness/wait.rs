//! Waiting for readiness: runs the strategy's probe against the timeout and, at the same time,
//! watches for the container exiting, which fails the wait at once with its exit code.

use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use futures_util::StreamExt;

use super::{Readiness, Strategy};
use crate::container::logs::log_tail;
use crate::container::PublishedPorts;
use crate::engine::Engine;
use crate::error::{Error, Result};

/// Log lines quoted in readiness errors.
pub(crate) const ERROR_LOG_LINES: usize = 20;

/// What a probe needs to know about the started container.
pub(crate) struct ProbeTarget<'a> {
    pub engine: &'a Engine,
    pub id: &'a str,
    pub name: &'a str,
    pub ports: &'a PublishedPorts,
    /// The container's address on its network, if the engine reports one.
    pub ip: Option<IpAddr>,
    pub started_at: SystemTime,
}

/// The last thing a probe saw, quoted in the timeout error ("connection refused", "HTTP 503").
#[derive(Clone, Default)]
pub(crate) struct LastSeen(Arc<Mutex<String>>);

impl LastSeen {
    pub fn set(&self, seen: impl Into<String>) {
        *self.0.lock().unwrap() = seen.into();
    }

    pub(super) fn get(&self) -> String {
        self.0.lock().unwrap().clone()
    }
}

/// How a probe ended without error.
pub(crate) enum ProbeEnd {
    Ready,
    /// The evidence can no longer come (the log stream closed): the container is exiting.
    Exhausted,
}

/// Between two probe attempts: short at first (most services come up within milliseconds of
/// each other), then backing off so a slow service is not hammered.
pub(crate) struct Backoff(Duration);

impl Backoff {
    pub fn new() -> Backoff {
        Backoff(Duration::from_millis(5))
    }

    pub async fn pause(&mut self) {
        tokio::time::sleep(self.0).await;
        self.0 = (self.0 * 2).min(Duration::from_millis(100));
    }
}

/// Waits until `readiness` holds, the container exits, or the timeout passes. Returns how long
/// the wait took.
pub(crate) async fn wait_ready(target: &ProbeTarget<'_>, readiness: &Readiness) -> Result<Duration> {
    let begun = Instant::now();
    let _shown = crate::progress::task(format!("ready {}", target.name), format!("waiting for {readiness}"));
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
    if let Some(oom) = crate::container::oom::oom_killed(target.engine, target.id, target.name, when).await {
        return oom;
    }
    Error::ContainerExited {
        container: target.name.to_string(),
        exit_code,
        strategy: readiness.to_string(),
        log_tail: log_tail(target.engine, target.id, ERROR_LOG_LINES).await,
    }
}

pub(super) async fn probe(target: &ProbeTarget<'_>, strategy: &Strategy, seen: &LastSeen) -> Result<ProbeEnd> {
    match strategy {
        Strategy::None => Ok(ProbeEnd::Ready),
        Strategy::Log { text, occurrences, source } => {
            super::log::wait_for_line(target, text, *occurrences, *source, seen).await
        }
        Strategy::Port { port } => super::tcp::wait_for_port(target, *port, seen).await,
        Strategy::Http { port, path, status, body } => {
            super::http::wait_for_status(target, *port, path, *status, body.as_deref(), seen).await
        }
        Strategy::All(parts) => Box::pin(super::combined::wait_all(target, parts, seen)).await,
        Strategy::Any(parts) => Box::pin(super::combined::wait_any(target, parts, seen)).await,
        Strategy::Healthy => super::health::wait_for_healthy(target, seen).await,
        Strategy::Exec { command } => super::exec::wait_for_exit_zero(target, command, seen).await,
        // A non-zero exit is reported by the caller as an exit before readiness.
        Strategy::Completed => match exit_code(target).await? {
            0 => Ok(ProbeEnd::Ready),
            code => {
                seen.set(format!("exit code {code}"));
                Ok(ProbeEnd::Exhausted)
            }
        },
    }
}

/// Resolves when the container is no longer running, with its exit code.
async fn exit_code(target: &ProbeTarget<'_>) -> Result<i64> {
    use bollard::query_parameters::WaitContainerOptionsBuilder;
    let options = WaitContainerOptionsBuilder::new().condition("not-running").build();
    let mut waiting = target.engine.streaming().wait_container(target.id, Some(options));
    match waiting.next().await {
        Some(Ok(response)) => Ok(response.status_code),
        Some(Err(bollard::errors::Error::DockerContainerWaitError { code, .. })) => Ok(code),
        Some(Err(e)) => Err(Error::engine("wait", target.name, e)),
        None => {
            let inspected = target
                .engine
                .docker()
                .inspect_container(target.id, None)
                .await
                .map_err(|e| Error::engine("inspect", target.name, e))?;
            Ok(inspected.state.and_then(|s| s.exit_code).unwrap_or(-1))
        }
    }
}
