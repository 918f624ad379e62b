//! Bringing a scenario's containers up as a dependency graph and down again. Containers with
//! no dependency between them start concurrently and each dependent starts the moment its
//! dependencies are Ready (and their post_start hooks are done), so the start time is the
//! critical path, not the sum.

mod graph;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::future::{BoxFuture, FutureExt, Shared};

use crate::base::error::{Error, Result};
use crate::container::Origin;
use crate::container::{Container, Ready};
pub use crate::declare::env::RunningEnv;
use crate::declare::ContainerEntry;
use crate::reuse::Staleness;
use crate::scope::Scope;
use crate::spec::ContainerSpec;

/// How containers whose names are taken are treated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LaunchMode {
    /// This process owns the scope: a taken name is a conflict.
    Exclusive,
    /// Several processes of one session share the scope (nextest's process per test): a taken
    /// name of the same scope is attached to.
    Shared,
    /// Kept-alive containers of earlier runs are attached to unless stale; stale ones and their
    /// dependents are recreated.
    Reuse,
}

/// What a launch did, for the status line.
#[derive(Clone, Debug, Default)]
pub struct LaunchReport {
    /// Started fresh (nothing was there).
    pub started: Vec<&'static str>,
    /// Attached to: started by another process of this session, or kept alive by an earlier run.
    pub attached: Vec<&'static str>,
    /// Recreated because they were stale, with the reason.
    pub restarted: Vec<(&'static str, Staleness)>,
    /// Until every container's fate was decided (specs; with reuse: the survey and images).
    pub planned: Duration,
    /// How long the whole launch took.
    pub elapsed: Duration,
}

impl LaunchReport {
    /// `started a, b; reused c; restarted web (image rebuilt)`.
    pub fn summary(&self, attached_word: &str) -> String {
        let mut parts = Vec::new();
        if !self.started.is_empty() {
            parts.push(format!("started {}", self.started.join(", ")));
        }
        if !self.attached.is_empty() {
            parts.push(format!("{attached_word} {}", self.attached.join(", ")));
        }
        if !self.restarted.is_empty() {
            let list: Vec<String> = self.restarted.iter().map(|(name, why)| format!("{name} ({why})")).collect();
            parts.push(format!("restarted {}", list.join(", ")));
        }
        parts.join("; ")
    }
}

/// What to do with one container.
#[derive(Clone, Debug)]
enum Plan {
    Start,
    StartOrAttach,
    /// Attach to a kept container; `proven` when its readiness needs no proving again.
    Attach {
        found: crate::reuse::Found,
        proven: bool,
        /// Its inspection by the proof, so attaching makes no second call.
        inspected: Option<Arc<bollard::models::ContainerInspectResponse>>,
    },
    Recreate {
        stale_id: String,
        why: Staleness,
    },
}

/// The containers that became Ready, and how, by name.
type ReadyByName = HashMap<&'static str, (Container<Ready>, Outcome)>;

/// How a container came to be Ready.
#[derive(Clone, Debug)]
enum Outcome {
    Started,
    Attached,
    Restarted(Staleness),
}

/// Starts (or attaches to) every container of `entries` in `scope`. On failure, what this process
/// started is torn down (logs kept) and the first failure is returned.
pub async fn launch(
    scope: Scope,
    entries: &'static [ContainerEntry],
    mode: LaunchMode,
) -> Result<(RunningEnv, LaunchReport)> {
    let endpoint = scope.engine().endpoint().to_string();
    launch_in(scope, entries, mode).await.map_err(|e| e.naming_engine(&endpoint))
}

async fn launch_in(
    scope: Scope,
    entries: &'static [ContainerEntry],
    mode: LaunchMode,
) -> Result<(RunningEnv, LaunchReport)> {
    graph::check(entries)?;
    let begun = Instant::now();
    let plans = plan(&scope, entries, mode).await?;
    let planned = begun.elapsed();
    let ready: Arc<Mutex<ReadyByName>> = Arc::default();
    let failures: Arc<Mutex<Vec<Error>>> = Arc::default();

    let mut slots: HashMap<&'static str, Shared<BoxFuture<'static, bool>>> = HashMap::new();
    for entry in dependency_order(entries) {
        let dependencies: Vec<_> = entry.depends_on.iter().map(|d| slots[d].clone()).collect();
        let (scope, ready, failures) = (scope.clone(), ready.clone(), failures.clone());
        let (spec, plan) = plans[entry.name].clone();
        let slot = async move {
            for dependency in dependencies {
                if !dependency.await {
                    return false; // the dependency's own failure is the one reported
                }
            }
            let (outcome, container) = bring_up(&scope, entry, spec, plan).await;
            if let Some(container) = container {
                ready.lock().unwrap().insert(entry.name, container);
            }
            match outcome {
                Ok(()) => true,
                Err(e) => {
                    failures.lock().unwrap().push(e);
                    false
                }
            }
        }
        .boxed()
        .shared();
        slots.insert(entry.name, slot);
    }
    futures_util::future::join_all(slots.into_values()).await;

    let ready = std::mem::take(&mut *ready.lock().unwrap());
    let mut report = LaunchReport { planned, elapsed: begun.elapsed(), ..Default::default() };
    let mut containers = HashMap::new();
    for (name, (container, outcome)) in ready {
        match outcome {
            Outcome::Started => report.started.push(name),
            Outcome::Attached => report.attached.push(name),
            Outcome::Restarted(why) => report.restarted.push((name, why)),
        }
        containers.insert(name, container);
    }
    report.started.sort_unstable();
    report.attached.sort_unstable();
    report.restarted.sort_unstable_by_key(|(name, _)| *name);

    let first_failure = failures.lock().unwrap().drain(..).next();
    match first_failure {
        None => Ok((RunningEnv { scope, containers, entries }, report)),
        Some(failure) => {
            // Shared and reused containers may serve other processes: only an exclusive run
            // removes what it brought up.
            if mode == LaunchMode::Exclusive {
                if let Err(e) = scope.teardown(containers.into_values().collect()).await {
                    tracing::warn!("teardown after a failed start: {e}");
                }
            }
            Err(failure)
        }
    }
}

/// An inspection older than this when the decision is taken is made again: building or pulling
/// an image in between can take minutes, and a kept container may have stopped meanwhile.
const INSPECTION_FRESH: Duration = Duration::from_secs(1);

/// Specs for every container and, when reusing, the decision per container: one inspect per
/// container, made while the specs are built and the images resolved (built if their context
/// changed), since neither needs the other.
async fn plan(
    scope: &Scope,
    entries: &'static [ContainerEntry],
    mode: LaunchMode,
) -> Result<HashMap<&'static str, (ContainerSpec, Plan)>> {
    let simple = match mode {
        LaunchMode::Exclusive => Some(Plan::Start),
        LaunchMode::Shared => Some(Plan::StartOrAttach),
        LaunchMode::Reuse => None,
    };
    if let Some(plan) = simple {
        let specs = checked_specs(entries).await?;
        return Ok(entries.iter().zip(specs).map(|(e, spec)| (e.name, (spec, plan.clone()))).collect());
    }

