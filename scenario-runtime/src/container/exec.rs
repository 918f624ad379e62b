//! Commands inside a ready container: collected output or a stream of it.

use futures_util::StreamExt;

use super::{Container, Ready};
use crate::base::error::Result;
use crate::primitives::exec::ExecOutput;
use crate::primitives::exec_stream::{start, Exec, ExecChunk, ExecStream};

impl Container<Ready> {
    /// Runs `exec` (with its env, user, working directory and stdin) and collects its output.
    pub async fn exec_with(&self, exec: Exec) -> Result<ExecOutput> {
        let mut stream = self.exec_stream(exec).await?;
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

    /// Starts `exec` and yields its output as the command writes it (a log follower, a long
    /// job's progress); the stdin given is written and closed first.
    pub async fn exec_stream(&self, exec: Exec) -> Result<ExecStream> {
        start(self.scope().engine().docker(), self.id(), self.name(), exec).await
    }
}
