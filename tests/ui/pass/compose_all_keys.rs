// Every supported compose key, and how each lands in the runtime's spec (../compose/all-keys.yml).
use std::time::Duration;

use scenario_runtime::{ImageSource, Protocol};
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

#[scenario(compose = "../../../../tests/ui/compose/fixed-ports.yml", instances = 2, remap_ports)]
mod remapped {}

#[scenario(compose = "../../../../tests/ui/compose/all-keys.yml", keep_restart)]
mod restarting {}

#[scenario(compose = "../../../../tests/ui/compose/privileged.yml", allow_privileged)]
mod privileged {}

use shop::services::{Cache, Db, RedisReplica, Seed, Web};

fn main() {
    // `- FROM_HOST` passes the variable through from the environment the scenario starts in.
    std::env::set_var("FROM_HOST", "from the test process");
    let web = Web::spec();
    assert_eq!((Web::NAME, web.name()), ("web", "web"));
    assert_eq!(Web::DEPENDS_ON, &["cache", "db", "seed"]);
    let ImageSource::Build(context) = web.image() else { panic!("web is built") };
    assert!(context.dir().ends_with("tests/ui/compose/context"), "{:?}", context.dir());
    assert!(context.dir().starts_with(env!("CARGO_MANIFEST_DIR")));
    assert_eq!(context.dockerfile(), "Dockerfile.web");
    assert_eq!(context.args().get("VERSION").map(String::as_str), Some("16"));
    assert_eq!(web.command(), Some(&["serve", "--port", "8080", "two words"].map(String::from)[..]));
    assert_eq!(web.entry_point(), Some(&["/bin/app".to_string()][..]));
    let env = |key: &str| web.environment().get(key).map(String::as_str);
    assert_eq!(env("MODE"), Some("test"), "environment wins over env_file");
    assert_eq!(env("FROM_FILE"), Some("quoted value"));
    assert_eq!(env("PRICE"), Some("5$"));
    assert_eq!(env("FROM_HOST"), Some("from the test process"));
    assert_eq!((web.work_dir(), web.user_name()), (Some("/srv"), Some("1000")));

    let ports: Vec<(u16, Protocol, &str, Option<u16>)> =
        web.ports().iter().map(|p| (p.container_port(), p.protocol(), p.bound_host_ip(), p.fixed_host_port())).collect();
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
    assert_eq!(web.mounts()[0], Mount::Volume { name: "data".into(), target: "/data".into(), read_only: false });
    let Mount::Bind { source, target, read_only: true } = &web.mounts()[1] else { panic!("{:?}", web.mounts()[1]) };
    assert!(source.ends_with("tests/ui/compose/fixtures") && target == "/fixtures");
    assert_eq!(web.mounts()[2], Mount::Tmpfs { target: "/cache".into(), options: "size=1048576".into() });
    assert_eq!(web.mounts()[3], Mount::Tmpfs { target: "/run".into(), options: "size=1m".into() });
    assert_eq!(web.aliases(), ["app", "www", "shop-web"], "container_name is one more name");
    assert_eq!(web.labels().get("team").map(String::as_str), Some("platform"));
    assert_eq!(*web.readiness(), Readiness::port(8080));

    // Production keys: the ones that shape a test's container apply; restart does not.
    let secrets: Vec<&Mount> = web.mounts()[4..].iter().collect();
    let Mount::Bind { source, target, read_only: true } = secrets[0] else { panic!("{:?}", secrets[0]) };
    assert!(source.ends_with("tests/ui/compose/fixtures/token.txt") && target == "/run/secrets/api_token");
    assert!(matches!(secrets[1], Mount::Bind { target, .. } if target == "/run/secrets/token.txt"));
    assert!(matches!(secrets[2], Mount::Bind { target, source, .. } if target == "/etc/app.ini" && source.ends_with("app.env")));
    assert_eq!(web.run_options().restart(), None, "restart applies only with keep_restart");
    assert_eq!(restarting::services::Web::spec().run_options().restart(), Some(scenario_runtime::Restart::UnlessStopped));
    assert!(web.run_options().init() && !web.run_options().privileged());
    assert!(privileged::services::Tool::spec().run_options().privileged(), "allowed explicitly");
    assert_eq!(web.run_options().stop_signal(), Some("SIGQUIT"));
    assert_eq!(web.stop_grace(), Duration::from_secs(90));
    assert_eq!(web.run_options().extra_hosts(), ["payments.internal:10.0.0.9"]);
    assert_eq!((web.run_options().shm_size(), web.run_options().memory(), web.run_options().nano_cpus()), (Some(64 << 20), Some(256 << 20), Some(1_500_000_000)));
    let ulimits: Vec<(&str, i64, i64)> = web.run_options().ulimits().iter().map(|u| (u.name(), u.soft(), u.hard())).collect();
    assert_eq!(ulimits, [("nofile", 1024, 2048), ("nproc", 512, 512)]);
    assert_eq!((web.run_options().cap_add(), web.run_options().cap_drop()), (&["NET_ADMIN".to_string()][..], &["MKNOD".to_string()][..]));

    // Interpolated values are resolved when the spec is built (the scenario's start).
    let db = Db::spec();
    assert_eq!(*db.image(), ImageSource::Reference("busybox:1.35".into()));
    assert_eq!(db.environment().get("PASSWORD").map(String::as_str), Some("secret"));
    std::env::set_var("DB_TAG", "1.36");
    assert_eq!(Db::spec().image().clone(), ImageSource::Reference("busybox:1.36".into()));

    let check = db.health_check().expect("db has a healthcheck");
    assert_eq!(check.command(), ["/bin/sh", "-c", "nc -z 127.0.0.1 5432"]);
    assert_eq!((check.check_interval(), check.check_timeout(), check.check_retries()), (Duration::from_secs(1), Duration::from_secs(2), 5));
    assert_eq!(check.check_start_period(), Duration::from_secs(90));
    assert_eq!(*db.readiness(), Readiness::healthy());

    assert_eq!(Cache::spec().readiness().clone(), Readiness::port(6379), "an exposed port is published on loopback and probed");
    assert_eq!(Seed::spec().readiness().clone(), Readiness::completed(), "web waits for it to complete");
    assert_eq!(Seed::DEPENDS_ON, &["db"]);
    assert_eq!((RedisReplica::NAME, RedisReplica::spec().readiness().clone()), ("redis-replica", Readiness::none()));

    // `remap_ports`: with 2 instances, fixed host ports are left to the engine.
    let db = remapped::services::Db::spec();
    assert!(db.ports().iter().all(|p| p.fixed_host_port().is_none()), "{:?}", db.ports());
    assert_eq!(db.ports().len(), 2);
}
