//! The reuse loop measured on the realistic scenario (weblog + PostgreSQL + Redis): from harness
//! start (engine connection included) to the first test being able to run, on a cold start and
//! on a reuse hit, and their ratio; plus the engine calls a hit makes, replayed one by one with
//! raw bollard so their cost is seen apart from the runtime's own work.
//!
//! `cargo bench -p examples --bench reuse` (images are built first if missing, untimed).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use examples::checkout::{Cache, Db, Web};
use scenario_runtime::__private::launch::{land, launch, LaunchMode, LaunchReport};
use scenario_runtime::__private::ContainerEntry;
use scenario_runtime::__private::{cleanup, labels};
use scenario_runtime::prelude::*;

static CHECKOUT: [ContainerEntry; 3] =
    [ContainerEntry::of::<Db>(), ContainerEntry::of::<Cache>(), ContainerEntry::of::<Web>()];

/// One run as the harness makes it: connect, launch with --reuse, keep alive afterwards.
async fn one_run(project: &ProjectId, run: usize) -> (Duration, LaunchReport) {
    let begun = Instant::now();
    let engine = Engine::connect().await.unwrap();
    let ids = ScopeIds::new(SessionId::new(&format!("reusebench{run}")), project.clone(), "checkout").reusable(true);
    let (env, report) = launch(Scope::new(engine, ids), &CHECKOUT, LaunchMode::Reuse).await.unwrap();
    let took = begun.elapsed();
    land(env, true).await.unwrap();
    (took, report)
}

/// The engine calls of a reuse hit, made one after another: the connection's ping, the
/// label-filtered list, and per container an image inspect and the inspect that proves it (the
/// attach and the readiness wait start from that inspection).
async fn replay_hit_calls(engine: &Engine, project: &ProjectId) -> (Duration, usize) {
    use bollard::query_parameters::ListContainersOptionsBuilder;
    let docker = engine.docker();
    let filters = HashMap::from([(
        "label",
        vec![
            format!("{}=true", labels::MANAGED),
            format!("{}={project}", labels::PROJECT),
            format!("{}=checkout", labels::SCENARIO),
        ],
    )]);
    let begun = Instant::now();
    docker.ping().await.unwrap();
    let listed = docker
        .list_containers(Some(ListContainersOptionsBuilder::new().all(true).filters(&filters).build()))
        .await
        .unwrap();
    let mut calls = 2;
    for container in &listed {
        docker.inspect_image(container.image_id.as_deref().unwrap()).await.unwrap();
        docker.inspect_container(container.id.as_deref().unwrap(), None).await.unwrap();
        calls += 2;
    }
    (begun.elapsed(), calls)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() {
    let measuring = std::env::args().any(|a| a == "--bench");
    let hits = if measuring { 9 } else { 1 };
    let project = ProjectId::new(&format!("reusebench{}", std::process::id()));
    let engine = Engine::connect().await.unwrap();

    // Untimed: build the images once, so "cold" means cold containers, not first builds.
    for entry in &CHECKOUT {
        scenario_runtime::__private::image::ensure(&engine, (entry.spec)().image()).await.unwrap();
    }
    let (cold, cold_report) = one_run(&project, 0).await;
    assert_eq!(cold_report.started.len(), 3, "{cold_report:?}");
    let mut hit_times = Vec::new();
    let mut last = None;
    for run in 1..=hits {
        let (took, report) = one_run(&project, run).await;
        assert_eq!(report.attached.len(), 3, "a hit attaches to all three: {report:?}");
        hit_times.push(took);
        last = Some(report);
    }
    hit_times.sort();
    let hit = hit_times[hit_times.len() / 2];
    let report = last.unwrap();
    let (replayed, calls) = replay_hit_calls(&engine, &project).await;
    cleanup::remove_including_kept(&engine, &[format!("{}={project}", labels::PROJECT)]).await.unwrap();

    println!("checkout (weblog + postgres + redis): harness start to first test, median of {hits} hits");
    println!("  cold start          {:>9.1} ms", ms(cold));
    println!(
        "  reuse hit           {:>9.1} ms   ({} reused; deciding took {:.1} ms)",
        ms(hit),
        report.attached.join(", "),
        ms(report.planned)
    );
    println!("  ratio cold / hit    {:>9.0} x", cold.as_secs_f64() / hit.as_secs_f64());
    println!("  engine calls of a hit, replayed with raw bollard: {calls} calls in {:.2} ms", ms(replayed));
}
