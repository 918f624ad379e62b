//! Reuse across runs on the real engine: a second run attaches; a rebuilt image, a changed spec,
//! a stopped, unhealthy or removed container restart exactly that container and its dependents;
//! a one-shot job that exited 0 is attached as it is; racing runs end with one set; another
//! project's container is never attached.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::Duration;

use scenario_runtime::__private::labels;
use scenario_runtime::__private::launch::{land, launch, LaunchMode, LaunchReport};
use scenario_runtime::__private::{ContainerEntry, HookFuture};
use scenario_runtime::prelude::*;
use scenario_runtime::Error;
use scenario_tests::{entry, sh, TestProject, BUSYBOX};

fn db() -> ContainerSpec {
    sh("db", "echo db-up; exec sleep 3600").ready(Readiness::log("db-up"))
}

fn web() -> ContainerSpec {
    sh("web", "mkdir -p /www && echo ok > /www/h && exec httpd -f -p 8080 -h /www")
        .port(8080)
        .ready(Readiness::http(8080, "/h"))
}

fn cache() -> ContainerSpec {
    sh("cache", "echo cache-up; exec sleep 3600").ready(Readiness::log("cache-up"))
}

/// The ids of a launched environment, by container name.
fn ids(env: &scenario_runtime::__private::launch::RunningEnv) -> HashMap<&'static str, String> {
    env.containers().iter().map(|(name, c)| (*name, c.id().to_string())).collect()
}

fn restarted(report: &LaunchReport) -> Vec<String> {
    report.restarted.iter().map(|(name, why)| format!("{name} ({why})")).collect()
}

async fn started_at(engine: &Engine, id: &str) -> String {
    engine.docker().inspect_container(id, None).await.unwrap().state.unwrap().started_at.unwrap()
}

static POST_STARTS: AtomicUsize = AtomicUsize::new(0);
static PREPARES: AtomicUsize = AtomicUsize::new(0);

fn count_post_start(_: &Container<Ready>) -> HookFuture<'_> {
    POST_STARTS.fetch_add(1, Ordering::SeqCst);
    Box::pin(async { Ok(()) })
}

fn count_prepare(_: &Container<Ready>) -> HookFuture<'_> {
    PREPARES.fetch_add(1, Ordering::SeqCst);
    Box::pin(async { Ok(()) })
}

static ATTACH: [ContainerEntry; 2] = [
    ContainerEntry { post_start: count_post_start, prepare: count_prepare, ..entry("db", &[], db) },
    entry("web", &["db"], web),
];

#[tokio::test]
async fn a_second_run_attaches_without_restarting_and_hooks_run_as_documented() {
    let project = TestProject::new("attach").await;
    let (env, report) = launch(project.run_scope("shop"), &ATTACH, LaunchMode::Reuse).await.unwrap();
    assert_eq!(report.started, ["db", "web"]);
    let first = ids(&env);
    let first_start = started_at(&project.engine, &first["db"]).await;
    for c in env.containers().values() {
        let labels =
            project.engine.docker().inspect_container(c.id(), None).await.unwrap().config.unwrap().labels.unwrap();
        assert_eq!(labels[labels::REUSE], "true", "kept-alive containers are marked");
    }
    land(env, true).await.unwrap();

    let (env, report) = launch(project.run_scope("shop"), &ATTACH, LaunchMode::Reuse).await.unwrap();
    assert_eq!(report.attached, ["db", "web"], "{report:?}");
    assert!(report.started.is_empty() && report.restarted.is_empty(), "{report:?}");
    assert_eq!(ids(&env), first, "same containers");
    assert_eq!(started_at(&project.engine, &first["db"]).await, first_start, "not restarted");
    assert_eq!(POST_STARTS.load(Ordering::SeqCst), 1, "post_start runs after a fresh start only");
    assert_eq!(PREPARES.load(Ordering::SeqCst), 2, "prepare runs on every run");
    let url = env.containers()["web"].url(8080, "/h").unwrap();
    assert!(url.starts_with("http://127.0.0.1:"), "ports are known after an attach: {url}");
    land(env, true).await.unwrap();
}

fn context_dir() -> &'static std::path::Path {
    static DIR: OnceLock<std::path::PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("scn-reuse-ctx-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("Dockerfile"), format!("FROM {BUSYBOX}\nCOPY version /version\n")).unwrap();
        std::fs::write(dir.join("version"), "1\n").unwrap();
        dir
    })
}

fn built_db() -> ContainerSpec {
    ContainerSpec::from_build("db", context_dir())
        .cmd(["sh", "-c", "cat /version; echo db-up; exec sleep 3600"])
        .ready(Readiness::log("db-up"))
}

static REBUILT: [ContainerEntry; 3] =
    [entry("db", &[], built_db), entry("web", &["db"], web), entry("cache", &[], cache)];

