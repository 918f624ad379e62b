//! Runs the selected tests of each scenario against its instances: each instance's environment
//! is started by the first test that gets it, shared or handed from test to test, and all of a
//! scenario's instances are landed together, in parallel, after its last test.

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use futures_util::FutureExt;
use libtest_mimic::Failed;

use super::engines::Engines;
use super::failure;
use super::instances::{Instances, Lease, Sharing};
use crate::base::identity::{ProjectId, SessionId};
use crate::base::labels::ScopeIds;
use crate::declare::env::ErasedEnv;
use crate::declare::{ScenarioRegistration, TestRegistration};
use crate::launch::{self, LaunchMode};
use crate::scope::Scope;

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

/// One scenario of this run: its instances and their environments.
struct ScenarioRun {
    scenario: &'static ScenarioRegistration,
    instances: Instances,
    states: HashMap<u32, tokio::sync::Mutex<State>>,
    /// Selected tests of this scenario that have not finished yet.
    remaining: AtomicUsize,
    /// Selected tests of this scenario that have not been given an instance yet.
    unleased: AtomicUsize,
}

pub(crate) struct Runner {
    runtime: tokio::runtime::Runtime,
    engines: Engines,
    session: SessionId,
    project: ProjectId,
    ownership: Ownership,
    runs: HashMap<&'static str, ScenarioRun>,
    /// Scenarios being landed after their last test; `finish` waits for them.
    landing: std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>,
}

/// The selected tests and the sharing of one scenario.
pub(crate) struct Plan {
    pub selected: usize,
    pub sharing: Sharing,
}

