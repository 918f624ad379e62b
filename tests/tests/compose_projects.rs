//! Compose files shaped like real projects' run unchanged on the real engine (issue 19): the
//! shop file with production keys, interpolation, a secret, a config, an env file and a fixed
//! host port; a main file with a test overlay, `include` and `extends`; a folder's default file
//! with its override; profiles; and every interpolation operator with and without `.env`.
//!
//! Each scenario is launched with the containers its `#[scenario]` registered, so what the
//! macro made of the files (which services, in which profile) is what runs.

use scenario_runtime::__private::inventory;
use scenario_runtime::__private::launch::{self, LaunchMode};
use scenario_runtime::__private::{ContainerEntry, ScenarioRegistration};
use scenario_runtime::prelude::*;
use scenario_runtime::{Container, Error};
use scenario_tests::{engine, leftovers, unique_session};

#[scenario(compose = "compose/shop/docker-compose.yml")]
mod shop {}

#[scenario(compose = ["compose/overlay/docker-compose.yml", "compose/overlay/docker-compose.test.yml"])]
mod overlay {}

#[scenario(compose = "compose/auto")]
mod auto_override {}

#[scenario(compose = "compose/profiles/compose.yaml", profiles = ["seed"])]
mod seeded {}

#[scenario(compose = "compose/profiles/compose.yaml")]
mod default_profile {}

#[scenario(compose = "compose/interpolation/compose.yaml")]
mod interpolated {}

#[scenario(compose = "compose/interpolation-no-dotenv/compose.yaml")]
mod required_from_process {}

/// The containers `#[scenario]` registered for the module `name`.
fn containers_of(name: &str) -> &'static [ContainerEntry] {
    let registration = inventory::iter::<ScenarioRegistration>
        .into_iter()
        .find(|r| r.name == name)
        .unwrap_or_else(|| panic!("scenario {name} is registered"));
    registration.containers
}

fn names(entries: &[ContainerEntry]) -> Vec<&'static str> {
    let mut names: Vec<&str> = entries.iter().map(|e| e.name).collect();
    names.sort();
    names
}

fn scope(engine: &Engine, session: &SessionId, scenario: &str) -> Scope {
    Scope::new(engine.clone(), ScopeIds::new(session.clone(), ProjectId::new("scenariotests"), scenario))
}

async fn sh(container: &Container<Ready>, script: &str) -> String {
    let out = container.exec(["sh", "-c", script]).await.unwrap();
    assert!(out.success(), "`{script}` in {}: {out:?}", container.spec().name());
    out.stdout
}

