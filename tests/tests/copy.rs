//! Copying into and out of containers on the real engine: files, folders and bytes arrive before
//! the container's process starts, with their mode and owner; a changed copied file makes a kept
//! container stale and the status names it; files come back out as bytes, into a folder, or into
//! the artifacts folder from a drain hook.

use std::sync::OnceLock;

use scenario_runtime::__private::launch::{land, launch, LaunchMode};
use scenario_runtime::prelude::*;
use scenario_runtime::{ContainerDef, CopyIn, Error};
use scenario_tests::{entry, sh, TestProject, TestScope};

async fn ready(scope: &Scope, spec: ContainerSpec) -> scenario_runtime::Result<Container<Ready>> {
    scope.configure(spec)?.start().await?.wait_ready().await
}

async fn run(container: &Container<Ready>, script: &str) -> String {
    let out = container.exec(["sh", "-c", script]).await.unwrap();
    assert!(out.success(), "{script}: {out:?}");
    out.stdout
}

/// The macro's copies: a crate file and a crate folder, uploaded before the start.
#[container(
    image = "busybox:1.35",
    cmd = ["sh", "-c", "cat /docker-entrypoint-initdb.d/init.sql /etc/app/app.conf; echo started; exec sleep 3600"],
    copy = ["fixtures/copy/init.sql:/docker-entrypoint-initdb.d/init.sql", "fixtures/copy/conf:/etc/app"],
    ready = log("started"),
)]
struct Initialised;

#[tokio::test]
async fn declared_copies_are_in_place_before_the_process_starts() {
    let spec = Initialised::spec();
    let origins: Vec<&str> = spec.copies().iter().map(|c| c.origin()).collect();
    assert_eq!(origins, ["fixtures/copy/init.sql", "fixtures/copy/conf"], "status lines name crate paths");
    let scope = TestScope::new("copy-macro").await;
    let c = ready(&scope, Initialised::spec()).await.unwrap();
    let logs = c.logs().await.unwrap();
    // The command read both files at its start: they were there before it ran.
    assert!(logs.contains("create table t (id int);") && logs.contains("port=8080"), "{logs}");
    assert_eq!(run(&c, "cat /etc/app/nested/deep.txt").await, "deep\n", "subfolders are copied");
    assert_eq!(run(&c, "stat -c '%u:%g' /etc/app/app.conf").await, "0:0\n", "root owns copies by default");
    scope.teardown(vec![c]).await.unwrap();
    assert_eq!(scope.leftovers().await, Vec::<String>::new());
}

