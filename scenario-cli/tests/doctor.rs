//! `cargo scenario doctor` against the machine's engine: the engine chosen and why, the checks
//! it makes, what --reuse would find, and a non-zero exit with the fix when the engine is wrong.

use std::process::Command;

use scenario_runtime::__private::launch::{land, launch, LaunchMode};
use scenario_runtime::__private::ContainerEntry;
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

/// A rootless Podman service: run as the user scripts/install-engine-tools.sh makes, with its
/// storage, runtime folder and socket in a folder of this test's own. Stopped (with the pause
/// process that holds its user namespace) and removed on drop.
struct RootlessPodman {
    dir: std::path::PathBuf,
    service: std::process::Child,
}

impl RootlessPodman {
    const USER: &'static str = "scenario-rootless";

    fn start() -> RootlessPodman {
        use std::os::unix::process::CommandExt;
        let id = |flag: &str| -> u32 {
            let out = Command::new("id").args([flag, Self::USER]).output().unwrap();
            assert!(out.status.success(), "user {} is missing: run scripts/install-engine-tools.sh", Self::USER);
            String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
        };
        let (uid, gid) = (id("-u"), id("-g"));
        let dir = std::env::temp_dir().join(format!("scn-rootless-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for sub in ["", "podman", "home"] {
            std::fs::create_dir_all(dir.join(sub)).unwrap();
            std::os::unix::fs::chown(dir.join(sub), Some(uid), Some(gid)).unwrap();
        }
        let log = std::fs::File::create(dir.join("podman.log")).unwrap();
        let service = Command::new("podman")
            .arg("--root")
            .arg(dir.join("root"))
            .arg("--runroot")
            .arg(dir.join("run"))
            .args(["--storage-driver", "vfs", "system", "service", "--time=0"])
            .arg(format!("unix://{}", dir.join("podman/podman.sock").display()))
            .env("XDG_RUNTIME_DIR", &dir)
            .env("HOME", dir.join("home"))
            .current_dir(&dir)
            .uid(uid)
            .gid(gid)
            .stdin(std::process::Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("podman is installed (scripts/install-engine-tools.sh)");
        RootlessPodman { dir, service }
    }

    fn address(&self) -> String {
        format!("unix://{}", self.dir.join("podman/podman.sock").display())
    }
}

impl RootlessPodman {
    /// The processes this service became: rootless Podman re-executes itself inside its user
    /// namespace, so the child spawned here is not the one serving. They are told apart from
    /// everything else by this test's own folder on their command line, and the pause process
    /// (which holds the namespace) by its pid file.
    fn processes(&self) -> Vec<i32> {
        let dir = self.dir.display().to_string();
        let mut pids: Vec<i32> = std::fs::read_dir("/proc")
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|entry| entry.file_name().to_str().and_then(|n| n.parse::<i32>().ok()))
            .filter(|pid| {
                let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
                String::from_utf8_lossy(&cmdline).contains(&dir)
            })
            .collect();
        let pause = std::fs::read_to_string(self.dir.join("libpod/tmp/pause.pid"));
        pids.extend(pause.ok().and_then(|p| p.trim().parse::<i32>().ok()));
        pids
    }
}

impl Drop for RootlessPodman {
    fn drop(&mut self) {
        let pids = self.processes();
        // SAFETY: kill(2) on the service this test started and the processes it became.
        unsafe { libc::kill(self.service.id() as i32, libc::SIGTERM) };
        let _ = self.service.wait();
        for pid in pids {
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[tokio::test]
async fn doctor_tells_a_rootless_engine() {
    let podman = RootlessPodman::start();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while scenario_runtime::Engine::connect_to(&podman.address()).await.is_err() {
        assert!(
            std::time::Instant::now() < deadline,
            "rootless podman did not answer within 30 s: {}",
            std::fs::read_to_string(podman.dir.join("podman.log")).unwrap_or_default()
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let (_, said) = doctor("none", &[("DOCKER_HOST", &podman.address())]);
    assert!(said.contains("version: Podman Engine"), "{said}");
    assert!(said.contains("rootless: yes"), "{said}");
    assert!(said.contains("container addresses: not routable (a rootless engine's"), "{said}");
}
