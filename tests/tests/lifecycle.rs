//! The container lifecycle on the real engine: labels, loopback ports, networks and aliases,
//! mounts, exec and logs, errors that name what is wrong, and teardown that leaves nothing.

use scenario_runtime::__private::labels;
use scenario_runtime::prelude::*;
use scenario_runtime::Error;
use scenario_tests::{sh, TestScope};

async fn ready(scope: &Scope, spec: ContainerSpec) -> scenario_runtime::Result<Container<Ready>> {
    scope.configure(spec)?.start().await?.wait_ready().await
}

#[tokio::test]
async fn ports_bind_to_loopback_on_a_random_host_port() {
    let scope = TestScope::new("ports").await;
    let spec = sh("web", "exec httpd -f -p 8080").port(8080).ready(Readiness::port(8080));
    let c = ready(&scope, spec).await.unwrap();
    let inspected = scope.engine().docker().inspect_container(c.id(), None).await.unwrap();
    let bindings = inspected.host_config.unwrap().port_bindings.unwrap();
    let binding = &bindings["8080/tcp"].as_ref().unwrap()[0];
    assert_eq!(binding.host_ip.as_deref(), Some("127.0.0.1"));
    let published = inspected.network_settings.unwrap().ports.unwrap();
    let actual = &published["8080/tcp"].as_ref().unwrap()[0];
    assert_eq!(actual.host_ip.as_deref(), Some("127.0.0.1"), "bound on loopback only");
    assert_eq!(actual.host_port.as_deref().unwrap().parse::<u16>().unwrap(), c.host_port(8080).unwrap());
    assert_eq!(c.host(), "127.0.0.1");

    match c.host_port(9999).unwrap_err() {
        Error::PortNotExposed { container, port, published } => {
            assert_eq!(container, "web");
            assert_eq!(port, "9999/tcp");
            assert!(published.contains("8080/tcp"), "{published}");
        }
        other => panic!("expected PortNotExposed, got {other}"),
    }
    scope.teardown(vec![c]).await.unwrap();
}

#[tokio::test]
async fn everything_created_carries_the_scope_labels() {
    let scope = TestScope::new("labels").await;
    let spec = sh("db", "exec sleep 3600").label("team", "payments").mount(Mount::volume("data", "/data"));
    let spec_hash = spec.spec_hash();
    let c = ready(&scope, spec).await.unwrap();
    let docker = scope.engine().docker();
    let container_labels = docker.inspect_container(c.id(), None).await.unwrap().config.unwrap().labels.unwrap();
    let expected = [
        (labels::MANAGED, "true"),
        (labels::SESSION, scope.session.as_str()),
        (labels::PROJECT, "scenariotests"),
        (labels::SCENARIO, "labels"),
        (labels::CONTAINER, "db"),
        (labels::INSTANCE, "0"),
        (labels::SPEC_HASH, spec_hash.as_str()),
        ("team", "payments"),
    ];
    for (key, value) in expected {
        assert_eq!(container_labels.get(key).map(String::as_str), Some(value), "container label {key}");
    }
    assert!(!container_labels.contains_key(labels::REUSE), "not kept alive unless asked");

    let network = docker
        .inspect_network(scope.network_name(), None::<bollard::query_parameters::InspectNetworkOptions>)
        .await
        .unwrap();
    let network_labels = network.labels.unwrap();
    assert_eq!(network_labels[labels::MANAGED], "true");
    assert_eq!(network_labels[labels::SESSION], scope.session.as_str());

    let volume = docker.inspect_volume(&scope.ids().volume_name("data")).await.unwrap();
    assert_eq!(volume.labels[labels::MANAGED], "true");
    assert_eq!(volume.labels[labels::SESSION], scope.session.as_str());

    scope.teardown(vec![c]).await.unwrap();
    assert_eq!(scope.leftovers().await, Vec::<String>::new(), "container, network and volume removed");
}

