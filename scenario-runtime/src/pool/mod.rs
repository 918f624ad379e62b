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
mod direct;
mod env;
mod fill;
mod fresh;
mod names;
pub(crate) mod prestart;

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::{watch, Notify};

pub use direct::start_fresh;
use direct::{check_fresh_spec, start_fresh_since};
use fill::fill;
pub use fresh::FreshContainer;
pub(crate) use fresh::{scoped, sweep, sweep_all};

use crate::base::error::{Error, Result};
use crate::base::identity::{ProjectId, SessionId};
use crate::engine::Engine;
use crate::scope::Scope;
use crate::spec::ContainerSpec;
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
        Error::Unusable { container: self.0.spec.name.clone(), reason: format!("its pre-start pool: {reason}") }
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
