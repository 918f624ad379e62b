//! Combined readiness: `all(...)` holds when every part does, `any(...)` when one does. The parts
//! run concurrently, each under its own timeout, so an error names the part still waiting.

use std::fmt;
use std::time::Duration;

use futures_util::stream::{FuturesUnordered, StreamExt};

use super::wait::{probe, LastSeen, ProbeEnd, ProbeTarget, ERROR_LOG_LINES};
use super::{Readiness, Strategy};
use crate::container::logs::log_tail;
use crate::error::{Error, Result};

/// The whole outlasts its slowest part by this much, so a part's own timeout is what fires.
const SLACK: Duration = Duration::from_secs(1);

pub(super) fn of(parts: impl IntoIterator<Item = Readiness>, combine: fn(Vec<Readiness>) -> Strategy) -> Readiness {
    let parts: Vec<Readiness> = parts.into_iter().collect();
    let slowest = parts.iter().map(|p| p.timeout).max().unwrap_or(Duration::ZERO);
    Readiness { strategy: combine(parts), timeout: slowest + SLACK }
}

pub(super) fn describe(f: &mut fmt::Formatter<'_>, how: &str, parts: &[Readiness]) -> fmt::Result {
    write!(f, "{how} (")?;
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            write!(f, "; ")?;
        }
        write!(f, "{part}")?;
    }
    write!(f, ")")
}

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
                let whole = Readiness { strategy: Strategy::All(parts.to_vec()), timeout: part.timeout };
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
    let any = Readiness { strategy: Strategy::Any(parts.to_vec()), timeout: slowest };
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_whole_outlasts_its_slowest_part_and_reads_as_its_parts() {
        let all = Readiness::all([
            Readiness::port(5432).timeout(Duration::from_secs(5)),
            Readiness::log("up").timeout(Duration::from_secs(20)),
        ]);
        assert_eq!(all.timeout, Duration::from_secs(21));
        assert_eq!(all.ports_used(), [5432]);
        assert_eq!(all.to_string(), "all of (TCP port 5432 to answer; log line containing \"up\")");
        let any = Readiness::any([Readiness::http(80, "/").body_contains("ok"), Readiness::port(81)]);
        assert_eq!(any.ports_used(), [80, 81]);
        assert!(any.to_string().contains("with a body containing \"ok\""), "{any}");
    }
}
