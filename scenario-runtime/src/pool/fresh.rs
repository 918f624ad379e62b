//! A fresh container owned by one test, and the ledger of what this process owns, so that nothing
//! outlives its test: `release().await` drains the logs and removes it; dropping it removes it
//! too (deferred to the end of the test under the harness, else at once on a helper thread);
//! and whatever a test leaked (forgotten, moved into a detached task) is removed by the harness
//! when the test ends or, at the latest, before its scenario's network is removed.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::base::error::{status_of, Error, Result};
use crate::container::{Container, Ready, Removed};
use crate::engine::Engine;

/// A ready container of its own for one test: from the pre-started pool (a network connect and a
/// quick readiness probe) or started for it. It answers to [`alias`](Self::alias) on the
/// scenario's network and derefs to its [`Container<Ready>`] (ports, URLs, exec, logs).
#[derive(Debug)]
pub struct FreshContainer {
    container: Option<Container<Ready>>,
    kind: String,
    from_pool: bool,
    took: Duration,
}

impl FreshContainer {
    pub(crate) fn new(container: Container<Ready>, kind: &str, from_pool: bool, took: Duration) -> FreshContainer {
        FreshContainer { container: Some(container), kind: kind.to_string(), from_pool, took }
    }

    fn ready(&self) -> &Container<Ready> {
        self.container.as_ref().expect("a FreshContainer holds its container until released or dropped")
    }

    /// The name the scenario's other containers reach it by (`cache-1f2e3d4c`); also its
    /// `name()`, its log file's name and the name errors give.
    pub fn alias(&self) -> &str {
        self.ready().name()
    }

    /// The declared container it is a fresh instance of (`cache`).
    pub fn kind(&self) -> &str {
        &self.kind
    }

    /// Taken from the pre-started pool (else started for this test).
    pub fn from_pool(&self) -> bool {
        self.from_pool
    }

    /// How long it took from asking to ready.
    pub fn took(&self) -> Duration {
        self.took
    }

    /// Writes its logs to the scenario's artifacts folder (`<alias>.log`) and removes it.
    pub async fn release(mut self) -> Result<Removed> {
        let container = self.container.take().expect("a FreshContainer is released once");
        finish(container).await
    }
}

impl std::ops::Deref for FreshContainer {
    type Target = Container<Ready>;

    fn deref(&self) -> &Container<Ready> {
        self.ready()
    }
}

impl Drop for FreshContainer {
    fn drop(&mut self) {
        let Some(container) = self.container.take() else { return };
        // Inside a harness test on the harness's runtime: removed concurrently, and the harness
        // waits for it before the test counts as finished.
        let in_harness_test = TEST_TAKEN.try_with(|_| ()).is_ok();
        if let Ok(handle) = tokio::runtime::Handle::try_current() {
            if in_harness_test && handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread {
                let task = handle.spawn(async move {
                    if let Err(e) = finish(container).await {
                        eprintln!("warning: removing a dropped fresh container: {e}");
                    }
                });
                PENDING.lock().unwrap().push(task);
                return;
            }
        }
        // Anywhere else (a `#[tokio::test]` runtime about to end, no runtime at all): now, on a
        // thread with a runtime and engine connection of its own, so a blocked or ending runtime
        // cannot stall the removal.
        let owned = Owned::of(&container);
        let (id, log_path) = (container.id().to_string(), log_path(&container));
        let ledger_id = id.clone();
        drop(container);
        let removed = std::thread::spawn(move || {
            let runtime =
                tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
            runtime.block_on(async {
                let engine = Engine::connect_to(owned.engine.endpoint()).await.map_err(|e| e.to_string())?;
                if let Ok(logs) = crate::primitives::logs::read_logs(&engine, &id, &owned.label, None, None).await {
                    if let Some(dir) = log_path.parent() {
                        let _ = std::fs::create_dir_all(dir);
                    }
                    let _ = std::fs::write(&log_path, logs);
                }
                remove_by_id(&engine, &id, &owned.label).await.map_err(|e| e.to_string())
            })
        })
        .join();
        match removed {
            Ok(Ok(())) => unregister(&ledger_id),
            Ok(Err(e)) => eprintln!("warning: removing a dropped fresh container: {e}"),
            Err(_) => eprintln!("warning: removing a dropped fresh container panicked"),
        }
    }
}

fn log_path(container: &Container<Ready>) -> std::path::PathBuf {
    container.scope().artifacts_dir().join(format!("{}.log", crate::base::identity::sanitize(container.name())))
}

/// Drain (logs to artifacts), then removal even if the drain failed.
async fn finish(container: Container<Ready>) -> Result<Removed> {
    let (scope, id, name) = (container.scope().clone(), container.id().to_string(), container.name().to_string());
    let result = match container.drain().await {
        Ok(drained) => drained.remove().await,
        Err(e) => crate::container::teardown::remove_container(&scope, &id, &name, Duration::ZERO).await.and(Err(e)),
    };
    if result.is_ok() {
        unregister(&id);
    }
    result
}

