//! `env(...)`, `cmd = [...]` and `labels(...)` computed in Rust (consts, `concat!`, function
//! calls) reach the real container, and a value computed at run time is part of the spec hash.

use std::sync::atomic::{AtomicU32, Ordering};

use scenario_runtime::prelude::*;
use scenario_runtime::ContainerDef;
use scenario_tests::TestScope;

const GREETING: &str = "hello";
const TEAM: &str = "payments";
static GENERATION: AtomicU32 = AtomicU32::new(1);

fn token() -> String {
    format!("tok-{}", GENERATION.load(Ordering::SeqCst))
}

fn script() -> String {
    ["echo \"$GREETING $TOKEN $APP_HOME\"", "echo env-ok", "exec sleep 3600"].join("; ")
}

#[container(
    image = "busybox:1.35",
    cmd = ["sh", "-c", script()],
    env(GREETING = GREETING, TOKEN = token(), APP_HOME = concat!("/home/", "app"), PLAIN = "literal"),
    labels(team = TEAM, "com.example.pkg" = env!("CARGO_PKG_NAME")),
    ready = log("env-ok"),
)]
struct Computed;

#[tokio::test]
async fn computed_values_reach_the_container_and_change_the_spec_hash() {
    let spec = Computed::spec();
    assert_eq!(spec.environment()["TOKEN"], "tok-1");
    assert_eq!(spec.labels()["com.example.pkg"], "scenario-tests");
    let first_hash = spec.spec_hash();

    let scope = TestScope::new("computed").await;
    let c = scope.configure(spec).unwrap().start().await.unwrap().wait_ready().await.unwrap();
    assert!(c.logs().await.unwrap().contains("hello tok-1 /home/app"), "{}", c.logs().await.unwrap());
    let inspected = scope.engine().docker().inspect_container(c.id(), None).await.unwrap().config.unwrap();
    assert_eq!(inspected.labels.unwrap()["team"], "payments");
    assert!(inspected.env.unwrap().contains(&"PLAIN=literal".to_string()));
    scope.teardown(vec![c]).await.unwrap();

    GENERATION.store(2, Ordering::SeqCst);
    let second = Computed::spec();
    assert_eq!(second.environment()["TOKEN"], "tok-2");
    assert_ne!(second.spec_hash(), first_hash, "a value computed at run time is hashed like a literal");
}
