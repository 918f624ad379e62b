//! A taker process for tests/tests/pool.rs: claims containers from a pool another process
//! filled, to show claims are atomic across processes.
//!
//! `pool_taker <claims>`, with `SCENARIO_SESSION_ID`, `SCENARIO_PROJECT` and `POOL_SCENARIO`
//! naming the pool's session and project and the scenario scope to join. It prints
//! `armed key=<pool key>`, waits for a line on stdin (so several takers start at once), tries
//! `<claims>` claims concurrently, prints `claimed <id> <alias>` for each success and `empty`
//! for each miss, then releases what it got and prints `done`.

use std::io::{BufRead, Write};

use scenario_runtime::prelude::*;
use scenario_runtime::Pool;

/// Must be the spec of `taker_spec` in tests/tests/pool.rs (the key printed on `armed` is
/// compared there).
fn spec() -> ContainerSpec {
    ContainerSpec::from_image("taken", "busybox:1.35")
        .cmd(["sh", "-c", "echo taken-up; exec sleep 3600"])
        .ready(Readiness::log("taken-up"))
}

fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}").unwrap();
    out.flush().unwrap();
}

fn main() {
    let claims: usize = std::env::args().nth(1).and_then(|n| n.parse().ok()).unwrap_or(1);
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    runtime.block_on(async {
        let engine = Engine::connect().await.expect("a Docker engine");
        let (session, project) = (SessionId::detect(), ProjectId::detect());
        let scenario = std::env::var("POOL_SCENARIO").expect("POOL_SCENARIO names the scope to join");
        let scope = Scope::new(engine.clone(), ScopeIds::new(session.clone(), project.clone(), &scenario));
        // Size 1 and never filled: this process only takes.
        let pool = Pool::new(engine, session, project, spec(), 1).unwrap();
        say(&format!("armed key={}", pool.key()));
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).unwrap();
        let results = futures_util::future::join_all((0..claims).map(|_| pool.claim(&scope))).await;
        let mut held = Vec::new();
        for result in results {
            match result.expect("a claim fails only on engine errors") {
                Some(fresh) => {
                    say(&format!("claimed {} {}", fresh.id(), fresh.alias()));
                    held.push(fresh);
                }
                None => say("empty"),
            }
        }
        for fresh in held {
            fresh.release().await.unwrap();
        }
        say("done");
    });
}
