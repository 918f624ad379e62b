//! `cargo scenario doctor` against the machine's engine: the engine chosen and why, the checks
//! it makes, what --reuse would find, and a non-zero exit with the fix when the engine is wrong.

use std::process::Command;

use scenario_runtime::__private::ContainerEntry;
use scenario_runtime::launch::{land, launch, LaunchMode};
use scenario_tests::{entry, sh, TestProject};

const CLI: &str = env!("CARGO_BIN_EXE_cargo-scenario");

fn kept() -> scenario_runtime::ContainerSpec {
    sh("kept", "echo kept-up; exec sleep 3600").ready(scenario_runtime::Readiness::log("kept-up"))
}

static KEPT: [ContainerEntry; 1] = [entry("kept", &[], kept)];

/// Runs doctor with no engine named by the environment and an empty docker config folder,
/// then `env`; returns (exit code, everything it printed).
fn doctor(project: &str, env: &[(&str, &str)]) -> (Option<i32>, String) {
    let config = std::env::temp_dir().join(format!("scn-doctor-cfg-{}", std::process::id()));
    std::fs::create_dir_all(&config).unwrap();
    let out = Command::new(CLI)
        .args(["doctor", "--project", project])
        .env_remove("DOCKER_HOST")
        .env_remove("DOCKER_CONTEXT")
        .env_remove("SCENARIO_DOCKER_HOSTS")
        .env("DOCKER_CONFIG", &config)
        .envs(env.iter().copied())
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&config);
    (out.status.code(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

#[tokio::test]
async fn doctor_shows_the_engine_and_why_and_what_reuse_would_find() {
    let project = TestProject::new("doctor").await;
    let (env, _) = launch(project.run_scope("shelf"), &KEPT, LaunchMode::Reuse).await.unwrap();
    land(env, true).await.unwrap();

    let (code, said) = doctor(project.project.as_str(), &[]);
    assert_eq!(code, Some(0), "{said}");
    for expected in [
        "DOCKER_HOST is not set",
        "names no currentContext",
        "the default socket /var/run/docker.sock: exists",
        "engine: unix:///var/run/docker.sock (the first default socket that answers)",
        "rootless: no",
        "published ports: bound on 127.0.0.1, reached at 127.0.0.1",
        "container addresses: routable from here",
        "building: works",
        &format!("--reuse: 1 containers kept alive for project {} (1 up to date, 0 stale", project.project),
        "ok: everything scenario needs",
    ] {
        assert!(said.contains(expected), "doctor should say `{expected}`:\n{said}");
    }
    let version = said.lines().find(|l| l.trim_start().starts_with("version:")).unwrap_or_default();
    assert!(version.contains("API 1."), "version and API: {said}");
}

#[test]
fn doctor_exits_non_zero_with_the_fix_when_the_engine_is_wrong() {
    let (code, said) = doctor("none", &[("DOCKER_CONTEXT", "nowhere")]);
    assert_eq!(code, Some(1), "{said}");
    assert!(said.contains("docker context `nowhere` (DOCKER_CONTEXT)") && said.contains("docker context ls"), "{said}");
    assert!(said.contains("fix:"), "{said}");

    let (code, said) = doctor("none", &[("DOCKER_HOST", "tcp://127.0.0.1:1")]);
    assert_eq!(code, Some(1), "{said}");
    assert!(said.contains("tcp://127.0.0.1:1 (from DOCKER_HOST)") && said.contains("fix:"), "{said}");
}

#[tokio::test]
async fn doctor_on_a_remote_tls_engine_says_where_ports_go_and_that_addresses_are_not_routable() {
    let mut tls = scenario_tests::tls_engine::TlsEngine::start();
    let _engine = tls.ready().await;
    let certs = tls.client_certs().display().to_string();
    let (code, said) =
        doctor("none", &[("DOCKER_HOST", &tls.address()), ("DOCKER_TLS_VERIFY", "1"), ("DOCKER_CERT_PATH", &certs)]);
    assert_eq!(code, Some(0), "{said}");
    for expected in [
        format!("engine: {} (configured by DOCKER_HOST)", tls.address()),
        format!("TLS: client certificates and CA from {certs}"),
        format!("published ports: bound on 0.0.0.0, reached at {}", tls.ip),
        "open to that host's network".to_string(),
        "container addresses: not routable (a remote engine's".to_string(),
        "building: works".to_string(),
    ] {
        assert!(said.contains(&expected), "doctor should say `{expected}`:\n{said}");
    }
}
