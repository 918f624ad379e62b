//! `cargo scenario prune` removes this user's idle spare networks with their lock files, and
//! leaves one that is borrowed. A test binary of its own: it gives itself a private runtime
//! folder (so a spare-network owner of its own) before anything reads it.

use scenario_runtime::__private::remove_idle_spare_networks;
use scenario_runtime::prelude::*;
use scenario_tests::engine;

const CLI: &str = env!("CARGO_BIN_EXE_cargo-scenario");

/// A scope that borrows a spare network (creating one: this owner has none yet).
async fn with_spare(engine: &Engine, tag: &str) -> Scope {
    let session = SessionId::new(&format!("prune{tag}{}", std::process::id()));
    let scope =
        Scope::new(engine.clone(), ScopeIds::new(session, ProjectId::new("prunespares"), tag)).with_spare_network();
    scope.network().await.unwrap();
    scope
}

fn spare_lock_files(runtime: &std::path::Path) -> usize {
    let dir = runtime.join("scenario");
    std::fs::read_dir(dir)
        .map_or(0, |d| d.flatten().filter(|e| e.file_name().to_string_lossy().starts_with("spare-")).count())
}

#[tokio::test]
async fn prune_removes_idle_spare_networks_and_leaves_a_borrowed_one() {
    let runtime = std::env::temp_dir().join(format!("scn-prune-rt-{}", std::process::id()));
    std::fs::create_dir_all(&runtime).unwrap();
    // Before any runtime code reads it; this binary has no other test.
    std::env::set_var("XDG_RUNTIME_DIR", &runtime);
    let engine = engine().await;
    let idle = with_spare(&engine, "idle").await;
    let held = with_spare(&engine, "held").await;
    let (idle_name, held_name) = (idle.network_name().to_string(), held.network_name().to_string());
    assert!(idle_name.starts_with("scn-spare-") && held_name.starts_with("scn-spare-") && idle_name != held_name);
    idle.remove_network_and_volumes().await.unwrap();
    assert_eq!(spare_lock_files(&runtime), 2);

    let out = std::process::Command::new(CLI)
        .args(["prune", "--project", "prunespares"])
        .env("XDG_RUNTIME_DIR", &runtime)
        .output()
        .unwrap();
    let said = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{said}");
    assert!(said.contains("removed 1 idle spare networks of this user"), "{said}");
    let gone =
        engine.docker().inspect_network(&idle_name, None::<bollard::query_parameters::InspectNetworkOptions>).await;
    assert!(
        matches!(gone, Err(bollard::errors::Error::DockerResponseServerError { status_code: 404, .. })),
        "{idle_name}: {gone:?}"
    );
    let held_network =
        engine.docker().inspect_network(&held_name, None::<bollard::query_parameters::InspectNetworkOptions>).await;
    assert!(held_network.is_ok(), "the borrowed one stays");
    assert_eq!(spare_lock_files(&runtime), 1, "the idle one's lock file went with it");

    held.remove_network_and_volumes().await.unwrap();
    assert_eq!(remove_idle_spare_networks(&engine, std::time::Duration::ZERO).await.unwrap(), 1);
    assert_eq!(spare_lock_files(&runtime), 0);
    std::fs::remove_dir_all(&runtime).unwrap();
}
