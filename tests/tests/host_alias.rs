//! Containers reach the test process: a container of the scenario calls, by
//! `host.docker.internal`, an HTTP stub the test serves on the scenario network's gateway.

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use scenario_runtime::prelude::*;
use scenario_runtime::HOST_ALIAS;
use scenario_tests::{sh, TestScope};

/// Answers one HTTP request with `body`; returns the request line it got.
async fn serve_once(listener: tokio::net::TcpListener, body: &'static str) -> String {
    let (mut stream, _) = listener.accept().await.unwrap();
    let mut request = Vec::new();
    let mut buf = [0u8; 1024];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buf).await.unwrap();
        assert!(n > 0, "the client closed before its request was complete");
        request.extend_from_slice(&buf[..n]);
    }
    let answer = format!("HTTP/1.0 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len());
    stream.write_all(answer.as_bytes()).await.unwrap();
    String::from_utf8_lossy(&request).lines().next().unwrap_or_default().to_string()
}

#[tokio::test]
async fn a_container_calls_a_stub_served_by_the_test_on_the_gateway() {
    let scope = TestScope::new("host-alias").await;
    let listener = scope.listen_for_containers().await.unwrap();
    let address = listener.local_addr().unwrap();
    assert_eq!(address.ip(), scope.host_gateway().await.unwrap(), "bound on the gateway, not on every interface");
    assert!(!address.ip().is_unspecified());
    let served = tokio::spawn(serve_once(listener, "pong-from-the-test"));

    let script = format!(
        "grep {HOST_ALIAS} /etc/hosts; wget -q -O - http://{HOST_ALIAS}:{}/ping?from=container; echo; echo called",
        address.port()
    );
    let spec = sh("caller", &script).ready(Readiness::log("called"));
    let c = scope.configure(spec).unwrap().start().await.unwrap().wait_ready().await.unwrap();
    assert_eq!(served.await.unwrap(), "GET /ping?from=container HTTP/1.1");
    let logs = c.logs().await.unwrap();
    assert!(logs.contains("pong-from-the-test"), "{logs}");
    assert!(logs.contains(&format!("{}", address.ip())), "the alias resolves to the gateway: {logs}");
    scope.teardown(vec![c]).await.unwrap();
    assert_eq!(scope.leftovers().await, Vec::<String>::new());
}
