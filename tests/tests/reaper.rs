//! The reaper on the real engine: test processes (`reaper_victim`) are SIGKILLed while their
//! containers run, and the session's reaper must remove what they left, leave other sessions and
//! reused containers alone, exist once per session, and be gone afterwards.
//!
//! Every test has its own session id, so tests running side by side never see each other's
//! containers or reapers; a guard removes whatever is left under it even if the test panics.

use std::collections::HashMap;
use std::future::Future;
use std::process::Stdio;
use std::time::{Duration, Instant};

use bollard::query_parameters::{
    ListContainersOptionsBuilder, ListNetworksOptionsBuilder, RemoveContainerOptionsBuilder,
};
use scenario_runtime::__private::{labels, reaper};
use scenario_runtime::prelude::*;
use scenario_tests::{engine, leftovers};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

/// Short, so the tests are quick; the default is 10 s.
const GRACE: Duration = Duration::from_secs(1);
/// What the issue allows between the SIGKILL and everything being gone, beyond the grace period.
const SLACK: Duration = Duration::from_secs(5);
const VICTIM: &str = env!("CARGO_BIN_EXE_reaper_victim");

/// One test's session, removed (reused containers included) when dropped.
struct TestSession(SessionId);

impl TestSession {
    fn new(tag: &str) -> TestSession {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
        TestSession(SessionId::new(&format!("reap-{tag}-{:x}{nanos:x}", std::process::id())))
    }
}

impl Drop for TestSession {
    fn drop(&mut self) {
        let session = self.0.clone();
        let _ = std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
                remove_everything(&engine().await, &session).await;
            })
        })
        .join();
    }
}

/// A `reaper_victim` process.
struct Victim {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
    reaper_pid: u32,
    ensure_us: u64,
    again_us: u64,
}

impl Victim {
    /// Starts a victim and waits until it is connected to the engine, before it calls `ensure`.
    async fn arm(session: &SessionId, mode: &str, env: &[(&str, &str)]) -> Victim {
        let mut command = Command::new(VICTIM);
        command
            .arg(mode)
            .env("SCENARIO_SESSION_ID", session.as_str())
            .env(reaper::env::GRACE_MS, GRACE.as_millis().to_string())
            // nextest's run id would override the session id; the rest would change the reaper.
            .env_remove("NEXTEST_RUN_ID")
            .env_remove(reaper::env::SWITCH)
            .env_remove(reaper::env::EXE)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true);
        for (key, value) in env {
            command.env(key, value);
        }
        let mut child = command.spawn().expect("start reaper_victim");
        let stdin = child.stdin.take();
        let mut victim = Victim {
            stdout: BufReader::new(child.stdout.take().unwrap()),
            child,
            stdin,
            reaper_pid: 0,
            ensure_us: 0,
            again_us: 0,
        };
        assert_eq!(victim.line().await, "armed");
        victim
    }

    /// Lets an armed victim call `ensure` and start its containers.
    async fn release(&mut self) {
        self.stdin.as_mut().unwrap().write_all(b"go\n").await.unwrap();
        self.stdin.as_mut().unwrap().flush().await.unwrap();
    }

    /// Waits for the victim's `ready` line.
    async fn ready(&mut self) {
        let line = self.line().await;
        let fields: HashMap<&str, u64> = line
            .strip_prefix("ready ")
            .unwrap_or_else(|| panic!("expected the ready line, got {line:?}"))
            .split(' ')
            .map(|kv| {
                let (k, v) = kv.split_once('=').unwrap();
                (k, v.parse().unwrap())
            })
            .collect();
        self.reaper_pid = fields["reaper_pid"] as u32;
        self.ensure_us = fields["ensure_us"];
        self.again_us = fields["again_us"];
    }

    async fn start(session: &SessionId, mode: &str) -> Victim {
        let mut victim = Victim::arm(session, mode, &[]).await;
        victim.release().await;
        victim.ready().await;
        assert_ne!(victim.reaper_pid, 0, "the victim is registered with a reaper");
        victim
    }

    async fn line(&mut self) -> String {
        let mut line = String::new();
        tokio::time::timeout(Duration::from_secs(60), self.stdout.read_line(&mut line))
            .await
            .expect("the victim answers within 60 s")
            .unwrap();
        line.trim_end().to_string()
    }

    /// SIGKILL; returns when the victim is dead, and checks that no process it left behind (the
    /// reaper) holds its stdout.
    async fn kill(&mut self) -> Instant {
        self.child.start_kill().unwrap();
        let killed = Instant::now();
        self.child.wait().await.unwrap();
        let mut rest = Vec::new();
        tokio::time::timeout(Duration::from_secs(5), self.stdout.read_to_end(&mut rest))
            .await
            .expect("the victim's stdout closes when it dies: nothing it started holds it")
            .unwrap();
        killed
    }

    /// Closes stdin: the victim tears down its containers and exits normally.
    async fn stop(mut self) {
        drop(self.stdin.take());
        let status = tokio::time::timeout(Duration::from_secs(60), self.child.wait()).await.unwrap().unwrap();
        assert!(status.success(), "the victim exits cleanly: {status}");
    }
}