#[tokio::test]
async fn a_real_projects_file_runs_unchanged() {
    let engine = engine().await;
    let session = unique_session("cp");
    let entries = containers_of("shop");
    assert_eq!(names(entries), ["api", "postgres", "redis"]);
    let (env, _) = launch::launch(scope(&engine, &session, "shop"), entries, LaunchMode::Exclusive).await.unwrap();
    let (api, postgres) = (&env.containers()["api"], &env.containers()["postgres"]);

    // `${SHOP_DB_PASSWORD:-secret}`: the default, resolved at the start.
    assert_eq!(sh(postgres, "cat /www/credentials").await.trim(), "shop:secret");
    // The env file, interpolated the same way; single quotes keep `${...}` as written.
    let api_env = sh(api, "cat /www/env").await;
    assert!(api_env.contains("DATABASE_URL=postgres://shop:secret@shop-postgres:5432/shop"), "{api_env}");
    assert!(api_env.contains("GREETING=kept as ${WRITTEN}"), "{api_env}");
    // `container_name` stays reachable as a name on the scenario's network.
    assert_eq!(sh(api, "wget -qO- http://shop-postgres:5432/credentials").await.trim(), "shop:secret");
    // The secret and the config, mounted where compose mounts them.
    assert_eq!(sh(postgres, "cat /run/secrets/db_password").await.trim(), "s3cr3t-from-file");
    assert_eq!(sh(api, "cat /www/config").await, "[api]\nlisten = 8080\n");
    // The fixed host port is published as written (one instance).
    assert_eq!(api.host_port(8080).unwrap(), 47381);
    let served = http_get(47381, "/config").await;
    assert!(served.contains("listen = 8080"), "{served}");

    let inspected = engine.docker().inspect_container(api.id(), None).await.unwrap();
    let host = inspected.host_config.unwrap();
    let restart = host.restart_policy.and_then(|p| p.name).map(|n| format!("{n:?}"));
    assert!(matches!(restart.as_deref(), None | Some("EMPTY") | Some("NO")), "restart is not applied: {restart:?}");
    let extra_hosts = host.extra_hosts.unwrap_or_default();
    assert_eq!(extra_hosts[0], "payments.internal:10.9.8.7", "{extra_hosts:?}");
    assert!(extra_hosts[1].starts_with("host.docker.internal:"), "every container reaches the host: {extra_hosts:?}");
    assert_eq!((host.init, host.shm_size, host.memory), (Some(true), Some(32 << 20), Some(128 << 20)));
    assert_eq!(host.nano_cpus, Some(500_000_000));
    assert_eq!(host.cap_drop, Some(vec!["NET_RAW".to_string()]));
    let nofile = host.ulimits.unwrap().into_iter().find(|u| u.name.as_deref() == Some("nofile")).unwrap();
    assert_eq!((nofile.soft, nofile.hard), (Some(4096), Some(8192)));
    assert_eq!(inspected.config.unwrap().stop_signal.as_deref(), Some("SIGINT"));

    launch::land(env, false).await.unwrap();
    assert!(leftovers(&engine, &session).await.is_empty());
}

