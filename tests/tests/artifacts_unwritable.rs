//! An artifacts folder that cannot be written (here: a path under a regular file, which fails
//! with ENOTDIR even for root, who ignores permission bits) costs the kept logs and the
//! reaper's log, with a warning; the tests pass as they would and nothing is left behind (the
//! reaper, which the run hands the removal to, removes the containers after it).

use scenario_tests::{text, FixtureRun};

const FIXTURE: &str = env!("CARGO_BIN_EXE_harness_fixture");

#[tokio::test]
async fn an_unwritable_artifacts_folder_is_a_warning_and_the_results_are_unaffected() {
    let run = FixtureRun::new(FIXTURE, "art");
    let file = std::env::temp_dir().join(format!("scn-artifacts-file-{}", run.session));
    std::fs::write(&file, "a file, so nothing can be created under it").unwrap();
    let out = run
        .command(&["--exact", "chain::started_in_dependency_order"])
        .env("SCENARIO_ARTIFACTS_DIR", file.join("logs"))
        // The reaper's log lives in the artifacts folder too.
        .env("SCENARIO_REAPER", "on")
        .output()
        .unwrap();
    std::fs::remove_file(&file).unwrap();
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("test chain::started_in_dependency_order ... ok"), "{stdout}");
    assert!(stderr.contains("warning: container logs are not kept"), "{stderr}");
    assert!(stderr.contains(&file.display().to_string()), "names the folder: {stderr}");
    assert_eq!(stderr.matches("warning: container logs are not kept").count(), 1, "said once: {stderr}");
    // The run handed the removal to the session's reaper, which carries it out at once.
    assert_eq!(run.leftovers_once_removed(std::time::Duration::from_secs(30)).await, Vec::<String>::new());
}
