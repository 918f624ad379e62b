//! Proving that a started container serves: one probe per strategy of `spec::readiness`, the wait
//! that runs them until they pass (or the container exits), and the records of readiness proven
//! before (`proof`), which let a reuse run skip replaying a log.

mod combined;
mod exec;
mod health;
mod http;
mod log;
pub(crate) mod proof;
mod target;
mod tcp;
pub(crate) mod wait;

pub(crate) use target::ProbeTarget;
use target::{exit_code, LastSeen, ProbeEnd};

use crate::base::error::Result;
use crate::spec::readiness::Strategy;

/// Runs the probe of `strategy` until it passes or gives up.
async fn probe(target: &ProbeTarget<'_>, strategy: &Strategy, seen: &LastSeen) -> Result<ProbeEnd> {
    match strategy {
        Strategy::None => Ok(ProbeEnd::Ready),
        Strategy::Log { text, occurrences, source } => {
            self::log::wait_for_line(target, text, *occurrences, *source, seen).await
        }
        Strategy::Port { port } => self::tcp::wait_for_port(target, *port, seen).await,
        Strategy::Http { port, path, status, body } => {
            self::http::wait_for_status(target, *port, path, *status, body.as_deref(), seen).await
        }
        Strategy::All(parts) => Box::pin(self::combined::wait_all(target, parts, seen)).await,
        Strategy::Any(parts) => Box::pin(self::combined::wait_any(target, parts, seen)).await,
        Strategy::Healthy => self::health::wait_for_healthy(target, seen).await,
        Strategy::Exec { command } => self::exec::wait_for_exit_zero(target, command, seen).await,
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