impl Runner {
    pub fn new(
        ownership: Ownership,
        scenarios: &[&'static ScenarioRegistration],
        plans: &HashMap<&str, Plan>,
    ) -> Runner {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .thread_name("scenario-runtime")
            .build()
            .expect("a tokio runtime starts");
        let runs = scenarios
            .iter()
            .map(|scenario| {
                let plan = plans.get(scenario.module_path);
                let instances = Instances::new(plan.map_or(Sharing::Shared, |p| p.sharing));
                let states =
                    instances.indices().into_iter().map(|i| (i, tokio::sync::Mutex::new(State::NotStarted))).collect();
                let run = ScenarioRun {
                    scenario,
                    instances,
                    states,
                    remaining: AtomicUsize::new(plan.map_or(0, |p| p.selected)),
                    unleased: AtomicUsize::new(plan.map_or(0, |p| p.selected)),
                };
                (scenario.module_path, run)
            })
            .collect();
        Runner {
            runtime,
            engines: Engines::from_env(),
            session: SessionId::detect(),
            project: ProjectId::detect(),
            ownership,
            runs,
            landing: Default::default(),
        }
    }

    pub fn runtime(&self) -> &tokio::runtime::Runtime {
        &self.runtime
    }

    /// Runs one test (from a libtest-mimic worker thread). After a scenario's last test its
    /// landing goes on in the background: the worker thread takes the next test at once.
    pub fn run_test(self: &Arc<Self>, test: &'static TestRegistration) -> Result<(), Failed> {
        let run = &self.runs[test.module_path];
        self.runtime.block_on(async {
            crate::pool::prestart::test_started(run.scenario);
            let outcome = self.run_on_an_instance(run, test).await;
            crate::pool::prestart::test_finished(run.scenario).await;
            if run.remaining.fetch_sub(1, Ordering::AcqRel) == 1 {
                let runner = self.clone();
                let landing = self.runtime.spawn(async move { runner.land(&runner.runs[test.module_path]).await });
                self.landing.lock().unwrap().push(landing);
            }
            outcome
        })
    }

    async fn run_on_an_instance(
        self: &Arc<Self>,
        run: &ScenarioRun,
        test: &'static TestRegistration,
    ) -> Result<(), Failed> {
        let name = run.scenario.name;
        let Some(lease) = run.instances.acquire(test.exclusive).await else {
            return Err(Failed::from(format!("scenario `{name}` did not start on any of its instances")));
        };
        if run.unleased.fetch_sub(1, Ordering::AcqRel) == 1 {
            // Every test has its instance now: the idle ones will not serve again.
            for idle in run.instances.take_idle() {
                self.land_in_background(idle, test.module_path);
            }
        }
        let instance = lease.instance();
        let env = match self.environment(run, instance).await {
            Ok(env) => env,
            Err(why) => {
                let message = format!("scenario `{name}`{} did not start: {why}", instance_suffix(run, instance));
                // This test reports the failure; the queued ones go to the instances that work.
                if run.instances.retire(lease) {
                    eprintln!("{message}");
                }
                return Err(Failed::from(message));
            }
        };
        // The test's fresh containers are removed when it ends, also those it leaked.
        let result = crate::pool::scoped(AssertUnwindSafe((test.run)(env.clone())).catch_unwind()).await;
        let outcome = match result {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(Failed::from(failure::with_log_tails(e.to_string(), &env).await)),
            Err(panic) => Err(Failed::from(failure::with_log_tails(failure::panic_message(panic), &env).await)),
        };
        drop(env);
        self.land_when_idle_for_good(run, &lease, test.module_path);
        drop(lease);
        outcome
    }

    /// A worker instance whose test ended when every other test of its scenario already has an
    /// instance will not serve again: it is landed now, beside the tests still running, instead
    /// of after the scenario's last one. Asked while the lease is held, so no test can be
    /// waiting for this instance (a waiting test has not taken its lease yet, see `unleased`).
    fn land_when_idle_for_good(self: &Arc<Self>, run: &ScenarioRun, lease: &Lease, module_path: &'static str) {
        if !matches!(lease, Lease::Worker { .. }) || run.unleased.load(Ordering::Acquire) > 0 {
            return;
        }
        self.land_in_background(lease.instance(), module_path);
    }

    fn land_in_background(self: &Arc<Self>, instance: u32, module_path: &'static str) {
        let runner = self.clone();
        let landing = self.runtime.spawn(async move {
            let run = &runner.runs[module_path];
            runner.land_instance(run, instance, &run.states[&instance]).await;
        });
        self.landing.lock().unwrap().push(landing);
    }

    /// Lands every environment still up (a test that never ran, an interrupted run).
    pub fn finish(&self) {
        self.runtime.block_on(async {
            let landing = std::mem::take(&mut *self.landing.lock().unwrap());
            for task in landing {
                if let Err(e) = task.await {
                    eprintln!("teardown: {e}");
                }
            }
            self.land_all().await;
        });
    }

    pub async fn land_all(&self) {
        futures_util::future::join_all(self.runs.values().map(|run| self.land(run))).await;
        crate::pool::prestart::shutdown().await;
        super::follow::finish().await;
    }

    async fn environment(&self, run: &ScenarioRun, instance: u32) -> Result<ErasedEnv, Arc<String>> {
        let mut state = run.states[&instance].lock().await;
        match &*state {
            State::Running(env) => return Ok(env.clone()),
            State::Failed(why) => return Err(why.clone()),
            State::Landed => return Err(Arc::new("the scenario was already torn down".into())),
            State::NotStarted => {}
        }
        let started = self.start(run, instance).await;
        *state = match &started {
            Ok(env) => State::Running(env.clone()),
            Err(why) => State::Failed(why.clone()),
        };
        started
    }

    async fn start(&self, run: &ScenarioRun, instance: u32) -> Result<ErasedEnv, Arc<String>> {
        let scenario = run.scenario;
        let super::engines::Connected { engine, reaper } = self.engines.for_instance(instance, &self.session).await?;
        crate::pool::prestart::engine_ready(&engine, &self.session, &self.project);
        let ids = ScopeIds::new(self.session.clone(), self.project.clone(), scenario.name)
            .instance(instance)
            .reusable(self.ownership == Ownership::Reuse);
        let mut scope = Scope::new(engine, ids);
        // Only this process uses the scope, and a reaper removes the network once nobody borrows
        // it: a spare network saves its creation now and its removal at the end. The reaper also
        // removes the drained containers, so the process reports and exits without waiting.
        if let (Ownership::Exclusive, Some(reaper)) = (self.ownership, reaper) {
            scope = scope.with_spare_network().with_removal_handed_to(Arc::new(super::hand_off::ToReaper(reaper)));
        }
        let mode = match self.ownership {
            Ownership::Exclusive => LaunchMode::Exclusive,
            Ownership::SharedBySession => LaunchMode::Shared,
            Ownership::Reuse => LaunchMode::Reuse,
        };
        match launch::launch(scope, scenario.containers, mode).await {
            Ok((env, report)) => {
                let attached_word = if self.ownership == Ownership::Reuse { "reused" } else { "attached" };
                eprintln!(
                    "scenario {}{}: ready in {} ms ({})",
                    scenario.name,
                    instance_suffix(run, instance),
                    report.elapsed.as_millis(),
                    report.summary(attached_word)
                );
                super::follow::follow_env(&env, &format!("{}{}", scenario.name, instance_suffix(run, instance)));
                Ok(ErasedEnv::new(env))
            }
            Err(e) => Err(Arc::new(e.to_string())),
        }
    }

    /// Lands all instances of a scenario in parallel; one failing does not stop the others.
    async fn land(&self, run: &ScenarioRun) {
        futures_util::future::join_all(
            run.states.iter().map(|(instance, state)| self.land_instance(run, *instance, state)),
        )
        .await;
    }

    async fn land_instance(&self, run: &ScenarioRun, instance: u32, state: &tokio::sync::Mutex<State>) {
        let mut state = state.lock().await;
        let State::Running(env) = std::mem::replace(&mut *state, State::Landed) else { return };
        crate::pool::prestart::land(env.running().scope()).await;
        let keep_alive = self.ownership != Ownership::Exclusive;
        let name = format!("{}{}", run.scenario.name, instance_suffix(run, instance));
        match env.into_inner() {
            Ok(env) => {
                if let Err(e) = launch::land(env, keep_alive).await {
                    eprintln!("scenario {name}: teardown: {e}");
                }
            }
            // A test kept a handle (a spawned task still running): remove by labels instead.
            Err(env) if !keep_alive => {
                let scope = env.running().scope().clone();
                drop(env);
                let filters = scope.ids().label_filter().remove("label").unwrap_or_default();
                if let Err(e) = crate::primitives::cleanup::remove_labelled(scope.engine(), &filters).await {
                    eprintln!("scenario {name}: teardown: {e}");
                }
            }
            Err(_) => {}
        }
    }
}

/// ` #2` for instances of a scenario that has several, else nothing.
fn instance_suffix(run: &ScenarioRun, instance: u32) -> String {
    if run.states.len() > 1 || instance > 0 {
        format!(" #{instance}")
    } else {
        String::new()
    }
}
