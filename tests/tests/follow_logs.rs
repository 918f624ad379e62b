//! Live logs: with `--follow-logs` (or `SCENARIO_FOLLOW_LOGS=1`) the harness writes every
//! container's log lines to stderr, prefixed with its scenario and name; without, it does not.

use scenario_tests::{text, FixtureRun};

const FIXTURE: &str = env!("CARGO_BIN_EXE_harness_fixture");
const TEST: &str = "chain::started_in_dependency_order";

#[tokio::test]
async fn the_flag_streams_every_containers_lines_prefixed_with_its_name() {
    let run = FixtureRun::new(FIXTURE, "follow");
    let out = run.command(&["--follow-logs", "--exact", TEST]).env_remove("SCENARIO_FOLLOW_LOGS").output().unwrap();
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{stdout}\n{stderr}");
    for line in ["[chain/a] a-ready", "[chain/b] b-ready", "[chain/c] c-ready"] {
        assert!(stderr.lines().any(|l| l == line), "missing {line:?} in:\n{stderr}");
    }
    assert_eq!(run.leftovers().await, Vec::<String>::new());
}

#[tokio::test]
async fn the_variable_turns_it_on_and_nothing_is_streamed_by_default() {
    let run = FixtureRun::new(FIXTURE, "follow-env");
    let out = run.command(&["--exact", TEST]).env("SCENARIO_FOLLOW_LOGS", "1").output().unwrap();
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.lines().any(|l| l == "[chain/a] a-ready"), "{stderr}");

    let quiet = FixtureRun::new(FIXTURE, "follow-off");
    let out = quiet.command(&["--exact", TEST]).env_remove("SCENARIO_FOLLOW_LOGS").output().unwrap();
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.contains("[chain/"), "no live logs unless asked: {stderr}");
}
