//! Pull progress as a user sees it in CI (stderr not a terminal): the image comes from a
//! registry the test starts, and the lines name the reference, its layers and megabytes.

use std::process::Command;

use scenario_tests::registry::LocalRegistry;
use scenario_tests::{text, FixtureRun};

const FIXTURE: &str = env!("CARGO_BIN_EXE_progress_fixture");
const REFERENCE: &str = "127.0.0.1:5999/scenario-progress:pull";

fn docker(args: &[&str]) -> std::process::Output {
    Command::new("docker").args(args).output().expect("the docker CLI runs")
}

/// Removes the test's own image tags, whatever the test's outcome.
struct Untag(Vec<String>);

impl Drop for Untag {
    fn drop(&mut self) {
        for tag in &self.0 {
            let _ = docker(&["rmi", "--no-prune", tag]);
        }
    }
}

#[tokio::test]
async fn a_pull_shows_its_layers_and_megabytes() {
    let registry = LocalRegistry::start(5999).await;
    assert_eq!(registry.address, "127.0.0.1:5999");
    let local = format!("scenario-progress-source:{}", std::process::id());
    let _untag = Untag(vec![local.clone(), REFERENCE.to_string()]);

    // An image with a layer the engine does not have: 20 MB that no compression shrinks.
    let context = std::env::temp_dir().join(format!("scn-progress-ctx-{}", std::process::id()));
    std::fs::create_dir_all(&context).unwrap();
    std::fs::write(
        context.join("Dockerfile"),
        format!("FROM {}\nRUN head -c 20000000 /dev/urandom > /blob\n", scenario_tests::BUSYBOX),
    )
    .unwrap();
    let built = docker(&["build", "-q", "-t", &local, context.to_str().unwrap()]);
    std::fs::remove_dir_all(&context).unwrap();
    assert!(built.status.success(), "{}", text(&built.stderr));
    for step in [&["tag", local.as_str(), REFERENCE][..], &["push", REFERENCE], &["rmi", REFERENCE], &["rmi", &local]] {
        let out = docker(step);
        assert!(out.status.success(), "docker {step:?}: {}", text(&out.stderr));
    }

    let run = FixtureRun::new(FIXTURE, "progress-pull");
    let out = run
        .command(&[])
        .env("SCENARIO_PROGRESS", "plain")
        // Every piece of work shown, so the lines do not depend on how fast the pull is.
        .env("SCENARIO_PROGRESS_AFTER_MS", "0")
        .output()
        .unwrap();
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{}\n{stderr}", text(&out.stdout));
    let pull_lines: Vec<&str> = stderr.lines().filter(|l| l.contains(&format!("] pull {REFERENCE}: "))).collect();
    assert!(pull_lines.first().is_some_and(|l| l.ends_with(": starting")), "{stderr}");
    let done = pull_lines.last().expect("a line when the pull ended");
    assert!(done.contains(": done after "), "{stderr}");
    // busybox's layer is already here; the 20 MB one is downloaded.
    assert!(done.contains("(2/2 layers, "), "{done}");
    let megabytes: f64 = done.rsplit(", ").next().unwrap().split('/').next().unwrap().parse().unwrap();
    assert!(megabytes >= 19.0, "the downloaded layer counts: {done}");
    assert_eq!(run.leftovers().await, Vec::<String>::new());
}
