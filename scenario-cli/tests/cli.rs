//! `cargo scenario ls | down | prune` against kept-alive containers on the real engine.

use std::process::Command;
use std::sync::OnceLock;

use scenario_runtime::__private::image;
use scenario_runtime::__private::launch::{land, launch, LaunchMode};
use scenario_runtime::__private::ContainerEntry;
use scenario_runtime::prelude::*;
use scenario_runtime::BuildContext;
use scenario_runtime::ImageSource;
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
    let ImageSource::Build(context) = app().image().clone() else { unreachable!("app is built") };
    assert_eq!(image::remove_context_images(&project.engine, &context).await.unwrap(), 1, "the fixture's image");
    std::fs::remove_dir_all(context_dir()).unwrap();
}

/// A build context folder of its own with a file of `size` bytes; removed on drop.
struct SizedContext(std::path::PathBuf);

impl SizedContext {
    fn new(tag: &str, size: usize) -> SizedContext {
        let dir = std::env::temp_dir().join(format!("scn-cli-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("Dockerfile"), format!("FROM {BUSYBOX}\nCOPY payload /payload\n")).unwrap();
        std::fs::write(dir.join("payload"), vec![b'x'; size]).unwrap();
        SizedContext(dir)
    }

    fn context(&self) -> BuildContext {
        BuildContext::new(self.0.clone())
    }
}

impl Drop for SizedContext {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[tokio::test]
async fn ls_shows_built_images_with_sizes_and_prune_images_removes_only_this_projects() {
    let project = TestProject::new("cliimg").await;
    let other = TestProject::new("cliimgother").await;
    let (small, large, foreign) =
        (SizedContext::new("small", 1_000), SizedContext::new("large", 3_000_000), SizedContext::new("foreign", 10));
    let policy = |p: &TestProject| image::BuildPolicy { project: p.project.clone(), keep: 2 };
    let small_image = image::ensure_built_with(&project.engine, &small.context(), &policy(&project)).await.unwrap();
    let large_image = image::ensure_built_with(&project.engine, &large.context(), &policy(&project)).await.unwrap();
    let foreign_image = image::ensure_built_with(&other.engine, &foreign.context(), &policy(&other)).await.unwrap();

    let (ok, listing) = cli(&project, &["ls"]);
    assert!(ok, "{listing}");
    let row = |tag: &str| listing.lines().find(|l| l.starts_with(tag)).unwrap_or_else(|| panic!("no {tag}: {listing}"));
    // busybox is about 2 MB: the large one carries 3 MB more.
    assert!(row(&large_image.reference).contains(" 5.0 MB "), "{listing}");
    assert!(row(&small_image.reference).contains(&small.0.display().to_string()), "{listing}");
    assert!(!listing.contains(&foreign_image.reference), "another project's image is not listed: {listing}");
    assert!(listing.contains("2 images, "), "{listing}");

    let (ok, said) = cli(&project, &["prune", "--images"]);
    assert!(ok && said.contains("removed 2 built images"), "{said}");
    assert!(image::built_images(&project.engine, &project.project).await.unwrap().is_empty());
    let left = image::built_images(&other.engine, &other.project).await.unwrap();
    assert_eq!(left.len(), 1, "another project's image stays");
    assert_eq!(image::remove_context_images(&other.engine, &foreign.context()).await.unwrap(), 1);
}

#[test]
fn a_mistake_on_the_command_line_says_what_is_wrong() {
    let out = Command::new(CLI).arg("down").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("`down` needs the scenario's name"));
}
