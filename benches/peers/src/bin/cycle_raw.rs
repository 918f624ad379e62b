//! One whole cycle with raw bollard calls on the default bridge: start `PEERS_WIDTH` containers
//! at once, one trivial check (the published port), remove them, exit. The floor.

#[tokio::main]
async fn main() {
    let run = scenario_peers::run_argument();
    let docker = bollard::Docker::connect_with_local_defaults().unwrap();
    let ids = futures_util::future::join_all(
        (0..scenario_peers::width_argument())
            .map(|i| scenario_peers::raw_ready(&docker, None, format!("peers-raw-{run}-{i}"), &run)),
    )
    .await;
    for id in &ids {
        let ports = docker.inspect_container(id, None).await.unwrap().network_settings.unwrap().ports.unwrap();
        assert!(ports.values().flatten().flatten().any(|b| b.host_port.as_deref().is_some_and(|p| p != "0")));
    }
    futures_util::future::join_all(ids.iter().map(|id| scenario_peers::raw_remove(&docker, id))).await;
}
