//! A scenario binary run by tests/tests/interrupt_twice.rs: one test that blocks until the
//! process is interrupted, over a container whose teardown takes a minute, so a second
//! interrupt arrives while the first one's teardown is still running.

use scenario_runtime::prelude::*;

/// Its stop takes a minute: `sleep` as PID 1 ignores SIGTERM, so the stop waits out its timeout.
#[container(
    image = "busybox:1.35",
    cmd = ["sh", "-c", "echo stubborn-up; exec sleep 3600"],
    ready = log("stubborn-up"),
    stop_timeout = "60s",
)]
pub struct Stubborn;

#[scenario(containers = [Stubborn])]
mod stubborn {
    use super::*;

    /// Holds its environment until the process is interrupted (run with --ignored).
    #[test]
    #[ignore]
    async fn blocks(env: &Env) -> TestResult {
        println!("blocking with container {}", env.get::<Stubborn>().id());
        use std::io::Write;
        std::io::stdout().flush()?;
        std::future::pending::<()>().await;
        Ok(())
    }
}

scenario_runtime::main!();
