//! Support for the integration tests: the engine, the shared test image, and scopes that are
//! unique per test (their own session label) and cleaned by labels even when a test panics.

pub mod daemon;
pub mod probe;
pub mod registry;
pub mod second_engine;

use std::sync::atomic::{AtomicU32, Ordering};

use scenario_runtime::__private::{cleanup, labels};
use scenario_runtime::prelude::*;

pub mod tls_engine;

/// The busybox image every runtime test runs; `scripts/prepare-images.sh` makes it locally.
pub const BUSYBOX: &str = "busybox:1.35";

/// Connects to the engine and checks the shared image is there, with a hint if not.
pub async fn engine() -> Engine {
    let engine = Engine::connect().await.expect("a Docker engine must be running for these tests");
    if engine.docker().inspect_image(BUSYBOX).await.is_err() {
        panic!("image {BUSYBOX} is missing: run scripts/prepare-images.sh (the README's test command does)");
    }
    engine
}

/// A scope of its own for one test: unique session, so tests running side by side never see
/// each other's containers. Dropping it removes whatever carries its session label.
pub struct TestScope {
    pub scope: Scope,
    pub session: SessionId,
}

/// A session id no other test uses.
pub fn unique_session(tag: &str) -> SessionId {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
    SessionId::new(&format!("{tag}{:x}{:x}{:x}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed), nanos))
}

/// A project of its own for a reuse test (reusable names leave the session out, so the project
/// keeps tests apart); dropping it removes everything of the project, kept containers included.
pub struct TestProject {
    pub project: ProjectId,
    pub engine: Engine,
}

impl TestProject {
    pub async fn new(tag: &str) -> TestProject {
        TestProject { project: ProjectId::new(unique_session(tag).as_str()), engine: engine().await }
    }

    /// A reusable scope of this project for `scenario`, as one run of the harness would make it.
    pub fn run_scope(&self, scenario: &str) -> Scope {
        let ids = ScopeIds::new(unique_session("run"), self.project.clone(), scenario).reusable(true);
        Scope::new(self.engine.clone(), ids)
    }

    fn filter(&self) -> Vec<String> {
        vec![format!("{}={}", labels::PROJECT, self.project)]
    }
}

impl Drop for TestProject {
    fn drop(&mut self) {
        let engine = self.engine.clone();
        let filter = self.filter();
        let _ = std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
                let _ = cleanup::remove_including_kept(&engine, &filter).await;
            })
        })
        .join();
    }
}

impl TestScope {
    pub async fn new(scenario: &str) -> TestScope {
        let session = unique_session("t");
        let ids = ScopeIds::new(session.clone(), ProjectId::new("scenariotests"), scenario);
        TestScope { scope: Scope::new(engine().await, ids), session }
    }

    /// Containers, networks and volumes that still carry this test's session label.
    pub async fn leftovers(&self) -> Vec<String> {
        leftovers(self.scope.engine(), &self.session).await
    }
}

impl std::ops::Deref for TestScope {
    type Target = Scope;
    fn deref(&self) -> &Scope {
        &self.scope
    }
}

impl Drop for TestScope {
    fn drop(&mut self) {
        // Drop cannot await; a thread with its own runtime keeps this usable from any test.
        let engine = self.scope.engine().clone();
        let session = self.session.clone();
        let _ = std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
                let _ = cleanup::remove_session(&engine, &session).await;
            })
        })
        .join();
    }
}

/// Names of everything on the engine labelled with `session`.
pub async fn leftovers(engine: &Engine, session: &SessionId) -> Vec<String> {
    use bollard::query_parameters::{
        ListContainersOptionsBuilder, ListNetworksOptionsBuilder, ListVolumesOptionsBuilder,
    };
    use std::collections::HashMap;
    let filters = HashMap::from([("label", vec![format!("{}={session}", labels::SESSION)])]);
    let docker = engine.docker();
    let mut names = Vec::new();
    for c in docker
        .list_containers(Some(ListContainersOptionsBuilder::new().all(true).filters(&filters).build()))
        .await
        .unwrap()
    {
        names.push(format!("container {:?}", c.names.unwrap_or_default()));
    }
    for n in docker.list_networks(Some(ListNetworksOptionsBuilder::new().filters(&filters).build())).await.unwrap() {
        names.push(format!("network {}", n.name.unwrap_or_default()));
    }
    for v in docker
        .list_volumes(Some(ListVolumesOptionsBuilder::new().filters(&filters).build()))
        .await
        .unwrap()
        .volumes
        .unwrap_or_default()
    {
        names.push(format!("volume {}", v.name));
    }
    names
}

/// An engine events `since` value a second before now. bollard sends the events request only when
/// the stream is first polled, so a wait that looks, then reads events, starts them from here: no
/// event between the look and the request is missed.
pub fn a_second_ago() -> String {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    now.as_secs().saturating_sub(1).to_string()
}

