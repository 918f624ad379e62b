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

/// Takes longer than a second to be ready, so its wait is shown as progress.
#[container(image = "busybox:1.35", cmd = ["sh", "-c", "sleep 1.6; echo patient-up; exec sleep 3600"], ready = log("patient-up"))]
pub struct Patient;

#[scenario(containers = [Patient])]
mod patient {
    use super::*;

    #[test]
    async fn waits(env: &Env) -> TestResult {
        println!("patient is {}", env.get::<Patient>().id());
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

#[container(image = "busybox:1.35", cmd = ["sh", "-c", "mkdir -p /data; echo store-up; exec sleep 3600"], ready = log("store-up"))]
pub struct Store;

fn now_ms() -> u128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis()
}

/// Appends this test's instance number to a file in its instance's container and checks that
/// only its own instance ever wrote there; reports when it ran for the outer test.
async fn record(env: &parallel::Env, name: &str, work_ms: u64) -> TestResult {
    record_with(env, name, async {
        tokio::time::sleep(std::time::Duration::from_millis(work_ms)).await;
        Ok(())
    })
    .await?;
    QUICK_DONE.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    QUICK_DONE_CHANGED.notify_waiters();
    Ok(())
}

/// The quick tests of `parallel` that have finished. The slow test ends only once all of them
/// have: a quick test queued behind the slow one (as a static split would) fails the run by
/// name instead of by timing, whatever the machine's load.
static QUICK_DONE: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
static QUICK_DONE_CHANGED: tokio::sync::Notify = tokio::sync::Notify::const_new();
const QUICK_TESTS: usize = 6;

async fn wait_for_the_quick_tests() -> TestResult {
    let waiting = async {
        loop {
            let changed = QUICK_DONE_CHANGED.notified();
            if QUICK_DONE.load(std::sync::atomic::Ordering::SeqCst) >= QUICK_TESTS {
                return;
            }
            changed.await;
        }
    };
    tokio::time::timeout(std::time::Duration::from_secs(60), waiting).await.map_err(|_| {
        let done = QUICK_DONE.load(std::sync::atomic::Ordering::SeqCst);
        format!("only {done} of {QUICK_TESTS} quick tests ran while the slow one held its instance").into()
    })
}

/// Once the quick tests are done, the other instances have no test left: the harness lands
/// them while this one still runs. Waits (on the engine's destroy events) until their
/// containers are gone. With `--reuse` they are kept alive instead, so there is nothing to see.
async fn wait_for_the_other_instances_to_land(env: &parallel::Env) -> TestResult {
    use bollard::query_parameters::{EventsOptionsBuilder, ListContainersOptionsBuilder};
    use futures_util::StreamExt;
    use scenario_runtime::__private::labels;
    if std::env::args().any(|a| a == "--reuse") || std::env::var("SCENARIO_REUSE").is_ok_and(|v| v == "1") {
        return Ok(());
    }
    let ids = env.scope().ids();
    let scenario_labels = vec![
        format!("{}={}", labels::SESSION, ids.session),
        format!("{}={}", labels::PROJECT, ids.project),
        format!("{}={}", labels::SCENARIO, ids.scenario),
    ];
    let docker = env.scope().engine().docker();
    // The stream asks the engine only when first polled, after the first look.
    let since = scenario_tests::a_second_ago();
    let event_filters = std::collections::HashMap::from([
        ("type", vec!["container".to_string()]),
        ("event", vec!["destroy".to_string()]),
        ("label", scenario_labels.clone()),
    ]);
    let mut destroyed = docker.events(Some(EventsOptionsBuilder::new().since(&since).filters(&event_filters).build()));
    let list_filters = std::collections::HashMap::from([("label", scenario_labels)]);
    let mine = ids.instance.to_string();
    let waiting = async {
        loop {
            let options = ListContainersOptionsBuilder::new().all(true).filters(&list_filters).build();
            let listed = docker.list_containers(Some(options)).await.map_err(|e| e.to_string())?;
            let others = listed
                .iter()
                .filter(|c| c.labels.as_ref().and_then(|l| l.get(labels::INSTANCE)) != Some(&mine))
                .count();
            if others == 0 {
                return Ok(());
            }
            if destroyed.next().await.is_none() {
                return Err("the engine's event stream ended".to_string());
            }
        }
    };
    match tokio::time::timeout(std::time::Duration::from_secs(60), waiting).await {
        Ok(result) => Ok(result?),
        Err(_) => Err("the other instances were not torn down while this test still ran".into()),
    }
}

async fn record_with(
    env: &parallel::Env,
    name: &str,
    work: impl std::future::Future<Output = TestResult>,
) -> TestResult {
    let started = now_ms();
    let me = env.scope().ids().instance;
    let store = env.get::<Store>();
    let out = store.exec(["sh", "-c", &format!("echo {me} >> /data/owners; cat /data/owners")]).await?;
    if let Some(other) = out.stdout.lines().find(|line| *line != me.to_string()) {
        return Err(format!("instance {me} sees a value written by instance {other}").into());
    }
    work.await?;
    println!("RAN {name} ON {me} FROM {started} TO {} VIA {}", now_ms(), env.scope().engine().endpoint());
    Ok(())
}

#[scenario(containers = [Store], instances = 2)]
mod parallel {
    use super::*;

