//! The three contenders of the side-by-side benchmark, doing the same work: busybox printing a
//! line and sleeping, one port published on 127.0.0.1, ready when the line is seen in the log
//! stream. Used in process by `benches/peers.rs` and by the whole-cycle binaries.

use std::collections::HashMap;

use bollard::models::{ContainerCreateBody, HostConfig, PortBinding};
use bollard::query_parameters::{CreateContainerOptionsBuilder, LogsOptionsBuilder, RemoveContainerOptionsBuilder};
use futures_util::StreamExt;
use scenario_runtime::prelude::*;

/// The image every contender runs; `scripts/prepare-images.sh` makes it locally.
pub const IMAGE: (&str, &str) = ("busybox", "1.35");
pub const READY_LINE: &str = "service-ready";
const SCRIPT: &str = "echo service-ready; exec sleep 3600";
const PORT: u16 = 8080;

/// Labels that let the benchmark find (and remove) whatever a contender left behind.
pub const BENCH_LABEL: &str = "dev.scenario.bench";

pub fn image_reference() -> String {
    format!("{}:{}", IMAGE.0, IMAGE.1)
}

/// This runtime: a container of `scope` configured, started and awaited.
pub fn runtime_spec(name: &str) -> ContainerSpec {
    ContainerSpec::from_image(name, image_reference())
        .cmd(["sh", "-c", SCRIPT])
        .port(PORT)
        .ready(Readiness::log(READY_LINE))
}

pub async fn runtime_ready(scope: &Scope, name: String) -> Container<Ready> {
    scope.configure(runtime_spec(&name)).unwrap().start().await.unwrap().wait_ready().await.unwrap()
}

/// testcontainers-rs with its defaults (default bridge network, every exposed port published).
pub async fn testcontainers_ready(run: &str) -> testcontainers::ContainerAsync<testcontainers::GenericImage> {
    use testcontainers::core::{IntoContainerPort, WaitFor};
    use testcontainers::runners::AsyncRunner;
    use testcontainers::{GenericImage, ImageExt};
    GenericImage::new(IMAGE.0, IMAGE.1)
        .with_exposed_port(PORT.tcp())
        .with_wait_for(WaitFor::message_on_stdout(READY_LINE))
        .with_cmd(["sh", "-c", SCRIPT])
        .with_label("dev.scenario.managed", "true")
        .with_label(BENCH_LABEL, run)
        .start()
        .await
        .unwrap()
}

/// The same with raw bollard calls: create (on `network`, else the default bridge), start,
/// follow the log stream until the line.
pub async fn raw_ready(docker: &bollard::Docker, network: Option<&str>, name: String, run: &str) -> String {
    let port = format!("{PORT}/tcp");
    let body = ContainerCreateBody {
        image: Some(image_reference()),
        cmd: Some(vec!["sh".into(), "-c".into(), SCRIPT.into()]),
        labels: Some(HashMap::from([("dev.scenario.managed".into(), "true".into()), (BENCH_LABEL.into(), run.into())])),
        exposed_ports: Some(vec![port.clone()]),
        host_config: Some(HostConfig {
            network_mode: network.map(String::from),
            port_bindings: Some(HashMap::from([(
                port,
                Some(vec![PortBinding { host_ip: Some("127.0.0.1".into()), host_port: Some(String::new()) }]),
            )])),
            ..Default::default()
        }),
        ..Default::default()
    };
    let options = CreateContainerOptionsBuilder::new().name(&name).build();
    let id = docker.create_container(Some(options), body).await.unwrap().id;
    docker.start_container(&id, None).await.unwrap();
    let options = LogsOptionsBuilder::new().follow(true).stdout(true).stderr(true).build();
    let mut logs = docker.logs(&id, Some(options));
    while let Some(chunk) = logs.next().await {
        if chunk.unwrap().to_string().contains(READY_LINE) {
            break;
        }
    }
    id
}

pub async fn raw_remove(docker: &bollard::Docker, id: &str) {
    let options = RemoveContainerOptionsBuilder::new().force(true).v(true).build();
    docker.remove_container(id, Some(options)).await.unwrap();
}

/// Containers carrying `BENCH_LABEL=run` (any state), to check a contender removed everything.
pub async fn containers_of_run(docker: &bollard::Docker, run: &str) -> usize {
    let filters = HashMap::from([("label", vec![format!("{BENCH_LABEL}={run}")])]);
    let options = bollard::query_parameters::ListContainersOptionsBuilder::new().all(true).filters(&filters).build();
    docker.list_containers(Some(options)).await.unwrap().len()
}

/// The width (1 or 3) a whole-cycle binary was asked for.
pub fn width_argument() -> usize {
    std::env::var("PEERS_WIDTH").ok().and_then(|w| w.parse().ok()).unwrap_or(1)
}

/// The run id a whole-cycle binary labels its containers with.
pub fn run_argument() -> String {
    std::env::var("PEERS_RUN").unwrap_or_else(|_| format!("manual{}", std::process::id()))
}
