//! Wall time of a suite of 16 tests of realistic length (a round trip into the container and
//! 300 ms of work each) on 1, 2 and 4 instances of the scenario, and the speed-up, from one run.
//! Every figure includes starting the instances and tearing them down. The session's reaper is
//! on, as in a user's run, so each instance borrows a spare network the previous run gave back,
//! and the run hands the removal of its containers to the reaper when it exits. The next run
//! starts once the reaper is done (not timed), so that it does not share the engine with it.
//!
//! `cargo bench -p scenario-tests --bench instances`

use std::process::Command;
use std::time::{Duration, Instant};

const FIXTURE: &str = env!("CARGO_BIN_EXE_harness_fixture");

fn run_suite(instances: u32, session: &str) -> Duration {
    let run_session = format!("{session}i{instances}");
    let begun = Instant::now();
    let out = Command::new(FIXTURE)
        .args(["suite::", "--instances", &instances.to_string()])
        .env("SCENARIO_SESSION_ID", &run_session)
        .env("SCENARIO_PROJECT", format!("bench{session}"))
        .output()
        .expect("the fixture runs");
    let took = begun.elapsed();
    assert!(out.status.success(), "{}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let left = runtime.block_on(async {
        let engine = scenario_tests::engine().await;
        let session = scenario_runtime::SessionId::new(&run_session);
        scenario_tests::leftovers_once_removed(&engine, &session, Duration::from_secs(60)).await
    });
    assert_eq!(left, Vec::<String>::new(), "the run's reaper removed its containers");
    took
}

fn main() {
    // `cargo bench` passes `--bench`; under `cargo test --all-targets` one width is a smoke test.
    let measuring = std::env::args().any(|a| a == "--bench");
    let widths: &[u32] = if measuring { &[1, 2, 4] } else { &[2] };
    let session = format!("ib{}", std::process::id());
    let results: Vec<(u32, Duration)> = widths.iter().map(|&n| (n, run_suite(n, &session))).collect();
    let base = results[0].1;
    println!("16 tests x (exec + 300 ms), wall time of the whole harness run, one run each");
    println!("{:>10} {:>10} {:>9}", "instances", "wall", "speed-up");
    for (instances, took) in results {
        println!(
            "{instances:>10} {:>8.0}ms {:>8.2}x",
            took.as_secs_f64() * 1000.0,
            base.as_secs_f64() / took.as_secs_f64()
        );
    }
}
