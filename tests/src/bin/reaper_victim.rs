//! A test process for the reaper tests (`tests/tests/reaper.rs`): it registers with its
//! session's reaper, may start containers, and waits to be killed or told to stop.
//!
//! `reaper_victim <lease|scope|reuse>`, session from `SCENARIO_SESSION_ID`. On stdio it prints
//! `armed` once connected to the engine, waits for a line (so that several victims can be
//! released at once), calls `reaper::ensure` twice and starts its containers, prints
//! `ready reaper_pid=<pid, 0 if none> ensure_us=<first call> again_us=<second call>`, then blocks
//! until stdin closes; then it tears its containers down, the normal exit path, and exits.
//!
//! - `lease`: no containers.
//! - `scope`: two containers and their network.
//! - `reuse`: one container and its network, plus a kept-alive (`dev.scenario.reuse=true`)
//!   container of its own scope, which it leaves running on exit.
//! - `spare`: one container on a borrowed spare network, as the harness runs a scenario; after
//!   the ready line it prints `network <name>`.

use std::io::{BufRead, Read, Write};
use std::time::Instant;

use scenario_runtime::__private::reaper;
use scenario_runtime::prelude::*;
use scenario_tests::sh;

fn main() {
    // In the copy of this binary re-executed as the reaper, this runs the reaper and exits.
    reaper::run_if_reaper_process();
    let mode = std::env::args().nth(1).unwrap_or_else(|| "lease".to_string());
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let engine = runtime.block_on(Engine::connect()).expect("a Docker engine");
    let session = SessionId::detect();
    say("armed");
    let mut stdin = std::io::stdin().lock();
    stdin.read_line(&mut String::new()).unwrap();

    let (lease, ensure_us, again_us) = runtime.block_on(async {
        let started = Instant::now();
        let lease = reaper::ensure(&engine, &session).await.expect("ensure");
        let ensure_us = started.elapsed().as_micros();
        let started = Instant::now();
        let again = reaper::ensure(&engine, &session).await.expect("ensure again");
        let again_us = started.elapsed().as_micros();
        assert_eq!(again.reaper_pid(), lease.reaper_pid(), "one process, one reaper");
        (lease, ensure_us, again_us)
    });
    let project = ProjectId::new("scenariotests");
    let mut scope = Scope::new(engine.clone(), ScopeIds::new(session.clone(), project.clone(), "victim"));
    if mode == "spare" {
        scope = scope.with_spare_network();
    }
    let containers = runtime.block_on(async {
        let names: &[&str] = match mode.as_str() {
            "lease" => &[],
            "scope" => &["a", "b"],
            "spare" => &["a"],
            "reuse" => {
                let keep = ScopeIds::new(session.clone(), project, &format!("keep-{session}")).reusable(true);
                // Kept alive on purpose: the reaper must leave it.
                let _ = ready(&Scope::new(engine.clone(), keep), "keeper").await;
                &["a"]
            }
            other => panic!("unknown mode {other}"),
        };
        let mut containers = Vec::new();
        for name in names {
            containers.push(ready(&scope, name).await);
        }
        containers
    });
    say(&format!("ready reaper_pid={} ensure_us={ensure_us} again_us={again_us}", lease.reaper_pid().unwrap_or(0)));
    if mode == "spare" {
        say(&format!("network {}", scope.network_name()));
    }

    let _ = stdin.read_to_end(&mut Vec::new());
    runtime.block_on(scope.teardown(containers)).expect("teardown");
    drop(lease);
}

async fn ready(scope: &Scope, name: &str) -> Container<Ready> {
    let spec = sh(name, "exec sleep 3600");
    scope.configure(spec).unwrap().start().await.unwrap().wait_ready().await.unwrap()
}

fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}").unwrap();
    out.flush().unwrap();
}
