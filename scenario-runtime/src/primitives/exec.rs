//! Running a command inside a container and collecting its output and exit code.

use futures_util::StreamExt;

use crate::base::error::{Error, Result};
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

pub(crate) async fn run_exec(engine: &Engine, id: &str, name: &str, command: &[String]) -> Result<ExecOutput> {
    use bollard::exec::{StartExecOptions, StartExecResults};
    use bollard::models::ExecConfig;

    let docker = engine.docker();
    let created = docker
        .create_exec(
            id,
            ExecConfig {
                cmd: Some(command.to_vec()),
                attach_stdout: Some(true),
                attach_stderr: Some(true),
                ..Default::default()
            },
        )
        .await
        .map_err(|e| Error::engine("exec create", name, e))?;
    let started = docker
        .start_exec(&created.id, Some(StartExecOptions { detach: false, tty: false, output_capacity: None }))
        .await
        .map_err(|e| Error::engine("exec start", name, e))?;
    let mut stdout = Vec::new();
    let mut stderr = Vec::new();
    if let StartExecResults::Attached { mut output, .. } = started {
        use bollard::container::LogOutput;
        while let Some(chunk) = output.next().await {
            match chunk.map_err(|e| Error::engine("exec output", name, e))? {
                LogOutput::StdOut { message } | LogOutput::Console { message } => stdout.extend_from_slice(&message),
                LogOutput::StdErr { message } => stderr.extend_from_slice(&message),
                LogOutput::StdIn { .. } => {}
            }
        }
    }
    let inspected = docker.inspect_exec(&created.id).await.map_err(|e| Error::engine("exec inspect", name, e))?;
    Ok(ExecOutput {
        exit_code: inspected.exit_code.unwrap_or(-1),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    })
}
