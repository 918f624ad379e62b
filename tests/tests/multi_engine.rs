//! Instances spread over several engines (SCENARIO_DOCKER_HOSTS): a second dockerd on this
//! machine, with its own socket, data root, exec root and address pool, started and stopped here.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use scenario_runtime::{Engine, SessionId};

const FIXTURE: &str = env!("CARGO_BIN_EXE_harness_fixture");

/// A second engine, stopped and its folders and bridge removed on drop.
struct SecondEngine {
    dir: PathBuf,
    bridge: String,
    daemon: Child,
}

fn ip(args: &[&str]) {
    let out = Command::new("ip").args(args).output().expect("iproute2's ip is installed");
    assert!(out.status.success(), "ip {}: {}", args.join(" "), String::from_utf8_lossy(&out.stderr));
}

impl SecondEngine {
    fn start() -> SecondEngine {
        let dir = std::env::temp_dir().join(format!("scn-engine2-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("data")).unwrap();
        std::fs::create_dir_all(dir.join("exec")).unwrap();
        // An empty config file: the machine's /etc/docker/daemon.json names the first engine's data root.
        std::fs::write(dir.join("daemon.json"), "{}").unwrap();
        let log = std::fs::File::create(dir.join("dockerd.log")).unwrap();
        // Its own default bridge: `--bridge none` would make it delete the first engine's docker0,
        // since both share this network namespace.
        let bridge = format!("scnbr{}", std::process::id() % 10_000_000);
        ip(&["link", "add", "name", &bridge, "type", "bridge"]);
        ip(&["addr", "add", "10.214.0.1/24", "dev", &bridge]);
        ip(&["link", "set", &bridge, "up"]);
        let daemon = Command::new("dockerd")
            .arg("--config-file")
            .arg(dir.join("daemon.json"))
            .arg("--host")
            .arg(format!("unix://{}", dir.join("docker.sock").display()))
            .arg("--data-root")
            .arg(dir.join("data"))
            .arg("--exec-root")
            .arg(dir.join("exec"))
            .arg("--pidfile")
            .arg(dir.join("docker.pid"))
            .args(["--bridge", &bridge, "--iptables=false", "--ip-masq=false", "--storage-driver", "vfs"])
            // Its networks must not take the first engine's subnets.
            .args(["--default-address-pool", "base=10.213.0.0/16,size=24"])
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("dockerd is installed (the suite runs as root on a machine with docker.io)");
        SecondEngine { dir, bridge, daemon }
    }

    fn endpoint(&self) -> String {
        format!("unix://{}", self.dir.join("docker.sock").display())
    }

    /// Waits (bounded) until the engine answers, then gives it the test image.
    async fn ready(&mut self) -> Engine {
        let entry = self.endpoint();
        let log = self.dir.join("dockerd.log");
        let engine =
            scenario_tests::daemon::wait_until_it_answers(&mut self.daemon, &entry, &log, Duration::from_secs(30))
                .await;
        scenario_tests::daemon::load_test_image(&[("DOCKER_HOST", self.endpoint())]);
        engine
    }
}

impl Drop for SecondEngine {
    fn drop(&mut self) {
        // SAFETY: kill(2) on the daemon we started.
        unsafe { libc::kill(self.daemon.id() as i32, libc::SIGTERM) };
        let _ = self.daemon.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
        let _ = Command::new("ip").args(["link", "delete", &self.bridge]).output();
    }
}

#[tokio::test]
async fn instances_go_round_the_engines_and_leave_nothing_on_either() {
    let mut second = SecondEngine::start();
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
