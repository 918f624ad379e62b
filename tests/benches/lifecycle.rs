//! Create-to-ready through the runtime vs the same raw bollard calls, for one container and for
//! three with no dependency between them. Prints medians and the runtime's overhead ratio.
//!
//! `cargo bench -p scenario-tests --bench lifecycle` (SCENARIO_BENCH_ROUNDS to change the rounds).

use std::collections::HashMap;
use std::time::Instant;

use bollard::models::{ContainerCreateBody, HostConfig, PortBinding};
use bollard::query_parameters::{CreateContainerOptionsBuilder, LogsOptionsBuilder, RemoveContainerOptionsBuilder};
use futures_util::StreamExt;
use scenario_runtime::prelude::*;
use scenario_tests::bench::{self, median, ms};
use scenario_tests::{engine, BUSYBOX};

const SCRIPT: &str = "echo service-ready; exec sleep 3600";

fn spec(name: &str) -> ContainerSpec {
    ContainerSpec::from_image(name, BUSYBOX).cmd(["sh", "-c", SCRIPT]).port(8080).ready(Readiness::log("service-ready"))
}

/// The runtime: configure, start, wait for the log line.
async fn runtime_ready(scope: &Scope, name: String) -> Container<Ready> {
    scope.configure(spec(&name)).unwrap().start().await.unwrap().wait_ready().await.unwrap()
}

/// The same with raw bollard: create on the scope's network with a published port, start, follow
/// the log stream until the line.
async fn raw_ready(engine: &Engine, network: &str, name: String) -> String {
    let docker = engine.docker();
    let body = ContainerCreateBody {
        image: Some(BUSYBOX.into()),
        cmd: Some(vec!["sh".into(), "-c".into(), SCRIPT.into()]),
        labels: Some(HashMap::from([
            ("dev.scenario.managed".into(), "true".into()),
            ("dev.scenario.session".into(), "bench-raw".into()),
        ])),
        exposed_ports: Some(vec!["8080/tcp".into()]),
        host_config: Some(HostConfig {
            network_mode: Some(network.into()),
            port_bindings: Some(HashMap::from([(
                "8080/tcp".into(),
                Some(vec![PortBinding { host_ip: Some("127.0.0.1".into()), host_port: Some(String::new()) }]),
            )])),
            ..Default::default()
        }),
        ..Default::default()
    };
    let id =
        docker.create_container(Some(CreateContainerOptionsBuilder::new().name(&name).build()), body).await.unwrap().id;
    docker.start_container(&id, None).await.unwrap();
    let mut logs = docker.logs(&id, Some(LogsOptionsBuilder::new().follow(true).stdout(true).stderr(true).build()));
    while let Some(chunk) = logs.next().await {
        if chunk.unwrap().to_string().contains("service-ready") {
            break;
        }
    }
    id
}

#[tokio::main]
async fn main() {
    let rounds = bench::rounds();
    let engine = engine().await;
    let session = SessionId::new(&format!("bench{}", std::process::id()));
    let mut results = Vec::new();
    for width in [1usize, 3] {
        let (mut runtime, mut raw) = (Vec::new(), Vec::new());
        for round in 0..rounds {
            // Alternate which path goes first so neither always meets a warmer engine.
            for runtime_first in [round % 2 == 0, round % 2 != 0] {
                if runtime_first {
                    let scope = Scope::new(
                        engine.clone(),
                        ScopeIds::new(session.clone(), ProjectId::new("bench"), &format!("rt{width}-{round}")),
                    );
                    scope.network().await.unwrap();
                    let begun = Instant::now();
                    let ready =
                        futures_util::future::join_all((0..width).map(|i| runtime_ready(&scope, format!("c{i}"))))
                            .await;
                    runtime.push(begun.elapsed());
                    scope.teardown(ready).await.unwrap();
                } else {
                    let scope = Scope::new(
                        engine.clone(),
                        ScopeIds::new(session.clone(), ProjectId::new("bench"), &format!("raw{width}-{round}")),
                    );
                    let network = scope.network().await.unwrap().to_string();
                    let begun = Instant::now();
                    let ids = futures_util::future::join_all((0..width).map(|i| {
                        raw_ready(&engine, &network, format!("bench-raw-{}-{width}-{round}-{i}", std::process::id()))
                    }))
                    .await;
                    raw.push(begun.elapsed());
                    for id in ids {
                        engine
                            .docker()
                            .remove_container(
                                &id,
                                Some(RemoveContainerOptionsBuilder::new().force(true).v(true).build()),
                            )
                            .await
                            .unwrap();
                    }
                    scope.remove_network_and_volumes().await.unwrap();
                }
            }
        }
        results.push((width, median(runtime), median(raw)));
    }
    scenario_runtime::__private::cleanup::remove_session(&engine, &session).await.unwrap();
    println!("create-to-ready, median of {rounds} rounds (log readiness, published port, scope network)");
    println!("{:<28} {:>10} {:>10} {:>8}", "", "runtime", "raw", "ratio");
    for (width, runtime, raw) in results {
        let label = if width == 1 { "1 container".to_string() } else { format!("{width} containers, concurrent") };
        println!(
            "{label:<28} {:>8.1}ms {:>8.1}ms {:>8.3}",
            ms(runtime),
            ms(raw),
            runtime.as_secs_f64() / raw.as_secs_f64()
        );
    }
}
