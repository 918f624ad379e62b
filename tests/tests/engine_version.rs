//! Why the runtime does not negotiate an API version, shown on the real engine: bollard 0.21
//! builds each request's URL as `/v{version}` and then joins the request's absolute path onto
//! it, which replaces the whole path. Every request goes out unversioned and the engine answers
//! in its own API version, so a `/version` round trip to pick a version (and a cache of its
//! answer) would change nothing. If a bollard release starts sending the version, the first
//! assertion below fails, and negotiation has to come back.

use bollard::{ClientVersion, Docker};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn socket() -> String {
    std::env::var("DOCKER_HOST")
        .ok()
        .and_then(|h| h.strip_prefix("unix://").map(String::from))
        .unwrap_or_else(|| "/var/run/docker.sock".into())
}

/// The status line of a plain HTTP/1.0 request over the engine's socket.
async fn status_of(path: &str) -> String {
    let mut stream = tokio::net::UnixStream::connect(socket()).await.unwrap();
    stream.write_all(format!("GET {path} HTTP/1.0\r\nHost: docker\r\n\r\n").as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    String::from_utf8_lossy(&answer).lines().next().unwrap_or_default().to_string()
}

#[tokio::test]
async fn bollard_sends_unversioned_requests_so_negotiating_a_version_changes_nothing() {
    let too_new = ClientVersion { major_version: 1, minor_version: 999 };
    // The engine refuses a request that names a version it does not speak...
    assert!(status_of("/v1.999/containers/json").await.contains(" 400 "), "versioned requests are checked");
    assert!(status_of("/containers/json").await.contains(" 200 "), "unversioned ones are answered");

    // ...yet a bollard client set to that version is answered: its requests carry no version.
    let client = Docker::connect_with_socket(&socket(), 30, &too_new).unwrap();
    client.list_containers(None::<bollard::query_parameters::ListContainersOptions>).await.unwrap();
    client.version().await.unwrap();
}
