//! Combined readiness against the real engine: `all` waits for every part, `any` for the first,
//! each part under its own timeout, and errors name the part still waiting; `http` can require a
//! body that contains a text.

use std::time::{Duration, Instant};

use scenario_runtime::prelude::*;
use scenario_runtime::Error;
use scenario_tests::{sh, TestScope};

async fn ready(scope: &Scope, spec: ContainerSpec) -> scenario_runtime::Result<Container<Ready>> {
    scope.configure(spec)?.start().await?.wait_ready().await
}

/// Serves `/h` with `body` once `marker` was printed; the marker file is written later, so the
/// log part and the HTTP part become true at different times.
fn web(name: &str, script_before_serving: &str) -> ContainerSpec {
    let script = format!(
        "mkdir -p /www; echo 'status: starting' > /www/h; {script_before_serving} \
         exec httpd -f -p 8080 -h /www"
    );
    sh(name, &script).port(8080)
}

#[tokio::test]
async fn all_waits_for_every_part() {
    let scope = TestScope::new("all-ok").await;
    // The port answers at once; the page says "ok" a second later: only waiting for the body part
    // too makes the page read "ok" below.
    let spec = web("web", "(sleep 1; echo 'status: ok' > /www/h; echo page-ok) &")
        .ready(Readiness::all([Readiness::port(8080), Readiness::http(8080, "/h").body_contains("status: ok")]));
    let c = ready(&scope, spec).await.unwrap();
    let page = c.exec(["cat", "/www/h"]).await.unwrap().stdout;
    assert_eq!(page, "status: ok\n");
    assert!(c.logs().await.unwrap().contains("page-ok"));
    scope.teardown(vec![c]).await.unwrap();
    assert_eq!(scope.leftovers().await, Vec::<String>::new());
}

#[tokio::test]
async fn all_names_the_part_still_waiting_after_its_own_timeout() {
    let scope = TestScope::new("all-part").await;
    let begun = Instant::now();
    let spec = web("web", "echo serving;").ready(Readiness::all([
        Readiness::log("serving").timeout(Duration::from_secs(30)),
        Readiness::log("never printed").timeout(Duration::from_millis(1500)),
    ]));
    let err = ready(&scope, spec).await.unwrap_err();
    assert!(begun.elapsed() < Duration::from_secs(20), "the part's timeout ended the wait: {:?}", begun.elapsed());
    match &err {
        Error::ReadinessTimeout { container, strategy, waited, log_tail, .. } => {
            assert_eq!(container, "web");
            assert!(strategy.starts_with("log line containing \"never printed\", part 2 of all of ("), "{strategy}");
            assert_eq!(*waited, Duration::from_millis(1500));
            assert!(log_tail.contains("serving"), "{log_tail}");
        }
        other => panic!("expected a readiness timeout, got {other}"),
    }
}

#[tokio::test]
async fn any_is_ready_with_the_first_part_and_names_every_part_when_none_holds() {
    let scope = TestScope::new("any").await;
    let spec = web("web", "echo serving;").ready(Readiness::any([
        Readiness::log("never printed").timeout(Duration::from_secs(30)),
        Readiness::http(8080, "/h"),
    ]));
    let begun = Instant::now();
    let c = ready(&scope, spec).await.unwrap();
    assert!(begun.elapsed() < Duration::from_secs(20), "ready without the log part: {:?}", begun.elapsed());
    scope.teardown(vec![c]).await.unwrap();

    let scope = TestScope::new("any-none").await;
    let spec = web("late", "").ready(Readiness::any([
        Readiness::log("never printed").timeout(Duration::from_millis(800)),
        Readiness::http(8080, "/h").body_contains("status: ok").timeout(Duration::from_millis(1200)),
    ]));
    match ready(&scope, spec).await.unwrap_err() {
        Error::ReadinessTimeout { container, strategy, .. } => {
            assert_eq!(container, "late");
            assert!(strategy.contains("log line containing \"never printed\" within 800ms"), "{strategy}");
            assert!(
                strategy.contains(
                    "with a body containing \"status: ok\" within 1.2s (last probe: GET /h answered 200 \
                                   without \"status: ok\" in its body: \"status: starting\")"
                ),
                "{strategy}"
            );
        }
        other => panic!("expected a readiness timeout, got {other}"),
    }
}

#[tokio::test]
async fn declared_combined_readiness_checks_every_part_port() {
    #[container(
        image = "busybox:1.35",
        cmd = ["sh", "-c", "mkdir -p /www && echo fine > /www/h && echo up && exec httpd -f -p 8080 -h /www"],
        ports = [8080],
        ready = all(port(8080, timeout = "20s"), log("up"), http(8080, "/h", body = "fine")),
    )]
    struct Declared;

    let spec = <Declared as scenario_runtime::ContainerDef>::spec();
    assert_eq!(
        spec.readiness().clone(),
        Readiness::all([
            Readiness::port(8080).timeout(Duration::from_secs(20)),
            Readiness::log("up"),
            Readiness::http(8080, "/h").body_contains("fine"),
        ])
    );
    let scope = TestScope::new("all-macro").await;
    let c = ready(&scope, spec).await.unwrap();
    scope.teardown(vec![c]).await.unwrap();
}
