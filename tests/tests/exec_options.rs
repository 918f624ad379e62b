//! Exec with environment, user, working directory and stdin, and output streamed as it comes,
//! against the real engine.

use futures_util::StreamExt;
use scenario_runtime::prelude::*;
use scenario_runtime::{Exec, ExecChunk};
use scenario_tests::{sh, TestScope};

async fn sleeper(scope: &Scope) -> Container<Ready> {
    let spec = sh("box", "mkdir -p /work; echo up; exec sleep 3600").ready(Readiness::log("up"));
    scope.configure(spec).unwrap().start().await.unwrap().wait_ready().await.unwrap()
}

#[tokio::test]
async fn exec_runs_with_env_user_working_dir_and_stdin() {
    let scope = TestScope::new("exec-opts").await;
    let c = sleeper(&scope).await;
    let exec = Exec::new(["sh", "-c", "echo \"$GREETING\"; id -u; pwd; cat; echo oops >&2; exit 4"])
        .env("GREETING", "hi there")
        .user("nobody")
        .working_dir("/work")
        .stdin("from the test\n");
    let out = c.exec_with(exec).await.unwrap();
    assert_eq!(out.stdout, "hi there\n65534\n/work\nfrom the test\n");
    assert_eq!(out.stderr, "oops\n");
    assert_eq!(out.exit_code, 4);
    scope.teardown(vec![c]).await.unwrap();
}

#[tokio::test]
async fn exec_stream_yields_output_before_the_command_ends() {
    let scope = TestScope::new("exec-stream").await;
    let c = sleeper(&scope).await;
    // The command prints, then waits for a file only the test creates after reading the line:
    // a collected exec would never return, a streamed one shows the first line at once.
    let script = "echo first; while [ ! -e /work/go ]; do sleep 0.05; done; echo second; echo err >&2";
    let mut stream = c.exec_stream(Exec::new(["sh", "-c", script])).await.unwrap();
    assert_eq!(stream.next().await.unwrap().unwrap(), ExecChunk::Stdout(b"first\n".to_vec()));
    assert!(c.exec(["touch", "/work/go"]).await.unwrap().success());
    let mut rest = Vec::new();
    while let Some(chunk) = stream.next().await {
        rest.push(chunk.unwrap());
    }
    assert!(rest.contains(&ExecChunk::Stdout(b"second\n".to_vec())), "{rest:?}");
    assert!(rest.contains(&ExecChunk::Stderr(b"err\n".to_vec())), "{rest:?}");
    assert_eq!(stream.exit_code().await.unwrap(), 0);
    scope.teardown(vec![c]).await.unwrap();
}
