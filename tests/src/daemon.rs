//! Engines the tests start themselves (a second dockerd, a TLS dockerd, a Podman service):
//! waiting until one answers, and giving it the shared test image (nothing can be pulled here).

use std::path::Path;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use scenario_runtime::Engine;

/// Waits, at most `limit`, until the engine at `entry` (an address, or an entry with `?tls=`)
/// answers; fails with the daemon's `log` when it exits first or the time is up.
pub async fn wait_until_it_answers(daemon: &mut Child, entry: &str, log: &Path, limit: Duration) -> Engine {
    let deadline = Instant::now() + limit;
    let log_text = || std::fs::read_to_string(log).unwrap_or_default();
    loop {
        if let Ok(engine) = Engine::connect_to(entry).await {
            return engine;
        }
        if let Ok(Some(status)) = daemon.try_wait() {
            panic!("the engine at {entry} exited ({status}): {}", log_text());
        }
        assert!(Instant::now() < deadline, "the engine at {entry} did not answer within {limit:?}: {}", log_text());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// `docker save` of the test image into `docker load` of the engine that `docker_env` selects
/// for the docker CLI (`DOCKER_HOST`, and the TLS variables where it needs them).
pub fn load_test_image(docker_env: &[(&str, String)]) {
    // The variables select the engine of `docker load` only: `docker save` reads this machine's.
    let assignments: Vec<String> =
        docker_env.iter().map(|(key, value)| format!("{key}='{}'", value.replace('\'', "'\\''"))).collect();
    let pipeline = format!("docker save {} | {} docker load", crate::BUSYBOX, assignments.join(" "));
    let copied = Command::new("sh").arg("-c").arg(pipeline).output().unwrap();
    assert!(copied.status.success(), "{}", String::from_utf8_lossy(&copied.stderr));
}

/// Adds what keeps a test's own dockerd apart from the machine's engine: everything it stores
/// under `dir` (its config file, data and exec roots, pid file), the vfs storage driver (no
/// overlay mounts to leave behind), no stdin, and its output appended to `dir/dockerd.log`.
pub fn dockerd_in<'a>(command: &'a mut Command, dir: &Path) -> &'a mut Command {
    let log = std::fs::OpenOptions::new().create(true).append(true).open(dir.join("dockerd.log")).unwrap();
    command
        .arg("--config-file")
        .arg(dir.join("daemon.json"))
        .arg("--data-root")
        .arg(dir.join("data"))
        .arg("--exec-root")
        .arg(dir.join("exec"))
        .arg("--pidfile")
        .arg(dir.join("docker.pid"))
        .args(["--storage-driver", "vfs"])
        .stdin(std::process::Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
}