/// Force-removes a container; gone already is fine.
pub(crate) async fn remove_by_id(engine: &Engine, id: &str, label: &str) -> Result<()> {
    let options = bollard::query_parameters::RemoveContainerOptionsBuilder::new().force(true).v(true).build();
    match engine.docker().remove_container(id, Some(options)).await {
        Ok(()) => Ok(()),
        Err(e) if status_of(&e) == Some(404) => Ok(()),
        // 409: a removal is already in progress (a dropped guard's and a sweep's).
        Err(e) if status_of(&e) == Some(409) => Ok(()),
        Err(e) => Err(Error::engine("remove", label, e)),
    }
}

/// A container this process claimed or started for a test and has not removed yet.
#[derive(Clone, Debug)]
struct Owned {
    engine: Engine,
    /// The scenario network it joined.
    network: String,
    /// The name errors give (its alias).
    label: String,
}

impl Owned {
    fn of(container: &Container<Ready>) -> Owned {
        Owned {
            engine: container.scope().engine().clone(),
            network: container.scope().network_name().to_string(),
            label: container.name().to_string(),
        }
    }
}

static OWNED: Mutex<Option<HashMap<String, Owned>>> = Mutex::new(None);
static PENDING: Mutex<Vec<tokio::task::JoinHandle<()>>> = Mutex::new(Vec::new());

tokio::task_local! {
    /// Ids of the fresh containers taken during the current harness test.
    static TEST_TAKEN: Arc<Mutex<Vec<String>>>;
}

/// Records a container as owned by this process from the moment it was claimed or created (so
/// a cancelled or failed hand-over cannot leak it past its test or its scenario).
pub(crate) fn register(engine: &Engine, network: &str, id: &str, label: &str) {
    let owned = Owned { engine: engine.clone(), network: network.to_string(), label: label.to_string() };
    OWNED.lock().unwrap().get_or_insert_with(HashMap::new).insert(id.to_string(), owned);
    let _ = TEST_TAKEN.try_with(|taken| taken.lock().unwrap().push(id.to_string()));
}

pub(crate) fn unregister(id: &str) {
    if let Some(owned) = OWNED.lock().unwrap().as_mut() {
        owned.remove(id);
    }
}

/// Waits for the removals of dropped fresh containers that are still running.
pub(crate) async fn settle() {
    loop {
        let pending: Vec<_> = std::mem::take(&mut *PENDING.lock().unwrap());
        if pending.is_empty() {
            return;
        }
        futures_util::future::join_all(pending).await;
    }
}

/// Removes the owned containers `select` picks (by id and what is known of them).
async fn remove_owned(select: impl Fn(&str, &Owned) -> bool) -> Result<usize> {
    let chosen: Vec<(String, Owned)> = OWNED
        .lock()
        .unwrap()
        .iter()
        .flatten()
        .filter(|(id, owned)| select(id, owned))
        .map(|(id, owned)| (id.clone(), owned.clone()))
        .collect();
    let removals = chosen.iter().map(|(id, owned)| async move {
        let removed = remove_by_id(&owned.engine, id, &owned.label).await;
        if removed.is_ok() {
            unregister(id);
        }
        removed
    });
    let results = futures_util::future::join_all(removals).await;
    let count = results.iter().filter(|r| r.is_ok()).count();
    results.into_iter().find_map(Result::err).map_or(Ok(count), Err)
}

/// Runs one harness test with its fresh containers tracked: when it ends (passed, failed or
/// panicked, as the output of `test`), dropped ones have been removed and leaked ones are.
pub(crate) async fn scoped<F: Future>(test: F) -> F::Output {
    let taken: Arc<Mutex<Vec<String>>> = Arc::default();
    let output = TEST_TAKEN.scope(taken.clone(), test).await;
    settle().await;
    let ids: Vec<String> = std::mem::take(&mut *taken.lock().unwrap());
    match remove_owned(|id, _| ids.iter().any(|t| t == id)).await {
        Ok(0) => {}
        Ok(n) => eprintln!("note: removed {n} fresh container(s) the test did not release"),
        Err(e) => eprintln!("warning: removing the fresh containers a test left: {e}"),
    }
    output
}

/// Removes the fresh containers still owned on a scenario network, before the network goes.
pub(crate) async fn sweep(engine: &Engine, network: &str) -> Result<usize> {
    settle().await;
    remove_owned(|_, owned| owned.network == network && owned.engine.endpoint() == engine.endpoint()).await
}

/// Removes every fresh container this process still owns.
pub(crate) async fn sweep_all() -> Result<usize> {
    settle().await;
    remove_owned(|_, _| true).await
}
