//! Compose scenarios on the real engine, through the same launch as hand-written ones: a job
//! that runs to completion before its dependent (`service_completed_successfully`), a failing
//! job that stops the start, and instances isolated the way compose projects are.

use scenario_runtime::__private::launch::{self, LaunchMode};
use scenario_runtime::__private::ContainerEntry;
use scenario_runtime::prelude::*;
use scenario_runtime::Error;
use scenario_tests::{engine, leftovers, unique_session};

#[scenario(compose = "compose/jobs.yml")]
mod jobs {}

#[scenario(compose = "compose/failing-job.yml")]
mod failing_jobs {}

static JOBS: [ContainerEntry; 3] = [
    ContainerEntry::of::<jobs::services::Store>(),
    ContainerEntry::of::<jobs::services::Job>(),
    ContainerEntry::of::<jobs::services::App>(),
];

static FAILING: [ContainerEntry; 2] =
    [ContainerEntry::of::<failing_jobs::services::Job>(), ContainerEntry::of::<failing_jobs::services::App>()];

fn scope(engine: &Engine, session: &SessionId, instance: u32) -> Scope {
    let ids = ScopeIds::new(session.clone(), ProjectId::new("scenariotests"), "compose-jobs").instance(instance);
    Scope::new(engine.clone(), ids)
}

#[tokio::test]
async fn a_job_runs_to_completion_before_its_dependent_starts() {
    let engine = engine().await;
    let session = unique_session("cj");
    let (env, report) = launch::launch(scope(&engine, &session, 0), &JOBS, LaunchMode::Exclusive).await.unwrap();
    assert_eq!(report.started, ["app", "job", "store"]);

    let job = &env.containers()["job"];
    let state = engine.docker().inspect_container(job.id(), None).await.unwrap().state.unwrap();
    assert_eq!((state.running, state.exit_code), (Some(false), Some(0)), "the job ran to its end");
    let app = &env.containers()["app"];
    assert!(app.logs().await.unwrap().contains("written by the job"), "app started after the job wrote");
    let served = app.exec(["wget", "-qO-", "http://127.0.0.1:8080/job.txt"]).await.unwrap();
    assert_eq!(served.stdout.trim(), "written by the job");

    launch::land(env, false).await.unwrap();
    assert!(leftovers(&engine, &session).await.is_empty());
}

#[tokio::test]
async fn a_failing_job_stops_the_start_and_its_dependent_never_starts() {
    let engine = engine().await;
    let session = unique_session("cf");
    let ids = ScopeIds::new(session.clone(), ProjectId::new("scenariotests"), "compose-failing");
    let failed = launch::launch(Scope::new(engine.clone(), ids), &FAILING, LaunchMode::Exclusive).await;
    match failed {
        Err(Error::ContainerExited { container, exit_code, log_tail, .. }) => {
            assert_eq!((container.as_str(), exit_code), ("job", 3));
            assert!(log_tail.contains("migration failed"), "{log_tail}");
        }
        other => panic!("expected the job's exit to fail the start, got {:?}", other.map(|(_, r)| r)),
    }
    assert!(leftovers(&engine, &session).await.is_empty(), "the failed start removed what it created");
}

#[tokio::test]
async fn instances_are_isolated_like_compose_projects() {
    let engine = engine().await;
    let session = unique_session("ci");
    let (zero, one) = tokio::join!(
        launch::launch(scope(&engine, &session, 0), &JOBS, LaunchMode::Exclusive),
        launch::launch(scope(&engine, &session, 1), &JOBS, LaunchMode::Exclusive),
    );
    let ((zero, _), (one, _)) = (zero.unwrap(), one.unwrap());
    let (store0, store1) = (&zero.containers()["store"], &one.containers()["store"]);
    assert_ne!(store0.engine_name(), store1.engine_name());
    assert_ne!(zero.scope().network_name(), one.scope().network_name());

    // Each instance has its own `data` volume: a mark in one is not in the other.
    assert!(store0.exec(["sh", "-c", "echo zero > /data/mark"]).await.unwrap().success());
    assert!(store1.exec(["test", "!", "-e", "/data/mark"]).await.unwrap().success());
    // And its own network: the other instance's store is not resolvable under its alias there.
    let other = store1.exec(["ping", "-c", "1", "-W", "1", store0.engine_name()]).await.unwrap();
    assert!(!other.success(), "instance 1 reached instance 0's store: {other:?}");

    let (a, b) = tokio::join!(launch::land(zero, false), launch::land(one, false));
    a.unwrap();
    b.unwrap();
    assert!(leftovers(&engine, &session).await.is_empty());
}
