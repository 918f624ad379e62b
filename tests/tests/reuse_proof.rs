//! Reattaching to a kept container without its old log lines: a container proven ready and not
//! started since is attached at once, also when its ready line has rotated out of the engine's
//! log (or however much it logged since, where the engine keeps everything); one that was
//! restarted behind the runtime's back is stale and recreated.

use std::time::Duration;

use scenario_runtime::__private::launch::{land, launch, LaunchMode};
use scenario_runtime::__private::ContainerEntry;
use scenario_runtime::__private::Staleness;
use scenario_runtime::prelude::*;
use scenario_tests::{entry, sh, TestProject};

/// Ready once it said so; a second run must not need that line again.
fn chatty() -> ContainerSpec {
    sh("chatty", "echo chatty-up; exec sleep 3600").ready(Readiness::log("chatty-up").timeout(Duration::from_secs(5)))
}

fn web() -> ContainerSpec {
    sh("web", "mkdir -p /www && echo ok > /www/h && exec httpd -f -p 8080 -h /www")
        .port(8080)
        .ready(Readiness::http(8080, "/h"))
}

static CHATTY: [ContainerEntry; 2] = [entry("chatty", &[], chatty), entry("web", &["chatty"], web)];

#[tokio::test]
async fn a_kept_container_whose_ready_line_rotated_out_of_its_log_is_attached_at_once() {
    let project = TestProject::new("proof-big-log").await;
    let (env, report) = launch(project.run_scope("chatty"), &CHATTY, LaunchMode::Reuse).await.unwrap();
    assert_eq!(report.started, ["chatty", "web"]);
    let id = env.containers()["chatty"].id().to_string();
    // 45 MB into the container's own log (its stdout), after the ready line.
    let wrote = env.containers()["chatty"]
        .exec(["sh", "-c", "head -c 45000000 /dev/zero | tr '\\0' x | fold -w 1000 > /proc/1/fd/1; echo written"])
        .await
        .unwrap();
    assert_eq!(wrote.stdout.trim(), "written", "{wrote:?}");
    land(env, true).await.unwrap();
    wait_until_the_ready_line_is_gone_or_the_log_is_big(&project.engine, &id).await;

    let (env, report) = launch(project.run_scope("chatty"), &CHATTY, LaunchMode::Reuse).await.unwrap();
    assert_eq!(report.attached, ["chatty", "web"], "{report:?}");
    // Milliseconds: one inspect each and web's HTTP probe; nothing read of the 45 MB.
    assert!(report.elapsed < Duration::from_secs(2), "the reattach took {:?}", report.elapsed);
    let chatty = &env.containers()["chatty"];
    assert_eq!(chatty.id(), id, "the same container");
    assert_eq!(chatty.ready_after(), Duration::ZERO, "proven without reading the log again");
    // A strategy that asks the service itself is still asked.
    assert!(env.containers()["web"].ready_after() > Duration::ZERO);
    land(env, true).await.unwrap();
}

#[tokio::test]
async fn a_kept_container_restarted_behind_our_back_is_recreated_with_its_dependents() {
    let project = TestProject::new("proof-restarted").await;
    let (env, _) = launch(project.run_scope("chatty"), &CHATTY, LaunchMode::Reuse).await.unwrap();
    let (chatty, web) = (env.containers()["chatty"].id().to_string(), env.containers()["web"].id().to_string());
    land(env, true).await.unwrap();

    let restart = bollard::query_parameters::RestartContainerOptionsBuilder::new().t(0).build();
    project.engine.docker().restart_container(&chatty, Some(restart)).await.unwrap();

    let (env, report) = launch(project.run_scope("chatty"), &CHATTY, LaunchMode::Reuse).await.unwrap();
    let restarted: Vec<_> = report.restarted.iter().map(|(name, why)| (*name, why.clone())).collect();
    assert_eq!(
        restarted,
        [
            ("chatty", Staleness::RestartedSinceReady),
            ("web", Staleness::DependencyRecreated { dependency: "chatty".into() })
        ],
        "{report:?}"
    );
    assert_ne!(env.containers()["chatty"].id(), chatty);
    assert_ne!(env.containers()["web"].id(), web);
    land(env, true).await.unwrap();
}

/// Counts its own probes: each run of the exec strategy adds a line to /tmp/probes.
fn counted() -> ContainerSpec {
    sh("counted", "exec sleep 3600").ready(Readiness::exec(["sh", "-c", "echo probe >> /tmp/probes"]))
}

fn listening() -> ContainerSpec {
    sh("listening", "exec httpd -f -p 7070").port(7070).ready(Readiness::port(7070))
}

fn healthy() -> ContainerSpec {
    sh("healthy", "touch /tmp/up; exec sleep 3600")
        .healthcheck(HealthCheck::cmd(["test", "-f", "/tmp/up"]).interval(Duration::from_millis(100)))
        .ready(Readiness::healthy())
}

static ASKING: [ContainerEntry; 3] =
    [entry("counted", &[], counted), entry("listening", &[], listening), entry("healthy", &[], healthy)];

/// Port, healthy and exec strategies ask the service, which is cheap and may have changed its
/// answer: a reattach asks them again, proof of readiness or not (log strategies: see above).
#[tokio::test]
async fn strategies_that_ask_the_service_are_asked_again_on_reattach() {
    let project = TestProject::new("proof-asking").await;
    let (env, report) = launch(project.run_scope("asking"), &ASKING, LaunchMode::Reuse).await.unwrap();
    assert_eq!(report.started, ["counted", "healthy", "listening"]);
    land(env, true).await.unwrap();

    let (env, report) = launch(project.run_scope("asking"), &ASKING, LaunchMode::Reuse).await.unwrap();
    assert_eq!(report.attached, ["counted", "healthy", "listening"], "{report:?}");
    for name in ["counted", "healthy", "listening"] {
        assert!(env.containers()[name].ready_after() > Duration::ZERO, "{name} was probed again");
    }
    let probes = env.containers()["counted"].exec(["cat", "/tmp/probes"]).await.unwrap();
    assert_eq!(probes.stdout.lines().count(), 2, "one exec probe per run: {probes:?}");
    land(env, false).await.unwrap();
}

/// The engine copies the output into its log as it comes. Where it rotates logs (json-file with
/// `max-size`, as this machine's daemon is set up: 10 MB x 3), wait until the ready line has
/// rotated out of what the engine keeps; without rotation, until the log file holds it all.
async fn wait_until_the_ready_line_is_gone_or_the_log_is_big(engine: &Engine, id: &str) {
    let inspected = engine.docker().inspect_container(id, None).await.unwrap();
    let log = inspected.log_path.clone().unwrap();
    let rotates = inspected
        .host_config
        .and_then(|h| h.log_config)
        .and_then(|c| c.config)
        .is_some_and(|c| c.contains_key("max-size"));
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    loop {
        assert!(std::time::Instant::now() < deadline, "the log never took in the output");
        if rotates {
            if std::path::Path::new(&format!("{log}.1")).exists() && !logs_contain(engine, id, "chatty-up").await {
                return;
            }
        } else if std::fs::metadata(&log).map(|m| m.len()).unwrap_or(0) >= 45_000_000 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

async fn logs_contain(engine: &Engine, id: &str, text: &str) -> bool {
    use futures_util::StreamExt;
    let options = bollard::query_parameters::LogsOptionsBuilder::new().stdout(true).stderr(true).build();
    let mut logs = engine.docker().logs(id, Some(options));
    while let Some(Ok(chunk)) = logs.next().await {
        if String::from_utf8_lossy(&chunk.into_bytes()).contains(text) {
            return true;
        }
    }
    false
}