/// What still carries `session`'s label once that is nothing, or after `limit`: for runs whose
/// removal the session's reaper carries out after the process exited. Between looks it waits on
/// the engine's destroy events (since just before the first look, so none falls in between).
pub async fn leftovers_once_removed(engine: &Engine, session: &SessionId, limit: std::time::Duration) -> Vec<String> {
    use futures_util::StreamExt;
    let since = a_second_ago();
    // Not filtered by label: network and volume events do not carry their resource's labels.
    let filters = std::collections::HashMap::from([("event", vec!["destroy".to_string()])]);
    let options = bollard::query_parameters::EventsOptionsBuilder::new().since(&since).filters(&filters).build();
    let mut destroyed = engine.docker().events(Some(options));
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        let left = leftovers(engine, session).await;
        if left.is_empty() {
            return left;
        }
        match tokio::time::timeout_at(deadline, destroyed.next()).await {
            Ok(Some(Ok(_))) => {}
            _ => return leftovers(engine, session).await,
        }
    }
}

/// A busybox container running a shell script.
pub fn sh(name: &str, script: &str) -> ContainerSpec {
    ContainerSpec::from_image(name, BUSYBOX).cmd(["sh", "-c", script])
}

/// A run of a scenario test binary (a fixture) as a subprocess, the way a user or nextest runs
/// one, under a session and project of its own; the project's optional features are off unless
/// a test turns them on.
pub struct FixtureRun {
    pub binary: &'static str,
    pub session: String,
    pub project: String,
}

impl FixtureRun {
    pub fn new(binary: &'static str, tag: &str) -> FixtureRun {
        let session = unique_session(tag).as_str().to_string();
        FixtureRun { binary, project: format!("fx{session}"), session }
    }

    pub fn command(&self, args: &[&str]) -> std::process::Command {
        let mut command = std::process::Command::new(self.binary);
        command
            .args(args)
            .env("SCENARIO_SESSION_ID", &self.session)
            .env("SCENARIO_PROJECT", &self.project)
            .env("SCENARIO_REAPER", "off");
        for inherited in [
            "SCENARIO_REUSE",
            "SCENARIO_INSTANCES",
            "SCENARIO_POOL",
            "NEXTEST_EXECUTION_MODE",
            "NEXTEST_TEST_GLOBAL_SLOT",
        ] {
            command.env_remove(inherited);
        }
        command
    }

    pub fn run(&self, args: &[&str]) -> std::process::Output {
        self.command(args).output().expect("the fixture runs")
    }

    /// Everything on the engine labelled with this run's session.
    pub async fn leftovers(&self) -> Vec<String> {
        leftovers(&Engine::connect().await.unwrap(), &SessionId::new(&self.session)).await
    }

    /// [`leftovers_once_removed`] for this run's session: a run with the reaper on hands its
    /// removal to the reaper, which carries it out after the run exited.
    pub async fn leftovers_once_removed(&self, limit: std::time::Duration) -> Vec<String> {
        leftovers_once_removed(&Engine::connect().await.unwrap(), &SessionId::new(&self.session), limit).await
    }
}

/// The safety net of a failed assertion: whatever still carries the run's session goes.
impl Drop for FixtureRun {
    fn drop(&mut self) {
        let session = SessionId::new(&self.session);
        let _ = std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
                if let Ok(engine) = Engine::connect().await {
                    let _ = cleanup::remove_session(&engine, &session).await;
                }
            })
        })
        .join();
    }
}

/// Output bytes as text.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn no_hook(_: &Container<Ready>) -> scenario_runtime::__private::HookFuture<'_> {
    Box::pin(async { Ok(()) })
}

/// A container entry without hooks, for tests that launch scenarios without the macros.
pub const fn entry(
    name: &'static str,
    depends_on: &'static [&'static str],
    spec: fn() -> ContainerSpec,
) -> scenario_runtime::__private::ContainerEntry {
    scenario_runtime::__private::ContainerEntry {
        name,
        depends_on,
        spec,
        post_start: no_hook,
        prepare: no_hook,
        drain: no_hook,
        prestart: 0,
    }
}

/// What the benchmarks share: how many rounds to run and how to report them.
pub mod bench {
    use std::time::Duration;

    /// 9 rounds under `cargo bench` (which passes `--bench`), 1 as a smoke test under
    /// `cargo test --all-targets`; `SCENARIO_BENCH_ROUNDS` overrides both.
    pub fn rounds() -> usize {
        let measuring = std::env::args().any(|a| a == "--bench");
        let default = if measuring { 9 } else { 1 };
        std::env::var("SCENARIO_BENCH_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(default)
    }

    pub fn median(mut samples: Vec<Duration>) -> Duration {
        samples.sort();
        samples[samples.len() / 2]
    }

    pub fn ms(d: Duration) -> f64 {
        d.as_secs_f64() * 1000.0
    }
}
