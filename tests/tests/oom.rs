//! Memory limits on the real engine: `#[container(memory = ..., cpus = ...)]` reaches the
//! engine, and a container the kernel OOM-kills is reported as OOM-killed (name, limit, log tail),
//! while it is awaited and when it happened during a test, instead of as exit code 137.

use std::time::Duration;

use scenario_runtime::__private::ContainerDef;
use scenario_runtime::prelude::*;
use scenario_runtime::Error;
use scenario_tests::TestScope;

/// Keeps 64 MiB in memory (`tail` holds the last "line" of /dev/zero, which has no newline)
/// under a 16 MiB limit; the machine has no swap to spill into, and the engine's default swap
/// allowance (as much again) is less than that too.
#[container(
    image = "busybox:1.35",
    cmd = ["sh", "-c", "echo filling; head -c 64m /dev/zero | tail"],
    memory = "16m",
    cpus = 0.5,
    ready = log("never printed", timeout = "60s"),
)]
struct Hog;

#[tokio::test]
async fn a_container_oom_killed_while_awaited_is_reported_as_oom_killed_with_its_limit() {
    let scope = TestScope::new("oom-wait").await;
    let started = scope.configure(Hog::spec()).unwrap().start().await.unwrap();
    let inspected = scope.engine().docker().inspect_container(started.id(), None).await.unwrap();
    let host = inspected.host_config.unwrap();
    assert_eq!((host.memory, host.nano_cpus), (Some(16 << 20), Some(500_000_000)), "the limits reach the engine");
    let err = started.wait_ready().await.expect_err("it cannot get ready within 16 MiB");
    let text = err.to_string();
    assert!(matches!(err, Error::OomKilled { .. }), "{text}");
    assert!(text.contains("`hog` was OOM-killed while waiting for it to be ready"), "{text}");
    assert!(text.contains("16 MiB") && text.contains("filling") && !text.contains("137"), "{text}");
}

#[tokio::test]
async fn a_container_oom_killed_during_a_test_is_reported_by_its_teardown() {
    let scope = TestScope::new("oom-test").await;
    // Serves until the test sends it a request that makes it grow past its limit.
    let script = "mkfifo /tmp/request; echo serving; cat /tmp/request; head -c 64m /dev/zero | tail";
    let spec = scenario_tests::sh("cache", script)
        .memory_limit(16 << 20)
        .ready(Readiness::log("serving").timeout(Duration::from_secs(30)));
    let cache = scope.configure(spec).unwrap().start().await.unwrap().wait_ready().await.unwrap();
    let sent = cache.exec(["sh", "-c", "echo big > /tmp/request"]).await.unwrap();
    assert_eq!(sent.exit_code, 0, "{sent:?}");
    // The test goes on until the container has died under it.
    let options = bollard::query_parameters::WaitContainerOptionsBuilder::new().condition("not-running").build();
    let mut exited = scope.engine().streaming().wait_container(cache.id(), Some(options));
    let code = match futures_util::StreamExt::next(&mut exited).await.unwrap() {
        Ok(response) => response.status_code,
        Err(bollard::errors::Error::DockerContainerWaitError { code, .. }) => code,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(code, 137, "killed");
    let err = scope.teardown(vec![cache]).await.expect_err("the teardown reports the OOM kill");
    let text = err.to_string();
    assert!(matches!(err, Error::OomKilled { .. }), "{text}");
    assert!(text.contains("`cache` was OOM-killed during the test") && text.contains("16 MiB"), "{text}");
    assert!(text.contains("serving"), "with its log tail: {text}");
    assert_eq!(scope.leftovers().await, Vec::<String>::new(), "and it was removed all the same");
}
