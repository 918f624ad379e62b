//! The pools of one harness run (`--prestart-pool` or `SCENARIO_POOL=1`): one per engine and
//! poolable container (`prestart = N`, no dependencies) of the scenarios with selected tests.
//!
//! - They start filling when a scenario first needs an engine, in the background.
//! - A normal run keeps `min(N, tests not yet started)` containers of a pool ready: it stops
//!   refilling once no queued test of a scenario with that container is left, and removes its
//!   leftovers once no such test is running either.
//! - Under nextest (a process per test) the pool is the session's, shared by its processes: a
//!   process keeps it filled to `N` while its test runs and leaves the rest to the next process
//!   (the session's reaper removes what the last one leaves).
//!
//! Without the flag no pool exists and `Env::fresh` starts every fresh container directly.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

use super::{FreshContainer, Pool, PoolIds};
use crate::base::error::{Error, Result};
use crate::base::identity::{ProjectId, SessionId};
use crate::declare::{ContainerEntry, ScenarioRegistration};
use crate::engine::Engine;
use crate::scope::Scope;
use crate::spec::ContainerSpec;

struct Registry {
    /// Under nextest: leave what is left to the session's other processes.
    keep_leftovers: bool,
    /// The poolable containers of each scenario (by module path) with selected tests.
    scenarios: HashMap<&'static str, Vec<ContainerEntry>>,
    /// Selected tests not started yet, per scenario.
    queued: HashMap<&'static str, AtomicUsize>,
    /// Selected tests not finished yet, per scenario.
    unfinished: HashMap<&'static str, AtomicUsize>,
    /// Endpoints whose pools are started (or starting).
    engines: Mutex<HashSet<String>>,
    pools: Mutex<Vec<Running>>,
}

struct Running {
    endpoint: String,
    pool: Pool,
    /// The scenarios whose tests may take from it.
    scenarios: Vec<&'static str>,
    retired: bool,
}

static REGISTRY: OnceLock<Registry> = OnceLock::new();

/// Turns pools on for this run: `selected` counts the selected tests per scenario module path.
pub(crate) fn plan(scenarios: &[&'static ScenarioRegistration], selected: &HashMap<&str, usize>, keep_leftovers: bool) {
    let mut poolable = HashMap::new();
    let (mut queued, mut unfinished) = (HashMap::new(), HashMap::new());
    for scenario in scenarios {
        let tests = selected.get(scenario.module_path).copied().unwrap_or(0);
        let entries: Vec<ContainerEntry> =
            scenario.containers.iter().filter(|e| e.prestart > 0 && e.depends_on.is_empty()).copied().collect();
        if tests == 0 || entries.is_empty() {
            continue;
        }
        poolable.insert(scenario.module_path, entries);
        queued.insert(scenario.module_path, AtomicUsize::new(tests));
        unfinished.insert(scenario.module_path, AtomicUsize::new(tests));
    }
    let _ = REGISTRY.set(Registry {
        keep_leftovers,
        scenarios: poolable,
        queued,
        unfinished,
        engines: Mutex::new(HashSet::new()),
        pools: Mutex::new(Vec::new()),
    });
}

/// A scenario got `engine`: the first time for an engine, its pools start filling (in the
/// background, so the scenario's own start is not held up).
pub(crate) fn engine_ready(engine: &Engine, session: &SessionId, project: &ProjectId) {
    let Some(registry) = REGISTRY.get() else { return };
    if registry.scenarios.is_empty() || !registry.engines.lock().unwrap().insert(engine.endpoint().to_string()) {
        return;
    }
    let (engine, session, project) = (engine.clone(), session.clone(), project.clone());
    tokio::spawn(async move { start_pools(registry, engine, session, project).await });
}

async fn start_pools(registry: &'static Registry, engine: Engine, session: SessionId, project: ProjectId) {
    // One pool per distinct spec, whichever scenarios list the container.
    let mut by_key: HashMap<String, (ContainerSpec, usize, Vec<&'static str>)> = HashMap::new();
    for (scenario, entries) in &registry.scenarios {
        for entry in entries {
            let spec = match spec_of(entry.spec, entry.name).await {
                Ok(spec) => spec,
                Err(e) => {
                    eprintln!("warning: no pre-start pool for `{}`: {e}", entry.name);
                    continue;
                }
            };
            let key = PoolIds::new(session.clone(), project.clone(), &spec).key;
            let slot = by_key.entry(key).or_insert_with(|| (spec, 0, Vec::new()));
            slot.1 = slot.1.max(entry.prestart);
            slot.2.push(scenario);
        }
    }
    for (spec, size, scenarios) in by_key.into_values() {
        let name = spec.name.clone();
        match Pool::new(engine.clone(), session.clone(), project.clone(), spec, size) {
            Ok(pool) => {
                let running = Running { endpoint: engine.endpoint().to_string(), pool, scenarios, retired: false };
                running.pool.set_target(registry.target(&running));
                registry.pools.lock().unwrap().push(running);
            }
            Err(e) => eprintln!("warning: no pre-start pool for `{name}`: {e}"),
        }
    }
}

impl Registry {
    fn count(map: &HashMap<&'static str, AtomicUsize>, scenarios: &[&'static str]) -> usize {
        scenarios.iter().filter_map(|s| map.get(s)).map(|n| n.load(Ordering::Acquire)).sum()
    }

    /// How many containers a pool should keep ready now.
    fn target(&self, running: &Running) -> usize {
        if running.retired {
            0
        } else if self.keep_leftovers {
            // The session's next processes take from it too: keep it full while ours run.
            if Self::count(&self.unfinished, &running.scenarios) > 0 {
                running.pool.size()
            } else {
                0
            }
        } else {
            running.pool.size().min(Self::count(&self.queued, &running.scenarios))
        }
    }

    fn retarget(&self, scenario: &str) {
        for running in self.pools.lock().unwrap().iter().filter(|r| r.scenarios.contains(&scenario)) {
            running.pool.set_target(self.target(running));
        }
    }
}

fn decrement(map: &HashMap<&'static str, AtomicUsize>, scenario: &str) {
    if let Some(count) = map.get(scenario) {
        let _ = count.fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1));
    }
}

