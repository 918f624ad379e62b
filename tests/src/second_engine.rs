//! A second dockerd on this machine, started by a test: its own socket, data root, exec root,
//! bridge and address pool, so it can be stopped, frozen or restarted without touching the
//! machine's own engine. Stopped, its folders and bridge removed, on drop.

use std::path::PathBuf;
use std::process::{Child, Command};
use std::time::Duration;

use scenario_runtime::Engine;

pub struct SecondEngine {
    dir: PathBuf,
    bridge: String,
    /// The second octet of the bridge's subnet (10.N.0.0/24) and, one below, of the pool for
    /// its networks (10.N-1.0.0/16): tests that run side by side pass different ones.
    octet: u8,
    daemon: Child,
    /// Whether the machine's engine had its docker0 bridge when this one started.
    machine_bridge: bool,
}

fn ip(args: &[&str]) {
    let out = Command::new("ip").args(args).output().expect("iproute2's ip is installed");
    assert!(out.status.success(), "ip {}: {}", args.join(" "), String::from_utf8_lossy(&out.stderr));
}

impl SecondEngine {
    /// Starts one; `octet` picks its subnets (see the field).
    pub fn start(octet: u8) -> SecondEngine {
        let dir = std::env::temp_dir().join(format!("scn-engine{octet}-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("data")).unwrap();
        std::fs::create_dir_all(dir.join("exec")).unwrap();
        // An empty config file: the machine's /etc/docker/daemon.json names the first engine's data root.
        std::fs::write(dir.join("daemon.json"), "{}").unwrap();
        // Its own default bridge: `--bridge none` would make it delete the first engine's docker0,
        // since both share this network namespace.
        let bridge = format!("scnbr{octet}x{}", std::process::id() % 100_000);
        ip(&["link", "add", "name", &bridge, "type", "bridge"]);
        ip(&["addr", "add", &format!("10.{octet}.0.1/24"), "dev", &bridge]);
        ip(&["link", "set", &bridge, "up"]);
        let machine_bridge = machine_bridge_present();
        let daemon = spawn(&dir, &bridge, octet, &[]);
        SecondEngine { dir, bridge, octet, daemon, machine_bridge }
    }

    pub fn endpoint(&self) -> String {
        format!("unix://{}", self.dir.join("docker.sock").display())
    }

    /// Waits (bounded) until the engine answers, then gives it the test image.
    pub async fn ready(&mut self) -> Engine {
        let engine = self.answering().await;
        crate::daemon::load_test_image(&[("DOCKER_HOST", self.endpoint())]);
        engine
    }

    /// Waits (bounded) until the engine answers.
    pub async fn answering(&mut self) -> Engine {
        let entry = self.endpoint();
        let log = self.dir.join("dockerd.log");
        let engine =
            crate::daemon::wait_until_it_answers(&mut self.daemon, &entry, &log, Duration::from_secs(30)).await;
        // A daemon that came up may have replaced its default network; it must never take the
        // machine engine's bridge with it (see `start_again`): fail here, loudly, if it did.
        assert!(
            !self.machine_bridge || machine_bridge_present(),
            "the second engine deleted the machine engine's docker0 bridge; see {}",
            log.display()
        );
        engine
    }

    /// Freezes the daemon (SIGSTOP): its socket still accepts connections, nothing answers.
    pub fn freeze(&self) {
        self.signal(libc::SIGSTOP);
    }

    /// Lets a frozen daemon run again.
    pub fn thaw(&self) {
        self.signal(libc::SIGCONT);
    }

    /// Stops the daemon (SIGTERM, as a service manager restarting it would) and waits until it exited.
    pub fn stop(&mut self) {
        self.thaw();
        self.signal(libc::SIGTERM);
        let _ = self.daemon.wait();
    }

    /// Starts the daemon again on the same folders (a stopped one first: [`SecondEngine::stop`]).
    /// With `--live-restore`: a dockerd restarted with an address pool and without it replaces
    /// its stored default network by deleting the interface named `docker0`, whichever bridge it
    /// was given, and that one is the machine's own engine's. Live restore skips that deletion;
    /// the containers of its first life were stopped with it, so it has none to restore.
    pub fn start_again(&mut self) {
        self.daemon = spawn(&self.dir, &self.bridge, self.octet, &["--live-restore"]);
    }

    fn signal(&self, signal: i32) {
        // SAFETY: kill(2) on the daemon this value started.
        unsafe { libc::kill(self.daemon.id() as i32, signal) };
    }
}

fn spawn(dir: &std::path::Path, bridge: &str, octet: u8, extra: &[&str]) -> Child {
    crate::daemon::dockerd_in(&mut Command::new("dockerd"), dir)
        .arg("--host")
        .arg(format!("unix://{}", dir.join("docker.sock").display()))
        .args(["--bridge", bridge, "--iptables=false", "--ip-masq=false"])
        // Its networks must not take the first engine's subnets.
        .args(["--default-address-pool", &format!("base=10.{}.0.0/16,size=24", octet - 1)])
        .args(extra)
        .spawn()
        .expect("dockerd is installed (the suite runs as root on a machine with docker.io)")
}

impl Drop for SecondEngine {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
        let _ = Command::new("ip").args(["link", "delete", &self.bridge]).output();
    }
}

/// Whether the machine engine's default bridge exists (when its engine uses one).
fn machine_bridge_present() -> bool {
    let listed = Command::new("ip").args(["-o", "link", "show", "docker0"]).output();
    listed.is_ok_and(|out| out.status.success())
}
