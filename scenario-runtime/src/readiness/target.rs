//! What every probe works with: the container it probes, the last thing it saw (for errors), how
//! a probe ends, its retry backoff, and the container's exit code.

use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use futures_util::StreamExt;

use crate::base::error::{Error, Result};
use crate::engine::Engine;
use crate::primitives::ports::PublishedPorts;

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

/// Resolves when the container is no longer running, with its exit code.
pub(super) async fn exit_code(target: &ProbeTarget<'_>) -> Result<i64> {
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
