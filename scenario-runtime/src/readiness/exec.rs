//! The exec strategy: run a command inside the container until it exits 0.

use super::target::{Backoff, LastSeen, ProbeEnd, ProbeTarget};
use crate::base::error::Result;
use crate::primitives::exec::run;
use crate::primitives::exec_stream::Exec;

pub(super) async fn wait_for_exit_zero(
    target: &ProbeTarget<'_>,
    command: &[String],
    seen: &LastSeen,
) -> Result<ProbeEnd> {
    let mut backoff = Backoff::new();
    loop {
        let output = run(target.engine, target.id, target.name, Exec::new(command)).await?;
        if output.exit_code == 0 {
            return Ok(ProbeEnd::Ready);
        }
        seen.set(format!("exit code {}: {}", output.exit_code, output.combined_tail(3)));
        backoff.pause().await;
    }
}