#[tokio::test]
async fn a_rebuilt_image_restarts_that_container_and_its_dependents_only() {
    let project = TestProject::new("rebuilt").await;
    let (env, _) = launch(project.run_scope("shop"), &REBUILT, LaunchMode::Reuse).await.unwrap();
    let before = ids(&env);
    let old_image = env.containers()["db"].image_id().to_string();
    land(env, true).await.unwrap();

    std::fs::write(context_dir().join("version"), "2\n").unwrap();
    let (env, report) = launch(project.run_scope("shop"), &REBUILT, LaunchMode::Reuse).await.unwrap();
    let after = ids(&env);
    let new_image = env.containers()["db"].image_id().to_string();
    assert_eq!(restarted(&report), ["db (image rebuilt)", "web (db restarted)"]);
    assert_eq!(report.attached, ["cache"]);
    assert_ne!(after["db"], before["db"]);
    assert_ne!(after["web"], before["web"]);
    assert_eq!(after["cache"], before["cache"]);
    assert!(env.containers()["db"].logs().await.unwrap().starts_with("2\n"), "runs the rebuilt image");
    land(env, true).await.unwrap();
    // The kept containers go first: an image a running container uses cannot be removed.
    let project_filter = [format!("{}={}", labels::PROJECT, project.project)];
    scenario_runtime::__private::cleanup::remove_including_kept(&project.engine, &project_filter).await.unwrap();
    for image in [old_image, new_image] {
        let _ = project
            .engine
            .docker()
            .remove_image(
                &image,
                Some(bollard::query_parameters::RemoveImageOptionsBuilder::new().force(true).build()),
                None,
            )
            .await;
    }
    std::fs::remove_dir_all(context_dir()).unwrap();
}

static GREETING: AtomicU32 = AtomicU32::new(1);

fn configured_db() -> ContainerSpec {
    db().env("GREETING", GREETING.load(Ordering::SeqCst).to_string())
}

static CHANGED: [ContainerEntry; 3] =
    [entry("db", &[], configured_db), entry("web", &["db"], web), entry("cache", &[], cache)];

#[tokio::test]
async fn a_changed_env_restarts_that_container_and_its_dependents_only() {
    let project = TestProject::new("changed").await;
    let (env, _) = launch(project.run_scope("shop"), &CHANGED, LaunchMode::Reuse).await.unwrap();
    let before = ids(&env);
    land(env, true).await.unwrap();

    GREETING.store(2, Ordering::SeqCst);
    let (env, report) = launch(project.run_scope("shop"), &CHANGED, LaunchMode::Reuse).await.unwrap();
    let after = ids(&env);
    assert_eq!(restarted(&report), ["db (config changed)", "web (db restarted)"]);
    assert_eq!(after["cache"], before["cache"]);
    assert_ne!(after["db"], before["db"]);
    let out = env.containers()["db"].exec(["sh", "-c", "echo $GREETING"]).await.unwrap();
    assert_eq!(out.stdout, "2\n");
    land(env, true).await.unwrap();
}

static PLAIN: [ContainerEntry; 3] = [entry("db", &[], db), entry("web", &["db"], web), entry("cache", &[], cache)];

#[tokio::test]
async fn a_stopped_container_is_restarted_with_its_dependents() {
    let project = TestProject::new("stopped").await;
    let (env, _) = launch(project.run_scope("shop"), &PLAIN, LaunchMode::Reuse).await.unwrap();
    let before = ids(&env);
    land(env, true).await.unwrap();
    let kill = bollard::query_parameters::KillContainerOptionsBuilder::new().signal("KILL").build();
    project.engine.docker().kill_container(&before["db"], Some(kill)).await.unwrap();

    let (env, report) = launch(project.run_scope("shop"), &PLAIN, LaunchMode::Reuse).await.unwrap();
    assert_eq!(restarted(&report), ["db (exited)", "web (db restarted)"]);
    assert_eq!(ids(&env)["cache"], before["cache"]);
    land(env, true).await.unwrap();
}

/// Healthy while /tmp/ok exists (checked every 100 ms, unhealthy at the first failure).
fn checked() -> ContainerSpec {
    sh("checked", "touch /tmp/ok; exec sleep 3600")
        .healthcheck(HealthCheck::cmd(["test", "-f", "/tmp/ok"]).interval(Duration::from_millis(100)).retries(1))
        .ready(Readiness::healthy())
}

static CHECKED: [ContainerEntry; 2] = [entry("checked", &[], checked), entry("cache", &[], cache)];

