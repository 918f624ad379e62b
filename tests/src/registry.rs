//! A registry of the test's own: Debian's `docker-registry` (the distribution registry) serving
//! plain HTTP on a loopback port, which the engine accepts without TLS, optionally asking for a
//! login (htpasswd, from apache2-utils). Stopped and its storage removed when dropped. Its access
//! log (one line per request) tells how often an image was really pulled.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct LocalRegistry {
    dir: PathBuf,
    process: Child,
    pub address: String,
}

impl LocalRegistry {
    /// Starts it on `127.0.0.1:port` and waits (bounded) until `/v2/` answers.
    pub async fn start(port: u16) -> LocalRegistry {
        LocalRegistry::start_with(port, None).await
    }

    /// Starts one on a free port that only lets `user` with `password` in.
    pub async fn start_with_login(user: &str, password: &str) -> LocalRegistry {
        LocalRegistry::start_with(free_port(), Some((user, password))).await
    }

    /// Starts one on a free port, open to everyone.
    pub async fn start_on_free_port() -> LocalRegistry {
        LocalRegistry::start_with(free_port(), None).await
    }

    async fn start_with(port: u16, login: Option<(&str, &str)>) -> LocalRegistry {
        let dir = std::env::temp_dir().join(format!("scn-registry-{port}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("data")).unwrap();
        let address = format!("127.0.0.1:{port}");
        let mut config = format!(
            "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: {address}\n",
            dir.join("data").display()
        );
        if let Some((user, password)) = login {
            let hashed = Command::new("htpasswd")
                .args(["-Bbn", user, password])
                .output()
                .expect("htpasswd is installed (apache2-utils, scripts/install-registry.sh)");
            assert!(hashed.status.success(), "htpasswd: {}", String::from_utf8_lossy(&hashed.stderr));
            std::fs::write(dir.join("htpasswd"), &hashed.stdout).unwrap();
            config.push_str(&format!(
                "auth:\n  htpasswd:\n    realm: scenario-tests\n    path: {}\n",
                dir.join("htpasswd").display()
            ));
        }
        std::fs::write(dir.join("config.yml"), config).unwrap();
        let log = std::fs::File::create(dir.join("registry.log")).unwrap();
        let process = Command::new("docker-registry")
            .arg("serve")
            .arg(dir.join("config.yml"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("docker-registry is installed (scripts/install-registry.sh)");
        let mut registry = LocalRegistry { dir, process, address };
        let deadline = Instant::now() + Duration::from_secs(30);
        while !registry.answers().await {
            if let Ok(Some(status)) = registry.process.try_wait() {
                panic!("the registry exited ({status}): {}", registry.log());
            }
            assert!(Instant::now() < deadline, "the registry did not answer within 30 s: {}", registry.log());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        registry
    }

    /// How many reads of `/v2/<repository>/manifests/<tag or digest>` the registry has answered:
    /// every pull reads the manifest, so this counts pulls. Lines are written after
    /// a response; a request of our own, waited for in the log, makes sure earlier ones are in.
    pub async fn manifest_requests(&self, repository: &str, reference: &str) -> usize {
        static BARRIER: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let marker = format!("/v2/scn-barrier-{}/tags/list", BARRIER.fetch_add(1, std::sync::atomic::Ordering::SeqCst));
        let _ = self.get(&marker).await;
        let deadline = Instant::now() + Duration::from_secs(10);
        while !self.log().contains(&marker) {
            assert!(Instant::now() < deadline, "the registry did not log {marker}: {}", self.log());
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        // Reads only: a push writes the manifest (`PUT`), a pull reads it (`GET`, or `HEAD` first).
        let reads = [
            format!("\"GET /v2/{repository}/manifests/{reference} "),
            format!("\"HEAD /v2/{repository}/manifests/{reference} "),
        ];
        self.log().lines().filter(|line| reads.iter().any(|read| line.contains(read.as_str()))).count()
    }

    /// The status line of a plain `GET path`.
    async fn get(&self, path: &str) -> String {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let Ok(mut stream) = tokio::net::TcpStream::connect(&self.address).await else { return String::new() };
        let request = format!("GET {path} HTTP/1.0\r\nHost: {}\r\n\r\n", self.address);
        if stream.write_all(request.as_bytes()).await.is_err() {
            return String::new();
        }
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer).await;
        String::from_utf8_lossy(&answer).lines().next().unwrap_or_default().to_string()
    }

    async fn answers(&self) -> bool {
        // A registry that asks for a login answers 401: it is up all the same.
        let status = self.get("/v2/").await;
        status.contains(" 200 ") || status.contains(" 401 ")
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("registry.log")).unwrap_or_default()
    }
}

impl Drop for LocalRegistry {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A loopback port nobody listens on now (the kernel's choice), so tests can run side by side.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}
