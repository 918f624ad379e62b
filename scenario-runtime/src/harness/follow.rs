//! Live logs (`--follow-logs`, `SCENARIO_FOLLOW_LOGS=1`): every container's output is written
//! to stderr while the tests run, each line prefixed with `[scenario/container]`. The artifacts
//! files and the log tail of a failing test are unchanged.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use futures_util::StreamExt;

use crate::container::{Container, Ready};
use crate::launch::RunningEnv;

static ENABLED: AtomicBool = AtomicBool::new(false);
static FOLLOWERS: Mutex<Vec<tokio::task::JoinHandle<()>>> = Mutex::new(Vec::new());

/// How long the end of the run waits for followers to print what is left; a kept-alive
/// container's log never ends, so its follower is stopped after this.
const FINISH_WAIT: Duration = Duration::from_secs(3);

pub(crate) fn enable(on: bool) {
    ENABLED.store(on, Ordering::Relaxed);
}

/// With live logs on: follows every container of a just-started scenario.
pub(crate) fn follow_env(env: &RunningEnv, scenario: &str) {
    if !ENABLED.load(Ordering::Relaxed) {
        return;
    }
    let mut followers = FOLLOWERS.lock().unwrap();
    for (name, container) in env.containers() {
        followers.push(follow_logs(container, format!("[{scenario}/{name}]")));
    }
}

/// After teardown: lets followers print the last lines of removed containers, then stops them.
pub(crate) async fn finish() {
    let followers = std::mem::take(&mut *FOLLOWERS.lock().unwrap());
    let aborts: Vec<_> = followers.iter().map(|f| f.abort_handle()).collect();
    if tokio::time::timeout(FINISH_WAIT, futures_util::future::join_all(followers)).await.is_err() {
        aborts.iter().for_each(tokio::task::AbortHandle::abort);
    }
}

/// Writes `container`'s output from this run's start on to stderr, line by line with `prefix`,
/// until its log ends (the container stops or is removed).
pub fn follow_logs(container: &Container<Ready>, prefix: String) -> tokio::task::JoinHandle<()> {
    use bollard::container::LogOutput;
    let docker = container.scope().engine().docker().clone();
    let id = container.id().to_string();
    let since = container.scope().run_started().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    tokio::spawn(async move {
        let options = bollard::query_parameters::LogsOptionsBuilder::new()
            .follow(true)
            .stdout(true)
            .stderr(true)
            .since(i32::try_from(since.as_secs()).unwrap_or(0))
            .build();
        let mut stream = docker.logs(&id, Some(options));
        // Chunks need not end at line ends: stdout and stderr each keep their unfinished line.
        let (mut out, mut err) = (Vec::new(), Vec::new());
        while let Some(Ok(chunk)) = stream.next().await {
            match chunk {
                LogOutput::StdOut { message } | LogOutput::Console { message } => {
                    print_lines(&prefix, &mut out, &message)
                }
                LogOutput::StdErr { message } => print_lines(&prefix, &mut err, &message),
                LogOutput::StdIn { .. } => {}
            }
        }
        for rest in [out, err] {
            if !rest.is_empty() {
                eprintln!("{prefix} {}", String::from_utf8_lossy(&rest));
            }
        }
    })
}

fn print_lines(prefix: &str, pending: &mut Vec<u8>, bytes: &[u8]) {
    pending.extend_from_slice(bytes);
    while let Some(end) = pending.iter().position(|b| *b == b'\n') {
        let line: Vec<u8> = pending.drain(..=end).collect();
        eprintln!("{prefix} {}", String::from_utf8_lossy(&line[..end]).trim_end_matches('\r'));
    }
}
