//! The pre-start pool as a user meets it: the fixture binary (src/bin/pool_fixture.rs) run as a
//! subprocess with and without `--prestart-pool`, and as nextest runs it (a process per test,
//! one session), with the engine checked for leftovers.

use std::collections::HashSet;
use std::process::{Command, Output};

use scenario_tests::{text, FixtureRun};

const FIXTURE: &str = env!("CARGO_BIN_EXE_pool_fixture");

/// `(test, id, from pool)` of each `took ...` line (with `--nocapture` libtest's `test x ... `
/// may precede it on the line).
fn takes(stdout: &str) -> Vec<(String, String, bool)> {
    stdout
        .lines()
        .filter_map(|line| {
            let took = &line[line.find("took test=")?..];
            let field = |key: &str| took.split_whitespace().find_map(|w| w.strip_prefix(key).map(String::from));
            Some((field("test=")?, field("id=")?, field("pool=")? == "true"))
        })
        .collect()
}

fn assert_passed(out: &Output) -> (String, String) {
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{stdout}\n{stderr}");
    (stdout, stderr)
}

#[tokio::test]
async fn with_the_pool_tests_take_fresh_pooled_containers_and_nothing_is_left() {
    let run = FixtureRun::new(FIXTURE, "on");
    let out = run.command(&["--prestart-pool", "--test-threads", "1", "--nocapture"]).output().unwrap();
    let (stdout, stderr) = assert_passed(&out);
    assert!(stdout.contains("4 passed; 0 failed"), "{stdout}");
    let taken = takes(&stdout);
    assert_eq!(taken.len(), 3, "{stdout}");
    let ids: HashSet<&String> = taken.iter().map(|(_, id, _)| id).collect();
    assert_eq!(ids.len(), 3, "every test got a container of its own: {stdout}");
    let pooled = taken.iter().filter(|(_, _, pool)| *pool).count();
    // The pool fills while the scenario starts; a take waits for a pre-start under way rather
    // than starting another, so every take is served from it.
    assert_eq!(pooled, 3, "{stdout}\n{stderr}");
    assert!(
        stderr.contains("removed 1 fresh container(s) the test did not release"),
        "the leaked one is removed: {stderr}"
    );
    assert_eq!(run.leftovers().await, Vec::<String>::new(), "pool leftovers and fresh containers removed");
}

#[tokio::test]
async fn without_the_pool_fresh_containers_are_started_directly() {
    let run = FixtureRun::new(FIXTURE, "off");
    let out = run.command(&["--test-threads", "2", "--nocapture"]).output().unwrap();
    let (stdout, _) = assert_passed(&out);
    let taken = takes(&stdout);
    assert_eq!(taken.len(), 3, "{stdout}");
    assert!(taken.iter().all(|(_, _, pool)| !pool), "no pool unless asked for: {stdout}");
    assert_eq!(run.leftovers().await, Vec::<String>::new());
}

#[tokio::test]
async fn the_environment_variable_turns_the_pool_on_for_parallel_tests() {
    let run = FixtureRun::new(FIXTURE, "env");
    let out = run.command(&["--test-threads", "3", "--nocapture"]).env("SCENARIO_POOL", "1").output().unwrap();
    let (stdout, stderr) = assert_passed(&out);
    let taken = takes(&stdout);
    let ids: HashSet<&String> = taken.iter().map(|(_, id, _)| id).collect();
    assert_eq!((taken.len(), ids.len()), (3, 3), "{stdout}");
    assert!(taken.iter().any(|(_, _, pool)| *pool), "{stdout}\n{stderr}");
    assert_eq!(run.leftovers().await, Vec::<String>::new());
}

/// nextest: a process per test, one session. Processes running at once share the session's
/// pool and never take the same container; a later process takes what earlier ones left.
#[tokio::test]
async fn under_nextest_the_sessions_processes_share_the_pool() {
    let run = FixtureRun::new(FIXTURE, "nextest");
    let nextest = |test: &str| {
        let mut command = run.command(&["--exact", test, "--nocapture"]);
        command.env("SCENARIO_POOL", "1").env("NEXTEST_EXECUTION_MODE", "process-per-test");
        command.spawn_output()
    };
    let (first, second) = (nextest("fresh_cache::first"), nextest("fresh_cache::second"));
    let (first, second) = (first.join().unwrap(), second.join().unwrap());
    let mut taken = takes(&assert_passed(&first).0);
    taken.extend(takes(&assert_passed(&second).0));
    assert_eq!(taken.len(), 2);
    assert_ne!(taken[0].1, taken[1].1, "two processes took two containers");
    // Each process kept the pool full while its test ran and left it for the next process.
    let third = nextest("fresh_cache::third").join().unwrap();
    let (stdout, stderr) = assert_passed(&third);
    let later = takes(&stdout);
    assert_eq!(later.len(), 1, "{stdout}");
    assert!(later[0].2, "the later process took a container an earlier one pre-started: {stdout}\n{stderr}");
    // Shared-mode processes leave the scenario and the pool to the session's reaper (off here):
    // what is left is labelled for it, and no fresh container is among it.
    let left = run.leftovers().await;
    assert!(left.iter().all(|l| !l.contains("-taken-")), "fresh containers are removed by their test: {left:?}");
}

trait SpawnOutput {
    fn spawn_output(self) -> std::thread::JoinHandle<Output>;
}

impl SpawnOutput for Command {
    fn spawn_output(mut self) -> std::thread::JoinHandle<Output> {
        std::thread::spawn(move || self.output().unwrap())
    }
}
