//! The scenario harness as a user meets it: the fixture binary run as a subprocess with libtest's
//! flags, its output and exit code checked, and the engine checked for leftovers.

use std::process::Output;

use scenario_runtime::__private::{cleanup, labels};
use scenario_runtime::Engine;
use scenario_tests::{text, FixtureRun};

const FIXTURE: &str = env!("CARGO_BIN_EXE_harness_fixture");

/// The outcome libtest printed for `test` (`ok`, `FAILED`, `ignored`); names are padded.
fn outcome<'a>(stdout: &'a str, test: &str) -> Option<&'a str> {
    stdout.lines().find_map(|line| {
        let rest = line.strip_prefix("test ")?.strip_prefix(test)?;
        rest.trim_start().strip_prefix("... ").map(str::trim)
    })
}

/// `--list --format terse` with `vars` set, against an engine that does not exist.
fn list_without_an_engine(run: &FixtureRun, vars: &[(&str, &str)]) -> Output {
    let mut command = run.command(&["--list", "--format", "terse"]);
    command.env("DOCKER_HOST", "unix:///nonexistent/docker.sock").envs(vars.iter().copied());
    command.output().unwrap()
}

#[test]
fn list_prints_only_test_lines_and_never_contacts_the_engine() {
    let run = FixtureRun::new(FIXTURE, "list");
    let out = list_without_an_engine(&run, &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        [
            "chain::fails_on_purpose",
            "chain::ignored_one",
            "chain::started_in_dependency_order",
            "halfbroken::a",
            "halfbroken::b",
            "halfbroken::c",
            "halfbroken::d",
            "parallel::slow",
            "parallel::t1",
            "parallel::t2",
            "parallel::t3",
            "parallel::t4",
            "parallel::t5",
            "parallel::t6",
            "patient::waits",
            "slow::blocks",
            "stuck::never_runs",
        ]
        .into_iter()
        .map(String::from)
        .chain((1..=16).map(|i| format!("suite::case{i:02}")))
        .map(|t| format!("{t}: test\n"))
        .collect::<String>()
    );
    assert_eq!(text(&out.stderr), "", "no status lines: nothing was started");
}

#[tokio::test]
async fn an_exact_filter_starts_only_that_scenario_in_dependency_order() {
    let run = FixtureRun::new(FIXTURE, "exact");
    let out = run.run(&["--exact", "chain::started_in_dependency_order"]);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert_eq!(outcome(&stdout, "chain::started_in_dependency_order"), Some("ok"), "{stdout}");
    assert!(stdout.contains("1 passed; 0 failed; 0 ignored; 0 measured; 32 filtered out"), "{stdout}");
    assert!(stderr.contains("scenario chain: ready in"), "{stderr}");
    assert!(stderr.contains("started a, b, c"), "{stderr}");
    assert!(!stderr.contains("scenario stuck"), "an unselected scenario starts nothing: {stderr}");
    assert_eq!(run.leftovers().await, Vec::<String>::new());
}

#[tokio::test]
async fn failures_give_libtest_exit_codes_reasons_and_log_tails_and_clean_up() {
    let run = FixtureRun::new(FIXTURE, "full");
    // The instance scenarios have their own tests (tests/tests/instances.rs), so has progress.
    let out = run.run(&[
        "--test-threads",
        "2",
        "--skip",
        "parallel::",
        "--skip",
        "halfbroken::",
        "--skip",
        "suite::",
        "--skip",
        "patient::",
    ]);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(101), "{stdout}\n{stderr}");
    assert_eq!(outcome(&stdout, "chain::fails_on_purpose"), Some("FAILED"), "{stdout}");
    assert_eq!(outcome(&stdout, "chain::started_in_dependency_order"), Some("ok"), "{stdout}");
    assert!(stdout.contains("deliberate failure"), "{stdout}");
    assert!(
        stdout.contains("--- last log lines of c ---") && stdout.contains("c-ready"),
        "the failure quotes each container's log tail: {stdout}"
    );
    assert_eq!(outcome(&stdout, "chain::ignored_one"), Some("ignored"), "{stdout}");
    assert_eq!(outcome(&stdout, "stuck::never_runs"), Some("FAILED"), "{stdout}");
    assert!(stdout.contains("scenario `stuck` did not start"), "{stdout}");
    assert!(
        stdout.contains("container `stuck` was not ready") && stdout.contains("stuck-starting"),
        "the start failure names the container and quotes its logs: {stdout}"
    );
    assert!(stdout.contains("1 passed; 2 failed; 2 ignored; 0 measured; 28 filtered out"), "{stdout}");
    assert_eq!(run.leftovers().await, Vec::<String>::new(), "torn down, also after failures");
}

