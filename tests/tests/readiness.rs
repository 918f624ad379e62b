//! Every readiness strategy against the real engine, passing and failing.

use std::time::Duration;

use scenario_runtime::prelude::*;
use scenario_runtime::Error;
use scenario_tests::{sh, TestScope};

async fn ready(scope: &Scope, spec: ContainerSpec) -> scenario_runtime::Result<Container<Ready>> {
    scope.configure(spec)?.start().await?.wait_ready().await
}

#[tokio::test]
async fn log_line_is_seen_and_the_nth_occurrence_waited_for() {
    let scope = TestScope::new("log-ok").await;
    let spec = sh("ticker", "for i in 1 2 3; do echo tick $i; done; echo ready-marker; exec sleep 3600")
        .ready(Readiness::log("tick").times(3));
    let c = ready(&scope, spec).await.unwrap();
    assert!(c.logs().await.unwrap().contains("tick 3"), "ready only after the third tick");
    scope.teardown(vec![c]).await.unwrap();
    assert_eq!(scope.leftovers().await, Vec::<String>::new());
}

#[tokio::test]
async fn log_line_on_stderr_only_is_found() {
    let scope = TestScope::new("log-stderr").await;
    let spec = sh("err", "echo up-on-stderr >&2; exec sleep 3600").ready(Readiness::log("up-on-stderr"));
    let c = ready(&scope, spec).await.unwrap();
    scope.teardown(vec![c]).await.unwrap();
}

#[tokio::test]
async fn a_wrong_log_line_times_out_with_the_log_tail() {
    let scope = TestScope::new("log-timeout").await;
    let spec = sh("quiet", "echo hello from the container; exec sleep 3600")
        .ready(Readiness::log("never printed").timeout(Duration::from_millis(800)));
    let err = ready(&scope, spec).await.unwrap_err();
    match &err {
        Error::ReadinessTimeout { container, log_tail, strategy, .. } => {
            assert_eq!(container, "quiet");
            assert!(log_tail.contains("hello from the container"), "{log_tail}");
            assert!(strategy.contains("never printed"), "{strategy}");
        }
        other => panic!("expected a readiness timeout, got {other}"),
    }
    assert_eq!(
        scope.leftovers().await.iter().filter(|l| l.starts_with("container")).count(),
        0,
        "a failed container is removed"
    );
    let log = scope.artifacts_dir().join("quiet.log");
    assert!(std::fs::read_to_string(&log).unwrap().contains("hello from the container"), "logs drained to {log:?}");
}

#[tokio::test]
async fn a_container_that_exits_fails_the_wait_at_once_with_its_code() {
    let scope = TestScope::new("exits").await;
    // A timeout far beyond the test's run: only the exit watcher can end this wait.
    let spec =
        sh("crasher", "echo about to fail; exit 3").ready(Readiness::log("never").timeout(Duration::from_secs(600)));
    let err = ready(&scope, spec).await.unwrap_err();
    match err {
        Error::ContainerExited { container, exit_code, log_tail, .. } => {
            assert_eq!(container, "crasher");
            assert_eq!(exit_code, 3);
            assert!(log_tail.contains("about to fail"), "{log_tail}");
        }
        other => panic!("expected an exit error, got {other}"),
    }
}

#[tokio::test]
async fn an_exit_during_a_port_wait_is_reported_too() {
    let scope = TestScope::new("exits-port").await;
    let spec = sh("gone", "exit 42").port(9000).ready(Readiness::port(9000).timeout(Duration::from_secs(600)));
    match ready(&scope, spec).await.unwrap_err() {
        Error::ContainerExited { exit_code, .. } => assert_eq!(exit_code, 42),
        other => panic!("expected an exit error, got {other}"),
    }
}

#[tokio::test]
async fn port_is_not_ready_before_the_service_listens() {
    let scope = TestScope::new("port").await;
    // The marker is printed right before the listener starts: a probe fooled by docker-proxy
    // (which accepts at once) would report ready while the marker is still missing.
    let spec = sh("late", "sleep 1; echo LISTENING-NOW; exec httpd -f -p 7000").port(7000).ready(Readiness::port(7000));
    let c = ready(&scope, spec).await.unwrap();
    assert!(c.logs().await.unwrap().contains("LISTENING-NOW"));
    scope.teardown(vec![c]).await.unwrap();
}

#[tokio::test]
async fn port_that_never_listens_times_out_naming_the_probe() {
    let scope = TestScope::new("port-timeout").await;
    let spec =
        sh("deaf", "exec sleep 3600").port(7001).ready(Readiness::port(7001).timeout(Duration::from_millis(700)));
    match ready(&scope, spec).await.unwrap_err() {
        Error::ReadinessTimeout { container, last_probe, .. } => {
            assert_eq!(container, "deaf");
            assert!(last_probe.contains("refused") || last_probe.contains("closed"), "{last_probe}");
        }
        other => panic!("expected a readiness timeout, got {other}"),
    }
}