#[tokio::test]
async fn teardown_writes_logs_then_removes_containers_and_network_concurrently() {
    let scope = TestScope::new("teardown").await;
    let a = ready(&scope, sh("a", "echo from-a; exec sleep 3600").ready(Readiness::log("from-a"))).await.unwrap();
    let b = ready(&scope, sh("b", "echo from-b; exec sleep 3600").ready(Readiness::log("from-b"))).await.unwrap();
    assert_eq!(scope.leftovers().await.len(), 3, "two containers and the network");
    let removed = scope.teardown(vec![a, b]).await.unwrap();
    assert_eq!(removed.len(), 2);
    for r in &removed {
        let text = std::fs::read_to_string(&r.log_path).unwrap();
        assert_eq!(text.trim(), format!("from-{}", r.name));
        assert!(r.log_path.ends_with(format!("{}/teardown/{}.log", scope.session, r.name)), "{:?}", r.log_path);
    }
    assert_eq!(scope.leftovers().await, Vec::<String>::new());
}

#[tokio::test]
async fn containers_reach_each_other_by_alias_on_the_scope_network() {
    let scope = TestScope::new("alias").await;
    let web = ready(
        &scope,
        sh("web", "mkdir -p /www && echo pong > /www/ping && exec httpd -f -p 8080 -h /www")
            .alias("api.internal")
            .port(8080)
            .ready(Readiness::http(8080, "/ping")),
    )
    .await
    .unwrap();
    let client = ready(&scope, sh("client", "exec sleep 3600")).await.unwrap();
    for host in ["web", "api.internal"] {
        let out = client.exec(["wget", "-q", "-O-", &format!("http://{host}:8080/ping")]).await.unwrap();
        assert_eq!((out.exit_code, out.stdout.as_str()), (0, "pong\n"), "via {host}: {}", out.stderr);
    }
    scope.teardown(vec![web, client]).await.unwrap();
}

#[tokio::test]
async fn scopes_are_isolated_networks() {
    let one = TestScope::new("iso").await;
    let two = TestScope::new("iso").await;
    let web = ready(&one, sh("web", "exec httpd -f -p 8080").port(8080).ready(Readiness::port(8080))).await.unwrap();
    let other = ready(&two, sh("probe", "exec sleep 3600")).await.unwrap();
    let out = other.exec(["sh", "-c", "nslookup web || wget -T 1 -q -O- http://web:8080/"]).await.unwrap();
    assert_ne!(out.exit_code, 0, "another scope's container must not resolve: {}", out.stdout);
    one.teardown(vec![web]).await.unwrap();
    two.teardown(vec![other]).await.unwrap();
}

#[tokio::test]
async fn env_cmd_workdir_user_and_tmpfs_reach_the_container() {
    let scope = TestScope::new("config").await;
    let spec = sh("cfg", "exec sleep 3600")
        .env("GREETING", "hello world")
        .working_dir("/tmp")
        .user("nobody")
        .tmpfs("/scratch");
    let c = ready(&scope, spec).await.unwrap();
    let out = c
        .exec(["sh", "-c", "echo \"$GREETING|$(pwd)|$(id -un)\"; grep ' /scratch ' /proc/mounts | cut -d' ' -f3"])
        .await
        .unwrap();
    assert_eq!(out.stdout, "hello world|/tmp|nobody\ntmpfs\n", "{}", out.stderr);
    let failing = c.exec(["sh", "-c", "echo oops >&2; exit 4"]).await.unwrap();
    assert_eq!((failing.exit_code, failing.stderr.as_str()), (4, "oops\n"));
    scope.teardown(vec![c]).await.unwrap();
}

#[tokio::test]
async fn a_second_container_with_the_same_name_is_a_name_conflict() {
    let scope = TestScope::new("conflict").await;
    let first = ready(&scope, sh("db", "exec sleep 3600")).await.unwrap();
    match scope.configure(sh("db", "exec sleep 3600")).unwrap().start().await.unwrap_err() {
        Error::NameConflict { name, existing_id, detail } => {
            assert_eq!(name, first.engine_name());
            assert_eq!(existing_id, first.id());
            assert!(detail.contains("conflict") && detail.contains(scope.session.as_str()), "{detail}");
        }
        other => panic!("expected a name conflict, got {other}"),
    }
    scope.teardown(vec![first]).await.unwrap();
}

