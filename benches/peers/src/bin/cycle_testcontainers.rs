//! One whole cycle with testcontainers-rs, as a user's test is written: start `PEERS_WIDTH`
//! containers at once, one trivial check, let them drop (testcontainers removes on drop), exit.

#[tokio::main]
async fn main() {
    let run = scenario_peers::run_argument();
    let containers = futures_util::future::join_all(
        (0..scenario_peers::width_argument()).map(|_| scenario_peers::testcontainers_ready(&run)),
    )
    .await;
    for container in &containers {
        assert!(container.get_host_port_ipv4(8080).await.unwrap() > 0);
    }
    drop(containers);
}
