//! `cargo scenario ls | down | prune` against kept-alive containers on the real engine.

use std::process::Command;
use std::sync::OnceLock;

use scenario_runtime::__private::ContainerEntry;
use scenario_runtime::launch::{land, launch, LaunchMode};
use scenario_runtime::prelude::*;
use scenario_tests::{entry, sh, TestProject, BUSYBOX};

const CLI: &str = env!("CARGO_BIN_EXE_cargo-scenario");

fn context_dir() -> &'static std::path::Path {
    static DIR: OnceLock<std::path::PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("scn-cli-ctx-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("Dockerfile"), format!("FROM {BUSYBOX}\nCOPY version /version\n")).unwrap();
        std::fs::write(dir.join("version"), "1\n").unwrap();
        dir
    })
}

fn app() -> ContainerSpec {
    ContainerSpec::from_build("app", context_dir())
        .cmd(["sh", "-c", "echo app-up; exec sleep 3600"])
        .ready(Readiness::log("app-up"))
}

fn db() -> ContainerSpec {
    sh("db", "echo db-up; exec sleep 3600").ready(Readiness::log("db-up"))
}

static SHOP: [ContainerEntry; 2] = [entry("app", &[], app), entry("db", &[], db)];

fn cli(project: &TestProject, args: &[&str]) -> (bool, String) {
    let out = Command::new(CLI).args(args).args(["--project", project.project.as_str()]).output().unwrap();
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

/// The STATUS column of the `ls` row of `container`.
fn status_of(listing: &str, container: &str) -> String {
    let row = listing
        .lines()
        .find(|l| l.split_whitespace().nth(2) == Some(container))
        .unwrap_or_else(|| panic!("no row for {container}: {listing}"));
    row.split_whitespace().skip(4).collect::<Vec<_>>().join(" ")
}

#[tokio::test]
async fn ls_tells_up_to_date_from_stale_and_down_and_prune_remove_only_this_project() {
    let project = TestProject::new("cli").await;
    let other = TestProject::new("cliother").await;
    let (env, _) = launch(project.run_scope("shop"), &SHOP, LaunchMode::Reuse).await.unwrap();
    let db_id = env.containers()["db"].id().to_string();
    land(env, true).await.unwrap();
    let (env, _) = launch(other.run_scope("shop"), &SHOP, LaunchMode::Reuse).await.unwrap();
    land(env, true).await.unwrap();

    let (ok, listing) = cli(&project, &["ls"]);
    assert!(ok, "{listing}");
    assert_eq!(status_of(&listing, "app"), "up to date", "{listing}");
    assert_eq!(status_of(&listing, "db"), "up to date", "{listing}");
    assert!(listing.lines().nth(1).unwrap().starts_with("shop"), "{listing}");

    std::fs::write(context_dir().join("version"), "2\n").unwrap();
    let kill = bollard::query_parameters::KillContainerOptionsBuilder::new().signal("KILL").build();
    project.engine.docker().kill_container(&db_id, Some(kill)).await.unwrap();
    let (_, listing) = cli(&project, &["ls"]);
    assert_eq!(status_of(&listing, "app"), "stale: build context changed (rebuilt on the next run)", "{listing}");
    assert_eq!(status_of(&listing, "db"), "stale: exited", "{listing}");

    let (ok, said) = cli(&project, &["down", "shop"]);
    assert!(ok && said.contains("removed 2 containers, 1 networks"), "{said}");
    let (_, listing) = cli(&project, &["ls"]);
    assert!(listing.contains("no containers kept alive"), "{listing}");
    let (_, listing) = cli(&other, &["ls"]);
    assert_eq!(status_of(&listing, "db"), "up to date", "another project's containers are untouched: {listing}");

    let (ok, said) = cli(&other, &["prune"]);
    assert!(ok && said.contains("removed 2 containers"), "{said}");
    std::fs::remove_dir_all(context_dir()).unwrap();
}

#[test]
fn a_mistake_on_the_command_line_says_what_is_wrong() {
    let out = Command::new(CLI).arg("down").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("`down` needs the scenario's name"));
}
