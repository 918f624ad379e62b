//! Pre-started pools: a test that wants a container of its own (`env.fresh::<Cache>()`) gets one
//! that is already running, so acquiring it is a claim, a network connect and a quick readiness
//! probe instead of a create and a start.
//!
//! A [`Pool`] keeps up to `size` started, unclaimed containers of one spec for a session, on a
//! network of its own. A taker claims one atomically (a rename: see `names`), connects it to
//! its scenario's network under a unique alias (`cache-1f2e3d4c`) and probes its readiness; the
//! pool refills the freed slot in the background. With no container to claim, [`Pool::take`]
//! starts one directly, as [`start_fresh`] does without a pool. Either way the test owns a
//! [`FreshContainer`], removed when it is released, dropped, or its test ends.
//!
//! Everything a pool creates carries the managed and session labels (the reaper removes it after
//! a crash), `dev.scenario.pool=<container>-<spec hash>` and `dev.scenario.fresh=true`. Under
//! the harness, `--prestart-pool` or `SCENARIO_POOL=1` turns pools on for every container
//! declared with `prestart = N` (see `prestart`).

mod claim;
mod create;
mod env;
mod fresh;
mod names;
pub(crate) mod prestart;

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::{watch, Notify};
use tokio::task::JoinSet;

pub use fresh::FreshContainer;
pub(crate) use fresh::{scoped, sweep, sweep_all};

use crate::base::error::{Error, Result};
use crate::base::identity::{ProjectId, SessionId};
use crate::base::labels;
use crate::container::{Container, Started};
use crate::engine::Engine;
use crate::primitives::found::ContainerState;
use crate::scope::Scope;
use crate::spec::{ContainerSpec, Mount};
use names::PoolIds;

/// An unclaimed container that has been `created` for this long without running was left by a
/// process that died between create and start: it is removed to free its slot.
const STUCK_CREATED_SECS: i64 = 30;

/// What a pool holds, as its filler last saw it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PoolStatus {
    /// Unclaimed, running containers (started by any process of the session) that this process
    /// is not still starting.
    pub available: usize,
    /// Containers this process is creating, starting or proving ready.
    pub starting: usize,
    /// Containers this process's filler has brought up so far.
    pub started: usize,
    /// Why the pool stopped filling (a pre-start failed); takers then start containers directly.
    pub failed: Option<String>,
}

/// A bounded pool of pre-started containers of one spec. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Pool(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    engine: Engine,
    ids: PoolIds,
    spec: ContainerSpec,
    size: usize,
    /// The pool's own scope: its network and where the logs of failed pre-starts go.
    scope: Scope,
    target: AtomicUsize,
    wake: Notify,
    status: watch::Sender<PoolStatus>,
    stopping: watch::Sender<bool>,
    /// On stop, remove what is still being started (else leave it for others of the session).
    remove_on_stop: AtomicBool,
    filler: Mutex<Option<tokio::task::JoinHandle<()>>>,
    /// Slots this process is creating, starting or proving ready.
    starting: Mutex<HashSet<usize>>,
}

impl Pool {
    /// A pool of at most `size` pre-started `spec` containers for `session` of `project`.
    /// Nothing starts until [`set_target`](Self::set_target) asks for some.
    pub fn new(
        engine: Engine,
        session: SessionId,
        project: ProjectId,
        spec: ContainerSpec,
        size: usize,
    ) -> Result<Pool> {
        check_fresh_spec(&spec)?;
        if size == 0 {
            return Err(Error::InvalidSpec {
                container: spec.name.clone(),
                reason: "a pool needs a size of at least 1".into(),
            });
        }
        let ids = PoolIds::new(session, project, &spec);
        let scope = Scope::new(engine.clone(), ids.ids.clone());
        Ok(Pool(Arc::new(Inner {
            engine,
            ids,
            spec,
            size,
            scope,
            target: AtomicUsize::new(0),
            wake: Notify::new(),
            status: watch::Sender::new(PoolStatus::default()),
            stopping: watch::Sender::new(false),
            remove_on_stop: AtomicBool::new(true),
            filler: Mutex::new(None),
            starting: Mutex::new(HashSet::new()),
        })))
    }

    /// `<container>-<spec hash>`: the value of the pool's `dev.scenario.pool` label.
    pub fn key(&self) -> &str {
        &self.0.ids.key
    }

    /// The most unclaimed containers the pool keeps started.
    pub fn size(&self) -> usize {
        self.0.size
    }

    /// The container's name in its scenarios.
    pub fn container(&self) -> &str {
        &self.0.spec.name
    }