/// Polls `check` until it holds; panics after `limit`. Returns how long it took.
async fn wait_until<F, Fut>(what: &str, limit: Duration, mut check: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let started = Instant::now();
    loop {
        if check().await {
            return started.elapsed();
        }
        assert!(started.elapsed() < limit, "not within {limit:?}: {what}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Live (not zombie) processes started as the reaper of `session`, found through /proc.
fn reapers_of(session: &SessionId) -> Vec<u32> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        if let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse().ok()) {
            if is_reaper_of(pid, session) {
                found.push(pid);
            }
        }
    }
    found
}

fn is_reaper_of(pid: u32, session: &SessionId) -> bool {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // A zombie has released everything; its parent (init, here maybe not reaping) owns the rest.
    let state = stat.rfind(')').and_then(|i| stat[i + 1..].split_whitespace().next());
    if matches!(state, None | Some("Z" | "X")) {
        return false;
    }
    let environ = std::fs::read(format!("/proc/{pid}/environ")).unwrap_or_default();
    let vars: Vec<&[u8]> = environ.split(|b| *b == 0).collect();
    let role = format!("{}={}", reaper::env::ROLE, reaper::env::ROLE_REAPER);
    let of_session = format!("{}={session}", reaper::env::SESSION);
    vars.contains(&role.as_bytes()) && vars.contains(&of_session.as_bytes())
}

/// The reaper holds nothing of the test: its own session (so a signal to the test's process group
/// or session misses it), stdin on /dev/null, stdout and stderr on its log, no pipe at all.
fn assert_detached(reaper: u32, victim: u32, log: &std::path::Path) {
    let stat_of = |pid: u32| {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
        let fields: Vec<i64> = stat[stat.rfind(')').unwrap() + 2..]
            .split_whitespace()
            .skip(1)
            .take(4)
            .map(|f| f.parse().unwrap())
            .collect();
        (fields[0], fields[1], fields[2]) // ppid, process group, session
    };
    let (ppid, pgrp, sid) = stat_of(reaper);
    let (_, victim_pgrp, victim_sid) = stat_of(victim);
    let (_, _, our_sid) = stat_of(std::process::id());
    assert_ne!(ppid, i64::from(victim), "re-parented away from the process that started it");
    assert!(pgrp != victim_pgrp && sid != victim_sid && sid != our_sid, "a session of its own");
    let target = |fd: u32| std::fs::read_link(format!("/proc/{reaper}/fd/{fd}")).unwrap();
    assert_eq!(target(0), std::path::Path::new("/dev/null"));
    assert_eq!((target(1), target(2)), (log.to_path_buf(), log.to_path_buf()));
    for fd in std::fs::read_dir(format!("/proc/{reaper}/fd")).unwrap().flatten() {
        let to = std::fs::read_link(fd.path()).unwrap_or_default();
        assert!(!to.to_string_lossy().starts_with("pipe:"), "fd {:?} is a pipe", fd.file_name());
    }
}

