//! Time to a ready fresh container: taken from the pre-start pool (claim, connect to the
//! scenario network, readiness probe) against started directly (create, start, probe), for a
//! busybox HTTP server with a published port and HTTP readiness. Prints medians and the ratio.
//!
//! `cargo bench -p scenario-tests --bench pool` (SCENARIO_BENCH_ROUNDS to change the rounds);
//! without `--bench` (as `cargo test --all-targets` runs it) one round, as a smoke test.

use std::time::{Duration, Instant};

use scenario_runtime::__private::start_fresh;
use scenario_runtime::prelude::*;
use scenario_runtime::Pool;
use scenario_tests::bench::{self, median, ms};
use scenario_tests::{engine, BUSYBOX};

fn spec() -> ContainerSpec {
    ContainerSpec::from_image("cache", BUSYBOX)
        .cmd(["sh", "-c", "mkdir -p /www && echo pong > /www/ping && exec httpd -f -p 8080 -h /www"])
        .port(8080)
        .ready(Readiness::http(8080, "/ping"))
}

#[tokio::main]
async fn main() {
    let rounds = bench::rounds();
    let engine = engine().await;
    let session = SessionId::new(&format!("benchpool{}", std::process::id()));
    let project = ProjectId::new("bench");
    let scope = Scope::new(engine.clone(), ScopeIds::new(session.clone(), project.clone(), "poolbench"));
    scope.network().await.unwrap();
    let pool = Pool::new(engine.clone(), session.clone(), project, spec(), 1).unwrap();
    pool.set_target(1);
    let (mut pooled, mut direct) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        // Alternate which path goes first so neither always meets a warmer engine.
        for pool_first in [round % 2 == 0, round % 2 != 0] {
            if pool_first {
                // The pool is full before the clock starts: that is its point.
                pool.wait_available(1, Duration::from_secs(30)).await.unwrap();
                let begun = Instant::now();
                let fresh = pool.take(&scope).await.unwrap();
                pooled.push(begun.elapsed());
                assert!(fresh.from_pool(), "the pool was full");
                fresh.release().await.unwrap();
            } else {
                let begun = Instant::now();
                let fresh = start_fresh(&scope, spec()).await.unwrap();
                direct.push(begun.elapsed());
                fresh.release().await.unwrap();
            }
        }
    }
    pool.shutdown(true).await.unwrap();
    scope.remove_network_and_volumes().await.unwrap();
    scenario_runtime::__private::cleanup::remove_session(&engine, &session).await.unwrap();
    let (pooled, direct) = (median(pooled), median(direct));
    println!("ready fresh container, median of {rounds} rounds (HTTP readiness, published port, scenario network)");
    println!("{:<34} {:>10}", "taken from the pre-start pool", format!("{:.1}ms", ms(pooled)));
    println!("{:<34} {:>10}", "started directly", format!("{:.1}ms", ms(direct)));
    println!(
        "{:<34} {:>10.3}  ({:.1}x faster)",
        "ratio pool / direct",
        pooled.as_secs_f64() / direct.as_secs_f64(),
        direct.as_secs_f64() / pooled.as_secs_f64()
    );
}
