//! The test harness behind `scenario_runtime::main!()`: libtest's command line and output (on
//! libtest-mimic), one environment per scenario with selected tests, teardown before the exit
//! code is returned, also on Ctrl-C.

mod args;
use args::Options;
mod catalog;
mod engines;
mod failure;
mod follow;
mod hand_off;
mod instances;
mod interrupts;
mod runner;

use std::collections::HashMap;
use std::process::ExitCode;
use std::sync::Arc;

use instances::Sharing;
use libtest_mimic::Trial;
use runner::{Ownership, Plan, Runner};

/// Runs the scenario tests of this binary. `--list` never touches Docker.
pub fn main() -> ExitCode {
    // The session's reaper is this binary re-executed: in that role it never reaches the tests.
    crate::reaper::run_if_reaper_process();
    let (arguments, options) = match checked_command_line() {
        Ok(parsed) => parsed,
        Err(code) => return code,
    };
    if let Some(filter) = std::env::var("SCENARIO_LOG").ok().filter(|f| !f.is_empty()) {
        // `SCENARIO_LOG=debug` shows, among others, each reuse decision and its reason.
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
            .with_writer(std::io::stderr)
            .try_init();
    }
    let catalog = match catalog::Catalog::collect() {
        Ok(catalog) => catalog,
        Err(why) => {
            eprintln!("error: {why}");
            return ExitCode::from(101);
        }
    };
    let describe =
        |t: &catalog::CatalogTest| Trial::test(t.trial_name.clone(), || Ok(())).with_ignored_flag(t.test.ignored);
    if arguments.list {
        let trials = catalog.tests.iter().map(describe).collect();
        return libtest_mimic::run(&arguments, trials).exit_code();
    }

    crate::base::progress::enable(crate::base::progress::mode_from_env());
    follow::enable(options.follow_logs);
    let mut selected: HashMap<&str, usize> = HashMap::new();
    for test in &catalog.tests {
        let trial = describe(test);
        if !arguments.is_filtered_out(&trial) && !arguments.is_ignored(&trial) {
            *selected.entry(test.scenario.module_path).or_default() += 1;
        }
    }
    let nextest_slot = std::env::var("NEXTEST_TEST_GLOBAL_SLOT").ok().and_then(|s| s.parse::<u32>().ok());
    let plans: HashMap<&str, Plan> = catalog
        .scenarios
        .iter()
        .map(|scenario| {
            let sharing = sharing(options.instances.or(scenario.instances), nextest_slot);
            (scenario.module_path, Plan { selected: selected.get(scenario.module_path).copied().unwrap_or(0), sharing })
        })
        .collect();
    // Worker instances serve one test each: let enough tests run at once to keep every instance
    // of every selected scenario busy (the tests wait on containers, not on the CPU).
    let mut arguments = arguments;
    if arguments.test_threads.is_none() {
        let workers: u32 = plans
            .values()
            .filter(|p| p.selected > 0)
            .map(|p| match p.sharing {
                Sharing::Workers { count } => count.min(u32::try_from(p.selected).unwrap_or(u32::MAX)),
                _ => 0,
            })
            .sum();
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        if workers as usize > cores {
            arguments.test_threads = Some(workers as usize);
        }
    }
    if options.prestart_pool {
        // Under nextest the pool is shared by the session's processes: leave what is left to them.
        crate::pool::prestart::plan(&catalog.scenarios, &selected, ownership(&options) == Ownership::SharedBySession);
    }
    let runner = Arc::new(Runner::new(ownership(&options), &catalog.scenarios, &plans));
    interrupt_lands_everything(&runner);

    let trials = catalog
        .tests
        .iter()
        .map(|t| {
            let (runner, test) = (runner.clone(), t.test);
            Trial::test(t.trial_name.clone(), move || runner.run_test(test)).with_ignored_flag(test.ignored)
        })
        .collect();
    let conclusion = libtest_mimic::run(&arguments, trials);
    runner.finish();
    crate::base::progress::finish();
    conclusion.exit_code()
}

/// The command line and the project's environment variables, checked before anything starts:
/// every bad value is reported (naming the flag or variable, the value and what is accepted)
/// and the run stops; unknown `SCENARIO_` names are warnings.
fn checked_command_line() -> Result<(libtest_mimic::Arguments, Options), ExitCode> {
    let vars = std::env::vars_os().map(|(k, v)| (k.to_string_lossy().into_owned(), v.to_string_lossy().into_owned()));
    let checked = crate::base::settings::check_environment(vars);
    for line in &checked.unknown {
        eprintln!("warning: {line}");
    }
    let mut errors = checked.errors;
    let parsed = args::parse(std::env::args(), |key| std::env::var(key).ok());
    if let Err(error) = &parsed {
        if !errors.iter().any(|e| e.setting == error.setting) {
            errors.push(error.clone());
        }
    }
    if errors.is_empty() {
        return parsed.map_err(|_| ExitCode::from(2));
    }
    for error in &errors {
        eprintln!("error: {error}");
    }
    eprintln!("error: nothing was started; fix the setting{} above", if errors.len() == 1 { "" } else { "s" });
    Err(ExitCode::from(2))
}

/// No instance count: one shared environment. A count: that many worker instances, or under
/// nextest (a process per test) the instance of this process's slot, so concurrent processes
/// never share one.
fn sharing(instances: Option<u32>, nextest_slot: Option<u32>) -> Sharing {
    match (instances, nextest_slot) {
        (None, _) => Sharing::Shared,
        (Some(count), Some(slot)) => Sharing::Slot { instance: slot % count.max(1) },
        (Some(count), None) => Sharing::Workers { count: count.max(1) },
    }
}

fn ownership(options: &Options) -> Ownership {
    if options.reuse {
        Ownership::Reuse
    } else if std::env::var("NEXTEST_EXECUTION_MODE").is_ok_and(|m| m == "process-per-test") {
        Ownership::SharedBySession
    } else {
        Ownership::Exclusive
    }
}

/// On SIGINT or SIGTERM: the normal teardown of every environment, then exit as interrupted;
/// on a second one during the teardown, exit at once (the session's reaper removes the rest).
fn interrupt_lands_everything(runner: &Arc<Runner>) {
    let runner_for_signal = runner.clone();
    runner.runtime().spawn(async move {
        let Some(mut interrupts) = interrupts::Interrupts::listen() else { return };
        interrupts.next().await;
        eprintln!("interrupted: tearing down the scenarios (interrupt again to exit at once)");
        tokio::select! {
            () = runner_for_signal.land_all() => {}
            () = interrupts.next() => eprintln!(
                "interrupted again: exiting before the teardown is done; the session's reaper removes what is \
                 left once its grace period has passed (nothing does with SCENARIO_REAPER=off: \
                 `cargo scenario prune` then)"
            ),
        }
        crate::base::progress::finish();
        std::process::exit(130);
    });
}
