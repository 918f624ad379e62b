//! Bringing a scenario's containers up as a dependency graph and down again. Containers with
//! no dependency between them start concurrently and each dependent starts the moment its
//! dependencies are Ready (and their post_start hooks are done), so the start time is the
//! critical path, not the sum.

mod graph;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::future::{BoxFuture, FutureExt, Shared};

use crate::container::Origin;
use crate::declare::env::RunningEnv;
use crate::declare::ContainerEntry;
use crate::error::{Error, Result};
use crate::{Container, Ready, Scope};

/// How containers whose names are taken are treated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LaunchMode {
    /// This process owns the scope: a taken name is a conflict.
    Exclusive,
    /// Several processes share the scope (nextest's process per test, reuse across runs): a taken
    /// name of the same scope is attached to.
    Shared,
}

/// What a launch did, for the status line.
#[derive(Clone, Debug, Default)]
pub struct LaunchReport {
    pub started: Vec<&'static str>,
    pub attached: Vec<&'static str>,
    pub elapsed: Duration,
}

/// Starts (or attaches to) every container of `entries` in `scope`. On failure, what this process
/// started is torn down (logs kept) and the first failure is returned.
pub async fn launch(scope: Scope, entries: &'static [ContainerEntry], mode: LaunchMode) -> Result<(RunningEnv, LaunchReport)> {
    graph::check(entries)?;
    let begun = Instant::now();
    let ready: Arc<Mutex<HashMap<&'static str, (Container<Ready>, Origin)>>> = Arc::default();
    let failures: Arc<Mutex<Vec<Error>>> = Arc::default();

    let mut slots: HashMap<&'static str, Shared<BoxFuture<'static, bool>>> = HashMap::new();
    for entry in dependency_order(entries) {
        let dependencies: Vec<_> = entry.depends_on.iter().map(|d| slots[d].clone()).collect();
        let (scope, ready, failures) = (scope.clone(), ready.clone(), failures.clone());
        let slot = async move {
            for dependency in dependencies {
                if !dependency.await {
                    return false; // the dependency's own failure is the one reported
                }
            }
            let (outcome, container) = bring_up(&scope, entry, mode).await;
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
    let mut report = LaunchReport { elapsed: begun.elapsed(), ..Default::default() };
    let mut containers = HashMap::new();
    for (name, (container, origin)) in ready {
        match origin {
            Origin::Created => report.started.push(name),
            Origin::Attached => report.attached.push(name),
        }
        containers.insert(name, container);
    }
    report.started.sort_unstable();
    report.attached.sort_unstable();

    let first_failure = failures.lock().unwrap().drain(..).next();
    match first_failure {
        None => Ok((RunningEnv { scope, containers, entries }, report)),
        Some(failure) => {
            if mode == LaunchMode::Exclusive {
                if let Err(e) = scope.teardown(containers.into_values().collect()).await {
                    tracing::warn!("teardown after a failed start: {e}");
                }
            }
            Err(failure)
        }
    }
}

/// One container: spec, start or attach, readiness, and post_start after a fresh start. A
/// container that became Ready is handed back even when its hook failed, so it is torn down.
async fn bring_up(scope: &Scope, entry: ContainerEntry, mode: LaunchMode) -> (Result<()>, Option<(Container<Ready>, Origin)>) {
    let up = async {
        // A spec may prepare its build context (compile a service): keep that off the runtime.
        let spec = tokio::task::spawn_blocking(entry.spec).await.map_err(|e| Error::InvalidSpec {
            container: entry.name.to_string(),
            reason: format!("building its spec panicked: {e}"),
        })?;
        let configured = scope.configure(spec)?;
        let (started, origin) = match mode {
            LaunchMode::Exclusive => (configured.start().await?, Origin::Created),
            LaunchMode::Shared => configured.start_or_attach().await?,
        };
        Ok((started.wait_ready().await?, origin))
    };
    let (ready, origin) = match up.await {
        Ok(up) => up,
        Err(e) => return (Err(e), None),
    };
    let hooked = match origin {
        Origin::Created => (entry.post_start)(&ready).await.map_err(|e| Error::Hook {
            container: entry.name.to_string(),
            hook: "post_start",
            message: e.to_string(),
        }),
        Origin::Attached => Ok(()),
    };
    (hooked, Some((ready, origin)))
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
    let RunningEnv { scope, containers, entries } = env;
    let hooks = entries.iter().filter_map(|entry| {
        let container = containers.get(entry.name)?;
        Some(async move {
            (entry.drain)(container).await.map_err(|e| Error::Hook {
                container: entry.name.to_string(),
                hook: "drain",
                message: e.to_string(),
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
