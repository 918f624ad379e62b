//! Runs the selected tests of each scenario against one environment per scenario: started by the
//! first test that needs it, shared by the rest, landed after the last.

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use futures_util::FutureExt;
use libtest_mimic::Failed;

use super::failure;
use crate::declare::env::ErasedEnv;
use crate::declare::{ScenarioRegistration, TestRegistration};
use crate::launch::{self, LaunchMode};
use crate::{Engine, Error, ProjectId, Scope, ScopeIds, SessionId};

/// How this process relates to the containers it starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Ownership {
    /// A normal run: this process starts and removes them.
    Exclusive,
    /// nextest runs each test in its own process: the first starts them, the others attach, and
    /// the session's reaper removes them after the last process.
    SharedBySession,
    /// `--reuse`: attach to kept-alive containers, keep them alive afterwards.
    Reuse,
}

enum State {
    NotStarted,
    Running(ErasedEnv),
    Failed(Arc<String>),
    Landed,
}

struct Slot {
    scenario: &'static ScenarioRegistration,
    state: tokio::sync::Mutex<State>,
    /// Selected tests of this scenario that have not finished yet.
    remaining: AtomicUsize,
}

pub(crate) struct Runner {
    runtime: tokio::runtime::Runtime,
    engine: tokio::sync::OnceCell<Result<Engine, Arc<String>>>,
    /// Held until the process ends: the session's reaper removes what this run created once the
    /// last process holding one has gone, also after a crash.
    reaper: std::sync::Mutex<Option<crate::reaper::ReaperLease>>,
    session: SessionId,
    project: ProjectId,
    ownership: Ownership,
    slots: HashMap<&'static str, Slot>,
}

impl Runner {
    /// `selected` counts the selected tests per scenario module path.
    pub fn new(ownership: Ownership, scenarios: &[&'static ScenarioRegistration], selected: &HashMap<&str, usize>) -> Runner {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .thread_name("scenario-runtime")
            .build()
            .expect("a tokio runtime starts");
        let slots = scenarios
            .iter()
            .map(|scenario| {
                let slot = Slot {
                    scenario,
                    state: tokio::sync::Mutex::new(State::NotStarted),
                    remaining: AtomicUsize::new(selected.get(scenario.module_path).copied().unwrap_or(0)),
                };
                (scenario.module_path, slot)
            })
            .collect();
        Runner {
            runtime,
            engine: tokio::sync::OnceCell::new(),
            reaper: std::sync::Mutex::new(None),
            session: SessionId::detect(),
            project: ProjectId::detect(),
            ownership,
            slots,
        }
    }

    pub fn runtime(&self) -> &tokio::runtime::Runtime {
        &self.runtime
    }

    /// Runs one test (from a libtest-mimic worker thread).
    pub fn run_test(&self, test: &'static TestRegistration) -> Result<(), Failed> {
        let slot = &self.slots[test.module_path];
        self.runtime.block_on(async {
            let outcome = match self.environment(slot).await {
                Err(why) => Err(Failed::from(format!("scenario `{}` did not start: {why}", slot.scenario.name))),
                Ok(env) => {
                    let result = AssertUnwindSafe((test.run)(env.clone())).catch_unwind().await;
                    let message = match result {
                        Ok(Ok(())) => None,
                        Ok(Err(e)) => Some(e.to_string()),
                        Err(panic) => Some(failure::panic_message(panic)),
                    };
                    match message {
                        None => Ok(()),
                        Some(message) => Err(Failed::from(failure::with_log_tails(message, &env).await)),
                    }
                }
            };
            if slot.remaining.fetch_sub(1, Ordering::AcqRel) == 1 {
                self.land(slot).await;
            }
            outcome
        })
    }

    /// Lands every environment still up (a test that never ran, an interrupted run).
    pub fn finish(&self) {
        self.runtime.block_on(self.land_all());
    }

    pub async fn land_all(&self) {
        futures_util::future::join_all(self.slots.values().map(|slot| self.land(slot))).await;
    }

    async fn engine(&self) -> Result<Engine, Arc<String>> {
        self.engine
            .get_or_init(|| async {
                let engine = Engine::connect().await.map_err(|e| Arc::new(e.to_string()))?;
                match crate::reaper::ensure(&engine, &self.session).await {
                    Ok(lease) => *self.reaper.lock().unwrap() = Some(lease),
                    // The reaper is the safety net; the harness's own teardown still runs.
                    Err(e) => eprintln!("warning: no reaper for this session ({e}); set SCENARIO_REAPER=off to silence"),
                }
                Ok(engine)
            })
            .await
            .clone()
    }

    async fn environment(&self, slot: &Slot) -> Result<ErasedEnv, Arc<String>> {
        let mut state = slot.state.lock().await;
        match &*state {
            State::Running(env) => return Ok(env.clone()),
            State::Failed(why) => return Err(why.clone()),
            State::Landed => return Err(Arc::new("the scenario was already torn down".into())),
            State::NotStarted => {}
        }
        let started = self.start(slot.scenario).await;
        *state = match &started {
            Ok(env) => State::Running(env.clone()),
            Err(why) => State::Failed(why.clone()),
        };
        started
    }

    async fn start(&self, scenario: &'static ScenarioRegistration) -> Result<ErasedEnv, Arc<String>> {
        let engine = self.engine().await?;
        let ids = ScopeIds::new(self.session.clone(), self.project.clone(), scenario.name)
            .reusable(self.ownership == Ownership::Reuse);
        let scope = Scope::new(engine, ids);
        let mode = match self.ownership {
            Ownership::Exclusive => LaunchMode::Exclusive,
            Ownership::SharedBySession => LaunchMode::Shared,
            Ownership::Reuse => LaunchMode::Reuse,
        };
        match launch::launch(scope, scenario.containers, mode).await {
            Ok((env, report)) => {
                let attached_word = if self.ownership == Ownership::Reuse { "reused" } else { "attached" };
                eprintln!("scenario {}: ready in {} ms ({})", scenario.name, report.elapsed.as_millis(), report.summary(attached_word));
                Ok(ErasedEnv::new(env))
            }
            Err(e) => Err(Arc::new(describe(&e))),
        }
    }

    async fn land(&self, slot: &Slot) {
        let mut state = slot.state.lock().await;
        let State::Running(env) = std::mem::replace(&mut *state, State::Landed) else { return };
        let keep_alive = self.ownership != Ownership::Exclusive;
        match env.into_inner() {
            Ok(env) => {
                if let Err(e) = launch::land(env, keep_alive).await {
                    eprintln!("scenario {}: teardown: {e}", slot.scenario.name);
                }
            }
            // A test kept a handle (a spawned task still running): remove by labels instead.
            Err(env) if !keep_alive => {
                let scope = env.running().scope().clone();
                drop(env);
                let filters = scope.ids().label_filter().remove("label").unwrap_or_default();
                if let Err(e) = crate::cleanup::remove_labelled(scope.engine(), &filters).await {
                    eprintln!("scenario {}: teardown: {e}", slot.scenario.name);
                }
            }
            Err(_) => {}
        }
    }
}

fn describe(error: &Error) -> String {
    error.to_string()
}
