//! This runtime next to testcontainers-rs 0.28 and raw bollard, in one run, contenders
//! interleaved (the order rotates every round), same image, same readiness (a log line), one
//! port published. Prints medians and ratios of:
//! - create -> ready and removal, in process, for 1 container and for 3 started at once;
//! - the whole cycle as a process: start, one trivial test, everything removed, exit; and, as a
//!   second row, until everything is removed. They differ for this runtime only: with the
//!   session's reaper running (as in a user's run), the harness drains the logs, hands the
//!   removal to the reaper and exits, and the reaper removes the containers right after.
//!
//! Besides the peers, two in-process references: raw bollard on a user-defined network (the
//! engine's own cost of giving containers a network of their own, which testcontainers-rs does
//! not do) and this runtime with a scope creating and removing its own network (what the first
//! scope on a machine pays, and every scope when no reaper runs).
//!
//! `cargo bench -p scenario-peers` (`SCENARIO_BENCH_ROUNDS`, default 7; 1 under `cargo test`).

use std::process::Command;
use std::time::{Duration, Instant};

use scenario_peers::{containers_of_run, raw_ready, raw_remove, runtime_ready, testcontainers_ready};
use scenario_runtime::prelude::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Contender {
    Raw,
    /// Raw bollard on a user-defined network made once for the run; in process only.
    RawUserNetwork,
    Testcontainers,
    /// As the harness runs a scenario: the scope borrows a spare network.
    Runtime,
    /// A scope creating and removing its own network, as the first scope on a machine does (and
    /// every scope without a reaper); in process only.
    RuntimeOwnNetwork,
}

const CONTENDERS: [Contender; 5] = [
    Contender::Raw,
    Contender::RawUserNetwork,
    Contender::Testcontainers,
    Contender::Runtime,
    Contender::RuntimeOwnNetwork,
];

impl Contender {
    fn label(self) -> &'static str {
        match self {
            Contender::Raw => "raw bollard",
            Contender::RawUserNetwork => "raw bollard, user network",
            Contender::Testcontainers => "testcontainers-rs",
            Contender::Runtime => "scenario",
            Contender::RuntimeOwnNetwork => "scenario, own network",
        }
    }

    /// The whole-cycle process; none for the in-process-only contender.
    fn cycle_binary(self) -> Option<&'static str> {
        match self {
            Contender::Raw => Some(env!("CARGO_BIN_EXE_cycle_raw")),
            Contender::Testcontainers => Some(env!("CARGO_BIN_EXE_cycle_testcontainers")),
            Contender::Runtime => Some(env!("CARGO_BIN_EXE_cycle_scenario")),
            Contender::RawUserNetwork | Contender::RuntimeOwnNetwork => None,
        }
    }
}

