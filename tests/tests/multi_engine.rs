//! Instances spread over several engines (SCENARIO_DOCKER_HOSTS): a second dockerd on this
//! machine, with its own socket, data root, exec root and address pool, started and stopped here.

use std::process::Command;

use scenario_runtime::{Engine, SessionId};
use scenario_tests::second_engine::SecondEngine;

const FIXTURE: &str = env!("CARGO_BIN_EXE_harness_fixture");

#[tokio::test]
async fn instances_go_round_the_engines_and_leave_nothing_on_either() {
    let mut second = SecondEngine::start(214);
    let engine2 = second.ready().await;
    let engine1 = Engine::connect().await.unwrap();
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
    let session = format!("me{:x}{nanos:x}", std::process::id());
    let hosts = format!("{},{}", engine1.endpoint(), second.endpoint());
    let out = Command::new(FIXTURE)
        .args(["parallel::"])
        .env("SCENARIO_DOCKER_HOSTS", &hosts)
        .env("SCENARIO_SESSION_ID", &session)
        .env("SCENARIO_PROJECT", format!("multi{session}"))
        .env("SCENARIO_REAPER", "off")
        .env_remove("SCENARIO_INSTANCES")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let mut via = std::collections::HashMap::new();
    for line in stdout.lines().filter(|l| l.starts_with("RAN ")) {
        let words: Vec<&str> = line.split_whitespace().collect();
        via.insert(words[3].to_string(), words[9].to_string());
    }
    assert_eq!(via.get("0"), Some(&engine1.endpoint().to_string()), "instance 0 on the first engine: {stdout}");
    assert_eq!(via.get("1"), Some(&second.endpoint()), "instance 1 on the second engine: {stdout}");
    let session = SessionId::new(&session);
    assert_eq!(scenario_tests::leftovers(&engine1, &session).await, Vec::<String>::new());
    assert_eq!(scenario_tests::leftovers(&engine2, &session).await, Vec::<String>::new());
}
