//! The port probe's other path: judging through docker-proxy on the published port (used where
//! container addresses are not routable). Its own binary, because the switch is an env var.

use scenario_runtime::prelude::*;
use scenario_tests::{sh, TestScope};

#[tokio::test]
async fn published_port_probe_waits_for_the_real_listener() {
    std::env::set_var("SCENARIO_PORT_PROBE", "proxy");
    let scope = TestScope::new("port-proxy").await;
    let spec = sh("late", "sleep 1; echo LISTENING-NOW; exec httpd -f -p 7000").port(7000).ready(Readiness::port(7000));
    let c = scope.configure(spec).unwrap().start().await.unwrap().wait_ready().await.unwrap();
    assert!(c.logs().await.unwrap().contains("LISTENING-NOW"), "ready before the service listened");
    scope.teardown(vec![c]).await.unwrap();
}
