//! A remote engine for tests: a dockerd in a network namespace of its own (its own address, as
//! another host would have), serving the Docker API with TLS on 2376 and requiring client
//! certificates made here with the openssl CLI. Used by tests/tests/engine_tls.rs and by the
//! CLI's doctor test.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output};
use std::time::Duration;

use scenario_runtime::Engine;

/// The port the engine serves TLS on, as remote engines do.
pub const PORT: u16 = 2376;

/// Runs a command that must succeed.
pub fn run(program: &str, args: &[&str]) -> Output {
    let out = Command::new(program).args(args).output().unwrap_or_else(|e| panic!("{program} cannot run: {e}"));
    assert!(out.status.success(), "{program} {}: {}", args.join(" "), String::from_utf8_lossy(&out.stderr));
    out
}

/// A CA, a server certificate for `ip`, and a client certificate, in the file names the docker
/// CLI expects: `client/{ca,cert,key}.pem` is a DOCKER_CERT_PATH.
fn make_certificates(dir: &Path, ip: &str) {
    let openssl = |args: &[&str]| {
        let out = Command::new("openssl").args(args).current_dir(dir).output().expect("the openssl CLI is installed");
        assert!(out.status.success(), "openssl {}: {}", args.join(" "), String::from_utf8_lossy(&out.stderr));
    };
    let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    std::fs::create_dir_all(dir.join("client")).unwrap();
    std::fs::create_dir_all(dir.join("server")).unwrap();
    let ca = ["-keyout", "ca-key.pem", "-out", "ca.pem", "-days", "2", "-subj", "/CN=scenario-test-ca"];
    let ca_ext = ["-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"];
    openssl(&[&["req", "-x509"][..], &ec, &ca, &ca_ext].concat());
    // Another CA, which signed nothing the engine shows: a client trusting it must refuse.
    let other = ["-keyout", "other-key.pem", "-out", "other-ca.pem", "-days", "2", "-subj", "/CN=another-ca"];
    openssl(&[&["req", "-x509"][..], &ec, &other, &ca_ext].concat());
    for (who, usage) in [
        ("server", format!("subjectAltName=IP:{ip}\nextendedKeyUsage=serverAuth")),
        ("client", "extendedKeyUsage=clientAuth".to_string()),
    ] {
        std::fs::write(dir.join(format!("{who}.ext")), usage).unwrap();
        let key = format!("{who}/key.pem");
        let csr = format!("{who}.csr");
        openssl(
            &[&["req"][..], &ec, &["-keyout", &key, "-out", &csr, "-subj", &format!("/CN=scenario-test-{who}")]]
                .concat(),
        );
        let cert = format!("{who}/cert.pem");
        let ext = format!("{who}.ext");
        openssl(&[
            "x509",
            "-req",
            "-in",
            &csr,
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca-key.pem",
            "-CAcreateserial",
            "-out",
            &cert,
            "-days",
            "2",
            "-extfile",
            &ext,
        ]);
        std::fs::copy(dir.join("ca.pem"), dir.join(who).join("ca.pem")).unwrap();
    }
}

/// The engine, its namespace and folders; all removed on drop.
pub struct TlsEngine {
    /// Its folders, certificates (`client/` is a DOCKER_CERT_PATH) and log.
    pub dir: PathBuf,
    netns: String,
    /// Its own address, outside this machine's network namespace.
    pub ip: String,
    daemon: Child,
}