    let engine = scope.engine();
    let session = &scope.ids().session;
    let resolved = async {
        let specs = checked_specs(entries).await?;
        let images = futures_util::future::join_all(
            specs.iter().map(|spec| crate::primitives::image::ensure_for(engine, spec, session)),
        )
        .await;
        Ok::<_, Error>((specs, images))
    };
    let names: Vec<&str> = entries.iter().map(|e| e.name).collect();
    let (resolved, surveyed) = tokio::join!(resolved, crate::reuse::survey(scope, &names));
    // A spec's own problems come first: they are reported the same with or without an engine.
    let (specs, images) = resolved?;
    let crate::reuse::Surveyed { found, inspected, at } = surveyed?;
    let mut decisions = Vec::with_capacity(entries.len());
    for ((entry, spec), image) in entries.iter().zip(&specs).zip(images) {
        let image = image?;
        let decide =
            if spec.readiness.runs_to_completion() { crate::reuse::decide_completed } else { crate::reuse::decide };
        let mut staleness = decide(found.get(entry.name), &image.id, &spec.spec_hash());
        if matches!(spec.image, crate::spec::ImageSource::Reference(_)) {
            staleness = crate::reuse::for_reference(staleness);
        }
        let staleness = crate::reuse::name_changed_copies(staleness, found.get(entry.name), &spec.copies);
        decisions.push((entry.name, staleness));
    }
    let inspected = if at.elapsed() > INSPECTION_FRESH { HashMap::new() } else { inspected };
    let mut inspected = prove_reusable(scope, &mut decisions, &found, inspected).await;
    crate::reuse::propagate(&mut decisions, |name| {
        entries.iter().find(|e| e.name == name).map(|e| e.depends_on).unwrap_or(&[])
    });
    let mut plans = HashMap::new();
    for ((name, staleness), spec) in decisions.into_iter().zip(specs) {
        tracing::debug!(scenario = %scope.ids().scenario, container = name, %staleness, "reuse decision");
        let plan = match (staleness, found.get(name)) {
            (Staleness::Reusable, Some(found)) => {
                let (proven, inspected) = inspected.remove(name).map_or((false, None), |(p, i)| (p, Some(i)));
                Plan::Attach { found: found.clone(), proven, inspected }
            }
            (Staleness::Missing, _) | (_, None) => Plan::StartOrAttach,
            (why, Some(stale)) => Plan::Recreate { stale_id: stale.id.clone(), why },
        };
        plans.insert(name, (spec, plan));
    }
    Ok(plans)
}