const WEB: &str =
    "mkdir -p /www && echo ok > /www/health && sleep 0.5 && echo serving && exec httpd -f -p 8080 -h /www";

#[tokio::test]
async fn http_status_on_a_path() {
    let scope = TestScope::new("http").await;
    let c = ready(&scope, sh("web", WEB).port(8080).ready(Readiness::http(8080, "/health"))).await.unwrap();
    assert!(c.logs().await.unwrap().contains("serving"));
    let url = c.url(8080, "/health").unwrap();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    scope.teardown(vec![c]).await.unwrap();
}

#[tokio::test]
async fn http_with_the_wrong_status_times_out_saying_what_it_got() {
    let scope = TestScope::new("http-404").await;
    let spec = sh("web", WEB).port(8080).ready(Readiness::http(8080, "/missing").timeout(Duration::from_secs(2)));
    match ready(&scope, spec).await.unwrap_err() {
        Error::ReadinessTimeout { last_probe, .. } => assert!(last_probe.contains("404"), "{last_probe}"),
        other => panic!("expected a readiness timeout, got {other}"),
    }
}

#[tokio::test]
async fn http_exact_status() {
    let scope = TestScope::new("http-exact").await;
    let spec = sh("web", WEB).port(8080).ready(Readiness::http(8080, "/missing").status(404));
    let c = ready(&scope, spec).await.unwrap();
    scope.teardown(vec![c]).await.unwrap();
}

#[tokio::test]
async fn docker_healthcheck_reporting_healthy() {
    let scope = TestScope::new("healthy").await;
    let spec = sh("checked", "sleep 0.5; touch /tmp/up; echo up; exec sleep 3600")
        .healthcheck(HealthCheck::cmd(["test", "-f", "/tmp/up"]).interval(Duration::from_millis(100)))
        .ready(Readiness::healthy());
    let c = ready(&scope, spec).await.unwrap();
    assert!(c.logs().await.unwrap().contains("up"));
    let inspected = c.scope().engine().docker().inspect_container(c.id(), None).await.unwrap();
    let health = inspected.state.unwrap().health.unwrap().status.unwrap();
    assert_eq!(health.to_string(), "healthy");
    scope.teardown(vec![c]).await.unwrap();
}

#[tokio::test]
async fn healthy_without_a_healthcheck_is_a_clear_error() {
    let scope = TestScope::new("no-health").await;
    let err = ready(&scope, sh("plain", "exec sleep 3600").ready(Readiness::healthy())).await.unwrap_err();
    let text = err.to_string();
    assert!(text.contains("`plain`") && text.contains("healthcheck"), "{text}");
}

#[tokio::test]
async fn unhealthy_times_out_with_the_last_status() {
    let scope = TestScope::new("unhealthy").await;
    let spec = sh("sick", "exec sleep 3600")
        .healthcheck(HealthCheck::cmd(["false"]).interval(Duration::from_millis(100)).retries(1))
        .ready(Readiness::healthy().timeout(Duration::from_secs(2)));
    match ready(&scope, spec).await.unwrap_err() {
        Error::ReadinessTimeout { last_probe, .. } => assert!(last_probe.contains("unhealthy"), "{last_probe}"),
        other => panic!("expected a readiness timeout, got {other}"),
    }
}

#[tokio::test]
async fn exec_command_exiting_zero() {
    let scope = TestScope::new("exec").await;
    let spec = sh("prepared", "sleep 0.5; echo prepared > /tmp/flag; exec sleep 3600").ready(Readiness::exec([
        "test",
        "-f",
        "/tmp/flag",
    ]));
    let c = ready(&scope, spec).await.unwrap();
    assert!(c.logs().await.unwrap().is_empty(), "the script printed nothing");
    let out = c.exec(["cat", "/tmp/flag"]).await.unwrap();
    assert_eq!(out.stdout, "prepared\n");
    scope.teardown(vec![c]).await.unwrap();
}

#[tokio::test]
async fn exec_that_keeps_failing_times_out_with_its_exit_code() {
    let scope = TestScope::new("exec-fail").await;
    let spec = sh("never", "exec sleep 3600")
        .ready(Readiness::exec(["sh", "-c", "echo nope; exit 5"]).timeout(Duration::from_secs(1)));
    match ready(&scope, spec).await.unwrap_err() {
        Error::ReadinessTimeout { last_probe, .. } => {
            assert!(last_probe.contains("exit code 5") && last_probe.contains("nope"), "{last_probe}")
        }
        other => panic!("expected a readiness timeout, got {other}"),
    }
}

#[tokio::test]
async fn no_readiness_is_ready_when_running() {
    let scope = TestScope::new("none").await;
    let c = ready(&scope, sh("idle", "exec sleep 3600")).await.unwrap();
    let state = c.scope().engine().docker().inspect_container(c.id(), None).await.unwrap().state.unwrap();
    assert_eq!(state.running, Some(true));
    scope.teardown(vec![c]).await.unwrap();
}