impl TlsEngine {
    pub fn start() -> TlsEngine {
        let pid = std::process::id();
        let dir = std::env::temp_dir().join(format!("scn-tls-{pid}"));
        let _ = std::fs::remove_dir_all(&dir);
        for sub in ["data", "exec"] {
            std::fs::create_dir_all(dir.join(sub)).unwrap();
        }
        // A /24 of its own per test process, so two runs side by side do not share addresses.
        let net = format!("10.216.{}", pid % 250 + 1);
        let ip = format!("{net}.2");
        make_certificates(&dir, &ip);

        // Its own network namespace, joined to this one by a veth pair: the engine's address is
        // another host's as far as the tests are concerned, and its bridge, iptables rules and
        // container addresses cannot touch the machine's engine (never `--bridge none` beside it).
        let netns = format!("scn-tls-{pid}");
        let (outside, inside) = (format!("scnth{}", pid % 1_000_000), format!("scntn{}", pid % 1_000_000));
        run("ip", &["netns", "add", &netns]);
        // Made before the namespace is filled, so a failing step below still removes it.
        let mut engine = TlsEngine {
            dir: dir.clone(),
            netns: netns.clone(),
            ip: ip.clone(),
            daemon: Command::new("true").spawn().unwrap(),
        };
        run("ip", &["link", "add", &outside, "type", "veth", "peer", "name", &inside]);
        run("ip", &["link", "set", &inside, "netns", &netns]);
        run("ip", &["addr", "add", &format!("{net}.1/24"), "dev", &outside]);
        run("ip", &["link", "set", &outside, "up"]);
        let in_ns = |args: &[&str]| run("ip", &[&["netns", "exec", &netns, "ip"][..], args].concat());
        in_ns(&["addr", "add", &format!("{ip}/24"), "dev", &inside]);
        in_ns(&["link", "set", &inside, "up"]);
        in_ns(&["link", "set", "lo", "up"]);

        // An empty config file: the machine's /etc/docker/daemon.json names the first engine's data root.
        std::fs::write(dir.join("daemon.json"), "{}").unwrap();
        let server = dir.join("server");
        // nsenter joins the network namespace only: `ip netns exec` would also remount /sys for
        // it, hiding the cgroup mounts dockerd needs.
        let mut nsenter = Command::new("nsenter");
        nsenter.arg(format!("--net=/var/run/netns/{netns}")).arg("dockerd");
        let daemon = crate::daemon::dockerd_in(&mut nsenter, &dir)
            .args(["--host", &format!("tcp://{ip}:{PORT}"), "--tlsverify"])
            .arg("--tlscacert")
            .arg(server.join("ca.pem"))
            .arg("--tlscert")
            .arg(server.join("cert.pem"))
            .arg("--tlskey")
            .arg(server.join("key.pem"))
            .spawn()
            .expect("dockerd is installed (the suite runs as root on a machine with docker.io)");
        let mut placeholder = std::mem::replace(&mut engine.daemon, daemon);
        let _ = placeholder.wait();
        engine
    }

    pub fn address(&self) -> String {
        format!("tcp://{}:{PORT}", self.ip)
    }

    pub fn client_certs(&self) -> PathBuf {
        self.dir.join("client")
    }

    /// The address with this test's client certificates, as an SCENARIO_DOCKER_HOSTS entry.
    pub fn entry(&self) -> String {
        format!("{}?tls={}", self.address(), self.client_certs().display())
    }

    /// Waits (bounded) until the engine answers over TLS, then gives it the test image through
    /// the docker CLI with the same certificates.
    pub async fn ready(&mut self) -> Engine {
        let entry = self.entry();
        let log = self.dir.join("dockerd.log");
        let engine =
            crate::daemon::wait_until_it_answers(&mut self.daemon, &entry, &log, Duration::from_secs(60)).await;
        crate::daemon::load_test_image(&[
            ("DOCKER_HOST", self.address()),
            ("DOCKER_TLS_VERIFY", "1".into()),
            ("DOCKER_CERT_PATH", self.client_certs().display().to_string()),
        ]);
        engine
    }
}

impl Drop for TlsEngine {
    fn drop(&mut self) {
        // SAFETY: kill(2) on the daemon this test started (nsenter execs it in place).
        unsafe { libc::kill(self.daemon.id() as i32, libc::SIGTERM) };
        let _ = self.daemon.wait();
        let _ = Command::new("ip").args(["netns", "delete", &self.netns]).output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
