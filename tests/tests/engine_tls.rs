//! A remote engine over TLS, found every way a user names one: a dockerd in a network namespace
//! of its own (its own address, as another host would have), serving the Docker API with TLS on
//! 2376 and requiring client certificates that this test makes with the openssl CLI. A scenario
//! runs on it through DOCKER_HOST + DOCKER_TLS_VERIFY, through a docker context made by the real
//! docker CLI, and through SCENARIO_DOCKER_HOSTS, and reaches its published port from here.

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use scenario_runtime::{Engine, SessionId};
use scenario_tests::tls_engine::{run, TlsEngine};

const FIXTURE: &str = env!("CARGO_BIN_EXE_engine_fixture");

/// One run of the fixture with a session and project of its own, the variables that name an
/// engine cleared, then `env` set.
struct FixtureRun {
    session: String,
    out: Output,
}

impl FixtureRun {
    fn new(tag: &str, env: &[(&str, &str)]) -> FixtureRun {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
        let session = format!("tls{tag}{:x}{nanos:x}", std::process::id());
        let mut command = Command::new(FIXTURE);
        for var in [
            "DOCKER_HOST",
            "DOCKER_CONTEXT",
            "DOCKER_CONFIG",
            "DOCKER_TLS_VERIFY",
            "DOCKER_CERT_PATH",
            "SCENARIO_DOCKER_HOSTS",
        ] {
            command.env_remove(var);
        }
        command
            .env("SCENARIO_SESSION_ID", &session)
            .env("SCENARIO_PROJECT", format!("p{session}"))
            .env("SCENARIO_REAPER", "off")
            .envs(env.iter().copied());
        FixtureRun { session, out: command.output().unwrap() }
    }

    /// Starts the fixture's blocking test with the reaper on, waits until its container runs,
    /// kills the process and returns its session.
    fn spawn_holding(tag: &str, env: &[(&str, &str)]) -> String {
        use std::io::BufRead;
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
        let session = format!("tls{tag}{:x}{nanos:x}", std::process::id());
        let mut command = Command::new(FIXTURE);
        for var in ["DOCKER_HOST", "DOCKER_CONTEXT", "DOCKER_CONFIG", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH"] {
            command.env_remove(var);
        }
        let mut child = command
            .args(["--ignored", "--exact", "published::holds"])
            .env("SCENARIO_SESSION_ID", &session)
            .env("SCENARIO_PROJECT", format!("p{session}"))
            .env("SCENARIO_REAPER", "on")
            .env("SCENARIO_REAPER_GRACE_MS", "500")
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
        let held = lines.any(|line| line.is_ok_and(|l| l.starts_with("holding container ")));
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(held, "the blocking test did not report its container");
        session
    }

    fn output(&self) -> String {
        format!("{}\n{}", String::from_utf8_lossy(&self.out.stdout), String::from_utf8_lossy(&self.out.stderr))
    }

    /// The fixture's report: (address reached, address bound on the engine, endpoint).
    fn reached(&self) -> (String, String, String) {
        assert!(self.out.status.success(), "the fixture failed: {}", self.output());
        let stdout = String::from_utf8_lossy(&self.out.stdout);
        let line = stdout
            .lines()
            .find(|l| l.starts_with("REACHED "))
            .unwrap_or_else(|| panic!("no REACHED line: {}", self.output()));
        eprintln!("{line}");
        let words: Vec<&str> = line.split_whitespace().collect();
        (words[1].to_string(), words[3].to_string(), words[5].to_string())
    }
}