/// Samples per (row, contender).
#[derive(Default)]
struct Samples {
    ready: [Vec<Duration>; 5],
    removal: [Vec<Duration>; 5],
    cycle: [Vec<Duration>; 5],
    /// From the cycle's start until its containers are gone (after the exit, for a hand-over).
    cycle_removed: [Vec<Duration>; 5],
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

/// One in-process round of a contender: (create -> ready, removal). `user_network` is the
/// network of [`Contender::RawUserNetwork`].
async fn in_process(
    contender: Contender,
    engine: &Engine,
    width: usize,
    tag: &str,
    user_network: &str,
) -> (Duration, Duration) {
    let docker = engine.docker();
    match contender {
        Contender::Raw | Contender::RawUserNetwork => {
            let network = (contender == Contender::RawUserNetwork).then_some(user_network);
            let begun = Instant::now();
            let ids = futures_util::future::join_all(
                (0..width).map(|i| raw_ready(docker, network, format!("peers-raw-{tag}-{i}"), tag)),
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
        Contender::Runtime | Contender::RuntimeOwnNetwork => {
            // A new scope, as the harness makes it for a scenario's first test: it borrows the
            // network an earlier scope gave back (in the first round, it creates it), or it
            // creates and removes its own.
            let ids = ScopeIds::new(SessionId::new(&format!("peers{tag}")), ProjectId::new("peers"), "bench");
            let mut scope = Scope::new(engine.clone(), ids);
            if contender == Contender::Runtime {
                scope = scope.with_spare_network();
            }
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

/// One whole cycle as a process: (until it exited, until its containers are gone). Checks that
/// nothing is left behind.
async fn whole_cycle(contender: Contender, engine: &Engine, width: usize, tag: &str) -> Option<(Duration, Duration)> {
    let mut command = Command::new(contender.cycle_binary()?);
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
    let left = || async {
        match contender {
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
        }
    };
    // The reaper removes what the runtime's run handed over right after it exited: look until
    // it is done (a measurement, not a synchronisation; other contenders are done at exit).
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut remaining = left().await;
    while remaining > 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(2)).await;
        remaining = left().await;
    }
    let removed = begun.elapsed();
    assert_eq!(remaining, 0, "{} left {remaining} containers behind", contender.label());
    Some((took, removed))
}

/// One table row: each contender's median (`-` where it has no samples), then the ratios.
fn row(name: &str, samples: &[Vec<Duration>; 5]) {
    let medians: Vec<Option<Duration>> = samples.iter().map(|s| (!s.is_empty()).then(|| median(s))).collect();
    let ms = |d: Option<Duration>| d.map_or(format!("{:>9}", "-"), |d| format!("{:>7.0}ms", d.as_secs_f64() * 1000.0));
    let ratio = |a: Option<Duration>, b: Option<Duration>| match (a, b) {
        (Some(a), Some(b)) => format!("{:>9.2}x", a.as_secs_f64() / b.as_secs_f64()),
        _ => format!("{:>10}", "-"),
    };
    let [raw, raw_user, tc, rt, own] = [medians[0], medians[1], medians[2], medians[3], medians[4]];
    println!(
        "{name:<46} {} {} {} {} {} {} {} {}",
        ms(raw),
        ms(raw_user),
        ms(tc),
        ms(rt),
        ms(own),
        ratio(rt, tc),
        ratio(rt, raw_user),
        ratio(own, tc)
    );
}

fn main() {
    // The scopes borrow spare networks, which a reaper of this session removes at the end: this
    // binary is that reaper when re-executed.
    scenario_runtime::__private::reaper::run_if_reaper_process();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a tokio runtime");
    runtime.block_on(measure());
}

async fn measure() {
    let rounds = rounds();
    let engine = Engine::connect().await.expect("a Docker engine runs");
    let run = format!("{}", std::process::id());
    let _reaper = scenario_runtime::__private::reaper::ensure(&engine, &SessionId::new(&format!("peers{run}")))
        .await
        .expect("the session's reaper starts");
    let user_network = format!("peers-{run}-net");
    let request = bollard::models::NetworkCreateRequest {
        name: user_network.clone(),
        labels: Some(std::collections::HashMap::from([
            ("dev.scenario.managed".to_string(), "true".to_string()),
            (scenario_peers::BENCH_LABEL.to_string(), run.clone()),
        ])),
        ..Default::default()
    };
    engine.docker().create_network(request).await.expect("the user network is created");
    let mut by_width = Vec::new();
    for width in [1usize, 3] {
        let mut samples = Samples::default();
        for round in 0..rounds {
            for shift in 0..CONTENDERS.len() {
                let contender = CONTENDERS[(round + shift) % CONTENDERS.len()];
                let index = CONTENDERS.iter().position(|c| *c == contender).unwrap();
                let tag = format!("{run}w{width}r{round}");
                let (ready, removal) = in_process(contender, &engine, width, &format!("{tag}p"), &user_network).await;
                samples.ready[index].push(ready);
                samples.removal[index].push(removal);
                if let Some((cycle, removed)) = whole_cycle(contender, &engine, width, &format!("{tag}c")).await {
                    samples.cycle[index].push(cycle);
                    samples.cycle_removed[index].push(removed);
                }
            }
        }
        by_width.push((width, samples));
    }
    engine.docker().remove_network(&user_network).await.expect("the user network is removed");
    println!(
        "median of {rounds} rounds; ratios: scenario / testcontainers-rs, scenario / raw bollard on a user network, \
         scenario with its own network / testcontainers-rs"
    );
    println!(
        "{:<46} {:>9} {:>9} {:>9} {:>9} {:>9} {:>10} {:>10} {:>10}",
        "", "raw", "raw, net", "tc-rs", "scenario", "own net", "vs tc-rs", "vs raw,net", "own/tc-rs"
    );
    for (width, samples) in &by_width {
        let containers = if *width == 1 { "1 container".to_string() } else { format!("{width} containers at once") };
        row(&format!("{containers}: create -> ready"), &samples.ready);
        row(&format!("{containers}: removal"), &samples.removal);
        row(&format!("{containers}: whole cycle, to exit"), &samples.cycle);
        row(&format!("{containers}: whole cycle, to removed"), &samples.cycle_removed);
    }
}
