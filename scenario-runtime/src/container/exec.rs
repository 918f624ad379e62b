//! Commands inside a ready container: collected output or a stream of it.

use super::{Container, Ready};
use crate::base::error::Result;
use crate::primitives::exec::{run, ExecOutput};
use crate::primitives::exec_stream::{start, Exec, ExecStream};

impl Container<Ready> {
    /// Runs a command inside the container.
    pub async fn exec<I, T>(&self, command: I) -> Result<ExecOutput>
    where
        I: IntoIterator<Item = T>,
        T: Into<String>,
    {
        self.exec_with(Exec::new(command)).await
    }

    /// Runs `exec` (with its env, user, working directory and stdin) and collects its output.
    pub async fn exec_with(&self, exec: Exec) -> Result<ExecOutput> {
        run(self.scope().engine(), self.id(), self.name(), exec).await
    }

    /// Starts `exec` and yields its output as the command writes it (a log follower, a long
    /// job's progress); the stdin given is written and closed first.
    pub async fn exec_stream(&self, exec: Exec) -> Result<ExecStream> {
        start(self.scope().engine().docker(), self.id(), self.name(), exec).await
    }
}
