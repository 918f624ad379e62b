//! The log strategy: follow the container's output stream and count matching lines.

use futures_util::StreamExt;

use super::target::{LastSeen, ProbeEnd, ProbeTarget};
use crate::base::error::{Error, Result};
use crate::spec::readiness::LogSource;

pub(super) async fn wait_for_line(
    target: &ProbeTarget<'_>,
    text: &str,
    occurrences: usize,
    source: LogSource,
    seen: &LastSeen,
) -> Result<ProbeEnd> {
    use bollard::container::LogOutput;
    use bollard::query_parameters::LogsOptionsBuilder;

    let options = LogsOptionsBuilder::new()
        .follow(true)
        .stdout(source != LogSource::Stderr)
        .stderr(source != LogSource::Stdout)
        .build();
    let mut stream = target.engine.streaming().logs(target.id, Some(options));
    let mut lines = LineCounter::new(text, occurrences);
    while let Some(chunk) = stream.next().await {
        let (stdout, bytes) = match chunk.map_err(|e| Error::engine("logs", target.name, e))? {
            LogOutput::StdOut { message } | LogOutput::Console { message } => (true, message),
            LogOutput::StdErr { message } => (false, message),
            LogOutput::StdIn { .. } => continue,
        };
        if lines.feed(stdout, &bytes) {
            return Ok(ProbeEnd::Ready);
        }
        seen.set(format!("{} of {occurrences} matching lines", lines.found));
    }
    Ok(ProbeEnd::Exhausted)
}

/// Counts complete lines containing the text; stdout and stderr are separate streams whose
/// chunks may split lines anywhere.
struct LineCounter<'t> {
    text: &'t str,
    wanted: usize,
    found: usize,
    partial: [Vec<u8>; 2],
}

impl<'t> LineCounter<'t> {
    fn new(text: &'t str, wanted: usize) -> Self {
        LineCounter { text, wanted, found: 0, partial: [Vec::new(), Vec::new()] }
    }

    /// Feeds a chunk; true once the wanted number of lines has been seen.
    fn feed(&mut self, stdout: bool, bytes: &[u8]) -> bool {
        let buffer = &mut self.partial[usize::from(!stdout)];
        buffer.extend_from_slice(bytes);
        while let Some(end) = buffer.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = buffer.drain(..=end).collect();
            if String::from_utf8_lossy(&line).contains(self.text) {
                self.found += 1;
            }
        }
        self.found >= self.wanted
    }
}

#[cfg(test)]
mod tests {
    use super::LineCounter;

    #[test]
    fn lines_split_across_chunks_still_match() {
        let mut counter = LineCounter::new("ready to accept", 1);
        assert!(!counter.feed(true, b"database system is rea"));
        assert!(counter.feed(true, b"dy to accept connections\n"));
    }

    #[test]
    fn the_nth_occurrence_is_counted_per_line_across_streams() {
        let mut counter = LineCounter::new("ready", 2);
        assert!(!counter.feed(false, b"ready\nnot yet\n"));
        assert!(!counter.feed(true, b"rea"));
        assert!(!counter.feed(false, b"dy\n"), "stderr's `dy` must not complete stdout's `rea`");
        assert!(counter.feed(true, b"dy\n"));
    }

    #[test]
    fn an_unterminated_line_does_not_count_yet() {
        let mut counter = LineCounter::new("ready", 1);
        assert!(!counter.feed(true, b"ready"));
    }
}
