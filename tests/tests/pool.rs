//! The pre-start pool on the real engine: a taken container is fresh and owned, reachable by its
//! alias from the scenario's other containers, never handed to two takers (threads or
//! processes), the pool refills, a broken spec is reported by name, and nothing is left behind.

use std::collections::HashSet;
use std::io::{BufRead, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

use scenario_runtime::__private::labels;
use scenario_runtime::__private::start_fresh;
use scenario_runtime::prelude::*;
use scenario_runtime::Pool;
use scenario_tests::{sh, TestScope};

/// Long enough for a busybox start on a busy machine; the waits end as soon as the pool is full.
const FILL: Duration = Duration::from_secs(60);

/// A busybox HTTP server: a stateless service a test wants a fresh copy of.
fn web() -> ContainerSpec {
    sh("web", "mkdir -p /www && echo pong > /www/ping && exec httpd -f -p 8080 -h /www")
        .port(8080)
        .ready(Readiness::http(8080, "/ping"))
}

fn pool_of(scope: &TestScope, spec: ContainerSpec, size: usize) -> Pool {
    Pool::new(scope.engine().clone(), scope.session.clone(), scope.ids().project.clone(), spec, size).unwrap()
}

/// The scope's network and the pool are removed and nothing of the session is left.
async fn assert_nothing_left(scope: &TestScope, pool: &Pool) {
    pool.shutdown(true).await.unwrap();
    scope.remove_network_and_volumes().await.unwrap();
    assert_eq!(scope.leftovers().await, Vec::<String>::new(), "everything of the session is gone");
}

async fn exists(scope: &Scope, id: &str) -> bool {
    scope.engine().docker().inspect_container(id, None).await.is_ok()
}

/// `GET path` on a host port, without an HTTP client crate.
async fn http_get(address: &str, path: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    stream.write_all(format!("GET {path} HTTP/1.0\r\nHost: x\r\n\r\n").as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    response
}

#[tokio::test]
async fn a_taken_container_is_fresh_ready_and_owned() {
    let scope = TestScope::new("poolfresh").await;
    let pool = pool_of(&scope, web(), 2);
    pool.set_target(2);
    pool.wait_available(2, FILL).await.unwrap();

    let first = pool.take(&scope).await.unwrap();
    assert!(first.from_pool(), "the pool was full");
    assert_eq!(first.kind(), "web");
    assert!(first.alias().starts_with("web-") && first.alias() != "web", "{}", first.alias());
    assert!(
        http_get(&first.address(8080).unwrap(), "/ping").await.ends_with("pong\n"),
        "ready and published on the host"
    );
    let wrote = first.exec(["sh", "-c", "echo dirty > /www/state"]).await.unwrap();
    assert!(wrote.success(), "{}", wrote.combined_tail(5));
    let first_id = first.id().to_string();
    let removed = first.release().await.unwrap();
    assert!(
        removed.log_path.ends_with(format!("{}/poolfresh/{}.log", scope.session, removed.name)),
        "{:?}",
        removed.log_path
    );
    assert!(!exists(&scope, &first_id).await, "released means removed");

    let second = pool.take(&scope).await.unwrap();
    assert!(second.from_pool());
    assert_ne!(second.id(), first_id);
    let seen = second.exec(["sh", "-c", "cat /www/state 2>/dev/null || echo clean"]).await.unwrap();
    assert_eq!(seen.stdout, "clean\n", "no state from the first taker");

    // Labels: managed and of the session (the reaper's), pooled; the name says claimed.
    let inspected = scope.engine().docker().inspect_container(second.id(), None).await.unwrap();
    let found = inspected.config.unwrap().labels.unwrap();
    assert_eq!(found[labels::MANAGED], "true");
    assert_eq!(found[labels::SESSION], scope.session.as_str());
    assert_eq!(found[labels::POOL], pool.key());
    assert_eq!(found[labels::FRESH], "true");
    assert!(!found.contains_key(labels::REUSE));
    assert!(inspected.name.unwrap().contains("-taken-"), "claimed by renaming");

    // Dropped without release: removed at once (no harness to defer it to).
    let second_id = second.id().to_string();
    drop(second);
    assert!(!exists(&scope, &second_id).await, "dropping removes it");
    assert_nothing_left(&scope, &pool).await;
}

#[tokio::test]
async fn pooled_and_direct_fresh_containers_answer_to_their_alias_on_the_scenario_network() {
    let scope = TestScope::new("poolalias").await;
    let client =
        scope.configure(sh("client", "exec sleep 3600")).unwrap().start().await.unwrap().wait_ready().await.unwrap();
    // The scenario's own `web`, which fresh ones must not be confused with.
    let own = scope
        .configure(
            sh("web", "mkdir -p /www && echo own > /www/ping && exec httpd -f -p 8080 -h /www")
                .port(8080)
                .ready(Readiness::http(8080, "/ping")),
        )
        .unwrap()
        .start()
        .await
        .unwrap()
        .wait_ready()
        .await
        .unwrap();
    let pool = pool_of(&scope, web(), 1);
    pool.set_target(1);
    pool.wait_available(1, FILL).await.unwrap();
    let pooled = pool.take(&scope).await.unwrap();
    let direct = start_fresh(&scope, web()).await.unwrap();
    assert!(pooled.from_pool() && !direct.from_pool());
    assert_ne!(pooled.alias(), direct.alias());
    for fresh in [&pooled, &direct] {
        let url = format!("http://{}:8080/ping", fresh.alias());
        let out = client.exec(["wget", "-q", "-O-", &url]).await.unwrap();
        assert_eq!((out.exit_code, out.stdout.as_str()), (0, "pong\n"), "{url}: {}", out.stderr);
        assert!(fresh.network_ip().is_some(), "its address on the scenario network is known");
    }
    let out = client.exec(["wget", "-q", "-O-", "http://web:8080/ping"]).await.unwrap();
    assert_eq!(out.stdout, "own\n", "the scenario's own `web` keeps its name to itself");
    pooled.release().await.unwrap();
    direct.release().await.unwrap();
    scope.teardown(vec![client, own]).await.unwrap();
    assert_nothing_left(&scope, &pool).await;
}

#[tokio::test]
async fn concurrent_takers_never_get_the_same_container() {
    let scope = TestScope::new("poolrace").await;
    let pool = pool_of(&scope, web(), 4);
    pool.set_target(4);
    pool.wait_available(4, FILL).await.unwrap();
    pool.set_target(0); // no refill: eight takers race for four containers
    let claims = futures_util::future::join_all((0..8).map(|_| pool.claim(&scope))).await;
    let taken: Vec<FreshContainer> = claims.into_iter().filter_map(Result::unwrap).collect();
    let ids: HashSet<&str> = taken.iter().map(|c| c.id()).collect();
    assert_eq!(taken.len(), 4, "each of the four went to exactly one taker");
    assert_eq!(ids.len(), 4, "no container was handed out twice");
    for fresh in taken {
        fresh.release().await.unwrap();
    }
    assert_nothing_left(&scope, &pool).await;
}

/// Must be the spec of `spec()` in src/bin/pool_taker.rs (the key each taker prints is checked).
fn taker_spec() -> ContainerSpec {
    ContainerSpec::from_image("taken", "busybox:1.35")
        .cmd(["sh", "-c", "echo taken-up; exec sleep 3600"])
        .ready(Readiness::log("taken-up"))
}

#[tokio::test]
async fn takers_in_several_processes_never_get_the_same_container() {
    let scope = TestScope::new("poolprocs").await;
    scope.network().await.unwrap();
    let pool = pool_of(&scope, taker_spec(), 6);
    pool.set_target(6);
    pool.wait_available(6, FILL).await.unwrap();
    pool.set_target(0);
    // Three processes, three claims each, all released at once: nine claims for six containers.
    let (mut takers, outputs): (Vec<_>, Vec<_>) = spawn_takers(&scope, &pool, 3, 3).into_iter().unzip();
    for taker in &mut takers {
        taker.stdin.as_mut().unwrap().write_all(b"go\n").unwrap();
    }
    let mut claimed = Vec::new();
    let mut empty = 0;
    for (lines, taker) in outputs.into_iter().zip(&mut takers) {
        for line in lines.map(Result::unwrap) {
            if let Some(rest) = line.strip_prefix("claimed ") {
                claimed.push(rest.split_whitespace().next().unwrap().to_string());
            } else if line == "empty" {
                empty += 1;
            }
        }
        assert!(taker.wait().unwrap().success());
    }
    let distinct: HashSet<&String> = claimed.iter().collect();
    assert_eq!(distinct.len(), claimed.len(), "a container claimed by two processes: {claimed:?}");
    assert_eq!((claimed.len(), empty), (6, 3), "all six taken once, three takers found none");
    assert_nothing_left(&scope, &pool).await;
}

/// Starts `count` pool_taker processes on `scope`'s session, each checked to use `pool`'s spec.
fn spawn_takers(
    scope: &TestScope,
    pool: &Pool,
    count: usize,
    claims: usize,
) -> Vec<(std::process::Child, std::io::Lines<std::io::BufReader<std::process::ChildStdout>>)> {
    (0..count)
        .map(|_| {
            let mut child = Command::new(env!("CARGO_BIN_EXE_pool_taker"))
                .arg(claims.to_string())
                .env("SCENARIO_SESSION_ID", scope.session.as_str())
                .env("SCENARIO_PROJECT", scope.ids().project.as_str())
                .env("POOL_SCENARIO", &scope.ids().scenario)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .unwrap();
            let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
            let armed = lines.next().unwrap().unwrap();
            assert_eq!(armed, format!("armed key={}", pool.key()), "the taker's spec is this test's");
            (child, lines)
        })
        .collect()
}

#[tokio::test]
async fn the_pool_refills_after_another_process_takes() {
    let scope = TestScope::new("poolxrefill").await;
    scope.network().await.unwrap();
    let pool = pool_of(&scope, taker_spec(), 2);
    pool.set_target(2);
    pool.wait_available(2, FILL).await.unwrap();
    let (mut taker, lines) = spawn_takers(&scope, &pool, 1, 2).pop().unwrap();
    taker.stdin.as_mut().unwrap().write_all(b"go\n").unwrap();
    let claimed = lines.map(Result::unwrap).filter(|l| l.starts_with("claimed ")).count();
    assert!(taker.wait().unwrap().success());
    assert_eq!(claimed, 2, "the other process took both");
    // Nothing in this process took: the engine's events of the other's claims wake the filler.
    let mut status = pool.subscribe();
    // (The status guard `wait_for` returns is dropped at once: holding it would block the filler.)
    let refilled =
        tokio::time::timeout(FILL, async { status.wait_for(|s| s.started >= 4 && s.available >= 2).await.map(drop) })
            .await;
    assert!(matches!(refilled, Ok(Ok(()))), "{:?}", pool.status());
    assert_eq!(pool.status().started, 4, "{:?}", pool.status());
    assert_nothing_left(&scope, &pool).await;
}

#[tokio::test]
async fn the_pool_refills_in_the_background() {
    let scope = TestScope::new("poolrefill").await;
    let pool = pool_of(&scope, web(), 2);
    pool.set_target(2);
    pool.wait_available(2, FILL).await.unwrap();
    let first: Vec<FreshContainer> = vec![pool.take(&scope).await.unwrap(), pool.take(&scope).await.unwrap()];
    assert!(first.iter().all(FreshContainer::from_pool));
    // Both slots were freed by the claims; the filler starts two more on its own.
    pool.wait_available(2, FILL).await.unwrap();
    assert!(pool.status().started >= 4, "{:?}", pool.status());
    let again = pool.take(&scope).await.unwrap();
    assert!(again.from_pool());
    assert!(first.iter().all(|c| c.id() != again.id()));
    for fresh in first.into_iter().chain([again]) {
        fresh.release().await.unwrap();
    }
    // One refill is under way or done: shutting down removes it too.
    pool.shutdown(true).await.unwrap();
    assert_nothing_left(&scope, &pool).await;
}

#[tokio::test]
async fn a_broken_spec_stops_the_pool_and_errors_name_the_container() {
    let scope = TestScope::new("poolbroken").await;
    let broken = sh("flaky", "echo starting; exit 3").ready(Readiness::log("never printed"));
    let pool = pool_of(&scope, broken, 1);
    pool.set_target(1);
    let error = pool.wait_available(1, FILL).await.unwrap_err().to_string();
    assert!(error.contains("`flaky`") && error.contains("exited with code 3"), "{error}");
    // The take falls back to a direct start, whose error names the container too.
    let error = pool.take(&scope).await.unwrap_err().to_string();
    assert!(error.contains("`flaky-") && error.contains("exited with code 3"), "{error}");
    let shared = sh("shared", "exec sleep 3600").mount(Mount::volume("data", "/data"));
    let error = Pool::new(scope.engine().clone(), scope.session.clone(), scope.ids().project.clone(), shared, 1)
        .unwrap_err()
        .to_string();
    assert!(error.contains("`shared`") && error.contains("named volume `data`"), "{error}");
    assert_nothing_left(&scope, &pool).await;
}