/// A test of `scenario` begins: one queued test fewer for its pools.
pub(crate) fn test_started(scenario: &ScenarioRegistration) {
    let Some(registry) = REGISTRY.get() else { return };
    decrement(&registry.queued, scenario.module_path);
    registry.retarget(scenario.module_path);
}

/// A test of `scenario` ended: pools no remaining test can use stop and (in a normal run) remove
/// their leftovers.
pub(crate) async fn test_finished(scenario: &ScenarioRegistration) {
    let Some(registry) = REGISTRY.get() else { return };
    decrement(&registry.unfinished, scenario.module_path);
    registry.retarget(scenario.module_path);
    let done: Vec<Pool> = registry
        .pools
        .lock()
        .unwrap()
        .iter_mut()
        .filter(|r| !r.retired && Registry::count(&registry.unfinished, &r.scenarios) == 0)
        .map(|r| {
            r.retired = true;
            r.pool.clone()
        })
        .collect();
    for pool in done {
        retire(&pool, !registry.keep_leftovers).await;
    }
}

async fn retire(pool: &Pool, remove_leftovers: bool) {
    if let Err(e) = pool.shutdown(remove_leftovers).await {
        eprintln!("warning: removing what the pre-start pool of `{}` left: {e}", pool.container());
    }
}

/// The end of the run (or an interrupt): every fresh container still owned is removed, and
/// every pool stops.
pub(crate) async fn shutdown() {
    if let Err(e) = super::sweep_all().await {
        eprintln!("warning: removing fresh containers: {e}");
    }
    let Some(registry) = REGISTRY.get() else { return };
    let pools: Vec<Pool> = registry
        .pools
        .lock()
        .unwrap()
        .iter_mut()
        .map(|r| {
            r.retired = true;
            r.pool.clone()
        })
        .collect();
    futures_util::future::join_all(pools.iter().map(|p| retire(p, !registry.keep_leftovers))).await;
}

/// Before a scenario instance's network goes: remove the fresh containers this process still
/// owns on it (a test leaked them).
pub(crate) async fn land(scope: &Scope) {
    match super::sweep(scope.engine(), scope.network_name()).await {
        Ok(0) => {}
        Ok(n) => eprintln!("note: removed {n} fresh container(s) left on scenario `{}`", scope.ids().scenario),
        Err(e) => eprintln!("warning: removing fresh containers of scenario `{}`: {e}", scope.ids().scenario),
    }
}

/// `Env::fresh`: from this engine's pool of that spec if the run has one, else started directly.
pub(crate) async fn fresh(scope: &Scope, name: &'static str, spec: fn() -> ContainerSpec) -> Result<FreshContainer> {
    let spec = spec_of(spec, name).await?;
    let pool = REGISTRY.get().and_then(|registry| {
        let key = PoolIds::new(scope.ids().session.clone(), scope.ids().project.clone(), &spec).key;
        let pools = registry.pools.lock().unwrap();
        pools.iter().find(|r| r.endpoint == scope.engine().endpoint() && r.pool.key() == key).map(|r| r.pool.clone())
    });
    match pool {
        Some(pool) => pool.take(scope).await,
        None => super::start_fresh(scope, spec).await,
    }
}

/// A spec may prepare its build context (compile a service): keep that off the runtime.
async fn spec_of(spec: fn() -> ContainerSpec, name: &str) -> Result<ContainerSpec> {
    tokio::task::spawn_blocking(spec).await.map_err(|e| Error::InvalidSpec {
        container: name.to_string(),
        reason: format!("building its spec panicked: {e}"),
    })
}
