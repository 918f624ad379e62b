//! A registry of the test's own: Debian's `docker-registry` (the distribution registry) serving
//! plain HTTP on a loopback port, which the engine accepts without TLS. Stopped and its storage
//! removed when dropped.

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
        let dir = std::env::temp_dir().join(format!("scn-registry-{port}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("data")).unwrap();
        let address = format!("127.0.0.1:{port}");
        let config = format!(
            "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: {address}\n",
            dir.join("data").display()
        );
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

    async fn answers(&self) -> bool {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let Ok(mut stream) = tokio::net::TcpStream::connect(&self.address).await else { return false };
        let request = format!("GET /v2/ HTTP/1.0\r\nHost: {}\r\n\r\n", self.address);
        if stream.write_all(request.as_bytes()).await.is_err() {
            return false;
        }
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer).await;
        String::from_utf8_lossy(&answer).lines().next().is_some_and(|status| status.contains(" 200 "))
    }

    fn log(&self) -> String {
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
