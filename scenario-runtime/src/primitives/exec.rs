//! Running a command inside a container and collecting its output and exit code.

use futures_util::StreamExt;

use super::exec_stream::{start, Exec, ExecChunk};
use crate::base::error::Result;
use crate::engine::Engine;

/// What a command run inside a container printed, and how it exited.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExecOutput {
    /// The command's exit code; -1 if the engine did not report one.
    pub exit_code: i64,
    /// Everything it wrote to stdout (invalid UTF-8 replaced).
    pub stdout: String,
    /// Everything it wrote to stderr (invalid UTF-8 replaced).
    pub stderr: String,
}

impl ExecOutput {
    /// Whether the command exited with code 0.
    pub fn success(&self) -> bool {
        self.exit_code == 0
    }

    /// The last `n` lines of stdout and stderr together, for error messages.
    pub fn combined_tail(&self, n: usize) -> String {
        let lines: Vec<&str> = self.stdout.lines().chain(self.stderr.lines()).collect();
        lines[lines.len().saturating_sub(n)..].join(" | ")
    }
}

/// Runs `exec` in container `id` (`name` in errors) and collects what it prints and its exit
/// code: the streamed exec, read to its end.
pub(crate) async fn run(engine: &Engine, id: &str, name: &str, exec: Exec) -> Result<ExecOutput> {
    let mut stream = start(engine.docker(), id, name, exec).await?;
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    while let Some(chunk) = stream.next().await {
        match chunk? {
            ExecChunk::Stdout(bytes) => stdout.extend_from_slice(&bytes),
            ExecChunk::Stderr(bytes) => stderr.extend_from_slice(&bytes),
        }
    }
    Ok(ExecOutput {
        exit_code: stream.exit_code().await?,
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    })
}