#[tokio::test]
async fn skip_filters_leave_a_green_run() {
    let run = FixtureRun::new(FIXTURE, "skip");
    let out = run.run(&[
        "--skip",
        "fails_on_purpose",
        "--skip",
        "stuck",
        "--skip",
        "parallel::",
        "--skip",
        "halfbroken::",
        "--skip",
        "suite::",
        "--skip",
        "patient::",
    ]);
    assert!(out.status.success(), "{}\n{}", text(&out.stdout), text(&out.stderr));
    assert!(
        text(&out.stdout).contains("1 passed; 0 failed; 2 ignored; 0 measured; 30 filtered out"),
        "{}",
        text(&out.stdout)
    );
    assert_eq!(run.leftovers().await, Vec::<String>::new());
}

#[tokio::test]
async fn reuse_is_accepted_and_keeps_the_environment_for_the_next_run() {
    let run = FixtureRun::new(FIXTURE, "reuse");
    let out = run.run(&["--reuse", "--exact", "chain::started_in_dependency_order"]);
    assert!(out.status.success(), "{}\n{}", text(&out.stdout), text(&out.stderr));
    let again =
        run.command(&["--exact", "chain::started_in_dependency_order"]).env("SCENARIO_REUSE", "1").output().unwrap();
    let stderr = text(&again.stderr);
    assert!(again.status.success(), "{stderr}");
    assert!(stderr.contains("reused a, b, c"), "the second run attaches: {stderr}");
    let engine = Engine::connect().await.unwrap();
    let kept = cleanup::remove_labelled(&engine, &[format!("{}={}", labels::PROJECT, run.project)]).await.unwrap();
    assert_eq!(kept.containers, 0, "kept-alive containers are left alone by label cleanup");
    // Remove them for real: the kept containers are ours, labelled reuse=true.
    remove_project_including_kept(&engine, &run.project).await;
}

async fn remove_project_including_kept(engine: &Engine, project: &str) {
    use bollard::query_parameters::{
        ListContainersOptionsBuilder, ListNetworksOptionsBuilder, RemoveContainerOptionsBuilder,
    };
    use std::collections::HashMap;
    let filters =
        HashMap::from([("label", vec![format!("{}={project}", labels::PROJECT), format!("{}=true", labels::MANAGED)])]);
    let docker = engine.docker();
    let containers = docker
        .list_containers(Some(ListContainersOptionsBuilder::new().all(true).filters(&filters).build()))
        .await
        .unwrap();
    assert_eq!(containers.len(), 3, "a, b and c were kept alive");
    for c in containers {
        assert_eq!(c.labels.unwrap()[labels::REUSE], "true");
        docker
            .remove_container(&c.id.unwrap(), Some(RemoveContainerOptionsBuilder::new().force(true).v(true).build()))
            .await
            .unwrap();
    }
    for n in docker.list_networks(Some(ListNetworksOptionsBuilder::new().filters(&filters).build())).await.unwrap() {
        docker.remove_network(&n.id.unwrap()).await.unwrap();
    }
}

