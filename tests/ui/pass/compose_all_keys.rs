// Every supported compose key, and how each lands in the runtime's spec (../compose/all-keys.yml).
use std::time::Duration;

use scenario_runtime::spec::{ImageSource, Protocol};
use scenario_runtime::prelude::*;
use scenario_runtime::ContainerDef;

#[scenario(compose = "../../../../tests/ui/compose/all-keys.yml")]
mod shop {
    #[test]
    async fn every_service_is_a_typed_container(env: &Env) {
        let _ = env.get::<services::Web>();
        let _ = env.get::<services::Db>();
        let _ = env.get::<services::Cache>();
        let _ = env.get::<services::Seed>();
        let _ = env.get::<services::RedisReplica>();
    }
}

use shop::services::{Cache, Db, RedisReplica, Seed, Web};

fn main() {
    // `- FROM_HOST` passes the variable through from the environment the scenario starts in.
    std::env::set_var("FROM_HOST", "from the test process");
    let web = Web::spec();
    assert_eq!((Web::NAME, web.name.as_str()), ("web", "web"));
    assert_eq!(Web::DEPENDS_ON, &["cache", "db", "seed"]);
    let ImageSource::Build(context) = &web.image else { panic!("web is built") };
    assert!(context.dir.ends_with("tests/ui/compose/context"), "{:?}", context.dir);
    assert!(context.dir.starts_with(env!("CARGO_MANIFEST_DIR")));
    assert_eq!(context.dockerfile, "Dockerfile.web");
    assert_eq!(context.args.get("VERSION").map(String::as_str), Some("16"));
    assert_eq!(web.cmd.as_deref(), Some(&["serve", "--port", "8080", "two words"].map(String::from)[..]));
    assert_eq!(web.entrypoint.as_deref(), Some(&["/bin/app".to_string()][..]));
    let env = |key: &str| web.env.get(key).map(String::as_str);
    assert_eq!(env("MODE"), Some("test"), "environment wins over env_file");
    assert_eq!(env("FROM_FILE"), Some("quoted value"));
    assert_eq!(env("PRICE"), Some("5$"));
    assert_eq!(env("FROM_HOST"), Some("from the test process"));
    assert_eq!((web.working_dir.as_deref(), web.user.as_deref()), (Some("/srv"), Some("1000")));

    let ports: Vec<(u16, Protocol, &str, Option<u16>)> =
        web.ports.iter().map(|p| (p.container_port, p.protocol, p.host_ip.as_str(), p.host_port)).collect();
    assert_eq!(
        ports,
        [
            (8080, Protocol::Tcp, "127.0.0.1", None),
            (81, Protocol::Tcp, "127.0.0.1", Some(18081)),
            (82, Protocol::Tcp, "0.0.0.0", Some(18082)),
            (9000, Protocol::Tcp, "127.0.0.1", None),
            (9001, Protocol::Udp, "127.0.0.1", None),
        ]
    );
    assert_eq!(web.mounts[0], Mount::Volume { name: "data".into(), target: "/data".into(), read_only: false });
    let Mount::Bind { source, target, read_only: true } = &web.mounts[1] else { panic!("{:?}", web.mounts[1]) };
    assert!(source.ends_with("tests/ui/compose/fixtures") && target == "/fixtures");
    assert_eq!(web.mounts[2], Mount::Tmpfs { target: "/cache".into(), options: "size=1048576".into() });
    assert_eq!(web.mounts[3], Mount::Tmpfs { target: "/run".into(), options: "size=1m".into() });
    assert_eq!(web.aliases, ["app", "www"]);
    assert_eq!(web.labels.get("team").map(String::as_str), Some("platform"));
    assert_eq!(web.readiness, Readiness::port(8080));

    let db = Db::spec();
    let check = db.healthcheck.as_ref().expect("db has a healthcheck");
    assert_eq!(check.command, ["/bin/sh", "-c", "nc -z 127.0.0.1 5432"]);
    assert_eq!((check.interval, check.timeout, check.retries), (Duration::from_secs(1), Duration::from_secs(2), 5));
    assert_eq!(check.start_period, Duration::from_secs(90));
    assert_eq!(db.readiness, Readiness::healthy());

    assert_eq!(Cache::spec().readiness, Readiness::port(6379), "an exposed port is published on loopback and probed");
    assert_eq!(Seed::spec().readiness, Readiness::completed(), "web waits for it to complete");
    assert_eq!(Seed::DEPENDS_ON, &["db"]);
    assert_eq!((RedisReplica::NAME, RedisReplica::spec().readiness), ("redis-replica", Readiness::none()));
}