/// Names of the session's containers that are running.
async fn running(engine: &Engine, session: &SessionId) -> Vec<String> {
    let filters = HashMap::from([("label", vec![format!("{}={session}", labels::SESSION)])]);
    let options = ListContainersOptionsBuilder::new().filters(&filters).build();
    let containers = engine.docker().list_containers(Some(options)).await.unwrap();
    let mut names: Vec<String> = containers.into_iter().flat_map(|c| c.names.unwrap_or_default()).collect();
    names.sort();
    names
}

/// Removes everything labelled with `session`, reused resources included.
async fn remove_everything(engine: &Engine, session: &SessionId) {
    let filters = HashMap::from([("label", vec![format!("{}={session}", labels::SESSION)])]);
    let docker = engine.docker();
    let options = ListContainersOptionsBuilder::new().all(true).filters(&filters).build();
    for c in docker.list_containers(Some(options)).await.unwrap_or_default() {
        let remove = RemoveContainerOptionsBuilder::new().force(true).v(true).build();
        let _ = docker.remove_container(c.id.as_deref().unwrap_or_default(), Some(remove)).await;
    }
    let options = ListNetworksOptionsBuilder::new().filters(&filters).build();
    for n in docker.list_networks(Some(options)).await.unwrap_or_default() {
        let _ = docker.remove_network(n.id.as_deref().unwrap_or_default()).await;
    }
}

#[tokio::test]
async fn a_killed_process_leaves_nothing_behind_and_its_reaper_exits() {
    let engine = engine().await;
    let session = TestSession::new("kill");
    let mut victim = Victim::start(&session.0, "scope").await;
    assert_eq!(leftovers(&engine, &session.0).await.len(), 3, "two containers and their network");
    assert_eq!(reapers_of(&session.0), vec![victim.reaper_pid], "one reaper, the one the victim reported");
    let log = scenario_runtime::__private::default_artifacts_root().join("reaper").join(format!("{}.log", session.0));
    assert_detached(victim.reaper_pid, victim.child.id().unwrap(), &log);

    let killed = victim.kill().await;
    wait_until("the killed victim's containers and network are removed", GRACE + SLACK, || async {
        leftovers(&engine, &session.0).await.is_empty()
    })
    .await;
    let reaped_after = killed.elapsed();
    wait_until("the reaper exits after cleaning up", SLACK, || async { !is_reaper_of(victim.reaper_pid, &session.0) })
        .await;
    println!(
        "SIGKILL -> all removed: {} ms (grace {} ms); reaper gone after {} ms; first ensure {} us, second in-process {} us",
        reaped_after.as_millis(),
        GRACE.as_millis(),
        killed.elapsed().as_millis(),
        victim.ensure_us,
        victim.again_us
    );
    assert!(reaped_after >= GRACE, "nothing is removed before the grace period: {reaped_after:?}");

    let log = std::fs::read_to_string(&log).unwrap_or_else(|e| panic!("reaper log {}: {e}", log.display()));
    assert!(log.contains("removed 2 containers, 1 networks, 0 volumes"), "the log says what went:\n{log}");
}