/// Starts `slow::blocks` and returns once its container runs (the test printed its id).
fn start_blocking(run: &FixtureRun, reaper: bool) -> (std::process::Child, String) {
    use std::io::BufRead;
    let mut command = run.command(&["--ignored", "--exact", "slow::blocks"]);
    if reaper {
        command.env("SCENARIO_REAPER", "on").env("SCENARIO_REAPER_GRACE_MS", "500");
    }
    let mut child = command.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::null()).spawn().unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let id = lines
        .find_map(|line| line.unwrap().strip_prefix("blocking with container ").map(String::from))
        .expect("the blocking test reports its container");
    (child, id)
}

#[tokio::test]
async fn an_interrupted_run_tears_down_before_it_exits() {
    let run = FixtureRun::new(FIXTURE, "sigint");
    let (mut child, id) = start_blocking(&run, false);
    assert!(run.leftovers().await.iter().any(|l| l.contains("slow")), "the container runs");
    // SAFETY: kill(2) on our own child's pid.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    assert_eq!(run.leftovers().await, Vec::<String>::new(), "container {id} and its network are gone at exit");
}

#[tokio::test]
async fn a_killed_run_is_cleaned_by_the_reaper() {
    let run = FixtureRun::new(FIXTURE, "sigkill");
    let (mut child, _id) = start_blocking(&run, true);
    child.kill().unwrap();
    child.wait().unwrap();
    // The reaper acts after its grace period (0.5 s here): re-check until then plus 5 s.
    let deadline = std::time::Instant::now() + std::time::Duration::from_millis(5_500);
    let mut left = run.leftovers().await;
    while !left.is_empty() && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        left = run.leftovers().await;
    }
    assert_eq!(left, Vec::<String>::new(), "the session's reaper removed everything");
}

#[tokio::test]
async fn nextest_style_processes_share_one_environment_and_the_reaper_leaves_nothing() {
    // nextest runs `binary --exact NAME` once per test, all with one NEXTEST_RUN_ID.
    let run = FixtureRun::new(FIXTURE, "nextest");
    let tests = ["chain::started_in_dependency_order", "chain::fails_on_purpose"];
    let children: Vec<_> = tests
        .iter()
        .map(|test| {
            run.command(&["--exact", test, "--nocapture"])
                .env("NEXTEST_EXECUTION_MODE", "process-per-test")
                .env("SCENARIO_REAPER", "on")
                .env("SCENARIO_REAPER_GRACE_MS", "500")
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outputs: Vec<Output> = children.into_iter().map(|c| c.wait_with_output().unwrap()).collect();
    let stderr: String = outputs.iter().map(|o| text(&o.stderr)).collect();
    assert!(outputs[0].status.success(), "{}\n{stderr}", text(&outputs[0].stdout));
    assert_eq!(outputs[1].status.code(), Some(101), "the failing test still fails");
    // Racing processes split the creating between them; each container is created once.
    let mut created = Vec::new();
    for line in stderr.lines().filter(|l| l.starts_with("scenario chain: ready")) {
        let inside = line.split_once('(').map(|(_, rest)| rest.trim_end_matches(')')).unwrap_or_default();
        for part in inside.split("; ") {
            if let Some(names) = part.strip_prefix("started ") {
                created.extend(names.split(", ").map(String::from));
            }
        }
    }
    created.sort();
    assert_eq!(created, ["a", "b", "c"], "one set of containers for the whole run: {stderr}");
    // The processes leave the containers to the session's reaper, which acts after its grace.
    let deadline = std::time::Instant::now() + std::time::Duration::from_millis(5_500);
    let mut left = run.leftovers().await;
    while !left.is_empty() && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        left = run.leftovers().await;
    }
    assert_eq!(left, Vec::<String>::new());
}

#[test]
fn a_bad_setting_stops_the_run_before_anything_starts() {
    let run = FixtureRun::new(FIXTURE, "bad-setting");
    for (args, var, value, error) in [
        (
            &[][..],
            "SCENARIO_INSTANCES",
            "abc",
            r#"error: SCENARIO_INSTANCES = "abc" is not valid: expected a whole number from 1 to 256"#,
        ),
        (
            &["--instances", "0"][..],
            "SCENARIO_UNUSED_BY_THIS_CASE",
            "",
            r#"error: --instances = "0" is not valid: expected a whole number from 1 to 256"#,
        ),
        (
            &[][..],
            "SCENARIO_REUSE",
            "maybe",
            r#"error: SCENARIO_REUSE = "maybe" is not valid: expected 1, true, yes, on, or 0, false, no, off"#,
        ),
        (
            &[][..],
            "SCENARIO_REAPER_GRACE_MS",
            "10s",
            r#"error: SCENARIO_REAPER_GRACE_MS = "10s" is not valid: expected a whole number from 0 to 86400000"#,
        ),
    ] {
        // An engine that does not exist: a run that got as far as starting would say so.
        let out =
            run.command(args).env(var, value).env("DOCKER_HOST", "unix:///nonexistent/docker.sock").output().unwrap();
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{var}={value} {args:?}: {stderr}");
        assert!(stderr.lines().any(|l| l == error), "{var}={value} {args:?}: {stderr}");
        assert!(stderr.contains("nothing was started"), "{stderr}");
        assert_eq!(text(&out.stdout), "", "libtest never ran: {var}={value} {args:?}");
    }
}

#[test]
fn a_mistyped_variable_is_a_warning_with_the_closest_name() {
    let run = FixtureRun::new(FIXTURE, "typo");
    let out = list_without_an_engine(&run, &[("SCENARIO_RESUE", "1")]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stderr),
        "warning: SCENARIO_RESUE is not a variable of scenario; did you mean SCENARIO_REUSE?\n"
    );
    assert!(text(&out.stdout).starts_with("chain::fails_on_purpose: test\n"), "the listing is unchanged");
}