    /// Keep `n` (at most the size) unclaimed containers started; 0 stops refilling. Starts the
    /// background filler on the current tokio runtime the first time.
    pub fn set_target(&self, n: usize) {
        let n = n.min(self.0.size);
        if self.0.target.swap(n, Ordering::AcqRel) == n {
            return;
        }
        let mut filler = self.0.filler.lock().unwrap();
        if filler.is_none() && n > 0 && !*self.0.stopping.borrow() {
            *filler = Some(tokio::spawn(fill(self.0.clone())));
        }
        self.0.wake.notify_one();
    }

    /// The status as the filler last published it.
    pub fn status(&self) -> PoolStatus {
        self.0.status.borrow().clone()
    }

    /// The status as it changes (each time the filler looks at the pool). Do not keep a borrow
    /// of it (such as the guard `wait_for` returns) across an await: the filler cannot publish
    /// while one is held.
    pub fn subscribe(&self) -> watch::Receiver<PoolStatus> {
        self.0.status.subscribe()
    }

    /// Waits until at least `n` containers are available; fails if the pool stopped filling or
    /// `timeout` passed.
    pub async fn wait_available(&self, n: usize, timeout: Duration) -> Result<()> {
        let mut status = self.0.status.subscribe();
        let waited = tokio::time::timeout(timeout, async {
            status.wait_for(|s| s.available >= n || s.failed.is_some()).await.map(drop)
        })
        .await;
        let seen = self.status();
        match (waited, seen.failed) {
            (_, Some(why)) => Err(self.error(why)),
            (Ok(Ok(_)), None) => Ok(()),
            _ => Err(self.error(format!(
                "{} of {n} pool containers available after {timeout:?} ({} starting)",
                seen.available, seen.starting
            ))),
        }
    }

    fn error(&self, reason: String) -> Error {
        Error::InvalidSpec { container: self.0.spec.name.clone(), reason: format!("its pre-start pool: {reason}") }
    }

    /// A fresh container of the pool for `scope`'s test: claimed, joined to the scenario's
    /// network under its alias, and proven ready. `None` when nothing can be claimed (while this
    /// process is still starting some, it waits for them instead).
    pub async fn claim(&self, scope: &Scope) -> Result<Option<FreshContainer>> {
        self.claim_since(scope, Instant::now()).await
    }

    async fn claim_since(&self, scope: &Scope, begun: Instant) -> Result<Option<FreshContainer>> {
        let inner = &self.0;
        let deadline = tokio::time::Instant::now() + inner.spec.readiness.timeout;
        let mut status = inner.status.subscribe();
        loop {
            let listed = claim::list(&inner.engine, &inner.ids).await?;
            status.borrow_and_update();
            // Proven ready first, then those still on their way (their probe is as good as ours).
            let mut running: Vec<&claim::Candidate> = listed.iter().filter(|c| c.running()).collect();
            running.sort_by_key(|c| self.is_starting(c.slot));
            for candidate in running {
                if claim::claim(&inner.engine, &inner.ids, candidate).await? {
                    inner.wake.notify_one();
                    return claim::hand_over(scope, &inner.ids, &inner.spec, candidate, begun).await.map(Some);
                }
            }
            let seen = self.status();
            if seen.starting == 0 || seen.failed.is_some() || *inner.stopping.borrow() {
                return Ok(None);
            }
            // Wait for this process's starts to land (or the deadline), then look again.
            if tokio::time::timeout_at(deadline, status.changed()).await.is_err() {
                return Ok(None);
            }
        }
    }

    fn is_starting(&self, slot: usize) -> bool {
        self.0.starting.lock().unwrap().contains(&slot)
    }

    /// A fresh container for `scope`'s test: from the pool if one can be claimed, else started
    /// directly.
    pub async fn take(&self, scope: &Scope) -> Result<FreshContainer> {
        let begun = Instant::now();
        match self.claim_since(scope, begun).await? {
            Some(fresh) => Ok(fresh),
            None => start_fresh_since(scope, self.0.spec.clone(), begun).await,
        }
    }