#[tokio::test]
async fn reaping_one_session_leaves_another_sessions_containers_running() {
    let engine = engine().await;
    let (one, two) = (TestSession::new("one"), TestSession::new("two"));
    let (mut first, second) = tokio::join!(Victim::start(&one.0, "scope"), Victim::start(&two.0, "scope"));
    assert_ne!(first.reaper_pid, second.reaper_pid, "one reaper per session");
    let before = running(&engine, &two.0).await;
    assert_eq!(before.len(), 2);

    first.kill().await;
    wait_until("session one is removed", GRACE + SLACK, || async { leftovers(&engine, &one.0).await.is_empty() }).await;
    wait_until("session one's reaper exits", SLACK, || async { !is_reaper_of(first.reaper_pid, &one.0) }).await;
    assert_eq!(running(&engine, &two.0).await, before, "session two's containers still run");
    assert_eq!(leftovers(&engine, &two.0).await.len(), 3, "and its network is still there");
    assert_eq!(reapers_of(&two.0), vec![second.reaper_pid], "session two's reaper still serves it");

    // The normal exit path: the victim tears down itself, its reaper finds nothing and exits.
    let reaper_two = second.reaper_pid;
    second.stop().await;
    assert_eq!(leftovers(&engine, &two.0).await, Vec::<String>::new());
    wait_until("session two's reaper exits after its grace period", GRACE + SLACK, || async {
        !is_reaper_of(reaper_two, &two.0)
    })
    .await;
}

/// Spare networks, end to end: a scope gives its network back at teardown, the next scope on this
/// machine (another session) borrows it, a scope starting while it is borrowed gets another, and
/// once nobody borrows them the reaper of the last session removes both. The victims get a
/// runtime folder of their own, so no other test's spare network is ever borrowed here.
#[tokio::test]
async fn a_spare_network_serves_the_next_scope_and_the_last_reaper_removes_it() {
    let engine = engine().await;
    let folder = std::env::temp_dir().join(format!("spare-{}-{:x}", std::process::id(), rand_nanos()));
    std::fs::create_dir_all(&folder).unwrap();
    let private_runtime = [("XDG_RUNTIME_DIR", folder.to_str().unwrap())];
    let (first, second, third) = (TestSession::new("sp1"), TestSession::new("sp2"), TestSession::new("sp3"));
    let spare_victim = |session: &SessionId| {
        let session = session.clone();
        async move {
            let mut victim = Victim::arm(&session, "spare", &private_runtime).await;
            victim.release().await;
            victim.ready().await;
            let line = victim.line().await;
            let network = line.strip_prefix("network ").unwrap_or_else(|| panic!("{line:?}")).to_string();
            (victim, network)
        }
    };
    // Keeps the first session's reaper serving, so it cannot remove the network before the
    // second scope borrows it however slow the machine is.
    let mut holder = Victim::arm(&first.0, "lease", &private_runtime).await;
    holder.release().await;
    holder.ready().await;

    let (victim, network) = spare_victim(&first.0).await;
    assert!(network.starts_with("scn-spare-"), "{network}");
    victim.stop().await;
    let given_back = engine.docker().inspect_network(&network, None).await.expect("kept after the teardown");
    assert_eq!(given_back.containers.unwrap_or_default().len(), 0, "given back empty");
    let labels_of = given_back.labels.unwrap_or_default();
    assert_eq!(labels_of.get(labels::MANAGED).map(String::as_str), Some("true"));
    assert!(labels_of.contains_key(labels::SPARE_NETWORK) && !labels_of.contains_key(labels::SESSION), "{labels_of:?}");

    let (borrower, borrowed) = spare_victim(&second.0).await;
    assert_eq!(borrowed, network, "the next scope borrows the network given back");
    let (beside, other) = spare_victim(&third.0).await;
    assert_ne!(other, network, "a borrowed network serves one scope at a time");
    let reapers = [borrower.reaper_pid, beside.reaper_pid, holder.reaper_pid];
    borrower.stop().await;
    beside.stop().await;
    holder.stop().await;

    for name in [&network, &other] {
        wait_until("the last reapers remove the idle spare networks", GRACE + SLACK, || async {
            engine.docker().inspect_network(name, None).await.is_err()
        })
        .await;
    }
    for (reaper, session) in reapers.into_iter().zip([&second.0, &third.0, &first.0]) {
        wait_until("the reapers exit", GRACE + SLACK, || async { !is_reaper_of(reaper, session) }).await;
    }
    let locks: Vec<_> = std::fs::read_dir(folder.join("scenario"))
        .unwrap()
        .flatten()
        .filter(|f| f.file_name().to_string_lossy().starts_with("spare-"))
        .map(|f| f.file_name())
        .collect();
    assert!(locks.is_empty(), "the lock files go with their networks: {locks:?}");
    let _ = std::fs::remove_dir_all(&folder);
}