#[tokio::test]
async fn a_tls_engine_in_its_own_namespace_is_used_however_it_is_named() {
    let mut tls = TlsEngine::start();
    let engine = tls.ready().await;
    assert_eq!((engine.port_host(), engine.publish_ip()), (tls.ip.as_str(), "0.0.0.0"), "a remote engine's ports");
    // Verification is real: another CA, no client certificate, or no TLS at all is refused.
    let wrong_ca = tls.dir.join("wrong-ca");
    let no_client_cert = tls.dir.join("no-client-cert");
    for dir in [&wrong_ca, &no_client_cert] {
        std::fs::create_dir_all(dir).unwrap();
    }
    std::fs::copy(tls.dir.join("other-ca.pem"), wrong_ca.join("ca.pem")).unwrap();
    for file in ["cert.pem", "key.pem"] {
        std::fs::copy(tls.client_certs().join(file), wrong_ca.join(file)).unwrap();
    }
    std::fs::copy(tls.dir.join("ca.pem"), no_client_cert.join("ca.pem")).unwrap();
    for (what, entry) in [
        ("a CA that did not sign the engine's certificate", format!("{}?tls={}", tls.address(), wrong_ca.display())),
        ("no client certificate", format!("{}?tls={}", tls.address(), no_client_cert.display())),
        ("plain HTTP", tls.address()),
    ] {
        let err = Engine::connect_to(&entry).await.expect_err(what).to_string();
        assert!(err.contains(&tls.address()), "{what}: the error names the endpoint: {err}");
    }

    let mut sessions = Vec::new();
    let reached_on_engine = |reached: &str| reached.starts_with(&format!("{}:", tls.ip));

    // 1. DOCKER_HOST + DOCKER_TLS_VERIFY + DOCKER_CERT_PATH, as the docker CLI takes them.
    let certs = tls.client_certs().display().to_string();
    let by_env = FixtureRun::new(
        "env",
        &[("DOCKER_HOST", &tls.address()), ("DOCKER_TLS_VERIFY", "1"), ("DOCKER_CERT_PATH", &certs)],
    );
    let (reached, bound, via) = by_env.reached();
    assert!(reached_on_engine(&reached), "reached at {reached}, not on the engine's address {}", tls.ip);
    assert_eq!(bound, "0.0.0.0", "a remote engine binds published ports on its host's addresses");
    assert_eq!(via, format!("{}?tls={certs}", tls.address()));
    sessions.push(by_env.session);

    // 2. A docker context made by the docker CLI, selected with `docker context use`.
    let config = tls.dir.join("docker-config");
    let config_arg = config.display().to_string();
    let docker_endpoint =
        format!("host={},ca={}/ca.pem,cert={}/cert.pem,key={}/key.pem", tls.address(), certs, certs, certs);
    run("docker", &["--config", &config_arg, "context", "create", "scn-tls", "--docker", &docker_endpoint]);
    run("docker", &["--config", &config_arg, "context", "use", "scn-tls"]);
    let by_context = FixtureRun::new("ctx", &[("DOCKER_CONFIG", &config_arg)]);
    let (reached, _, via) = by_context.reached();
    assert!(reached_on_engine(&reached), "reached at {reached}: {}", by_context.output());
    assert!(via.starts_with(&format!("{}?tls={config_arg}/contexts/tls/", tls.address())), "connected via {via}");
    sessions.push(by_context.session);

    // 3. SCENARIO_DOCKER_HOSTS naming the context (the current context back to default, so the
    //    entry is what chooses), and an address with its own TLS folder and publish address.
    run("docker", &["--config", &config_arg, "context", "use", "default"]);
    let by_list = FixtureRun::new("list", &[("DOCKER_CONFIG", &config_arg), ("SCENARIO_DOCKER_HOSTS", "scn-tls")]);
    let (reached, bound, _) = by_list.reached();
    assert!(reached_on_engine(&reached) && bound == "0.0.0.0", "reached at {reached}, bound {bound}");
    sessions.push(by_list.session);
    let narrowed = format!("{}&publish={}", tls.entry(), tls.ip);
    let by_entry = FixtureRun::new("entry", &[("SCENARIO_DOCKER_HOSTS", &narrowed)]);
    let (reached, bound, _) = by_entry.reached();
    assert!(reached_on_engine(&reached), "reached at {reached}");
    assert_eq!(bound, tls.ip, "publish= binds published ports on that address only");
    sessions.push(by_entry.session);

    // 4. The session's reaper reconnects from its own process with the same TLS material: a
    //    killed run's container on this engine is removed by it.
    let killed = FixtureRun::spawn_holding("reaped", &[("SCENARIO_DOCKER_HOSTS", &tls.entry())]);
    let session = SessionId::new(&killed);
    // Its network is a borrowed spare one, which carries no session label.
    assert_eq!(scenario_tests::leftovers(&engine, &session).await.len(), 1, "the held container");
    // The reaper acts after its grace period (0.5 s): re-check until then plus 10 s. It also
    // removes the spare networks nobody borrows any more, on this engine all of them.
    let deadline = Instant::now() + Duration::from_millis(10_500);
    let left = loop {
        let mut left = scenario_tests::leftovers(&engine, &session).await;
        left.extend(spare_networks(&engine).await);
        if left.is_empty() || Instant::now() >= deadline {
            break left;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(left, Vec::<String>::new(), "the reaper removed the killed run's resources on the TLS engine");

    for session in &sessions {
        assert_eq!(scenario_tests::leftovers(&engine, &SessionId::new(session)).await, Vec::<String>::new());
    }
}

/// `network <name>` for each spare network on `engine`.
async fn spare_networks(engine: &Engine) -> Vec<String> {
    let filters = std::collections::HashMap::from([(
        "label",
        vec![scenario_runtime::__private::labels::SPARE_NETWORK.to_string()],
    )]);
    let options = bollard::query_parameters::ListNetworksOptionsBuilder::new().filters(&filters).build();
    let networks = engine.docker().list_networks(Some(options)).await.unwrap();
    networks.into_iter().map(|n| format!("network {}", n.name.unwrap_or_default())).collect()
}

#[tokio::test]
async fn a_configured_engine_that_does_not_answer_is_an_error_naming_its_origin() {
    // Nothing listens there: no engine, no fall-through to the machine's socket.
    let silent = FixtureRun::new("silent", &[("DOCKER_HOST", "tcp://127.0.0.1:1")]);
    assert!(!silent.out.status.success(), "{}", silent.output());
    assert!(silent.output().contains("tcp://127.0.0.1:1 (from DOCKER_HOST)"), "{}", silent.output());

    let config = std::env::temp_dir().join(format!("scn-tls-noctx-{}", std::process::id()));
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(config.join("config.json"), r#"{"currentContext":"gone"}"#).unwrap();
    let missing = FixtureRun::new("noctx", &[("DOCKER_CONFIG", config.to_str().unwrap())]);
    std::fs::remove_dir_all(&config).unwrap();
    assert!(!missing.out.status.success(), "{}", missing.output());
    assert!(missing.output().contains("docker context `gone` (currentContext in"), "{}", missing.output());

    // A context whose engine is gone: the machine's default socket answers, and is not used.
    let config = std::env::temp_dir().join(format!("scn-tls-deadctx-{}", std::process::id()));
    let config_arg = config.display().to_string();
    run(
        "docker",
        &["--config", &config_arg, "context", "create", "dead", "--docker", "host=unix:///nonexistent/docker.sock"],
    );
    run("docker", &["--config", &config_arg, "context", "use", "dead"]);
    let dead = FixtureRun::new("dead", &[("DOCKER_CONFIG", &config_arg)]);
    std::fs::remove_dir_all(&config).unwrap();
    assert!(!dead.out.status.success(), "ran on another engine instead: {}", dead.output());
    assert!(
        dead.output().contains("unix:///nonexistent/docker.sock (from docker context `dead` (currentContext in"),
        "{}",
        dead.output()
    );

    let ssh = FixtureRun::new("ssh", &[("DOCKER_HOST", "ssh://builder@10.0.0.9")]);
    assert!(!ssh.out.status.success());
    assert!(
        ssh.output().contains("ssh:// are not supported") && ssh.output().contains("ssh -nNT -L"),
        "{}",
        ssh.output()
    );
}
