//! A scenario test binary driven by tests/tests/harness.rs as a subprocess: a dependency chain,
//! a deliberately failing test, an ignored test and a scenario that never becomes ready.

use scenario_runtime::prelude::*;

#[container(image = "busybox:1.35", cmd = ["sh", "-c", "sleep 0.3; echo a-ready; exec sleep 3600"], ready = log("a-ready"))]
pub struct A;

#[container(image = "busybox:1.35", cmd = ["sh", "-c", "echo b-ready; exec sleep 3600"], ready = log("b-ready"), depends_on = [A])]
pub struct B;

#[container(image = "busybox:1.35", cmd = ["sh", "-c", "echo c-ready; exec sleep 3600"], ready = log("c-ready"), depends_on = [B])]
pub struct C;

#[container(image = "busybox:1.35", cmd = ["sh", "-c", "echo stuck-starting; exec sleep 3600"], ready = log("never printed", timeout = "1s"))]
pub struct Stuck;

/// When a container's process started and when it printed its ready line, from the engine.
async fn started_and_ready(container: &Container<Ready>) -> (String, String) {
    let docker = container.scope().engine().docker();
    let started = docker.inspect_container(container.id(), None).await.unwrap().state.unwrap().started_at.unwrap();
    let options = bollard::query_parameters::LogsOptionsBuilder::new().stdout(true).timestamps(true).build();
    use futures_util::StreamExt;
    let first = docker.logs(container.id(), Some(options)).next().await.unwrap().unwrap().to_string();
    (normalise(&started), normalise(first.split_whitespace().next().unwrap()))
}

/// RFC 3339 with all nine fraction digits, so the strings compare as times.
fn normalise(t: &str) -> String {
    let (whole, rest) = t.split_once('.').unwrap_or((t, "Z"));
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    format!("{whole}.{digits:0<9}")
}

#[scenario(containers = [A, B, C])]
mod chain {
    use super::*;

    #[test]
    async fn started_in_dependency_order(env: &Env) -> TestResult {
        let (_, a_ready) = started_and_ready(env.get::<A>()).await;
        let (b_started, b_ready) = started_and_ready(env.get::<B>()).await;
        let (c_started, _) = started_and_ready(env.get::<C>()).await;
        assert!(b_started >= a_ready, "b started at {b_started}, before a was ready at {a_ready}");
        assert!(c_started >= b_ready, "c started at {c_started}, before b was ready at {b_ready}");
        Ok(())
    }

    #[test]
    async fn fails_on_purpose(env: &Env) -> TestResult {
        let _ = env.get::<C>();
        Err("deliberate failure".into())
    }

    #[test]
    #[ignore]
    async fn ignored_one() {}
}

#[scenario(containers = [Stuck])]
mod stuck {
    use super::*;

    #[test]
    async fn never_runs(_env: &Env) -> TestResult {
        Ok(())
    }
}

#[container(image = "busybox:1.35", cmd = ["sh", "-c", "echo slow-up; exec sleep 3600"], ready = log("slow-up"))]
pub struct Slow;

#[scenario(containers = [Slow])]
mod slow {
    use super::*;

    /// Holds its environment until the process is interrupted or killed (run with --ignored).
    #[test]
    #[ignore]
    async fn blocks(env: &Env) -> TestResult {
        println!("blocking with container {}", env.get::<Slow>().id());
        use std::io::Write;
        std::io::stdout().flush()?;
        std::future::pending::<()>().await;
        Ok(())
    }
}

scenario_runtime::main!();
