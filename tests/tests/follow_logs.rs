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

/// The lines stream while the tests run: the fixture's test makes its container log a line and
/// ends only after this test has read that line from the run's stderr (and said so through a
/// FIFO); were the lines printed only at the end, the run would never finish.
#[tokio::test]
async fn lines_arrive_while_the_test_is_still_running() {
    use std::io::{BufRead, Write};
    const LIVE_FIXTURE: &str = env!("CARGO_BIN_EXE_interrupt_fixture");
    let run = FixtureRun::new(LIVE_FIXTURE, "follow-live");
    let fifo = std::env::temp_dir().join(format!("scenario-live-{}", run.session));
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success(), "mkfifo {}", fifo.display());
    let mut child = run
        .command(&["--ignored", "--exact", "live::ends_once_its_line_was_seen", "--follow-logs"])
        .env("FIXTURE_LIVE_FIFO", &fifo)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (seen_tx, seen_rx) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut lines = Vec::new();
        for line in std::io::BufReader::new(stderr).lines().map_while(Result::ok) {
            if line == "[live/talker] seen-while-running" {
                let _ = seen_tx.send(());
            }
            lines.push(line);
        }
        lines
    });
    let seen = seen_rx.recv_timeout(std::time::Duration::from_secs(60));
    if seen.is_err() {
        let _ = child.kill();
    } else {
        let mut writer = std::fs::OpenOptions::new().write(true).open(&fifo).unwrap();
        writer.write_all(b"seen\n").unwrap();
    }
    let out = child.wait_with_output().unwrap();
    let lines = reader.join().unwrap();
    let _ = std::fs::remove_file(&fifo);
    assert!(seen.is_ok(), "the container's line was not streamed while its test ran:\n{}", lines.join("\n"));
    assert!(out.status.success(), "{}\n{}", text(&out.stdout), lines.join("\n"));
    assert_eq!(run.leftovers().await, Vec::<String>::new());
}