/// Every entry's spec, built and validated (before any image is built or pulled: a spec may
/// carry problems found while building it).
async fn checked_specs(entries: &'static [ContainerEntry]) -> Result<Vec<ContainerSpec>> {
    // A spec may prepare its build context (compile a service): keep that off the runtime.
    let specs = futures_util::future::join_all(entries.iter().map(|entry| async move {
        tokio::task::spawn_blocking(entry.spec).await.map_err(|e| Error::InvalidSpec {
            container: entry.name.to_string(),
            reason: format!("building its spec panicked: {e}"),
        })
    }))
    .await
    .into_iter()
    .collect::<Result<Vec<ContainerSpec>>>()?;
    specs.iter().try_for_each(ContainerSpec::validate)?;
    Ok(specs)
}

/// Each container judged reusable against its proof of readiness (`reuse::proof`), read from
/// its inspection (the survey's, or one made now, all at once, for those it lacks): one started
/// again since it was seen ready becomes stale, and so does one that no longer runs. Returns, by
/// name, whether each was proven and its inspection (which the attach uses instead of a call).
async fn prove_reusable(
    scope: &Scope,
    decisions: &mut [(&'static str, Staleness)],
    found: &HashMap<String, crate::reuse::Found>,
    mut surveyed: HashMap<String, Arc<bollard::models::ContainerInspectResponse>>,
) -> HashMap<&'static str, (bool, Arc<bollard::models::ContainerInspectResponse>)> {
    use crate::primitives::found::ContainerState;
    use crate::readiness::proof::{self, Proof};
    let candidates: Vec<(&'static str, &crate::reuse::Found)> = decisions
        .iter()
        .filter(|(_, staleness)| staleness.is_reusable())
        .filter_map(|(name, _)| Some((*name, found.get(*name)?)))
        .collect();
    let docker = scope.engine().docker();
    let inspections = futures_util::future::join_all(candidates.iter().map(|(name, found)| {
        let known = surveyed.remove(*name);
        async move {
            match known {
                Some(inspected) => Some(inspected),
                None => docker.inspect_container(&found.id, None).await.ok().map(Arc::new),
            }
        }
    }))
    .await;
    let mut proven = HashMap::new();
    for ((name, found), inspected) in candidates.into_iter().zip(inspections) {
        // Not inspectable (removed meanwhile): the attach finds out and starts it again.
        let Some(inspected) = inspected else { continue };
        let state = ContainerState::from_engine(inspected.state.as_ref().and_then(|s| s.status));
        let verdict = if found.state == ContainerState::Running && state != ContainerState::Running {
            // Stopped since the survey saw it running (inspected again after a long build).
            Err(Staleness::Stopped { state: state.to_string() })
        } else {
            match proof::life_of(&inspected).map(|life| proof::check(&found.id, &life)) {
                Some(Proof::Proven) => Ok(true),
                Some(Proof::Restarted) => Err(Staleness::RestartedSinceReady),
                Some(Proof::Unknown) | None => Ok(false),
            }
        };
        match verdict {
            Ok(is_proven) => {
                proven.insert(name, (is_proven, inspected));
            }
            Err(stale) => {
                if let Some((_, staleness)) = decisions.iter_mut().find(|(n, _)| *n == name) {
                    *staleness = stale;
                }
            }
        }
    }
    proven
}

/// One container: start, attach or recreate it, wait for it, then its hooks (post_start after a
/// fresh start only; prepare every run). A container that became Ready is handed back even when
/// a hook failed, so it is torn down.
async fn bring_up(
    scope: &Scope,
    entry: ContainerEntry,
    spec: ContainerSpec,
    plan: Plan,
) -> (Result<()>, Option<(Container<Ready>, Outcome)>) {
    let up = async {
        if let Plan::Attach { found, proven, inspected } = &plan {
            let adopted = scope.configure(spec.clone())?.adopt_found(found, *proven, inspected.clone());
            match adopted.wait_ready().await {
                Ok(ready) => return Ok((ready, Outcome::Attached)),
                // Removed since the survey saw it: start it like a missing one.
                Err(Error::Engine { source, .. }) if source.status() == Some(404) => {}
                Err(e) => return Err(e),
            }
        }
        let configured = scope.configure(spec)?;
        let (started, outcome) = match plan {
            Plan::Start => (configured.start().await?, Outcome::Started),
            Plan::StartOrAttach | Plan::Attach { .. } => match configured.start_or_attach().await? {
                (started, Origin::Created) => (started, Outcome::Started),
                (started, Origin::Attached) => (started, Outcome::Attached),
            },
            Plan::Recreate { stale_id, why } => {
                crate::container::teardown::remove_container(scope, &stale_id, entry.name, Duration::ZERO).await?;
                match configured.start_or_attach().await? {
                    (started, Origin::Created) => (started, Outcome::Restarted(why)),
                    // Another process recreated it first: theirs is fresh.
                    (started, Origin::Attached) => (started, Outcome::Attached),
                }
            }
        };
        Ok((started.wait_ready().await?, outcome))
    };
    let (ready, outcome) = match up.await {
        Ok(up) => up,
        Err(e) => return (Err(e), None),
    };
    let hook_error = |hook: &'static str| {
        move |e: crate::declare::BoxError| Error::Hook { container: entry.name.to_string(), hook, source: e }
    };
    let fresh = !matches!(outcome, Outcome::Attached);
    let mut hooked = Ok(());
    if fresh {
        hooked = (entry.post_start)(&ready).await.map_err(hook_error("post_start"));
    }
    if hooked.is_ok() {
        hooked = (entry.prepare)(&ready).await.map_err(hook_error("prepare"));
    }
    (hooked, Some((ready, outcome)))
}

/// Dependencies before dependents (the graph is checked to be acyclic).
fn dependency_order(entries: &'static [ContainerEntry]) -> Vec<ContainerEntry> {
    let mut placed: Vec<ContainerEntry> = Vec::with_capacity(entries.len());
    while placed.len() < entries.len() {
        for entry in entries {
            let is_placed = placed.iter().any(|p| p.name == entry.name);
            let deps_placed = entry.depends_on.iter().all(|d| placed.iter().any(|p| p.name == *d));
            if !is_placed && deps_placed {
                placed.push(*entry);
            }
        }
    }
    placed
}

/// Runs every container's drain hook, then writes all logs to the artifacts folder and, unless
/// `keep_alive`, removes the containers, the network and the volumes. Everything runs even when
/// a step fails; the first failure is returned afterwards.
pub async fn land(env: RunningEnv, keep_alive: bool) -> Result<()> {
    let endpoint = env.scope.engine().endpoint().to_string();
    land_in(env, keep_alive).await.map_err(|e| e.naming_engine(&endpoint))
}

async fn land_in(env: RunningEnv, keep_alive: bool) -> Result<()> {
    let RunningEnv { scope, containers, entries } = env;
    let hooks = entries.iter().filter_map(|entry| {
        let container = containers.get(entry.name)?;
        Some(async move {
            (entry.drain)(container).await.map_err(|e| Error::Hook {
                container: entry.name.to_string(),
                hook: "drain",
                source: e,
            })
        })
    });
    let mut first_error = futures_util::future::join_all(hooks).await.into_iter().find_map(Result::err);
    let containers: Vec<Container<Ready>> = containers.into_values().collect();
    let landed = if keep_alive {
        let drained = futures_util::future::join_all(containers.into_iter().map(Container::drain)).await;
        drained.into_iter().find_map(Result::err).map_or(Ok(()), Err)
    } else {
        scope.teardown(containers).await.map(|_| ())
    };
    if let Err(e) = landed {
        first_error.get_or_insert(e);
    }
    first_error.map_or(Ok(()), Err)
}
