//! The engine itself failing under a run, on a second dockerd these tests start (never the
//! machine's own): frozen (SIGSTOP: its socket accepts, nothing answers), and restarted while a
//! readiness wait is in flight. Each fails within a bounded time with an error naming the call
//! and the engine, and what the engine is left holding is removed by the next run.

use std::time::{Duration, Instant};

use scenario_runtime::__private::cleanup;
use scenario_runtime::__private::launch::{land, launch, LaunchMode};
use scenario_runtime::prelude::*;
use scenario_runtime::Error;
use scenario_tests::second_engine::SecondEngine;
use scenario_tests::{entry, sh, unique_session};

/// A scenario kept alive across the restart, as `--reuse` keeps it.
static KEPT: [scenario_runtime::__private::ContainerEntry; 1] =
    [entry("kept", &[], || sh("kept", "echo up; exec sleep 3600").ready(Readiness::log("up")))];

/// A reuse run of KEPT on `engine`, as the harness makes one with `--reuse`.
fn reuse_scope(engine: &Engine, project: &ProjectId) -> Scope {
    Scope::new(engine.clone(), ScopeIds::new(unique_session("reuse"), project.clone(), "kept").reusable(true))
}

/// The bound these tests set (SCENARIO_ENGINE_TIMEOUT_MS), short so a hang is seen quickly.
const BOUND: Duration = Duration::from_secs(2);

fn scope_on(engine: &Engine, session: &SessionId, scenario: &str) -> Scope {
    Scope::new(engine.clone(), ScopeIds::new(session.clone(), ProjectId::new("scenariotests"), scenario))
}

/// Everything on the second engine: it is this test's own, so anything at all is left over.
async fn everything_on(engine: &Engine) -> Vec<String> {
    use bollard::query_parameters::{ListContainersOptionsBuilder, ListVolumesOptionsBuilder};
    let docker = engine.docker();
    let containers = docker.list_containers(Some(ListContainersOptionsBuilder::new().all(true).build())).await.unwrap();
    let volumes = docker.list_volumes(Some(ListVolumesOptionsBuilder::new().build())).await.unwrap();
    let networks = docker.list_networks(None::<bollard::query_parameters::ListNetworksOptions>).await.unwrap();
    let mut left: Vec<String> = containers.into_iter().map(|c| format!("container {:?}", c.names)).collect();
    left.extend(volumes.volumes.unwrap_or_default().into_iter().map(|v| format!("volume {}", v.name)));
    // The engine's own networks (bridge, host, none) are not anyone's leftovers.
    left.extend(
        networks
            .into_iter()
            .filter_map(|n| n.name)
            .filter(|n| !["bridge", "host", "none"].contains(&n.as_str()))
            .map(|n| format!("network {n}")),
    );
    left
}

// One test function: both faults use the same engine, and the bound is read from the process
// environment before the engine is connected.
#[tokio::test]
async fn a_frozen_or_restarted_engine_fails_the_run_in_bounded_time_and_the_next_run_is_clean() {
    // Set before the engine is connected; this binary has no other test reading it.
    std::env::set_var("SCENARIO_ENGINE_TIMEOUT_MS", BOUND.as_millis().to_string());
    let mut second = SecondEngine::start(216);
    let engine = second.ready().await;
    let endpoint = second.endpoint();

    // A container kept alive by a --reuse run, there when the engine restarts.
    let project = ProjectId::new(unique_session("keptproj").as_str());
    let (env, _) = launch(reuse_scope(&engine, &project), &KEPT, LaunchMode::Reuse).await.unwrap();
    land(env, true).await.unwrap();

    // Frozen: the teardown's calls (logs, remove, network removal) each give up after the bound.
    let hung = unique_session("hung");
    let scope = scope_on(&engine, &hung, "hung");
    let sleeper = scope.configure(sh("sleeper", "exec sleep 3600")).unwrap().start().await.unwrap();
    let sleeper = sleeper.wait_ready().await.unwrap();
    second.freeze();
    let begun = Instant::now();
    let failed = scope.teardown(vec![sleeper]).await;
    let waited = begun.elapsed();
    second.thaw();
    let err = failed.expect_err("a frozen engine cannot have removed the container");
    let text = err.to_string();
    assert!(matches!(err, Error::EngineTimeout { .. }), "{text}");
    assert!(text.contains(&endpoint) && text.contains("did not answer the call `"), "{text}");
    assert!(text.contains("`sleeper`") && text.contains("SCENARIO_ENGINE_TIMEOUT_MS"), "{text}");
    // Not sooner than the bound (so it was the bound that ended it), and not much later: the
    // teardown makes at most three calls in a row.
    assert!(waited >= BOUND && waited < 3 * BOUND + Duration::from_secs(4), "waited {waited:?}: {text}");
    let hung_after = waited;

    // Restarted while a readiness wait follows a container's log for a line that never comes.
    let gone = unique_session("gone");
    let scope = scope_on(&engine, &gone, "gone");
    let spec = sh("waiter", "exec sleep 3600").ready(Readiness::log("never printed").timeout(Duration::from_secs(120)));
    let waiter = scope.configure(spec).unwrap().start().await.unwrap();
    let waiting = tokio::spawn(async move { waiter.wait_ready().await.map(|_| ()) });
    let begun = Instant::now();
    second.stop();
    let failed = tokio::time::timeout(Duration::from_secs(30), waiting).await.expect("the wait ends").unwrap();
    let waited = begun.elapsed();
    let err = failed.expect_err("the engine went away under the wait");
    let text = err.to_string();
    assert!(matches!(err, Error::EngineGone { .. }), "{text}");
    assert!(text.contains("went away during the call `") && text.contains("waiter`"), "{text}");
    assert!(waited < Duration::from_secs(30), "waited {waited:?}");
    println!("frozen engine: teardown failed after {hung_after:?} (three calls in a row); stopped engine: the wait failed {waited:?} after the SIGTERM (dockerd stops its containers first)");

    // The next run, once the engine is back: starts cleanly beside what the failed runs left,
    // and after it and the removal of the failed runs' sessions (their reapers' job) the engine holds nothing.
    second.start_again();
    let engine = second.answering().await;
    let next = unique_session("next");
    let scope = scope_on(&engine, &next, "gone");
    let spec = sh("waiter", "echo up; exec sleep 3600").ready(Readiness::log("up"));
    let started = scope.configure(spec).unwrap().start().await;
    let waiter = started.unwrap_or_else(|e| panic!("the next run: {e}")).wait_ready().await;
    let waiter = waiter.unwrap_or_else(|e| panic!("the next run: {e}"));
    scope.teardown(vec![waiter]).await.unwrap();
    // The next --reuse run: the kept container was stopped with the engine; it is started
    // again, not attached to and not an error.
    let (env, report) = launch(reuse_scope(&engine, &project), &KEPT, LaunchMode::Reuse)
        .await
        .unwrap_or_else(|e| panic!("the next reuse run: {e}"));
    assert_eq!(report.restarted.len(), 1, "{report:?}");
    assert!(matches!(report.restarted[0].1, scenario_runtime::__private::Staleness::Stopped { .. }), "{report:?}");
    land(env, false).await.unwrap();
    cleanup::remove_including_kept(&engine, &[format!("{}={project}", scenario_runtime::__private::labels::PROJECT)])
        .await
        .unwrap();
    for session in [&hung, &gone] {
        cleanup::remove_session(&engine, session).await.unwrap();
    }
    assert_eq!(everything_on(&engine).await, Vec::<String>::new());
}