    #[test]
    async fn slow(env: &Env) -> TestResult {
        record_with(env, "slow", async {
            wait_for_the_quick_tests().await?;
            wait_for_the_other_instances_to_land(env).await
        })
        .await
    }

    #[test]
    async fn t1(env: &Env) -> TestResult {
        record(env, "t1", 200).await
    }

    #[test]
    async fn t2(env: &Env) -> TestResult {
        record(env, "t2", 200).await
    }

    #[test]
    async fn t3(env: &Env) -> TestResult {
        record(env, "t3", 200).await
    }

    #[test]
    async fn t4(env: &Env) -> TestResult {
        record(env, "t4", 200).await
    }

    #[test]
    async fn t5(env: &Env) -> TestResult {
        record(env, "t5", 200).await
    }

    #[test]
    #[exclusive]
    async fn t6(env: &Env) -> TestResult {
        record(env, "t6", 200).await
    }
}

/// Wins or loses a race with its other instances for a directory on the host
/// (`FIXTURE_CLAIM_DIR`): the losing instance exits, so its start fails.
fn claim_spec() -> ContainerSpec {
    // Unset, the mount fails: the scenario is only meant to run under tests/tests/instances.rs.
    let dir = std::env::var("FIXTURE_CLAIM_DIR").unwrap_or_else(|_| "/nonexistent/claim-dir".into());
    ContainerSpec::from_image("claim", "busybox:1.35")
        .cmd(["sh", "-c", "if mkdir /shared/claimed; then echo won; exec sleep 3600; else echo lost; exit 1; fi"])
        .mount(Mount::bind(dir, "/shared"))
        .ready(Readiness::log("won"))
}

pub struct Claim;

impl scenario_runtime::ContainerDef for Claim {
    const NAME: &'static str = "claim";
    const DEPENDS_ON: &'static [&'static str] = &[];
    type Dependencies = ();
    fn spec() -> ContainerSpec {
        claim_spec()
    }
}

#[scenario(containers = [Claim], instances = 2)]
mod halfbroken {
    use super::*;

    #[test]
    async fn a(_env: &Env) -> TestResult {
        Ok(())
    }

    #[test]
    async fn b(_env: &Env) -> TestResult {
        Ok(())
    }

    #[test]
    async fn c(_env: &Env) -> TestResult {
        Ok(())
    }

    #[test]
    async fn d(_env: &Env) -> TestResult {
        Ok(())
    }
}

/// A test of realistic length for the instances benchmark: a round trip into the container
/// and 300 ms of work.
async fn work(env: &suite::Env) -> TestResult {
    let out = env.get::<Store>().exec(["true"]).await?;
    assert!(out.success());
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    Ok(())
}

/// Sixteen tests for tests/benches/instances.rs (run with `--instances N`).
#[scenario(containers = [Store], instances = 1)]
mod suite {
    use super::*;

    #[test]
    async fn case01(env: &Env) -> TestResult {
        work(env).await
    }

    #[test]
    async fn case02(env: &Env) -> TestResult {
        work(env).await
    }

    #[test]
    async fn case03(env: &Env) -> TestResult {
        work(env).await
    }

    #[test]
    async fn case04(env: &Env) -> TestResult {
        work(env).await
    }

    #[test]
    async fn case05(env: &Env) -> TestResult {
        work(env).await
    }

    #[test]
    async fn case06(env: &Env) -> TestResult {
        work(env).await
    }

    #[test]
    async fn case07(env: &Env) -> TestResult {
        work(env).await
    }

    #[test]
    async fn case08(env: &Env) -> TestResult {
        work(env).await
    }

    #[test]
    async fn case09(env: &Env) -> TestResult {
        work(env).await
    }

    #[test]
    async fn case10(env: &Env) -> TestResult {
        work(env).await
    }

    #[test]
    async fn case11(env: &Env) -> TestResult {
        work(env).await
    }

    #[test]
    async fn case12(env: &Env) -> TestResult {
        work(env).await
    }

    #[test]
    async fn case13(env: &Env) -> TestResult {
        work(env).await
    }

    #[test]
    async fn case14(env: &Env) -> TestResult {
        work(env).await
    }

    #[test]
    async fn case15(env: &Env) -> TestResult {
        work(env).await
    }

    #[test]
    async fn case16(env: &Env) -> TestResult {
        work(env).await
    }
}

scenario_runtime::main!();
