//! This runtime next to testcontainers-rs 0.28 and raw bollard, in one run, contenders
//! interleaved (the order rotates every round), same image, same readiness (a log line), one
//! port published. Prints medians and ratios of:
//! - create -> ready and removal, in process, for 1 container and for 3 started at once;
//! - the whole cycle as a process: start, one trivial test, everything removed, exit.
//!
//! `cargo bench -p scenario-peers` (`SCENARIO_BENCH_ROUNDS`, default 7; 1 under `cargo test`).

use std::process::Command;
use std::time::{Duration, Instant};

use scenario_peers::{containers_of_run, raw_ready, raw_remove, runtime_ready, testcontainers_ready};
use scenario_runtime::prelude::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Contender {
    Raw,
    Testcontainers,
    Runtime,
}

const CONTENDERS: [Contender; 3] = [Contender::Raw, Contender::Testcontainers, Contender::Runtime];

impl Contender {
    fn label(self) -> &'static str {
        match self {
            Contender::Raw => "raw bollard",
            Contender::Testcontainers => "testcontainers-rs",
            Contender::Runtime => "scenario",
        }
    }

    fn cycle_binary(self) -> &'static str {
        match self {
            Contender::Raw => env!("CARGO_BIN_EXE_cycle_raw"),
            Contender::Testcontainers => env!("CARGO_BIN_EXE_cycle_testcontainers"),
            Contender::Runtime => env!("CARGO_BIN_EXE_cycle_scenario"),
        }
    }
}

/// Samples per (row, contender).
#[derive(Default)]
struct Samples {
    ready: [Vec<Duration>; 3],
    removal: [Vec<Duration>; 3],
    cycle: [Vec<Duration>; 3],
}

fn rounds() -> usize {
    let measuring = std::env::args().any(|a| a == "--bench");
    let default = if measuring { 7 } else { 1 };
    std::env::var("SCENARIO_BENCH_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn median(samples: &[Duration]) -> Duration {
    let mut sorted = samples.to_vec();
    sorted.sort();
    sorted[sorted.len() / 2]
}

/// One in-process round of a contender: (create -> ready, removal).
async fn in_process(contender: Contender, engine: &Engine, width: usize, tag: &str) -> (Duration, Duration) {
    let docker = engine.docker();
    match contender {
        Contender::Raw => {
            let begun = Instant::now();
            let ids = futures_util::future::join_all(
                (0..width).map(|i| raw_ready(docker, None, format!("peers-raw-{tag}-{i}"), tag)),
            )
            .await;
            let ready = begun.elapsed();
            let begun = Instant::now();
            futures_util::future::join_all(ids.iter().map(|id| raw_remove(docker, id))).await;
            (ready, begun.elapsed())
        }
        Contender::Testcontainers => {
            let begun = Instant::now();
            let containers = futures_util::future::join_all((0..width).map(|_| testcontainers_ready(tag))).await;
            let ready = begun.elapsed();
            let begun = Instant::now();
            futures_util::future::join_all(containers.into_iter().map(|c| c.rm())).await;
            (ready, begun.elapsed())
        }
        Contender::Runtime => {
            // A new scope, as a scenario's first test meets it: its network is part of the cost.
            let ids = ScopeIds::new(SessionId::new(&format!("peers{tag}")), ProjectId::new("peers"), "bench");
            let scope = Scope::new(engine.clone(), ids);
            let begun = Instant::now();
            let ready =
                futures_util::future::join_all((0..width).map(|i| runtime_ready(&scope, format!("c{i}")))).await;
            let ready_after = begun.elapsed();
            let begun = Instant::now();
            scope.teardown(ready).await.unwrap();
            (ready_after, begun.elapsed())
        }
    }
}

/// One whole cycle as a process; checks that it left nothing behind.
async fn whole_cycle(contender: Contender, engine: &Engine, width: usize, tag: &str) -> Duration {
    let mut command = Command::new(contender.cycle_binary());
    command.env("PEERS_WIDTH", width.to_string()).env("PEERS_RUN", tag);
    if contender == Contender::Runtime {
        let filter = if width == 1 { "one::" } else { "three::" };
        command
            .arg(filter)
            .env("SCENARIO_SESSION_ID", format!("peers{tag}"))
            .env("SCENARIO_PROJECT", "peers")
            .env("SCENARIO_PROGRESS", "off");
    }
    let begun = Instant::now();
    let out = command.output().expect("the cycle binary runs");
    let took = begun.elapsed();
    assert!(
        out.status.success(),
        "{} failed:\n{}\n{}",
        contender.label(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let left = match contender {
        Contender::Runtime => {
            let session = SessionId::new(&format!("peers{tag}"));
            let filters = std::collections::HashMap::from([(
                "label",
                vec![format!("{}={session}", scenario_runtime::__private::labels::SESSION)],
            )]);
            let options =
                bollard::query_parameters::ListContainersOptionsBuilder::new().all(true).filters(&filters).build();
            engine.docker().list_containers(Some(options)).await.unwrap().len()
        }
        _ => containers_of_run(engine.docker(), tag).await,
    };
    assert_eq!(left, 0, "{} left {left} containers behind", contender.label());
    took
}

fn row(name: &str, samples: &[Vec<Duration>; 3]) {
    let [raw, tc, rt] = [median(&samples[0]), median(&samples[1]), median(&samples[2])];
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{name:<44} {:>8.0}ms {:>8.0}ms {:>8.0}ms {:>9.2}x {:>9.2}x",
        ms(raw),
        ms(tc),
        ms(rt),
        rt.as_secs_f64() / tc.as_secs_f64(),
        rt.as_secs_f64() / raw.as_secs_f64()
    );
}

#[tokio::main]
async fn main() {
    let rounds = rounds();
    let engine = Engine::connect().await.expect("a Docker engine runs");
    let run = format!("{}", std::process::id());
    let mut by_width = Vec::new();
    for width in [1usize, 3] {
        let mut samples = Samples::default();
        for round in 0..rounds {
            for shift in 0..CONTENDERS.len() {
                let contender = CONTENDERS[(round + shift) % CONTENDERS.len()];
                let index = CONTENDERS.iter().position(|c| *c == contender).unwrap();
                let tag = format!("{run}w{width}r{round}");
                let (ready, removal) = in_process(contender, &engine, width, &format!("{tag}p")).await;
                samples.ready[index].push(ready);
                samples.removal[index].push(removal);
                samples.cycle[index].push(whole_cycle(contender, &engine, width, &format!("{tag}c")).await);
            }
        }
        by_width.push((width, samples));
    }
    println!("median of {rounds} rounds; ratios: scenario / testcontainers-rs and scenario / raw bollard");
    println!("{:<44} {:>10} {:>10} {:>10} {:>10} {:>10}", "", "raw", "tc-rs 0.28", "scenario", "vs tc-rs", "vs raw");
    for (width, samples) in &by_width {
        let containers = if *width == 1 { "1 container".to_string() } else { format!("{width} containers at once") };
        row(&format!("{containers}: create -> ready"), &samples.ready);
        row(&format!("{containers}: removal"), &samples.removal);
        row(&format!("{containers}: whole cycle (process)"), &samples.cycle);
    }
}
