//! Combined readiness: `all(...)` holds when every part does, `any(...)` when one does. The parts
//! run concurrently, each under its own timeout, so an error names the part still waiting.

use std::time::Duration;

use futures_util::stream::{FuturesUnordered, StreamExt};

use super::probe;
use super::target::{LastSeen, ProbeEnd, ProbeTarget};
use crate::base::error::{Error, Result};
use crate::primitives::logs::log_tail;
use crate::primitives::logs::ERROR_LOG_LINES;
use crate::spec::readiness::{Readiness, Strategy};

/// How one part ended.
enum PartEnd {
    Ready,
    Exhausted,
    TimedOut { last_probe: String },
    Failed(Error),
}

/// Runs every part, each within its own timeout; yields (index, end) as they finish.
fn run_parts<'a>(
    target: &'a ProbeTarget<'a>,
    parts: &'a [Readiness],
) -> FuturesUnordered<impl std::future::Future<Output = (usize, PartEnd)> + 'a> {
    parts
        .iter()
        .enumerate()
        .map(|(index, part)| async move {
            let seen = LastSeen::default();
            let end = match tokio::time::timeout(part.timeout, probe(target, &part.strategy, &seen)).await {
                Ok(Ok(ProbeEnd::Ready)) => PartEnd::Ready,
                Ok(Ok(ProbeEnd::Exhausted)) => PartEnd::Exhausted,
                Ok(Err(e)) => PartEnd::Failed(e),
                Err(_) => PartEnd::TimedOut { last_probe: seen.get() },
            };
            (index, end)
        })
        .collect()
}

pub(super) async fn wait_all(target: &ProbeTarget<'_>, parts: &[Readiness], seen: &LastSeen) -> Result<ProbeEnd> {
    let mut running = run_parts(target, parts);
    let mut done = 0;
    while let Some((index, end)) = running.next().await {
        match end {
            PartEnd::Ready => {
                done += 1;
                seen.set(format!("{done} of {} parts ready", parts.len()));
            }
            PartEnd::Exhausted => return Ok(ProbeEnd::Exhausted),
            PartEnd::Failed(e) => return Err(e),
            PartEnd::TimedOut { last_probe } => {
                let part = &parts[index];
                let whole = Readiness::bounded(Strategy::All(parts.to_vec()), part.timeout);
                return Err(timed_out(target, format!("{part}, part {} of {whole}", index + 1), part, last_probe).await);
            }
        }
    }
    Ok(ProbeEnd::Ready)
}

pub(super) async fn wait_any(target: &ProbeTarget<'_>, parts: &[Readiness], seen: &LastSeen) -> Result<ProbeEnd> {
    let mut running = run_parts(target, parts);
    let mut failures: Vec<(usize, PartEnd)> = Vec::new();
    while let Some((index, end)) = running.next().await {
        match end {
            PartEnd::Ready => return Ok(ProbeEnd::Ready),
            other => {
                failures.push((index, other));
                seen.set(format!("{} of {} parts gave up", failures.len(), parts.len()));
            }
        }
    }
    failures.sort_by_key(|(index, _)| *index);
    if failures.iter().any(|(_, end)| matches!(end, PartEnd::Exhausted)) {
        return Ok(ProbeEnd::Exhausted);
    }
    let mut waited_for = Vec::new();
    let mut slowest = Duration::ZERO;
    for (index, end) in failures {
        let part = &parts[index];
        match end {
            PartEnd::Failed(e) => return Err(e),
            PartEnd::TimedOut { last_probe } => {
                slowest = slowest.max(part.timeout);
                let last = if last_probe.is_empty() { String::new() } else { format!(" (last probe: {last_probe})") };
                waited_for.push(format!("{part} within {:?}{last}", part.timeout));
            }
            PartEnd::Ready | PartEnd::Exhausted => {}
        }
    }
    let any = Readiness::bounded(Strategy::Any(parts.to_vec()), slowest);
    let strategy = format!("any of {} parts, and none held: {}", parts.len(), waited_for.join("; "));
    Err(timed_out(target, strategy, &any, String::new()).await)
}

async fn timed_out(target: &ProbeTarget<'_>, strategy: String, part: &Readiness, last_probe: String) -> Error {
    Error::ReadinessTimeout {
        container: target.name.to_string(),
        strategy,
        waited: part.timeout,
        last_probe: if last_probe.is_empty() { last_probe } else { format!(" (last probe: {last_probe})") },
        log_tail: log_tail(target.engine, target.id, ERROR_LOG_LINES).await,
    }
}