/// A GET on the host's 127.0.0.1, speaking HTTP/1.0 over a TcpStream (no client crate needed).
async fn http_get(port: u16, path: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    stream.write_all(format!("GET {path} HTTP/1.0\r\n\r\n").as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    response
}

#[tokio::test]
async fn an_overlay_merges_with_includes_and_extends() {
    let engine = engine().await;
    let session = unique_session("co");
    let entries = containers_of("overlay");
    assert_eq!(names(entries), ["cache", "payments", "web"], "the overlay adds payments, the include adds cache");
    let (env, report) =
        launch::launch(scope(&engine, &session, "overlay"), entries, LaunchMode::Exclusive).await.unwrap();
    assert_eq!(report.started.len(), 3);
    let web = &env.containers()["web"];
    assert_eq!(sh(web, "cat /www/mode").await.trim(), "test", "the overlay's command replaces the main one");
    let web_env = sh(web, "cat /www/env").await;
    for expected in ["MODE=test", "KEPT=from-base", "ADDED=by-overlay", "FROM_BASE=yes"] {
        assert!(web_env.lines().any(|l| l == expected), "{expected} in {web_env}");
    }
    assert_eq!(web.spec().labels().get("team").map(String::as_str), Some("web"), "extended from shared/base.yml");
    let mut depends_on = entries.iter().find(|e| e.name == "web").unwrap().depends_on.to_vec();
    depends_on.sort();
    assert_eq!(depends_on, ["cache", "payments"], "depends_on lists of both files are gathered");
    assert_eq!(sh(web, "cat /content/index.txt").await.trim(), "static content", "bind relative to the main file");
    launch::land(env, false).await.unwrap();
    assert!(leftovers(&engine, &session).await.is_empty());
}

#[tokio::test]
async fn a_folder_runs_its_default_file_with_the_override_beside_it() {
    let engine = engine().await;
    let session = unique_session("ca");
    let (env, _) =
        launch::launch(scope(&engine, &session, "auto"), containers_of("auto_override"), LaunchMode::Exclusive)
            .await
            .unwrap();
    let app = &env.containers()["app"];
    assert_eq!(sh(app, "echo $SOURCE").await.trim(), "compose.override.yaml");
    launch::land(env, false).await.unwrap();
    assert!(leftovers(&engine, &session).await.is_empty());
}

#[tokio::test]
async fn only_the_services_of_active_profiles_start() {
    assert_eq!(names(containers_of("default_profile")), ["app"]);
    let engine = engine().await;
    let session = unique_session("cr");
    let entries = containers_of("seeded");
    assert_eq!(names(entries), ["app", "seed"]);
    let (env, report) =
        launch::launch(scope(&engine, &session, "seeded"), entries, LaunchMode::Exclusive).await.unwrap();
    let mut started = report.started.clone();
    started.sort();
    assert_eq!(started, ["app", "seed"]);
    assert!(!env.containers().contains_key("debug"));
    launch::land(env, false).await.unwrap();
    assert!(leftovers(&engine, &session).await.is_empty());
}

#[tokio::test]
async fn every_interpolation_operator_resolves_at_the_start() {
    // Set before the start, read when the spec is built: the process wins over `.env`.
    std::env::set_var("T19_OVERRIDDEN", "from-the-process");
    let engine = engine().await;
    let session = unique_session("cv");
    let (env, _) =
        launch::launch(scope(&engine, &session, "interpolated"), containers_of("interpolated"), LaunchMode::Exclusive)
            .await
            .unwrap();
    let probe = &env.containers()["probe"];
    assert_eq!(probe.spec().image().clone(), scenario_runtime::ImageSource::Reference("busybox:1.35".into()));
    assert_eq!(probe.spec().labels().get("dev.example/tag").map(String::as_str), Some("busybox-1.35"));
    let seen = sh(probe, "env").await;
    for expected in [
        "BARE=from-dotenv",
        "BRACED=from-dotenv",
        "COLON_DASH_UNSET=fallback",
        "COLON_DASH_EMPTY=fallback for empty",
        "DASH_UNSET=dash fallback",
        "DASH_EMPTY=",
        "COLON_QUESTION=from-dotenv",
        "QUESTION_EMPTY=",
        "COLON_PLUS=alternative",
        "COLON_PLUS_UNSET=",
        "PLUS_EMPTY=set though empty",
        "NESTED=from-dotenv-nested",
        "ESCAPED=$T19_FROM_DOTENV",
        "PROCESS_WINS=from-the-process",
    ] {
        assert!(seen.lines().any(|l| l == expected), "{expected} in\n{seen}");
    }
    launch::land(env, false).await.unwrap();
    assert!(leftovers(&engine, &session).await.is_empty());
}

#[tokio::test]
async fn a_missing_required_variable_stops_the_start_naming_it_and_its_line() {
    let engine = engine().await;
    let session = unique_session("cq");
    let entries = containers_of("required_from_process");
    let failed = launch::launch(scope(&engine, &session, "required"), entries, LaunchMode::Exclusive).await;
    match failed {
        Err(Error::InvalidSpec { container, reason }) => {
            assert_eq!(container, "probe");
            assert!(reason.contains("compose/interpolation-no-dotenv/compose.yaml:7"), "{reason}");
            assert!(
                reason.contains("`T19_REQUIRED_TOKEN`") && reason.contains("set T19_REQUIRED_TOKEN to run"),
                "{reason}"
            );
        }
        other => panic!("expected the missing variable to stop the start, got {:?}", other.map(|(_, r)| r)),
    }
    assert!(leftovers(&engine, &session).await.is_empty(), "nothing was created");

    // Without `.env`, the process's environment alone supplies it.
    std::env::set_var("T19_REQUIRED_TOKEN", "token-from-the-process");
    let (env, _) = launch::launch(scope(&engine, &session, "required"), entries, LaunchMode::Exclusive).await.unwrap();
    let probe = &env.containers()["probe"];
    assert_eq!(sh(probe, "echo $TOKEN").await.trim(), "token-from-the-process");
    assert_eq!(sh(probe, "echo $DEFAULTED").await.trim(), "default without dotenv");
    launch::land(env, false).await.unwrap();
    assert!(leftovers(&engine, &session).await.is_empty());
}
