//! A scenario binary run by tests/tests/engine_tls.rs against the engine it selects through the
//! environment (DOCKER_HOST, a docker context, SCENARIO_DOCKER_HOSTS): an HTTP server whose
//! published port the test reaches from this process, and where the engine bound that port.

use std::io::{Read, Write};

use scenario_runtime::prelude::*;

#[container(
    image = "busybox:1.35",
    cmd = ["sh", "-c", "mkdir -p /www && echo served-from-a-container > /www/index.html && exec httpd -f -p 8080 -h /www"],
    ports = [8080],
    ready = http(8080, "/index.html", timeout = "30s"),
)]
pub struct Web;

#[scenario(containers = [Web])]
mod published {
    use super::*;

    /// Fetches the page over the published port with a plain socket (no client library that
    /// might go through a proxy), then reports the binding the engine made.
    #[test]
    async fn page_is_reached_from_the_test_process(env: &Env) -> TestResult {
        let web = env.get::<Web>();
        let (host, port) = (web.host().to_string(), web.host_port(8080)?);
        let body = tokio::task::spawn_blocking(move || -> std::io::Result<String> {
            let mut stream = std::net::TcpStream::connect((host.as_str(), port))?;
            stream.write_all(b"GET /index.html HTTP/1.0\r\n\r\n")?;
            let mut response = String::new();
            stream.read_to_string(&mut response)?;
            Ok(response)
        })
        .await??;
        assert!(body.contains("served-from-a-container"), "unexpected answer: {body}");
        let inspect = web.scope().engine().docker().inspect_container(web.id(), None).await?;
        let bound = inspect
            .network_settings
            .and_then(|n| n.ports)
            .and_then(|p| p.get("8080/tcp").cloned().flatten())
            .and_then(|b| b.first().and_then(|b| b.host_ip.clone()))
            .unwrap_or_default();
        println!(
            "REACHED {}:{} BOUND {bound} VIA {}",
            web.host(),
            web.host_port(8080)?,
            web.scope().engine().endpoint()
        );
        Ok(())
    }

    /// Holds its environment until the process is killed (run with --ignored): what is left
    /// is the session reaper's to remove, over the same endpoint.
    #[test]
    #[ignore]
    async fn holds(env: &Env) -> TestResult {
        println!("holding container {}", env.get::<Web>().id());
        use std::io::Write;
        std::io::stdout().flush()?;
        std::future::pending::<()>().await;
        Ok(())
    }
}

scenario_runtime::main!();
