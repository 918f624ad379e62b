//! `cargo scenario test` as a user runs it, on a package of their shape: a library with unit
//! tests and a doctest (libtest) beside a scenario test target (scenario's harness), with real
//! cargo and the real engine.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use scenario_runtime::__private::{cleanup, labels};
use scenario_runtime::SessionId;
use scenario_tests::probe::ProbePackage;
use scenario_tests::{engine, leftovers, text, unique_session};

const CLI: &str = env!("CARGO_BIN_EXE_cargo-scenario");

const LIB: &str = r#"
/// Adds one.
///
/// ```
/// assert_eq!(harness_probe::add_one(1), 2);
/// ```
pub fn add_one(x: u32) -> u32 {
    x + 1
}

#[cfg(test)]
mod tests {
    #[test]
    fn adds() {
        assert_eq!(super::add_one(2), 3);
    }
}
"#;

const SCENARIOS: &str = r#"
use scenario_runtime::prelude::*;

#[container(image = "busybox:1.35", cmd = ["sh", "-c", "echo up; exec sleep 3600"], ready = log("up"))]
pub struct Idle;

#[scenario(containers = [Idle])]
mod probe {
    use super::*;

    #[test]
    async fn passes(env: &Env) -> TestResult {
        env.get::<Idle>().exec(["true"]).await?;
        Ok(())
    }

    #[test]
    async fn fails_when_asked() -> TestResult {
        match std::env::var("PROBE_FAIL") {
            Ok(_) => Err("asked to fail".into()),
            Err(_) => Ok(()),
        }
    }

    #[test]
    async fn blocks_when_asked() -> TestResult {
        if let Ok(marker) = std::env::var("PROBE_BLOCK") {
            std::fs::write(marker, "running")?;
            std::future::pending::<()>().await;
        }
        Ok(())
    }
}

scenario_runtime::main!();
"#;

/// One package for all tests here: their cargo runs then share its build (cargo serialises them
/// on the target folder's lock), where copies of it in other folders would be built each anew
/// and race for the same artifact names.
fn probe() -> &'static ProbePackage {
    static PACKAGE: std::sync::OnceLock<ProbePackage> = std::sync::OnceLock::new();
    PACKAGE.get_or_init(|| {
        ProbePackage::new(
            "cargo-scenario-test",
            "\n[[test]]\nname = \"scenarios\"\nharness = false\n",
            &[("src/lib.rs", LIB), ("tests/scenarios.rs", SCENARIOS)],
        )
    })
}

/// The project of a test's runs. Names hold only a project's first 8 characters, so they
/// come from a hash of the (unique) session, not from a shared prefix.
fn project_of(session: &SessionId) -> String {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    session.as_str().hash(&mut hasher);
    format!("{:016x}", hasher.finish())
}

/// `cargo scenario test ARGS` in the package, as this run's own session and project.
fn cargo_scenario(package: &ProbePackage, session: &SessionId, args: &[&str]) -> Command {
    let mut command = package.command(CLI);
    command
        .arg("scenario")
        .arg("test")
        .args(args)
        .env("SCENARIO_SESSION_ID", session.as_str())
        .env("SCENARIO_PROJECT", project_of(session))
        .env("SCENARIO_REAPER", "off");
    command
}

async fn remove_everything_of(session: &SessionId) {
    let filter = [format!("{}={}", labels::PROJECT, project_of(session))];
    cleanup::remove_including_kept(&engine().await, &filter).await.unwrap();
}

/// Removes a test's project, kept containers included, also when an assertion failed first.
struct ProjectGuard(SessionId);

impl Drop for ProjectGuard {
    fn drop(&mut self) {
        let session = self.0.clone();
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            runtime.block_on(remove_everything_of(&session));
        })
        .join();
    }
}

#[tokio::test]
async fn reuse_reaches_the_scenario_harness_and_libtest_runs_as_usual() {
    let package = probe();
    let session = unique_session("cli-test-reuse");
    let _guard = ProjectGuard(session.clone());

    // The trap this command exists for: libtest rejects the flag cargo passes to every target.
    let literal = package.cargo(&["test", "--offline", "--", "--reuse"]).output().unwrap();
    assert!(!literal.status.success());
    assert!(text(&literal.stderr).contains("Unrecognized option: 'reuse'"), "{}", text(&literal.stderr));

    let out = cargo_scenario(package, &session, &["--reuse", "--offline"]).output().unwrap();
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(stdout.contains("test tests::adds ... ok"), "the unit test ran:\n{stdout}");
    assert!(stdout.contains("src/lib.rs - add_one (line 4) ... ok"), "the doctest ran:\n{stdout}");
    assert!(stdout.contains("test probe::passes"), "the scenario test ran:\n{stdout}");

    // Reuse reached the harness: the scenario's container is kept alive for the next run.
    let filters = std::collections::HashMap::from([(
        "label",
        vec![format!("{}={}", labels::PROJECT, project_of(&session)), format!("{}=true", labels::REUSE)],
    )]);
    let options = bollard::query_parameters::ListContainersOptionsBuilder::new().all(true).filters(&filters).build();
    let kept = engine().await.docker().list_containers(Some(options)).await.unwrap();
    assert_eq!(kept.len(), 1, "one kept container: {kept:?}");
    remove_everything_of(&session).await;
}

#[tokio::test]
async fn a_failing_test_gives_cargos_exit_code() {
    let package = probe();
    let session = unique_session("cli-test-fail");
    let _guard = ProjectGuard(session.clone());
    let out = cargo_scenario(package, &session, &["--offline", "--test", "scenarios"])
        .env("PROBE_FAIL", "1")
        .output()
        .unwrap();
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(101), "{stdout}\n{}", text(&out.stderr));
    assert!(stdout.contains("test probe::fails_when_asked") && stdout.contains("FAILED"), "{stdout}");
    assert!(leftovers(&engine().await, &session).await.is_empty(), "torn down after the failure");
    remove_everything_of(&session).await;
}

#[tokio::test]
async fn sigterm_reaches_the_harness_which_tears_down() {
    let package = probe();
    let session = unique_session("cli-test-term");
    let _guard = ProjectGuard(session.clone());
    let marker = package.dir.join(format!("blocking-{session}"));
    let mut child = cargo_scenario(package, &session, &["--offline", "--test", "scenarios"])
        .args(["--", "--exact", "probe::blocks_when_asked"])
        .env("PROBE_BLOCK", &marker)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The build may take minutes on a cold machine; the test writes the marker once it runs.
    let deadline = Instant::now() + Duration::from_secs(600);
    while !marker.exists() {
        assert!(Instant::now() < deadline, "the blocking test never started");
        assert!(child.try_wait().unwrap().is_none(), "cargo scenario ended before the test ran");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let engine = engine().await;
    assert!(!leftovers(&engine, &session).await.is_empty(), "the scenario's container runs");

    // SAFETY: kill(2) on the child this test spawned.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(128 + libc::SIGTERM), "cargo ended by SIGTERM: {}", text(&out.stderr));

    // The harness got the signal too and tears down (it may finish after cargo has gone).
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let left = leftovers(&engine, &session).await;
        if left.is_empty() {
            break;
        }
        assert!(Instant::now() < deadline, "left after SIGTERM: {left:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    remove_everything_of(&session).await;
}
