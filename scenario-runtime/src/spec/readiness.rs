//! How the runtime decides that a started container serves: the strategies a spec can name, each
//! with a timeout. The probes and the waiting live in the readiness layer (`crate::readiness`).

use std::fmt;
use std::time::Duration;

/// Default time a container gets to become ready.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// Which output streams a log strategy reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogSource {
    /// Stdout and stderr.
    Both,
    /// Stdout only.
    Stdout,
    /// Stderr only.
    Stderr,
}

/// Which HTTP statuses count as ready.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatusMatch {
    /// Any 2xx.
    Success,
    /// This status only.
    Exactly(u16),
}

impl StatusMatch {
    pub(crate) fn accepts(self, status: u16) -> bool {
        match self {
            StatusMatch::Success => (200..300).contains(&status),
            StatusMatch::Exactly(expected) => status == expected,
        }
    }
}

/// The kinds of evidence that a container is ready.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Strategy {
    /// Ready once started.
    None,
    /// A line containing `text` appeared `occurrences` times (the log stream is followed, not polled).
    Log {
        /// The text a line must contain.
        text: String,
        /// How many matching lines to wait for (at least 1).
        occurrences: usize,
        /// Which streams are read.
        source: LogSource,
    },
    /// A TCP service answers on the container port. A connect to the published port alone is not
    /// enough: docker-proxy accepts before anything in the container listens.
    Port {
        /// The container port.
        port: u16,
    },
    /// `GET path` on the container port answers with a matching status (and, when `body` is
    /// set, a body containing that text).
    Http {
        /// The container port.
        port: u16,
        /// The request path, e.g. `/health`.
        path: String,
        /// The statuses that count as ready.
        status: StatusMatch,
        /// Text the body must contain, if any.
        body: Option<String>,
    },
    /// Docker's healthcheck (the spec's or the image's) reports healthy.
    Healthy,
    /// A command run inside the container exits 0.
    Exec {
        /// The program and its arguments, run without a shell.
        command: Vec<String>,
    },
    /// The container runs to completion and exits 0 (a one-shot job: a migration, a seed).
    /// Compose's `service_completed_successfully`; any other exit code fails the wait.
    Completed,
    /// Every part holds, each within its own timeout (`Readiness::all`).
    All(Vec<Readiness>),
    /// One part holds, each trying within its own timeout (`Readiness::any`).
    Any(Vec<Readiness>),
}

/// A readiness strategy with its timeout.
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use]
#[non_exhaustive]
pub struct Readiness {
    /// What counts as ready.
    pub(crate) strategy: Strategy,
    /// How long to wait for it (60 s unless set).
    pub(crate) timeout: Duration,
    /// Modifiers given to a strategy they do not apply to (`.times(2)` on a port): reported by
    /// the spec's validation instead of being ignored.
    pub(crate) misuse: Vec<String>,
}

impl Readiness {
    /// Whether the strategy is proven by reading the container's log.
    pub(crate) fn reads_the_log(&self) -> bool {
        matches!(self.strategy, Strategy::Log { .. })
    }

    fn of(strategy: Strategy) -> Readiness {
        Readiness::bounded(strategy, DEFAULT_TIMEOUT)
    }

    /// `strategy` within `timeout`.
    pub(crate) fn bounded(strategy: Strategy, timeout: Duration) -> Readiness {
        Readiness { strategy, timeout, misuse: Vec::new() }
    }

    /// Ready as soon as the container runs.
    pub fn none() -> Readiness {
        Readiness::of(Strategy::None)
    }

    /// Ready when a line on stdout or stderr contains `text`.
    pub fn log(text: impl Into<String>) -> Readiness {
        Readiness::of(Strategy::Log { text: text.into(), occurrences: 1, source: LogSource::Both })
    }

    /// Ready when a TCP service answers on `port` (which the spec must publish).
    pub fn port(port: u16) -> Readiness {
        Readiness::of(Strategy::Port { port })
    }

    /// Ready when `GET path` on `port` answers 2xx.
    pub fn http(port: u16, path: impl Into<String>) -> Readiness {
        Readiness::of(Strategy::Http { port, path: path.into(), status: StatusMatch::Success, body: None })
    }

    /// Ready when Docker's healthcheck reports healthy.
    pub fn healthy() -> Readiness {
        Readiness::of(Strategy::Healthy)
    }

