//! Commands inside a container with their environment, user, working directory and stdin, whose
//! output is collected (`Container::exec_with`) or yielded as it comes (`Container::exec_stream`).

use std::pin::Pin;
use std::task::{Context, Poll};

use bollard::container::LogOutput;
use futures_util::{Stream, StreamExt};
use tokio::io::AsyncWriteExt;

use crate::base::error::{Error, Result};

/// A command to run inside a container, with what it runs under.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[must_use]
pub struct Exec {
    /// The program and its arguments, run without a shell.
    pub command: Vec<String>,
    /// `KEY=value` entries added to the container's environment.
    pub env: Vec<String>,
    /// The user to run as, if not the container's own; see [`Exec::user`].
    pub user: Option<String>,
    /// The directory to run in (an absolute path), if not the container's own.
    pub working_dir: Option<String>,
    /// Written to the command's stdin, which is then closed.
    pub stdin: Option<Vec<u8>>,
}

impl Exec {
    /// Runs `command` (program, then arguments) as the container's user, in its working directory.
    pub fn new<I, S>(command: I) -> Exec
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Exec { command: command.into_iter().map(Into::into).collect(), ..Exec::default() }
    }

    /// Adds `key=value` to the command's environment.
    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> Exec {
        self.env.push(format!("{}={}", key.into(), value.into()));
        self
    }

    /// A user name or `uid[:gid]` as the container knows it.
    pub fn user(mut self, user: impl Into<String>) -> Exec {
        self.user = Some(user.into());
        self
    }

    /// Runs the command in `dir`, an absolute path inside the container.
    pub fn working_dir(mut self, dir: impl Into<String>) -> Exec {
        self.working_dir = Some(dir.into());
        self
    }

    /// Writes `bytes` to the command's stdin, then closes it.
    pub fn stdin(mut self, bytes: impl Into<Vec<u8>>) -> Exec {
        self.stdin = Some(bytes.into());
        self
    }
}

/// A piece of a running command's output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExecChunk {
    /// Bytes written to stdout.
    Stdout(Vec<u8>),
    /// Bytes written to stderr.
    Stderr(Vec<u8>),
}

/// The output of a running command as it comes; [`ExecStream::exit_code`] after it ends.
pub struct ExecStream {
    output: Pin<Box<dyn Stream<Item = std::result::Result<LogOutput, bollard::errors::Error>> + Send>>,
    docker: bollard::Docker,
    exec_id: String,
    name: String,
}

impl Stream for ExecStream {
    type Item = Result<ExecChunk>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            let next = match self.output.as_mut().poll_next(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(next) => next,
            };
            let chunk = match next {
                None => return Poll::Ready(None),
                Some(Err(e)) => return Poll::Ready(Some(Err(Error::engine("exec output", self.name.clone(), e)))),
                Some(Ok(LogOutput::StdOut { message } | LogOutput::Console { message })) => {
                    ExecChunk::Stdout(message.to_vec())
                }
                Some(Ok(LogOutput::StdErr { message })) => ExecChunk::Stderr(message.to_vec()),
                Some(Ok(LogOutput::StdIn { .. })) => continue,
            };
            return Poll::Ready(Some(Ok(chunk)));
        }
    }
}

impl ExecStream {
    /// Reads what is left of the output, then the command's exit code.
    pub async fn exit_code(mut self) -> Result<i64> {
        while let Some(chunk) = self.next().await {
            chunk?;
        }
        let inspected =
            self.docker.inspect_exec(&self.exec_id).await.map_err(|e| Error::engine("exec inspect", self.name, e))?;
        Ok(inspected.exit_code.unwrap_or(-1))
    }
}

/// Starts `exec` in container `id` (`name` in errors); stdin is written and closed first.
pub(crate) async fn start(docker: &bollard::Docker, id: &str, name: &str, exec: Exec) -> Result<ExecStream> {
    use bollard::exec::{StartExecOptions, StartExecResults};
    use bollard::models::ExecConfig;

    let docker = docker.clone();
    let name = name.to_string();
    let created = docker
        .create_exec(
            id,
            ExecConfig {
                cmd: Some(exec.command.clone()),
                env: (!exec.env.is_empty()).then(|| exec.env.clone()),
                user: exec.user.clone(),
                working_dir: exec.working_dir.clone(),
                attach_stdin: Some(exec.stdin.is_some()),
                attach_stdout: Some(true),
                attach_stderr: Some(true),
                ..Default::default()
            },
        )
        .await
        .map_err(|e| Error::engine("exec create", name.clone(), e))?;
    let started = docker
        .start_exec(&created.id, Some(StartExecOptions { detach: false, tty: false, output_capacity: None }))
        .await
        .map_err(|e| Error::engine("exec start", name.clone(), e))?;
    let StartExecResults::Attached { output, mut input } = started else {
        return Err(Error::Unusable { container: name, reason: "the engine ran the exec detached".into() });
    };
    if let Some(bytes) = &exec.stdin {
        let written = async {
            input.write_all(bytes).await?;
            input.shutdown().await
        };
        written.await.map_err(|e| Error::io("write the stdin of an exec in", name.clone(), e))?;
    }
    Ok(ExecStream { output, docker, exec_id: created.id, name })
}
