// Every key of `#[container]`, checked against the spec it expands to.
use std::path::PathBuf;
use std::time::Duration;

use scenario_runtime::prelude::*;
use scenario_runtime::{StatusMatch, Strategy};
use scenario_runtime::ImageSource;
use scenario_runtime::ContainerDef;

async fn seed(container: &Container<Ready>) -> HookResult {
    let _ = container.host();
    Ok(())
}

async fn dump_tables(_container: &Container<Ready>) -> HookResult {
    Ok(())
}

#[container(
    image = "postgres:16",
    name = "primary-db",
    cmd = ["postgres", "-c", "fsync=off"],
    entrypoint = ["docker-entrypoint.sh"],
    env(POSTGRES_PASSWORD = "secret", "PG.DATA" = "/data"),
    working_dir = "/var/lib/postgresql",
    user = "postgres",
    ports = [5432, 9187],
    aliases = ["postgres", "pg"],
    labels(team = "checkout", "com.example.tier" = "db"),
    tmpfs = ["/run"],
    volumes = ["pgdata:/var/lib/postgresql/data", "/etc/ssl/certs:/certs:ro", "fixtures/sql:/docker-entrypoint-initdb.d"],
    stop_timeout = "1.5s",
    healthcheck(cmd = ["pg_isready"], interval = "200ms", retries = 10),
    ready = log("database system is ready to accept connections", times = 2, timeout = "30s"),
    post_start = seed,
    drain = dump_tables,
)]
pub struct Db;

#[container(image = "busybox:1.35", ports = [8080], ready = http(8080, "/health", status = 204, timeout = "500ms"))]
pub struct WebFrontend;

#[container(image = "busybox:1.35", ports = [6379], ready = port(6379))]
struct Cache;

#[container(image = "busybox:1.35", ready = healthy)]
struct Healthy;

#[container(image = "busybox:1.35", ready = healthy(timeout = "2m"))]
struct HealthyCall;

#[container(image = "busybox:1.35", ready = exec(["pg_isready", "-q"]))]
struct Exec;

#[container(image = "busybox:1.35", ready = none, depends_on = [Db, self::Cache])]
struct Worker {
    _unused: (),
}

fn main() {
    let db = Db::spec();
    assert_eq!(<Db as ContainerDef>::NAME, "primary-db");
    assert_eq!(db.name(), "primary-db");
    assert_eq!(*db.image(), ImageSource::Reference("postgres:16".into()));
    assert_eq!(db.command(), Some(&["postgres".to_string(), "-c".into(), "fsync=off".into()][..]));
    assert_eq!(db.entry_point(), Some(&["docker-entrypoint.sh".to_string()][..]));
    assert_eq!(db.environment().get("POSTGRES_PASSWORD").map(String::as_str), Some("secret"));
    assert_eq!(db.environment().get("PG.DATA").map(String::as_str), Some("/data"));
    assert_eq!(db.work_dir(), Some("/var/lib/postgresql"));
    assert_eq!(db.user_name(), Some("postgres"));
    assert_eq!(db.ports().iter().map(|p| p.container_port()).collect::<Vec<_>>(), [5432, 9187]);
    assert_eq!(db.aliases(), ["postgres", "pg"]);
    assert_eq!(db.labels().get("com.example.tier").map(String::as_str), Some("db"));
    assert_eq!(db.labels().get("team").map(String::as_str), Some("checkout"));
    let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    assert_eq!(
        db.mounts(),
        [
            Mount::volume("pgdata", "/var/lib/postgresql/data"),
            Mount::Bind { source: "/etc/ssl/certs".into(), target: "/certs".into(), read_only: true },
            Mount::bind(manifest_dir.join("fixtures/sql"), "/docker-entrypoint-initdb.d"),
            Mount::tmpfs("/run"),
        ]
    );
    assert_eq!(db.stop_grace(), Duration::from_millis(1500));
    assert_eq!(db.health_check().cloned(), Some(HealthCheck::cmd(["pg_isready"]).interval(Duration::from_millis(200)).retries(10)));
    assert_eq!(
        *db.readiness(),
        Readiness::log("database system is ready to accept connections").times(2).timeout(Duration::from_secs(30))
    );
    db.validate().unwrap();

    assert_eq!(WebFrontend::NAME, "web_frontend");
    let web = WebFrontend::spec();
    assert_eq!(*web.readiness(), Readiness::http(8080, "/health").status(204).timeout(Duration::from_millis(500)));
    assert!(matches!(web.readiness().strategy(), Strategy::Http { status: StatusMatch::Exactly(204), .. }));
    web.validate().unwrap();

    assert_eq!(Cache::spec().readiness().clone(), Readiness::port(6379));
    assert_eq!(Healthy::spec().readiness().clone(), Readiness::healthy());
    assert_eq!(HealthyCall::spec().readiness().clone(), Readiness::healthy().timeout(Duration::from_secs(120)));
    assert_eq!(Exec::spec().readiness().clone(), Readiness::exec(["pg_isready", "-q"]));
    assert_eq!(Worker::spec().readiness().clone(), Readiness::none());
    assert_eq!(Worker::DEPENDS_ON, ["primary-db", "cache"]);
    let _: Worker = Worker { _unused: () };
}
