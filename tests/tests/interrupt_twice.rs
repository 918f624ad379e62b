//! Ctrl-C twice: the first interrupt starts the teardown, the second one (during a teardown that
//! would take a minute) ends the process at once, and the session's reaper removes what is left
//! within its grace period.

use std::io::BufRead;
use std::time::{Duration, Instant};

use scenario_tests::FixtureRun;

const FIXTURE: &str = env!("CARGO_BIN_EXE_interrupt_fixture");
const GRACE: Duration = Duration::from_millis(1000);

#[tokio::test]
async fn a_second_interrupt_during_the_teardown_exits_at_once_and_the_reaper_removes_the_rest() {
    let run = FixtureRun::new(FIXTURE, "int2");
    let mut child = run
        .command(&["--ignored", "--exact", "stubborn::blocks", "--nocapture"])
        .env("SCENARIO_REAPER", "on")
        .env("SCENARIO_REAPER_GRACE_MS", GRACE.as_millis().to_string())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap()).lines();
    stdout.find(|line| line.as_ref().unwrap().starts_with("blocking with container")).expect("the test runs").unwrap();
    // SAFETY: kill(2) on our own child's pid.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let mut said = Vec::new();
    for line in stderr.by_ref() {
        let line = line.unwrap();
        said.push(line.clone());
        if line.starts_with("interrupted: tearing down") {
            break;
        }
    }
    assert!(said.last().is_some_and(|l| l.starts_with("interrupted: tearing down")), "{said:?}");
    let second = Instant::now();
    // SAFETY: as above.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let status = child.wait().unwrap();
    let exited_after = second.elapsed();
    let rest: Vec<String> = stderr.map_while(Result::ok).collect();
    assert_eq!(status.code(), Some(130), "{rest:?}");
    // The teardown alone would take a minute (the container's stop timeout).
    assert!(exited_after < Duration::from_secs(5), "exited {exited_after:?} after the second interrupt");
    assert!(rest.iter().any(|l| l.starts_with("interrupted again: exiting before the teardown is done")), "{rest:?}");

    let deadline = Instant::now() + GRACE + Duration::from_secs(10);
    let mut left = run.leftovers().await;
    while !left.is_empty() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
        left = run.leftovers().await;
    }
    println!(
        "second interrupt -> exit in {} ms; everything removed {} ms after it",
        exited_after.as_millis(),
        second.elapsed().as_millis()
    );
    assert_eq!(left, Vec::<String>::new(), "the session's reaper removed everything");
}