#[tokio::test]
async fn bytes_files_and_folders_keep_the_mode_and_owner_asked_for() {
    let scope = TestScope::new("copy-mode").await;
    let dir = std::env::temp_dir().join(format!("scn-copy-mode-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    std::fs::write(dir.join("sub/x"), "x").unwrap();
    let file = dir.join("script.sh");
    std::fs::write(&file, "echo hi\n").unwrap();
    std::fs::set_permissions(&file, std::os::unix::fs::PermissionsExt::from_mode(0o750)).unwrap();

    let spec = sh("app", "echo started; exec sleep 3600")
        .copy(CopyIn::bytes("token", "/run/secrets/token").mode(0o600).owner(65534, 65534))
        .copy_file(&file, "/usr/local/bin/script.sh")
        .copy(CopyIn::dir(&dir, "/srv/data").owner(1000, 1001))
        .ready(Readiness::log("started"));
    let c = ready(&scope, spec).await.unwrap();
    assert_eq!(
        run(&c, "stat -c '%a %u:%g' /run/secrets/token; cat /run/secrets/token").await,
        "600 65534:65534\ntoken"
    );
    assert_eq!(run(&c, "stat -c '%a' /usr/local/bin/script.sh; /usr/local/bin/script.sh").await, "750\nhi\n");
    assert_eq!(run(&c, "stat -c '%u:%g' /srv/data/sub/x /srv/data").await, "1000:1001\n1000:1001\n");
    scope.teardown(vec![c]).await.unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn an_unreadable_source_fails_before_anything_is_created_naming_it() {
    let scope = TestScope::new("copy-missing").await;
    let spec = sh("app", "sleep 3600").copy_file("/no/such/init.sql", "/init.sql");
    match scope.configure(spec).unwrap_err() {
        Error::InvalidSpec { container, reason } => {
            assert_eq!(container, "app");
            assert!(reason.contains("/no/such/init.sql"), "{reason}");
        }
        other => panic!("expected InvalidSpec, got {other}"),
    }
    assert_eq!(scope.leftovers().await, Vec::<String>::new());
}

fn copied_file() -> &'static std::path::Path {
    static FILE: OnceLock<std::path::PathBuf> = OnceLock::new();
    FILE.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("scn-copy-reuse-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("init.sql");
        std::fs::write(&file, "select 1;\n").unwrap();
        file
    })
}

fn db_with_init() -> ContainerSpec {
    sh("db", "cat /docker-entrypoint-initdb.d/init.sql; echo db-up; exec sleep 3600")
        .copy_file(copied_file(), "/docker-entrypoint-initdb.d/init.sql")
        .ready(Readiness::log("db-up"))
}

fn plain_cache() -> ContainerSpec {
    sh("cache", "echo cache-up; exec sleep 3600").ready(Readiness::log("cache-up"))
}

static REUSED: [scenario_runtime::__private::ContainerEntry; 2] =
    [entry("db", &[], db_with_init), entry("cache", &[], plain_cache)];

#[tokio::test]
async fn editing_a_copied_file_makes_the_kept_container_stale_and_names_the_file() {
    let project = TestProject::new("copyreuse").await;
    let (env, _) = launch(project.run_scope("shop"), &REUSED, LaunchMode::Reuse).await.unwrap();
    let first_db = env.containers()["db"].id().to_string();
    land(env, true).await.unwrap();

    let (env, report) = launch(project.run_scope("shop"), &REUSED, LaunchMode::Reuse).await.unwrap();
    assert_eq!(report.attached, ["cache", "db"], "unchanged: attached");
    assert_eq!(env.containers()["db"].id(), first_db);
    land(env, true).await.unwrap();

    std::fs::write(copied_file(), "select 2;\n").unwrap();
    let (env, report) = launch(project.run_scope("shop"), &REUSED, LaunchMode::Reuse).await.unwrap();
    let restarted: Vec<String> = report.restarted.iter().map(|(name, why)| format!("{name} ({why})")).collect();
    let expected =
        format!("db (config changed: {} -> /docker-entrypoint-initdb.d/init.sql changed)", copied_file().display());
    assert_eq!(restarted, [expected]);
    assert_eq!(report.attached, ["cache"]);
    let db = &env.containers()["db"];
    assert_ne!(db.id(), first_db);
    assert_eq!(db.copy_from("/docker-entrypoint-initdb.d/init.sql").await.unwrap(), b"select 2;\n");
    land(env, false).await.unwrap();
    std::fs::remove_dir_all(copied_file().parent().unwrap()).unwrap();
}

async fn save_report(container: &Container<Ready>) -> HookResult {
    container.save_artifact("/var/report").await?;
    Ok(())
}

#[tokio::test]
async fn files_come_out_as_bytes_into_a_folder_and_into_the_artifacts() {
    let scope = TestScope::new("copy-out").await;
    let script = "mkdir -p /var/report/sub && echo total=3 > /var/report/summary.txt && echo d > /var/report/sub/d \
                  && echo started && exec sleep 3600";
    let c = ready(&scope, sh("app", script).ready(Readiness::log("started"))).await.unwrap();

    assert_eq!(c.copy_from("/var/report/summary.txt").await.unwrap(), b"total=3\n");
    match c.copy_from("/var/report").await.unwrap_err() {
        Error::Copy { container, path, .. } => assert_eq!((container.as_str(), path.as_str()), ("app", "/var/report")),
        other => panic!("a folder is not bytes: {other}"),
    }
    match c.copy_from("/no/such/file").await.unwrap_err() {
        Error::Copy { container, path, reason, .. } => {
            assert_eq!((container.as_str(), path.as_str()), ("app", "/no/such/file"));
            assert_eq!(reason, "no such file or folder in the container");
        }
        other => panic!("expected a copy error, got {other}"),
    }

    let host = std::env::temp_dir().join(format!("scn-copy-out-{}", std::process::id()));
    let copied = c.copy_from_to("/var/report", &host).await.unwrap();
    assert_eq!(copied, host.join("report"));
    assert_eq!(std::fs::read_to_string(copied.join("sub/d")).unwrap(), "d\n");
    std::fs::remove_dir_all(&host).unwrap();

    save_report(&c).await.unwrap();
    let saved = scope.artifacts_dir().join("app/report/summary.txt");
    assert_eq!(std::fs::read_to_string(&saved).unwrap(), "total=3\n", "{}", saved.display());
    scope.teardown(vec![c]).await.unwrap();
}