fn rand_nanos() -> u32 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos()
}

#[tokio::test]
async fn a_reused_container_survives_the_reaper() {
    let engine = engine().await;
    let session = TestSession::new("reuse");
    let mut victim = Victim::start(&session.0, "reuse").await;
    let everything = leftovers(&engine, &session.0).await;
    assert_eq!(everything.len(), 4, "a container and network of each scope: {everything:?}");

    victim.kill().await;
    wait_until("the reaper removes what is not reused, then exits", GRACE + SLACK, || async {
        !is_reaper_of(victim.reaper_pid, &session.0)
    })
    .await;
    let survivors = running(&engine, &session.0).await;
    assert_eq!(survivors.len(), 1, "only the kept-alive container runs: {survivors:?}");
    assert!(survivors[0].ends_with("-keeper"), "{survivors:?}");
    let left = leftovers(&engine, &session.0).await;
    assert_eq!(left.len(), 2, "the kept container and its network: {left:?}");
    assert!(left.iter().all(|l| l.contains("keep-")), "{left:?}");
}

#[tokio::test]
async fn processes_racing_to_ensure_end_with_one_reaper() {
    let session = TestSession::new("race");
    let mut victims = Vec::new();
    for _ in 0..3 {
        victims.push(Victim::arm(&session.0, "lease", &[]).await);
    }
    // Released together, so their connect-or-spawn runs at the same moment.
    for victim in &mut victims {
        victim.release().await;
    }
    for victim in &mut victims {
        victim.ready().await;
    }
    let pid = victims[0].reaper_pid;
    assert!(victims.iter().all(|v| v.reaper_pid == pid), "all share one reaper");
    assert_eq!(reapers_of(&session.0), vec![pid], "exactly one reaper process for the session");

    // A later process of the session joins the running reaper.
    let late = Victim::start(&session.0, "lease").await;
    assert_eq!(late.reaper_pid, pid, "a later process reuses the running reaper");
    let mut spawned: Vec<u64> = victims.iter().map(|v| v.ensure_us).collect();
    spawned.sort();
    println!(
        "ensure: slowest of 3 racing {} us, fastest {} us; later process {} us; same process again {} us",
        spawned[2], spawned[0], late.ensure_us, late.again_us
    );

    victims.push(late);
    for victim in victims {
        victim.stop().await;
    }
    wait_until("the reaper exits once every client has gone", GRACE + SLACK, || async {
        !is_reaper_of(pid, &session.0)
    })
    .await;
    assert_eq!(reapers_of(&session.0), Vec::<u32>::new());
}

#[tokio::test]
async fn scenario_reaper_off_starts_no_reaper() {
    let session = TestSession::new("off");
    let mut victim = Victim::arm(&session.0, "lease", &[(reaper::env::SWITCH, "off")]).await;
    victim.release().await;
    victim.ready().await;
    assert_eq!(victim.reaper_pid, 0, "the lease is inactive");
    assert_eq!(reapers_of(&session.0), Vec::<u32>::new(), "no reaper process");
    victim.stop().await;
}

