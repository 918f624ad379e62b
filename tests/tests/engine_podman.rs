//! Podman as the engine, found through a docker context: a real `podman system service` on a
//! socket of this test's own (with its own storage, so nothing is left on the machine), a context
//! made and selected by the docker CLI, and the examples' quickstart run unchanged on it.
//! Needs Debian's podman (scripts/install-podman.sh, which also sets what this sandbox needs).

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use scenario_runtime::__private::discovery;
use scenario_runtime::{Engine, SessionId};

const QUICKSTART: &str = env!("CARGO_BIN_EXE_quickstart_example");

/// The Podman service and its folders, stopped and removed on drop.
struct PodmanService {
    dir: PathBuf,
    service: Child,
}

impl PodmanService {
    /// `tag` keeps the folders of services of tests running side by side apart.
    fn start(tag: &str) -> PodmanService {
        let dir = std::env::temp_dir().join(format!("scn-podman-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        // The socket where rootless Podman puts it under $XDG_RUNTIME_DIR (here `xdg/`).
        std::fs::create_dir_all(dir.join("xdg/podman")).unwrap();
        let log = std::fs::File::create(dir.join("podman.log")).unwrap();
        let service = Command::new("podman")
            .arg("--root")
            .arg(dir.join("root"))
            .arg("--runroot")
            .arg(dir.join("run"))
            .args(["--storage-driver", "vfs", "system", "service", "--time=0"])
            .arg(format!("unix://{}", dir.join("xdg/podman/podman.sock").display()))
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("podman is installed (scripts/install-podman.sh)");
        PodmanService { dir, service }
    }

    fn address(&self) -> String {
        format!("unix://{}", self.dir.join("xdg/podman/podman.sock").display())
    }

    /// Waits (bounded) until the service answers, then gives it the test image.
    async fn ready(&mut self) -> Engine {
        let entry = self.address();
        let log = self.dir.join("podman.log");
        let engine =
            scenario_tests::daemon::wait_until_it_answers(&mut self.service, &entry, &log, Duration::from_secs(30))
                .await;
        scenario_tests::daemon::load_test_image(&[("DOCKER_HOST", self.address())]);
        engine
    }
}

impl Drop for PodmanService {
    fn drop(&mut self) {
        // SAFETY: kill(2) on the service this test started.
        unsafe { libc::kill(self.service.id() as i32, libc::SIGTERM) };
        let _ = self.service.wait();
        // Podman's vfs layers are plain folders; its run folder may hold mounts of the service.
        let _ = Command::new("umount").arg("-R").arg(self.dir.join("run")).output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn docker_cli(config: &str, args: &[&str]) {
    let out = Command::new("docker").arg("--config").arg(config).args(args).output().unwrap();
    assert!(out.status.success(), "docker {}: {}", args.join(" "), String::from_utf8_lossy(&out.stderr));
}

#[tokio::test]
async fn the_quickstart_runs_on_podman_found_through_a_docker_context() {
    let mut podman = PodmanService::start("context");
    let engine = podman.ready().await;
    let config = podman.dir.join("docker-config").display().to_string();
    docker_cli(&config, &["context", "create", "podman", "--docker", &format!("host={}", podman.address())]);
    docker_cli(&config, &["context", "use", "podman"]);

    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
    let session = format!("pod{:x}{nanos:x}", std::process::id());
    let out = Command::new(QUICKSTART)
        .env_remove("DOCKER_HOST")
        .env_remove("DOCKER_CONTEXT")
        .env_remove("SCENARIO_DOCKER_HOSTS")
        .env("DOCKER_CONFIG", &config)
        .env("SCENARIO_LOG", "scenario::engine=debug")
        .env("SCENARIO_SESSION_ID", &session)
        .env("SCENARIO_PROJECT", format!("p{session}"))
        .env("SCENARIO_REAPER", "off")
        .output()
        .unwrap();
    let output = format!("{}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "the quickstart failed on Podman: {output}");
    assert!(output.contains("2 passed"), "both quickstart tests ran: {output}");
    let connected = format!(
        "connected to {} (from docker context `podman` (currentContext in {config}/config.json))",
        podman.address()
    );
    assert!(output.contains(&connected), "the engine is Podman, found through the context: {output}");
    assert_eq!(scenario_tests::leftovers(&engine, &SessionId::new(&session)).await, Vec::<String>::new());
}

#[tokio::test]
async fn with_nothing_configured_discovery_finds_podmans_socket_past_a_dead_one() {
    let mut podman = PodmanService::start("sockets");
    podman.ready().await;
    let xdg = podman.dir.join("xdg");
    let home = podman.dir.join("home");
    std::fs::create_dir_all(&home).unwrap();
    // Rootless Docker's socket comes first in the order: here it exists but nothing listens.
    drop(std::os::unix::net::UnixListener::bind(xdg.join("docker.sock")).unwrap());
    let (xdg, home) = (xdg.display().to_string(), home.display().to_string());
    let var = |key: &str| match key {
        "XDG_RUNTIME_DIR" => Some(xdg.clone()),
        "HOME" => Some(home.clone()),
        _ => None,
    };
    let discovery = discovery::discover_with(&var, "unix:///nonexistent/docker.sock");
    assert!(
        discovery.steps.iter().any(|s| s.starts_with("rootless Docker") && s.ends_with("exists")),
        "{:?}",
        discovery.steps
    );
    let engine = Engine::connect_with(discovery).await.expect("Podman answers on its socket");
    assert_eq!((engine.endpoint(), engine.target().origin.as_str()), (podman.address().as_str(), "rootless Podman"));
    let version = engine.docker().version().await.unwrap();
    let product = version.components.unwrap_or_default().into_iter().map(|c| c.name).collect::<Vec<_>>();
    assert!(product.iter().any(|name| name.contains("Podman")), "the engine found is Podman: {product:?}");
}