    /// Ready when `command` run inside the container exits 0.
    pub fn exec<I, S>(command: I) -> Readiness
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Readiness::of(Strategy::Exec { command: command.into_iter().map(Into::into).collect() })
    }

    /// Ready when the container has exited with code 0: for one-shot jobs that others wait for
    /// (compose's `condition: service_completed_successfully`). A kept-alive one that exited 0
    /// is reused as done, not restarted.
    pub fn completed() -> Readiness {
        Readiness::of(Strategy::Completed)
    }

    /// Does the container run to completion rather than keep serving?
    pub fn runs_to_completion(&self) -> bool {
        self.strategy == Strategy::Completed
    }

    /// Sets how long the container gets to become ready.
    pub fn timeout(mut self, timeout: Duration) -> Readiness {
        self.timeout = timeout;
        self
    }

    /// For a log strategy: wait for the `n`th matching line (postgres prints its ready line twice).
    pub fn times(mut self, n: usize) -> Readiness {
        match &mut self.strategy {
            Strategy::Log { occurrences, .. } => *occurrences = n.max(1),
            _ => self.misused(format!(".times({n})"), "a log strategy"),
        }
        self
    }

    /// For a log strategy: read only this stream.
    pub fn from(mut self, only: LogSource) -> Readiness {
        match &mut self.strategy {
            Strategy::Log { source, .. } => *source = only,
            _ => self.misused(format!(".from({only:?})"), "a log strategy"),
        }
        self
    }

    /// For an HTTP strategy: require exactly this status.
    pub fn status(mut self, expected: u16) -> Readiness {
        match &mut self.strategy {
            Strategy::Http { status, .. } => *status = StatusMatch::Exactly(expected),
            _ => self.misused(format!(".status({expected})"), "an HTTP strategy"),
        }
        self
    }

    /// For an HTTP strategy: also require the answer's body to contain `text`.
    pub fn body_contains(mut self, text: impl Into<String>) -> Readiness {
        let text = text.into();
        match &mut self.strategy {
            Strategy::Http { body, .. } => *body = Some(text),
            _ => self.misused(format!(".body_contains({text:?})"), "an HTTP strategy"),
        }
        self
    }

    fn misused(&mut self, modifier: String, applies_to: &str) {
        self.misuse.push(format!("readiness `{modifier}` applies to {applies_to}, not to: {self}"));
    }

    /// What counts as ready.
    pub fn strategy(&self) -> &Strategy {
        &self.strategy
    }

    /// How long the wait may take.
    pub fn time_limit(&self) -> Duration {
        self.timeout
    }

    /// Ready when every part is, each within its own timeout; the whole waits as long as its
    /// slowest part may (unless given a `.timeout` of its own).
    pub fn all(parts: impl IntoIterator<Item = Readiness>) -> Readiness {
        combined(parts, Strategy::All)
    }

    /// Ready when any part is; each part tries within its own timeout.
    pub fn any(parts: impl IntoIterator<Item = Readiness>) -> Readiness {
        combined(parts, Strategy::Any)
    }

    /// The (first) container port the strategy talks to, if any.
    pub fn port_used(&self) -> Option<u16> {
        self.ports_used().into_iter().next()
    }

    /// Every container port the strategy, or any part of it, talks to.
    pub fn ports_used(&self) -> Vec<u16> {
        match &self.strategy {
            Strategy::Port { port } | Strategy::Http { port, .. } => vec![*port],
            Strategy::All(parts) | Strategy::Any(parts) => parts.iter().flat_map(Readiness::ports_used).collect(),
            _ => Vec::new(),
        }
    }
}

impl Default for Readiness {
    fn default() -> Self {
        Readiness::none()
    }
}

impl fmt::Display for Readiness {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.strategy {
            Strategy::None => write!(f, "nothing (ready when running)"),
            Strategy::Log { text, occurrences, source } => {
                write!(f, "log line containing {text:?}")?;
                if *occurrences > 1 {
                    write!(f, " ({occurrences} times)")?;
                }
                match source {
                    LogSource::Both => Ok(()),
                    LogSource::Stdout => write!(f, " on stdout"),
                    LogSource::Stderr => write!(f, " on stderr"),
                }
            }
            Strategy::Port { port } => write!(f, "TCP port {port} to answer"),
            Strategy::Http { port, path, status, body } => {
                match status {
                    StatusMatch::Success => write!(f, "HTTP 2xx from GET {path} on port {port}"),
                    StatusMatch::Exactly(s) => write!(f, "HTTP {s} from GET {path} on port {port}"),
                }?;
                match body {
                    Some(text) => write!(f, " with a body containing {text:?}"),
                    None => Ok(()),
                }
            }
            Strategy::All(parts) => describe_parts(f, "all of", parts),
            Strategy::Any(parts) => describe_parts(f, "any of", parts),
            Strategy::Healthy => write!(f, "Docker healthcheck to report healthy"),
            Strategy::Exec { command } => write!(f, "`{}` to exit 0", command.join(" ")),
            Strategy::Completed => write!(f, "the container to run to completion with exit code 0"),
        }
    }
}

/// The whole outlasts its slowest part by this much, so a part's own timeout is what fires.
const SLACK: Duration = Duration::from_secs(1);

fn combined(parts: impl IntoIterator<Item = Readiness>, combine: fn(Vec<Readiness>) -> Strategy) -> Readiness {
    let parts: Vec<Readiness> = parts.into_iter().collect();
    let slowest = parts.iter().map(|p| p.timeout).max().unwrap_or(Duration::ZERO);
    let misuse = parts.iter().flat_map(|p| p.misuse.iter().cloned()).collect();
    Readiness { strategy: combine(parts), timeout: slowest + SLACK, misuse }
}

fn describe_parts(f: &mut fmt::Formatter<'_>, how: &str, parts: &[Readiness]) -> fmt::Result {
    write!(f, "{how} (")?;
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            write!(f, "; ")?;
        }
        write!(f, "{part}")?;
    }
    write!(f, ")")
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