#[tokio::test]
async fn a_container_turned_unhealthy_is_restarted() {
    let project = TestProject::new("unhealthy").await;
    let (env, _) = launch(project.run_scope("shop"), &CHECKED, LaunchMode::Reuse).await.unwrap();
    let before = ids(&env);
    let removed = env.containers()["checked"].exec(["rm", "/tmp/ok"]).await.unwrap();
    assert!(removed.success(), "{removed:?}");
    land(env, true).await.unwrap();
    // The engine's own healthcheck decides when it is unhealthy: wait for its verdict.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let inspected = project.engine.docker().inspect_container(&before["checked"], None).await.unwrap();
        let health = inspected.state.and_then(|s| s.health).and_then(|h| h.status);
        if health == Some(bollard::models::HealthStatusEnum::UNHEALTHY) {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "never turned unhealthy: {health:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let (env, report) = launch(project.run_scope("shop"), &CHECKED, LaunchMode::Reuse).await.unwrap();
    assert_eq!(restarted(&report), ["checked (unhealthy)"]);
    assert_eq!(report.attached, ["cache"]);
    assert_ne!(ids(&env)["checked"], before["checked"]);
    land(env, true).await.unwrap();
}

fn job() -> ContainerSpec {
    sh("job", "echo migrated").ready(Readiness::completed())
}

static JOB: [ContainerEntry; 1] = [entry("job", &[], job)];

#[tokio::test]
async fn a_job_that_exited_zero_is_attached_as_it_is() {
    let project = TestProject::new("job").await;
    let (env, report) = launch(project.run_scope("shop"), &JOB, LaunchMode::Reuse).await.unwrap();
    assert_eq!(report.started, ["job"]);
    let before = ids(&env);
    land(env, true).await.unwrap();

    let (env, report) = launch(project.run_scope("shop"), &JOB, LaunchMode::Reuse).await.unwrap();
    assert_eq!(report.attached, ["job"], "{report:?}");
    assert_eq!(ids(&env)["job"], before["job"]);
    land(env, true).await.unwrap();
}

#[tokio::test]
async fn a_container_removed_behind_the_harness_is_started_again() {
    let project = TestProject::new("removed").await;
    let (env, _) = launch(project.run_scope("shop"), &PLAIN, LaunchMode::Reuse).await.unwrap();
    let before = ids(&env);
    land(env, true).await.unwrap();
    let force = bollard::query_parameters::RemoveContainerOptionsBuilder::new().force(true).build();
    project.engine.docker().remove_container(&before["cache"], Some(force)).await.unwrap();

    let (env, report) = launch(project.run_scope("shop"), &PLAIN, LaunchMode::Reuse).await.unwrap();
    assert_eq!(report.started, ["cache"]);
    assert_eq!(report.attached, ["db", "web"]);
    assert_eq!(ids(&env)["db"], before["db"]);
    land(env, true).await.unwrap();
}

#[tokio::test]
async fn racing_runs_end_with_one_set_of_containers() {
    let project = TestProject::new("race").await;
    for round in ["cold", "warm"] {
        let (a, b) = tokio::join!(
            launch(project.run_scope("shop"), &PLAIN, LaunchMode::Reuse),
            launch(project.run_scope("shop"), &PLAIN, LaunchMode::Reuse),
        );
        let ((a, _), (b, _)) =
            (a.unwrap_or_else(|e| panic!("{round}: {e}")), b.unwrap_or_else(|e| panic!("{round}: {e}")));
        assert_eq!(ids(&a), ids(&b), "{round}: both runs hold the same containers");
        land(a, true).await.unwrap();
        land(b, true).await.unwrap();
    }
    let filters = HashMap::from([("label", vec![format!("{}={}", labels::PROJECT, project.project)])]);
    let listed = project
        .engine
        .docker()
        .list_containers(Some(
            bollard::query_parameters::ListContainersOptionsBuilder::new().all(true).filters(&filters).build(),
        ))
        .await
        .unwrap();
    assert_eq!(listed.len(), 3, "exactly one set");
}

#[tokio::test]
async fn another_projects_container_under_our_name_is_never_attached() {
    let project = TestProject::new("foreign").await;
    let scope = project.run_scope("shop");
    let name = scope.ids().container_name("cache");
    let foreign_labels = HashMap::from([
        (labels::MANAGED.to_string(), "true".to_string()),
        (labels::PROJECT.to_string(), "some-other-checkout".to_string()),
        (labels::SCENARIO.to_string(), "shop".to_string()),
        (labels::INSTANCE.to_string(), "0".to_string()),
        (labels::CONTAINER.to_string(), "cache".to_string()),
        (labels::REUSE.to_string(), "true".to_string()),
    ]);
    let body = bollard::models::ContainerCreateBody {
        image: Some(BUSYBOX.into()),
        cmd: Some(vec!["sleep".into(), "3600".into()]),
        labels: Some(foreign_labels),
        ..Default::default()
    };
    let options = bollard::query_parameters::CreateContainerOptionsBuilder::new().name(&name).build();
    let foreign = project.engine.docker().create_container(Some(options), body).await.unwrap().id;
    project.engine.docker().start_container(&foreign, None).await.unwrap();

    let result = launch(scope, &PLAIN, LaunchMode::Reuse).await;
    let force = bollard::query_parameters::RemoveContainerOptionsBuilder::new().force(true).build();
    project.engine.docker().remove_container(&foreign, Some(force)).await.unwrap();
    match result.map(|_| ()).unwrap_err() {
        Error::NameConflict { existing_id, detail, .. } => {
            assert_eq!(existing_id, foreign);
            assert!(detail.contains(labels::PROJECT), "{detail}");
        }
        other => panic!("expected a name conflict, got {other}"),
    }
}
