//! How long one engine call may go unanswered. A hung engine (stopped, deadlocked, behind a dead
//! proxy) must fail the run with an error naming the call and the engine, not hold it for
//! bollard's default of minutes. Streams that legitimately last (pulls, builds, followed logs,
//! waits, events) use a client of their own that this bound does not cut.

use std::time::Duration;

use bollard::Docker;

/// `SCENARIO_ENGINE_TIMEOUT_MS`: the bound, in milliseconds.
pub const ENV: &str = "SCENARIO_ENGINE_TIMEOUT_MS";

/// Generous: a loaded engine removing a container with many volumes can take tens of seconds;
/// a hung one never answers, so the bound only decides how soon that is reported.
pub const DEFAULT: Duration = Duration::from_secs(60);

/// The streaming client's bound (until the engine answers at all; a stream's body is never cut).
pub(crate) const STREAMING: Duration = Duration::from_secs(600);

/// The configured bound: `SCENARIO_ENGINE_TIMEOUT_MS` (checked by the settings table) or
/// [`DEFAULT`].
pub fn configured() -> Duration {
    std::env::var(ENV)
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|ms| *ms > 0)
        .map_or(DEFAULT, Duration::from_millis)
}

/// The bound as the client applies it, for errors.
pub(crate) fn reported() -> Duration {
    whole_seconds(configured())
}

/// `docker` bounded by `limit`. bollard counts whole seconds, so the bound is rounded up to the
/// next second (at least one): a bound of 0 would fail every call at once.
pub(crate) fn bounded(docker: &Docker, limit: Duration) -> Docker {
    docker.clone().with_timeout(whole_seconds(limit))
}

fn whole_seconds(limit: Duration) -> Duration {
    let secs = limit.as_secs() + u64::from(limit.subsec_nanos() > 0);
    Duration::from_secs(secs.max(1))
}

/// What a failed engine call says about the engine itself: it did not answer in time, or it
/// went away (the socket vanished, the connection was refused or closed under the request).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Fault {
    Hung,
    Gone,
}

/// Classifies a bollard error; `None` when the engine answered (an HTTP error, a bad body).
pub(crate) fn fault_of(error: &bollard::errors::Error) -> Option<Fault> {
    use bollard::errors::Error as E;
    match error {
        E::RequestTimeoutError => Some(Fault::Hung),
        E::HyperResponseError { .. } | E::HyperLegacyError { .. } | E::IOError { .. } => Some(Fault::Gone),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_round_up_to_whole_seconds_and_never_to_zero() {
        assert_eq!(whole_seconds(Duration::from_millis(1)), Duration::from_secs(1));
        assert_eq!(whole_seconds(Duration::ZERO), Duration::from_secs(1));
        assert_eq!(whole_seconds(Duration::from_millis(1500)), Duration::from_secs(2));
        assert_eq!(whole_seconds(Duration::from_secs(60)), Duration::from_secs(60));
    }

    #[test]
    fn a_timeout_is_a_hung_engine_and_an_http_error_is_no_fault() {
        assert_eq!(fault_of(&bollard::errors::Error::RequestTimeoutError), Some(Fault::Hung));
        let answered =
            bollard::errors::Error::DockerResponseServerError { status_code: 404, message: "no such container".into() };
        assert_eq!(fault_of(&answered), None);
    }
}
