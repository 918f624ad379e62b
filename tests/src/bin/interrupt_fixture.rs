//! A scenario binary whose tests block on the test that runs it: tests/tests/interrupt_twice.rs
//! (a test that blocks until the process is interrupted, over a container whose teardown takes a
//! minute, so a second interrupt arrives while the first one's teardown is still running) and
//! tests/tests/follow_logs.rs (a test that ends only once its container's line was streamed).

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

#[container(image = "busybox:1.35", cmd = ["sh", "-c", "echo talker-up; exec sleep 3600"], ready = log("talker-up"))]
pub struct Talker;

#[scenario(containers = [Talker])]
mod live {
    use super::*;

    /// Makes its container log a line, then waits until the outer test has seen that line on
    /// this process's stderr (it opens the FIFO `FIXTURE_LIVE_FIFO` for writing once it has):
    /// the line must stream while the test runs, not when the run ends.
    #[test]
    #[ignore]
    async fn ends_once_its_line_was_seen(env: &Env) -> TestResult {
        let said = env.get::<Talker>().exec(["sh", "-c", "echo seen-while-running > /proc/1/fd/1"]).await?;
        assert!(said.success(), "{said:?}");
        let fifo = std::env::var("FIXTURE_LIVE_FIFO")?;
        // Opening a FIFO for reading blocks until a writer opens it.
        let heard = tokio::task::spawn_blocking(move || std::fs::read_to_string(fifo)).await??;
        assert_eq!(heard.trim(), "seen");
        Ok(())
    }
}

scenario_runtime::main!();
