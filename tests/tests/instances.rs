//! Parallel isolated instances of a scenario, driven through the harness fixture: isolation, a
//! dynamic queue (a slow test holds back only its own instance), a failing instance start that
//! fails only the test that met it, nextest's slot choosing the instance, and nothing left.

use std::collections::{HashMap, HashSet};
use std::process::Output;

use scenario_runtime::{Engine, SessionId};
use scenario_tests::FixtureRun;

const FIXTURE: &str = env!("CARGO_BIN_EXE_harness_fixture");

fn text(out: &Output) -> (String, String) {
    (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// `RAN <test> ON <instance> FROM <ms> TO <ms>` lines of the fixture, by test.
fn runs(stdout: &str) -> HashMap<String, (u32, u128, u128)> {
    stdout
        .lines()
        .filter_map(|line| {
            let words: Vec<&str> = line.split_whitespace().collect();
            match words.as_slice() {
                ["RAN", test, "ON", instance, "FROM", from, "TO", to, "VIA", _] => {
                    Some((test.to_string(), (instance.parse().ok()?, from.parse().ok()?, to.parse().ok()?)))
                }
                _ => None,
            }
        })
        .collect()
}

#[tokio::test]
async fn instances_are_isolated_and_a_slow_test_holds_back_only_its_own() {
    let run = FixtureRun::new(FIXTURE, "queue");
    let out = run.command(&["parallel::"]).output().unwrap();
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    // Every test checked that its instance's container holds only its own instance's writes.
    assert!(stdout.contains("7 passed; 0 failed"), "{stdout}");
    assert!(
        stderr.contains("scenario parallel #0: ready") && stderr.contains("scenario parallel #1: ready"),
        "{stderr}"
    );

    let ran = runs(&stdout);
    assert_eq!(ran.len(), 7, "{stdout}");
    let used: HashSet<u32> = ran.values().map(|(instance, _, _)| *instance).collect();
    assert_eq!(used, HashSet::from([0, 1]), "both instances served tests");
    let (slow_instance, slow_from, slow_to) = ran["slow"];
    for (test, (instance, from, to)) in &ran {
        if test == "slow" {
            continue;
        }
        if *from >= slow_from && *from < slow_to {
            assert_ne!(*instance, slow_instance, "{test} ran on the slow test's instance while it was busy");
        }
        // A static split would queue some quick tests behind the slow one.
        assert!(*to <= slow_to, "{test} waited for the slow test: ended {to}, slow ended {slow_to}");
    }
    // One test at a time per instance: no two runs on one instance overlap.
    for (a, (ia, fa, ta)) in &ran {
        for (b, (ib, fb, tb)) in &ran {
            if a < b && ia == ib {
                assert!(ta <= fb || tb <= fa, "{a} and {b} overlapped on instance {ia}");
            }
        }
    }
    assert_eq!(run.leftovers().await, Vec::<String>::new(), "every instance torn down");
}

#[tokio::test]
async fn a_failing_instance_fails_only_the_test_that_met_it() {
    let run = FixtureRun::new(FIXTURE, "broken");
    let claim_dir = std::env::temp_dir().join(format!("scenario-claim-{}", run.session));
    std::fs::create_dir_all(&claim_dir).unwrap();
    let out = run.command(&["halfbroken::"]).env("FIXTURE_CLAIM_DIR", &claim_dir).output().unwrap();
    std::fs::remove_dir_all(&claim_dir).unwrap();
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(101), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("3 passed; 1 failed"),
        "one instance lost the claim, its test failed, the rest ran on the other: {stdout}"
    );
    assert!(
        stdout.contains("did not start") && stdout.contains("lost"),
        "the failure names the cause and quotes the log: {stdout}"
    );
    assert_eq!(run.leftovers().await, Vec::<String>::new());
}

#[tokio::test]
async fn under_nextest_the_slot_picks_the_instance() {
    let run = FixtureRun::new(FIXTURE, "slot");
    let out = run
        .command(&["--exact", "parallel::t1"])
        .env("NEXTEST_EXECUTION_MODE", "process-per-test")
        .env("NEXTEST_TEST_GLOBAL_SLOT", "3")
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert_eq!(runs(&stdout)["t1"].0, 1, "slot 3 of 2 instances is instance 1");
    assert!(stderr.contains("scenario parallel #1: ready"), "{stderr}");
    // Under nextest the session's reaper removes the shared containers; here it is off, so clean up.
    let engine = Engine::connect().await.unwrap();
    scenario_runtime::__private::cleanup::remove_session(&engine, &SessionId::new(&run.session)).await.unwrap();
    assert_eq!(run.leftovers().await, Vec::<String>::new());
}

#[tokio::test]
async fn the_instances_flag_overrides_the_declared_count() {
    let run = FixtureRun::new(FIXTURE, "flag");
    let out = run.command(&["parallel::", "--instances", "3"]).output().unwrap();
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    let used: HashSet<u32> = runs(&stdout).values().map(|(instance, _, _)| *instance).collect();
    assert!(used.contains(&2), "a third instance exists and served a test: {used:?}\n{stderr}");
    assert_eq!(run.leftovers().await, Vec::<String>::new());
}

#[tokio::test]
async fn reuse_keeps_every_instance_and_attaches_to_each_next_time() {
    let run = FixtureRun::new(FIXTURE, "reuse");
    let first = run.command(&["parallel::", "--reuse"]).output().unwrap();
    let (stdout, stderr) = text(&first);
    assert!(first.status.success(), "{stdout}\n{stderr}");
    let second = run.command(&["parallel::", "--reuse"]).output().unwrap();
    let (stdout, stderr) = text(&second);
    assert!(second.status.success(), "{stdout}\n{stderr}");
    for instance in ["#0", "#1"] {
        assert!(stderr.contains(&format!("scenario parallel {instance}: ready")), "{stderr}");
    }
    assert_eq!(stderr.matches("(reused store)").count(), 2, "both instances attached: {stderr}");
    let engine = Engine::connect().await.unwrap();
    let project = &run.project;
    let removed = scenario_runtime::__private::cleanup::remove_including_kept(
        &engine,
        &[format!("{}={project}", scenario_runtime::__private::labels::PROJECT)],
    )
    .await
    .unwrap();
    assert_eq!(removed.containers, 2, "one kept container per instance");
}
