//! Keeping a pool filled: the background task that starts containers into free slots, removes
//! stuck ones, and wakes on takes, target changes and the engine's events.

use std::collections::HashSet;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use tokio::sync::watch;
use tokio::task::JoinSet;

use super::{claim, claim_and_remove, create, Inner, PoolStatus, STUCK_CREATED_SECS};
use crate::base::error::Result;
use crate::base::labels;
use crate::container::{Container, Started};
use crate::primitives::found::ContainerState;

/// The background filler: keeps `target` slots occupied, woken by takes, finished starts, target
/// changes and the engine's events for the pool's containers (takes by other processes).
pub(super) async fn fill(inner: Arc<Inner>) {
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