#[tokio::test]
async fn a_reaper_nobody_connects_to_exits_after_its_startup_timeout() {
    // The reaper's end of the protocol alone: a listening socket, handed over as its stdin.
    let dir = std::env::temp_dir().join(format!("scenario-reaper-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let socket = dir.join("lonely.sock");
    let _ = std::fs::remove_file(&socket);
    let listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    let session = TestSession::new("lonely");
    let started = Instant::now();
    let output = Command::new(VICTIM)
        .env(reaper::env::ROLE, reaper::env::ROLE_REAPER)
        .env(reaper::env::SESSION, session.0.as_str())
        .env(reaper::env::ENDPOINT, engine().await.endpoint())
        .env(reaper::env::SOCKET, &socket)
        .env(reaper::env::LOCK, dir.join("lonely.lock"))
        .env(reaper::env::LISTEN_FD, "0")
        .env(reaper::env::STARTUP_TIMEOUT_MS, "300")
        .stdin(std::os::fd::OwnedFd::from(listener))
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(Duration::from_secs(10), output).await.expect("it exits by itself").unwrap();
    let log = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{}: {log}", output.status);
    assert!(started.elapsed() >= Duration::from_millis(300), "not before its timeout");
    assert!(log.contains("no client connected within 300ms; exiting without cleaning up"), "{log}");
    assert!(!socket.exists(), "it removes its socket");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn a_binary_whose_main_cannot_become_a_reaper_is_refused() {
    if std::env::var(reaper::env::SWITCH).is_ok_and(|v| v == "off") {
        return;
    }
    // This libtest binary never calls run_if_reaper_process: re-executed, it would run its tests.
    let session = TestSession::new("refused");
    let err = reaper::ensure(&engine().await, &session.0).await.unwrap_err();
    let message = err.to_string();
    assert!(matches!(err, scenario_runtime::Error::Reaper { .. }), "{message}");
    assert!(message.contains("run_if_reaper_process"), "{message}");
    assert_eq!(reapers_of(&session.0), Vec::<u32>::new());
}

/// The reaper itself SIGKILLed mid-session (an OOM killer, a `kill -9` aimed elsewhere): the next
/// process of the session starts a new one, and once the session's processes are gone it
/// removes everything of the session, the first process's containers included.
#[tokio::test]
async fn a_killed_reaper_is_replaced_by_the_next_process_and_the_session_still_ends_clean() {
    let engine = engine().await;
    let session = TestSession::new("lost");
    let mut first = Victim::start(&session.0, "scope").await;
    let lost = first.reaper_pid;
    assert!(is_reaper_of(lost, &session.0));
    // SAFETY: kill(2) on the reaper of this test's own session (checked just before).
    unsafe { libc::kill(lost as i32, libc::SIGKILL) };
    wait_until("the killed reaper is gone", SLACK, || async { !is_reaper_of(lost, &session.0) }).await;

    let mut second = Victim::start(&session.0, "lease").await;
    assert_ne!(second.reaper_pid, lost, "a new reaper");
    assert_eq!(reapers_of(&session.0), vec![second.reaper_pid], "one reaper for the session again");
    assert_eq!(leftovers(&engine, &session.0).await.len(), 3, "the first process's containers still run");

    first.kill().await;
    let replacement = second.reaper_pid;
    second.kill().await;
    let after = wait_until("the session's containers and network are removed", GRACE + SLACK, || async {
        leftovers(&engine, &session.0).await.is_empty()
    })
    .await;
    wait_until("the replacement reaper exits", SLACK, || async { !is_reaper_of(replacement, &session.0) }).await;
    println!("reaper SIGKILLed and replaced; all removed {} ms after the last process died", after.as_millis());
}

const HARNESS: &str = env!("CARGO_BIN_EXE_harness_fixture");

/// The grace period of the hand-over tests' reapers: longer than they wait for the removal, so
/// what the reaper removes meanwhile it removes because a run handed it over, not because the
/// session ended.
const HANDED_GRACE: Duration = Duration::from_secs(15);
/// How long the hand-over tests wait for the handed-over removal.
const HANDED_LIMIT: Duration = Duration::from_secs(10);

/// Runs `chain::started_in_dependency_order` (containers a, b, c) with the session's reaper on,
/// its grace period [`HANDED_GRACE`].
fn handing_over(run: &scenario_tests::FixtureRun, artifacts: &std::path::Path) -> std::process::Output {
    let out = run
        .command(&["--exact", "chain::started_in_dependency_order"])
        .env("SCENARIO_REAPER", "on")
        .env("SCENARIO_REAPER_GRACE_MS", HANDED_GRACE.as_millis().to_string())
        .env("SCENARIO_ARTIFACTS_DIR", artifacts)
        .output()
        .unwrap();
    let (stdout, stderr) = (scenario_tests::text(&out.stdout), scenario_tests::text(&out.stderr));
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stderr.contains("scenario chain: ready") && stderr.contains("started a, b, c"), "{stderr}");
    out
}

/// The reaper's log once it says `count` hand-overs were carried out (it says so after the
/// scope's other resources, so a little after the containers are gone).
async fn handed_over_logged(artifacts: &std::path::Path, session: &SessionId, count: usize) -> String {
    let path = artifacts.join("reaper").join(format!("{session}.log"));
    let read = || std::fs::read_to_string(&path).unwrap_or_default();
    wait_until(&format!("the reaper logs {count} hand-overs"), HANDED_LIMIT, || async {
        read().matches("removed the handed-over").count() >= count
    })
    .await;
    let log = read();
    assert_eq!(log.matches("removed the handed-over").count(), count, "{log}");
    log
}

/// Checks the session has one reaper, still in its grace period (so the removal seen was the
/// hand-over's), then waits for it to end the session.
async fn one_reaper_then_its_end(session: &SessionId, log: &str) {
    let reapers = reapers_of(session);
    assert_eq!(reapers.len(), 1, "one reaper, still in its grace period: {log}");
    wait_until("the reaper exits after its grace period", HANDED_GRACE + SLACK, || async {
        !is_reaper_of(reapers[0], session)
    })
    .await;
}

/// A harness run drains the logs, hands the removal of its containers to the session's reaper
/// and exits; the reaper removes them at once, not after its grace period.
#[tokio::test]
async fn a_run_hands_its_removal_to_the_reaper_which_carries_it_out_at_once() {
    let run = scenario_tests::FixtureRun::new(HARNESS, "handoff");
    let session = SessionId::new(&run.session);
    let artifacts = std::env::temp_dir().join(format!("scn-handoff-{}", run.session));
    handing_over(&run, &artifacts);
    for name in ["a", "b", "c"] {
        let log = artifacts.join(&run.session).join("chain").join(format!("{name}.log"));
        let text = std::fs::read_to_string(&log).unwrap_or_else(|e| panic!("{}: {e}", log.display()));
        assert!(text.contains(&format!("{name}-ready")), "drained before the hand-over: {text:?}");
    }
    let left = run.leftovers_once_removed(HANDED_LIMIT).await;
    assert_eq!(left, Vec::<String>::new(), "removed within {HANDED_LIMIT:?}, the reaper's grace is {HANDED_GRACE:?}");
    let log = handed_over_logged(&artifacts, &session, 1).await;
    assert!(log.contains("3 containers"), "{log}");
    one_reaper_then_its_end(&session, &log).await;
    let _ = std::fs::remove_dir_all(&artifacts);
}

/// The session's next process is greeted only once the removals handed over before it are done,
/// so it does not meet the names of the containers being removed (all runs of a scenario in one
/// session use the same names).
#[tokio::test]
async fn the_sessions_next_run_waits_for_a_handed_over_removal_instead_of_meeting_its_names() {
    let run = scenario_tests::FixtureRun::new(HARNESS, "handnext");
    let session = SessionId::new(&run.session);
    let artifacts = std::env::temp_dir().join(format!("scn-handnext-{}", run.session));
    for _ in 0..3 {
        handing_over(&run, &artifacts);
    }
    let left = run.leftovers_once_removed(HANDED_LIMIT).await;
    assert_eq!(left, Vec::<String>::new());
    let log = handed_over_logged(&artifacts, &session, 3).await;
    one_reaper_then_its_end(&session, &log).await;
    let _ = std::fs::remove_dir_all(&artifacts);
}