#[test]
fn long_waits_are_shown_as_timestamped_lines_when_stderr_is_no_terminal() {
    let run = FixtureRun::new(FIXTURE, "progress-plain");
    let out = run.command(&["--exact", "patient::waits"]).env("SCENARIO_PROGRESS", "auto").output().unwrap();
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let shown: Vec<&str> = stderr.lines().filter(|l| l.starts_with('[') && l.contains("s] ready ")).collect();
    assert!(
        shown.iter().any(
            |l| l.contains("ready patient: waiting for log line containing \"patient-up\"") && l.ends_with("(1 s)")
        ),
        "{stderr}"
    );
    assert!(shown.iter().any(|l| l.contains("ready patient: done after ")), "{stderr}");
}

#[test]
fn quick_work_shows_no_progress() {
    let run = FixtureRun::new(FIXTURE, "progress-quiet");
    let out = run
        .command(&["--exact", "chain::started_in_dependency_order"])
        .env("SCENARIO_PROGRESS", "plain")
        .output()
        .unwrap();
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.lines().any(|l| l.starts_with('[')), "no progress lines for work under a second:\n{stderr}");
}

#[test]
fn the_live_display_never_breaks_libtests_lines() {
    // A real terminal (script(1) runs the fixture on a pseudo-terminal), so the display is live.
    let run = FixtureRun::new(FIXTURE, "progress-live");
    let command = format!("{FIXTURE} --exact patient::waits --test-threads 1");
    let mut script = std::process::Command::new("script");
    script.args(["-qec", &command, "/dev/null"]);
    for (key, value) in run.command(&[]).get_envs() {
        match value {
            Some(value) => script.env(key, value),
            None => script.env_remove(key),
        };
    }
    let out = script.env("SCENARIO_PROGRESS", "auto").output().unwrap();
    let screen = text(&out.stdout);
    assert!(out.status.success(), "{screen}");
    assert!(screen.contains("ready patient"), "the live display showed the wait:\n{screen:?}");
    // libtest's line (with the test's own output in it, as libtest prints without capture)
    // holds no drawing of the display.
    let line_start = screen.find("test patient::waits ... ").expect("libtest's line");
    let line = &screen[line_start..line_start + screen[line_start..].find("ok\r\n").expect("the outcome")];
    assert!(line.contains("patient is "), "the test's own output came through:\n{screen:?}");
    assert!(!line.contains('\u{1b}'), "the display drew inside libtest's line:\n{line:?}");
}