    /// Stops refilling and waits for the filler. With `remove_leftovers`, the unclaimed
    /// containers are claimed and removed (never one another taker got first) and the pool's
    /// network goes if nothing uses it any more; without, they stay for other processes of the
    /// session (the reaper removes them after its last process). Returns how many were removed.
    pub async fn shutdown(&self, remove_leftovers: bool) -> Result<usize> {
        let inner = &self.0;
        inner.remove_on_stop.store(remove_leftovers, Ordering::Release);
        inner.stopping.send_replace(true);
        inner.target.store(0, Ordering::Release);
        inner.wake.notify_one();
        let filler = inner.filler.lock().unwrap().take();
        if let Some(filler) = filler {
            let _ = filler.await;
        }
        if !remove_leftovers {
            return Ok(0);
        }
        let mut removed = 0;
        let mut first_error = None;
        for candidate in claim::list(&inner.engine, &inner.ids).await? {
            match claim_and_remove(inner, &candidate).await {
                Ok(true) => removed += 1,
                Ok(false) => {}
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        // Fails while claimed containers (or other processes' pools) still use it: then the
        // last one out, or the reaper, removes it.
        if let Err(e) = inner.scope.remove_network_and_volumes().await {
            tracing::debug!(pool = %inner.ids.key, "pool network stays: {e}");
        }
        first_error.map_or(Ok(removed), Err)
    }
}

/// Claims a pool container for removal and removes it; false if another taker had it first.
async fn claim_and_remove(inner: &Inner, candidate: &claim::Candidate) -> Result<bool> {
    if !claim::claim(&inner.engine, &inner.ids, candidate).await? {
        return Ok(false);
    }
    let label = format!("{} (pool slot {})", inner.spec.name, candidate.slot);
    fresh::remove_by_id(&inner.engine, &candidate.id, &label).await?;
    Ok(true)
}

/// The background filler: keeps `target` slots occupied, woken by takes, finished starts, target
/// changes and the engine's events for the pool's containers (takes by other processes).
async fn fill(inner: Arc<Inner>) {
    let mut stopping = inner.stopping.subscribe();
    let watcher = tokio::spawn(watch_events(inner.clone()));
    let mut starts: JoinSet<(usize, Result<bool>)> = JoinSet::new();
    let mut starting: HashSet<usize> = HashSet::new();
    let mut started = 0;
    let mut failed: Option<String> = None;
    loop {
        if *stopping.borrow_and_update() {
            break;
        }
        let target = inner.target.load(Ordering::Acquire);
        match claim::list(&inner.engine, &inner.ids).await {
            Ok(listed) => {
                let now = unix_now();
                let mut present = HashSet::new();
                let mut available = 0;
                for candidate in &listed {
                    present.insert(candidate.slot);
                    let ours = starting.contains(&candidate.slot);
                    let stuck = match candidate.state {
                        ContainerState::Running => false,
                        ContainerState::Created => !ours && now - candidate.created > STUCK_CREATED_SECS,
                        // Restarting and paused are in flux; exited and dead never serve.
                        ContainerState::Restarting | ContainerState::Paused => false,
                        _ => !ours,
                    };
                    if candidate.running() && !ours {
                        available += 1;
                    } else if stuck {
                        if let Err(e) = claim_and_remove(&inner, candidate).await {
                            tracing::warn!(pool = %inner.ids.key, "removing a dead pool container: {e}");
                        }
                    }
                }
                if failed.is_none() {
                    let missing: Vec<usize> =
                        (0..target).filter(|s| !present.contains(s) && !starting.contains(s)).collect();
                    for slot in missing {
                        starting.insert(slot);
                        starts.spawn(start_slot(inner.clone(), slot, stopping.clone()).map_slot(slot));
                    }
                }
                inner.starting.lock().unwrap().clone_from(&starting);
                inner.status.send_replace(PoolStatus {
                    available,
                    starting: starting.len(),
                    started,
                    failed: failed.clone(),
                });
            }
            Err(e) => {
                failed = Some(e.to_string());
                inner.status.send_modify(|s| s.failed = failed.clone());
            }
        }
        tokio::select! {
            _ = inner.wake.notified() => {}
            _ = stopping.changed() => {}
            Some(done) = starts.join_next(), if !starts.is_empty() => {
                match done {
                    Ok((slot, outcome)) => {
                        starting.remove(&slot);
                        match outcome {
                            Ok(created) => started += usize::from(created),
                            Err(e) => {
                                eprintln!("warning: the pre-start pool of `{}` stopped filling: {e}", inner.spec.name);
                                failed = Some(e.to_string());
                            }
                        }
                    }
                    Err(e) => failed = Some(format!("a pre-start panicked: {e}")),
                }
            }
        }
    }
    // Stopping: each start sees the signal and ends (removing its container if asked to).
    while starts.join_next().await.is_some() {}
    inner.starting.lock().unwrap().clear();
    inner.status.send_modify(|s| s.starting = 0);
    watcher.abort();
}

trait MapSlot: std::future::Future<Output = Result<bool>> + Sized {
    fn map_slot(self, slot: usize) -> impl std::future::Future<Output = (usize, Result<bool>)> {
        async move { (slot, self.await) }
    }
}

impl<F: std::future::Future<Output = Result<bool>>> MapSlot for F {}

/// Creates, starts and proves ready the container of `slot`; false if another process fills the
/// slot (the name is taken). Stopping while it starts ends the wait; the container is then
/// removed or, for others of the session, left running.
async fn start_slot(inner: Arc<Inner>, slot: usize, mut stopping: watch::Receiver<bool>) -> Result<bool> {
    let stopped = *stopping.borrow();
    if stopped {
        return Ok(false);
    }
    let name = inner.ids.slot_name(slot);
    let label = format!("{} (pool slot {slot})", inner.spec.name);
    let network = inner.scope.network().await?.to_string();
    let request = create::Request {
        ids: &inner.ids.ids,
        spec: &inner.spec,
        engine_name: &name,
        network: &network,
        aliases: Vec::new(),
        extra_labels: vec![(labels::POOL, inner.ids.key.clone()), (labels::FRESH, "true".to_string())],
    };
    let Some(created) = create::create_and_start(&inner.engine, request, &label).await? else {
        return Ok(false);
    };
    let started = Container::<Started>::adopt(
        inner.scope.clone(),
        inner.spec.clone(),
        name,
        created.id.clone(),
        created.image_id,
    );
    tokio::select! {
        // Proven ready, the handle is dropped: the container keeps running for a taker.
        ready = started.wait_ready() => ready.map(|_| true),
        _ = async { stopping.wait_for(|stop| *stop).await.map(drop) } => {
            if inner.remove_on_stop.load(Ordering::Acquire) {
                let candidate = claim::Candidate { id: created.id, slot, state: ContainerState::Other(String::new()), created: 0, image_id: String::new() };
                claim_and_remove(&inner, &candidate).await?;
            }
            Ok(true)
        }
    }
}

/// Wakes the filler on every engine event of the pool's containers in this session: a claim
/// (rename) or removal by another process frees a slot this process can refill.
async fn watch_events(inner: Arc<Inner>) {
    use futures_util::StreamExt;
    let filters = std::collections::HashMap::from([
        ("type".to_string(), vec!["container".to_string()]),
        (
            "label".to_string(),
            vec![
                format!("{}={}", labels::POOL, inner.ids.key),
                format!("{}={}", labels::SESSION, inner.ids.ids.session),
            ],
        ),
    ]);
    let options = bollard::query_parameters::EventsOptionsBuilder::new().filters(&filters).build();
    let mut events = inner.engine.streaming().events(Some(options));
    while let Some(event) = events.next().await {
        if event.is_err() {
            break;
        }
        inner.wake.notify_one();
    }
}

fn unix_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

/// A fresh container for `scope`'s test, started directly (no pool): on the scenario's network
/// under a unique alias (`cache-1f2e3d4c`), proven ready, owned by the caller.
pub async fn start_fresh(scope: &Scope, spec: ContainerSpec) -> Result<FreshContainer> {
    start_fresh_since(scope, spec, Instant::now()).await
}

async fn start_fresh_since(scope: &Scope, spec: ContainerSpec, begun: Instant) -> Result<FreshContainer> {
    check_fresh_spec(&spec)?;
    let alias = names::fresh_alias(&spec.name, &names::unique_token());
    // Fresh containers are never kept for reuse, whatever the scenario's scope is.
    let mut ids = scope.ids().clone();
    ids.reusable = false;
    let engine_name = ids.container_name(&alias);
    let network = scope.network().await?.to_string();
    let fresh = claim::fresh_spec(&spec, &alias);
    let request = create::Request {
        ids: &ids,
        spec: &fresh,
        engine_name: &engine_name,
        network: &network,
        aliases: vec![alias.clone()],
        extra_labels: vec![
            (labels::CONTAINER, spec.name.clone()),
            (labels::SPEC_HASH, spec.spec_hash()),
            (labels::FRESH, "true".to_string()),
        ],
    };
    let engine = scope.engine();
    let created = create::create_and_start(engine, request, &alias).await?.ok_or_else(|| Error::NameConflict {
        name: engine_name.clone(),
        existing_id: String::new(),
        detail: " (a fresh container's name is unique; another process used the same one)".into(),
    })?;
    fresh::register(engine, scope.network_name(), &created.id, &alias);
    let id = created.id.clone();
    let started = Container::<Started>::adopt(scope.clone(), fresh, engine_name, created.id, created.image_id);
    let ready = started.wait_ready().await.inspect_err(|_| fresh::unregister(&id))?;
    Ok(FreshContainer::new(ready, &spec.name, false, begun.elapsed()))
}

/// A fresh container must not share state: a named volume would be shared by every instance.
fn check_fresh_spec(spec: &ContainerSpec) -> Result<()> {
    spec.validate()?;
    if let Some(Mount::Volume { name, .. }) = spec.mounts.iter().find(|m| matches!(m, Mount::Volume { .. })) {
        return Err(Error::InvalidSpec {
            container: spec.name.clone(),
            reason: format!(
                "a fresh or pooled container cannot mount the named volume `{name}`: every instance would share it; \
                 use a tmpfs"
            ),
        });
    }
    Ok(())
}
