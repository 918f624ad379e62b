//! Reading a container's logs: whole (for artifacts) or the tail (for error messages).

use futures_util::StreamExt;

use crate::base::error::{Error, Result};
use crate::engine::Engine;

/// All of stdout and stderr, interleaved as the engine stored them. `since` (unix seconds)
/// limits it to what was written from then on.
pub(crate) async fn read_logs(
    engine: &Engine,
    id: &str,
    name: &str,
    since: Option<i64>,
    tail: Option<usize>,
) -> Result<Vec<u8>> {
    use bollard::container::LogOutput;
    use bollard::query_parameters::LogsOptionsBuilder;

    let mut options = LogsOptionsBuilder::new().stdout(true).stderr(true);
    if let Some(since) = since {
        options = options.since(i32::try_from(since).unwrap_or(i32::MAX));
    }
    if let Some(tail) = tail {
        options = options.tail(&tail.to_string());
    }
    let mut stream = engine.docker().logs(id, Some(options.build()));
    let mut out = Vec::new();
    while let Some(chunk) = stream.next().await {
        match chunk.map_err(|e| Error::engine("logs", name, e))? {
            LogOutput::StdOut { message } | LogOutput::StdErr { message } | LogOutput::Console { message } => {
                out.extend_from_slice(&message)
            }
            LogOutput::StdIn { .. } => {}
        }
    }
    Ok(out)
}

/// The last `lines` log lines, indented for quoting in an error; never fails (an error message
/// must not be lost because the logs could not be read).
pub(crate) async fn log_tail(engine: &Engine, id: &str, lines: usize) -> String {
    match read_logs(engine, id, id, None, Some(lines)).await {
        Ok(bytes) if bytes.is_empty() => "  (no output)".to_string(),
        Ok(bytes) => String::from_utf8_lossy(&bytes).lines().map(|l| format!("  | {l}")).collect::<Vec<_>>().join("\n"),
        Err(e) => format!("  (logs unavailable: {e})"),
    }
}

/// Log lines quoted in readiness errors.
pub(crate) const ERROR_LOG_LINES: usize = 20;