#[tokio::test]
async fn removal_with_a_stop_timeout_lets_the_process_finish_cleanly() {
    let scope = TestScope::new("graceful").await;
    let out_dir = std::env::temp_dir().join(format!("scenario-graceful-{}", scope.session));
    std::fs::create_dir_all(&out_dir).unwrap();
    let spec =
        sh("svc", "trap 'echo stopped-by-term > /out/result; exit 0' TERM; echo up; while true; do sleep 0.1; done")
            .mount(Mount::bind(&out_dir, "/out"))
            .ready(Readiness::log("up"))
            .stop_timeout(std::time::Duration::from_secs(10));
    let c = ready(&scope, spec).await.unwrap();
    c.drain().await.unwrap().remove().await.unwrap();
    let result = std::fs::read_to_string(out_dir.join("result")).unwrap_or_default();
    std::fs::remove_dir_all(&out_dir).unwrap();
    assert_eq!(result, "stopped-by-term\n", "TERM reached the process before removal");
    assert_eq!(scope.leftovers().await.iter().filter(|l| l.starts_with("container")).count(), 0);
}

#[tokio::test]
async fn an_unreachable_engine_names_the_socket_and_what_to_do() {
    let err = Engine::connect_to("unix:///nonexistent/docker.sock").await.unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, Error::EngineUnreachable { .. }));
    assert!(text.contains("/nonexistent/docker.sock") && text.contains("DOCKER_HOST"), "{text}");
}

#[tokio::test]
async fn a_spec_with_readiness_on_an_unpublished_port_is_rejected_before_any_engine_call() {
    let scope = TestScope::new("invalid").await;
    let err = scope.configure(sh("cache", "true").ready(Readiness::port(6379))).unwrap_err();
    assert!(err.to_string().contains("`cache`") && err.to_string().contains("6379"));
    assert_eq!(scope.leftovers().await, Vec::<String>::new(), "nothing was created");
}

#[tokio::test]
async fn racing_starters_of_one_scope_end_with_one_container_and_one_network() {
    // Two processes of one session (nextest) look like two scopes with the same ids.
    let first = TestScope::new("race").await;
    let second = Scope::new(first.engine().clone(), first.ids().clone());
    let spec = || sh("db", "echo up; exec sleep 3600").ready(Readiness::log("up"));
    let (a, b) = tokio::join!(async { first.configure(spec()).unwrap().start_or_attach().await }, async {
        second.configure(spec()).unwrap().start_or_attach().await
    },);
    let ((a, origin_a), (b, origin_b)) = (a.unwrap(), b.unwrap());
    assert_eq!(a.id(), b.id(), "both hold the same container");
    let mut origins = [origin_a, origin_b];
    origins.sort_by_key(|o| *o == scenario_runtime::Origin::Attached);
    assert_eq!(origins, [scenario_runtime::Origin::Created, scenario_runtime::Origin::Attached]);
    let (a, b) = (a.wait_ready().await.unwrap(), b.wait_ready().await.unwrap());
    assert_eq!(first.network().await.unwrap(), second.network().await.unwrap(), "one network");
    let networks = first.leftovers().await.into_iter().filter(|l| l.starts_with("network")).count();
    assert_eq!(networks, 1);
    drop(b);
    first.teardown(vec![a]).await.unwrap();
    assert_eq!(first.leftovers().await, Vec::<String>::new());
}

#[tokio::test]
async fn attach_never_takes_a_container_without_our_labels() {
    let scope = TestScope::new("foreign").await;
    let name = scope.ids().container_name("db");
    // Someone else's container under exactly our deterministic name, labelled with our session
    // (so the test's cleanup finds it) but not managed.
    let body = bollard::models::ContainerCreateBody {
        image: Some(scenario_tests::BUSYBOX.into()),
        cmd: Some(vec!["sleep".into(), "3600".into()]),
        labels: Some(std::collections::HashMap::from([(labels::SESSION.to_string(), scope.session.to_string())])),
        ..Default::default()
    };
    let options = bollard::query_parameters::CreateContainerOptionsBuilder::new().name(&name).build();
    let foreign = scope.engine().docker().create_container(Some(options), body).await.unwrap().id;
    let result = scope.configure(sh("db", "exec sleep 3600")).unwrap().start_or_attach().await;
    let remove = bollard::query_parameters::RemoveContainerOptionsBuilder::new().force(true).build();
    scope.engine().docker().remove_container(&foreign, Some(remove)).await.unwrap();
    match result.map(|_| ()).unwrap_err() {
        Error::NameConflict { name: conflicting, existing_id, detail } => {
            assert_eq!(conflicting, name);
            assert_eq!(existing_id, foreign);
            assert!(detail.contains("not managed"), "{detail}");
        }
        other => panic!("expected a name conflict, got {other}"),
    }
    scope.remove_network_and_volumes().await.unwrap();
}
