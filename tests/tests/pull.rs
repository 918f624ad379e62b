//! Pulls from registries the tests start themselves (Debian's docker-registry on a free loopback
//! port, some asking for a login): credentials from `auths` as `docker login` writes them and
//! from credential helpers, refused logins and missing tags explained, the pull policies, digest
//! references, one pull for many containers, and a moved tag under reuse. Pulls are counted in
//! the registry's access log, so "pulled once" is what the registry saw.

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use scenario_runtime::__private::image::pull::ensure_reference;
use scenario_runtime::__private::image::{DockerConfig, PullPolicy, PullRequest};
use scenario_runtime::__private::launch::{land, launch, LaunchMode};
use scenario_runtime::__private::Staleness;
use scenario_runtime::prelude::*;
use scenario_tests::registry::LocalRegistry;
use scenario_tests::{entry, text, unique_session, TestProject, BUSYBOX};

const USER: &str = "tester";
const PASSWORD: &str = "s3cret-pw";

fn docker(args: &[&str]) -> Output {
    Command::new("docker").args(args).output().expect("the docker CLI runs")
}

fn docker_ok(args: &[&str]) -> String {
    let out = docker(args);
    assert!(out.status.success(), "docker {args:?}: {}{}", text(&out.stdout), text(&out.stderr));
    text(&out.stdout)
}

/// Everything a test made on the engine and on disk, removed whatever the outcome: images by id
/// (only the test's own, built here), temporary folders.
#[derive(Default)]
struct Made {
    images: Vec<String>,
    dirs: Vec<PathBuf>,
}

impl Made {
    fn dir(&mut self, tag: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("scn-pull-{tag}-{}", unique_session("d")));
        std::fs::create_dir_all(&dir).unwrap();
        self.dirs.push(dir.clone());
        dir
    }
}

impl Drop for Made {
    fn drop(&mut self) {
        for id in &self.images {
            let _ = docker(&["rmi", "-f", id]);
        }
        for dir in &self.dirs {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// A docker CLI configuration folder logged in to `registry` (`docker login` writes `auths`).
fn logged_in(registry: &LocalRegistry, made: &mut Made) -> PathBuf {
    let config = made.dir("login");
    let mut login = Command::new("docker")
        .args(["--config", config.to_str().unwrap(), "login", "-u", USER, "--password-stdin", &registry.address])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    login.stdin.take().unwrap().write_all(PASSWORD.as_bytes()).unwrap();
    let out = login.wait_with_output().unwrap();
    assert!(out.status.success(), "docker login: {}", text(&out.stderr));
    config
}

/// Builds an image of busybox of its own (`reference` and `content` in a label), pushes it as `reference` (logged in
/// through `config` when given) and removes the local tag, so the engine has to pull it.
/// Returns the image id and the digest the registry stores it under.
fn publish(reference: &str, content: &str, config: Option<&PathBuf>, made: &mut Made) -> (String, String) {
    let mut build = Command::new("docker")
        .args(["build", "-q", "-t", reference, "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    // The reference in the label keeps the images of tests running side by side apart: the same
    // content would be one image, which one test's clean-up would take from the other.
    let dockerfile = format!("FROM {BUSYBOX}\nLABEL dev.scenario-tests.content=\"{reference} {content}\"\n");
    build.stdin.take().unwrap().write_all(dockerfile.as_bytes()).unwrap();
    let built = build.wait_with_output().unwrap();
    assert!(built.status.success(), "docker build: {}", text(&built.stderr));
    let id = text(&built.stdout).trim().to_string();
    made.images.push(id.clone());
    let mut push = vec!["push", reference];
    let config_arg;
    if let Some(config) = config {
        config_arg = config.to_str().unwrap().to_string();
        push = vec!["--config", &config_arg, "push", reference];
    }
    let pushed = docker_ok(&push);
    let digest = pushed
        .split_whitespace()
        .find(|word| word.starts_with("sha256:"))
        .unwrap_or_else(|| panic!("no digest in the push output: {pushed}"))
        .to_string();
    docker_ok(&["rmi", reference]);
    (id, digest)
}

/// A credential helper `docker-credential-<name>` in `bin` that knows the login of `registry`
/// and writes every server address it is asked about to `bin/asked`. Returns its name.
fn helper_script(bin: &std::path::Path, registry: &LocalRegistry) -> String {
    let helper = format!("scntest{}", std::process::id());
    let script = format!(
        "#!/bin/sh\n[ \"$1\" = get ] || exit 3\nread -r server || true\necho \"$server\" >> {asked}\n\
         if [ \"$server\" = \"{address}\" ]; then\n  printf '{{\"ServerURL\":\"%s\",\"Username\":\"{USER}\",\"Secret\":\"{PASSWORD}\"}}' \"$server\"\n\
         else\n  echo 'credentials not found in native keychain'; exit 1\nfi\n",
        asked = bin.join("asked").display(),
        address = registry.address,
    );
    let helper_file = bin.join(format!("docker-credential-{helper}"));
    std::fs::write(&helper_file, script).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&helper_file, std::fs::Permissions::from_mode(0o755)).unwrap();
    helper
}

fn request(policy: PullPolicy, config: DockerConfig) -> PullRequest {
    PullRequest { policy, run: unique_session("pull").as_str().to_string(), config }
}

/// A configuration folder with no login in it.
fn no_login(made: &mut Made) -> DockerConfig {
    DockerConfig::at(made.dir("empty"))
}

async fn absent(engine: &Engine, reference: &str) -> bool {
    engine.docker().inspect_image(reference).await.is_err()
}

#[tokio::test]
async fn a_login_in_auths_pulls_from_a_registry_that_asks_for_one_and_none_is_refused() {
    let registry = LocalRegistry::start_with_login(USER, PASSWORD).await;
    let mut made = Made::default();
    let config = logged_in(&registry, &mut made);
    let written = std::fs::read_to_string(config.join("config.json")).unwrap();
    assert!(written.contains("\"auth\""), "docker login stored the login in auths: {written}");
    let reference = format!("{}/scn-auth:one", registry.address);
    let (id, _) = publish(&reference, "auths", Some(&config), &mut made);
    let engine = scenario_tests::engine().await;
    assert!(absent(&engine, &reference).await);

    let without = ensure_reference(&engine, &reference, &request(PullPolicy::Missing, no_login(&mut made))).await;
    let message = without.unwrap_err().to_string();
    assert!(message.contains(&format!("`{reference}`")) && message.contains(&registry.address), "{message}");
    assert!(message.contains("no basic auth credentials") || message.contains("unauthorized"), "{message}");
    assert!(message.contains("no credentials:"), "says that none were found: {message}");

    let pulled =
        ensure_reference(&engine, &reference, &request(PullPolicy::Missing, DockerConfig::at(&config))).await.unwrap();
    assert_eq!(pulled.id, id, "the pushed image came back");
}

#[tokio::test]
async fn credential_helpers_named_by_cred_helpers_and_creds_store_are_asked_as_docker_asks() {
    let registry = LocalRegistry::start_with_login(USER, PASSWORD).await;
    let mut made = Made::default();
    let login = logged_in(&registry, &mut made);
    let engine = scenario_tests::engine().await;
    let bin = made.dir("helper-bin");
    let helper = helper_script(&bin, &registry);
    let path = format!("{}:/usr/bin:/bin", bin.display());

    for (tag, json) in [
        ("helpers", format!(r#"{{"credHelpers": {{"{}": "{helper}"}}}}"#, registry.address)),
        ("store", format!(r#"{{"credsStore": "{helper}", "auths": {{"{}": {{}}}}}}"#, registry.address)),
    ] {
        let reference = format!("{}/scn-helper:{tag}", registry.address);
        let (id, _) = publish(&reference, tag, Some(&login), &mut made);
        let config = made.dir(tag);
        std::fs::write(config.join("config.json"), json).unwrap();
        let docker_config = DockerConfig::at(&config).helper_path(&path);
        let pulled = ensure_reference(&engine, &reference, &request(PullPolicy::Missing, docker_config)).await;
        assert_eq!(pulled.unwrap().id, id, "{tag}");
    }
    let asked = std::fs::read_to_string(bin.join("asked")).unwrap();
    assert_eq!(asked, format!("{0}\n{0}\n", registry.address), "the server address on stdin, once per pull");
}

const FIXTURE: &str = env!("CARGO_BIN_EXE_pull_fixture");

/// The harness as a user runs it: credentials through `DOCKER_CONFIG` and a helper on `PATH`,
/// `SCENARIO_PULL` overriding the container's `never`, and the pull shown as progress.
#[tokio::test]
async fn a_run_finds_credentials_through_docker_config_and_path_and_scenario_pull_overrides_never() {
    let registry = LocalRegistry::start_with_login(USER, PASSWORD).await;
    let mut made = Made::default();
    let login = logged_in(&registry, &mut made);
    let reference = format!("{}/scn-fixture:one", registry.address);
    publish(&reference, "fixture", Some(&login), &mut made);
    let bin = made.dir("fixture-bin");
    let helper = helper_script(&bin, &registry);
    let config = made.dir("fixture-config");
    std::fs::write(config.join("config.json"), format!(r#"{{"credsStore": "{helper}"}}"#)).unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let run = scenario_tests::FixtureRun::new(FIXTURE, "pullenv");
    let command = |pull: Option<&str>| {
        let mut command = run.command(&[]);
        command
            .env("PULL_FIXTURE_IMAGE", &reference)
            .env("DOCKER_CONFIG", &config)
            .env("PATH", &path)
            .env("SCENARIO_PROGRESS", "plain")
            .env("SCENARIO_PROGRESS_AFTER_MS", "0");
        match pull {
            Some(policy) => command.env("SCENARIO_PULL", policy),
            None => command.env_remove("SCENARIO_PULL"),
        };
        command
    };

    let refused = command(None).output().unwrap();
    let stderr = text(&refused.stderr) + &text(&refused.stdout);
    assert!(!refused.status.success(), "the container says `never`: {stderr}");
    assert!(stderr.contains(&format!("`{reference}`")) && stderr.contains("`never`"), "{stderr}");

    let out = command(Some("missing")).output().unwrap();
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{}\n{stderr}", text(&out.stdout));
    let pull_lines: Vec<&str> = stderr.lines().filter(|l| l.contains(&format!("] pull {reference}: "))).collect();
    assert!(pull_lines.last().is_some_and(|l| l.contains(": done after ")), "{stderr}");
    let asked = std::fs::read_to_string(bin.join("asked")).unwrap();
    assert_eq!(asked.trim(), registry.address, "the helper of credsStore was asked");
    assert_eq!(run.leftovers().await, Vec::<String>::new());
}

#[tokio::test]
async fn a_wrong_password_and_a_missing_tag_name_the_registry_the_reference_and_the_cause() {
    let registry = LocalRegistry::start_with_login(USER, PASSWORD).await;
    let mut made = Made::default();
    let login = logged_in(&registry, &mut made);
    let reference = format!("{}/scn-refused:one", registry.address);
    publish(&reference, "refused", Some(&login), &mut made);
    let engine = scenario_tests::engine().await;

    let wrong = made.dir("wrong");
    let json = format!(r#"{{"auths": {{"{}": {{"username": "{USER}", "password": "not-it"}}}}}}"#, registry.address);
    std::fs::write(wrong.join("config.json"), json).unwrap();
    let refused = ensure_reference(&engine, &reference, &request(PullPolicy::Missing, DockerConfig::at(&wrong))).await;
    let message = refused.unwrap_err().to_string();
    assert!(message.contains(&format!("`{reference}`")) && message.contains(&registry.address), "{message}");
    assert!(message.contains("unauthorized") || message.contains("authentication required"), "{message}");
    assert!(
        message.contains(&wrong.join("config.json").display().to_string()),
        "names where the login came from: {message}"
    );

    let missing = format!("{}/scn-refused:no-such-tag", registry.address);
    let not_found = ensure_reference(&engine, &missing, &request(PullPolicy::Missing, DockerConfig::at(&login))).await;
    let message = not_found.unwrap_err().to_string();
    assert!(message.contains(&format!("`{missing}`")) && message.contains(&registry.address), "{message}");
    assert!(message.contains("not found") || message.contains("manifest unknown"), "{message}");
}

#[tokio::test]
async fn never_does_not_pull_and_says_so_and_a_digest_is_pulled_once_even_with_always() {
    let registry = LocalRegistry::start_on_free_port().await;
    let mut made = Made::default();
    let reference = format!("{}/scn-policy:one", registry.address);
    let (id, digest) = publish(&reference, "policy", None, &mut made);
    let engine = scenario_tests::engine().await;

    let never = ensure_reference(&engine, &reference, &request(PullPolicy::Never, no_login(&mut made))).await;
    let message = never.unwrap_err().to_string();
    assert!(message.contains(&format!("`{reference}`")) && message.contains("`never`"), "{message}");
    assert_eq!(
        registry.manifest_requests("scn-policy", "one").await,
        0,
        "nothing was asked of the registry: {}",
        registry.log()
    );
    assert!(absent(&engine, &reference).await);

    let pinned = format!("{}/scn-policy@{digest}", registry.address);
    let never = ensure_reference(&engine, &pinned, &request(PullPolicy::Never, no_login(&mut made))).await;
    assert!(never.unwrap_err().to_string().contains("`never`"), "a digest is not pulled with never either");
    assert_eq!(registry.manifest_requests("scn-policy", &digest).await, 0);
    let first = ensure_reference(&engine, &pinned, &request(PullPolicy::Always, no_login(&mut made))).await.unwrap();
    assert_eq!(first.id, id);
    let once = registry.manifest_requests("scn-policy", &digest).await;
    assert!(once >= 1, "the digest was pulled: {}", registry.log());
    // Another run with `always`: a digest names content, so the engine's copy is the registry's.
    let again = ensure_reference(&engine, &pinned, &request(PullPolicy::Always, no_login(&mut made))).await.unwrap();
    assert_eq!(again.id, id);
    assert_eq!(registry.manifest_requests("scn-policy", &digest).await, once, "not pulled again");
    // And `never` is content with the image being there.
    let present = ensure_reference(&engine, &pinned, &request(PullPolicy::Never, no_login(&mut made))).await;
    assert_eq!(present.unwrap().id, id);
}

#[tokio::test]
async fn containers_that_need_one_image_at_once_share_one_pull_per_run() {
    let registry = LocalRegistry::start_on_free_port().await;
    let mut made = Made::default();
    let reference = format!("{}/scn-shared:one", registry.address);
    let (id, _) = publish(&reference, "shared", None, &mut made);
    let engine = scenario_tests::engine().await;

    // What one pull costs the registry, as the baseline.
    ensure_reference(&engine, &reference, &request(PullPolicy::Missing, no_login(&mut made))).await.unwrap();
    let one_pull = registry.manifest_requests("scn-shared", "one").await;
    assert!(one_pull >= 1, "{}", registry.log());

    for policy in [PullPolicy::Missing, PullPolicy::Always] {
        docker_ok(&["rmi", &reference]);
        let before = registry.manifest_requests("scn-shared", "one").await;
        let run = request(policy, no_login(&mut made));
        let pulls = (0..4).map(|_| ensure_reference(&engine, &reference, &run));
        for pulled in futures_util::future::join_all(pulls).await {
            assert_eq!(pulled.unwrap().id, id);
        }
        let after = registry.manifest_requests("scn-shared", "one").await;
        assert_eq!(after - before, one_pull, "{policy}: four containers, one pull");
    }
    // `always` in the same run again: pulled already; in a new run: pulled again.
    let before = registry.manifest_requests("scn-shared", "one").await;
    let run = request(PullPolicy::Always, no_login(&mut made));
    ensure_reference(&engine, &reference, &run).await.unwrap();
    ensure_reference(&engine, &reference, &run).await.unwrap();
    assert_eq!(registry.manifest_requests("scn-shared", "one").await - before, one_pull, "once per run");
}

const PULL_ONCE: &str = env!("CARGO_BIN_EXE_pull_once");

/// nextest runs a process per test: four processes of one run that need one image pull it once,
/// with `missing` (the image absent) and with `always`; a process of the next run pulls again.
#[tokio::test]
async fn processes_of_one_run_share_one_pull() {
    let registry = LocalRegistry::start_on_free_port().await;
    let mut made = Made::default();
    let reference = format!("{}/scn-processes:one", registry.address);
    let (id, _) = publish(&reference, "processes", None, &mut made);
    let config = made.dir("processes-config");
    let pull_in = |run: &str, policy: &str| {
        Command::new(PULL_ONCE)
            .args([reference.as_str(), run, policy, config.to_str().unwrap()])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let engine = scenario_tests::engine().await;
    ensure_reference(&engine, &reference, &request(PullPolicy::Missing, no_login(&mut made))).await.unwrap();
    let one_pull = registry.manifest_requests("scn-processes", "one").await;

    for policy in ["missing", "always"] {
        docker_ok(&["rmi", &reference]);
        let before = registry.manifest_requests("scn-processes", "one").await;
        let run = unique_session("procs");
        let children: Vec<_> = (0..4).map(|_| pull_in(run.as_str(), policy)).collect();
        for child in children {
            let out = child.wait_with_output().unwrap();
            assert!(out.status.success(), "{}", text(&out.stderr));
            assert_eq!(text(&out.stdout).trim(), id);
        }
        let pulled = registry.manifest_requests("scn-processes", "one").await - before;
        assert_eq!(pulled, one_pull, "{policy}: four processes of one run, one pull");
    }
    let before = registry.manifest_requests("scn-processes", "one").await;
    let out = pull_in(unique_session("next").as_str(), "always").wait_with_output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(registry.manifest_requests("scn-processes", "one").await - before, one_pull, "the next run pulls");
}

static ALWAYS_REFERENCE: OnceLock<String> = OnceLock::new();
static MISSING_REFERENCE: OnceLock<String> = OnceLock::new();

fn app(reference: &str, policy: PullPolicy) -> ContainerSpec {
    ContainerSpec::from_image("app", reference)
        .cmd(["sh", "-c", "echo app-up; exec sleep 3600"])
        .ready(Readiness::log("app-up"))
        .pull(policy)
}

fn app_always() -> ContainerSpec {
    app(ALWAYS_REFERENCE.get().unwrap(), PullPolicy::Always)
}

fn app_missing() -> ContainerSpec {
    app(MISSING_REFERENCE.get().unwrap(), PullPolicy::Missing)
}

fn web() -> ContainerSpec {
    scenario_tests::sh("web", "echo web-up; exec sleep 3600").ready(Readiness::log("web-up"))
}

static MOVED_ALWAYS: [scenario_runtime::__private::ContainerEntry; 2] =
    [entry("app", &[], app_always), entry("web", &["app"], web)];
static MOVED_MISSING: [scenario_runtime::__private::ContainerEntry; 2] =
    [entry("app", &[], app_missing), entry("web", &["app"], web)];

/// What the second of two reuse runs did, the tag having moved in between.
struct Moved {
    first: String,
    second: String,
    report: scenario_runtime::__private::launch::LaunchReport,
    /// Manifest requests the registry saw during the second run.
    pulls: usize,
    /// The image the second run's app container runs, and the moved tag's image.
    running_image: String,
    new_id: String,
}

/// Runs a scenario twice under reuse, with the tag moved in the registry in between (the engine's
/// own tag left on the old image, as it is until something pulls).
async fn moved_tag_under_reuse(
    policy: PullPolicy,
    reference_slot: &'static OnceLock<String>,
    entries: &'static [scenario_runtime::__private::ContainerEntry],
) -> Moved {
    let registry = LocalRegistry::start_on_free_port().await;
    let mut made = Made::default();
    let repository = format!("scn-moved-{policy}");
    let reference = format!("{}/{repository}:v", registry.address);
    reference_slot.set(reference.clone()).unwrap();
    let (old_id, _) = publish(&reference, "old", None, &mut made);
    // Declared after `made`, so the containers go before the images.
    let project = TestProject::new(&format!("moved{policy}")).await;

    let (env, report) = launch(project.run_scope("moved"), entries, LaunchMode::Reuse).await.unwrap();
    assert_eq!(report.started, ["app", "web"], "{report:?}");
    let first = env.containers()["app"].id().to_string();
    land(env, true).await.unwrap();

    let (new_id, _) = publish(&reference, "new", None, &mut made);
    docker_ok(&["tag", &old_id, &reference]);
    let pulls_before = registry.manifest_requests(&repository, "v").await;
    let (env, report) = launch(project.run_scope("moved"), entries, LaunchMode::Reuse).await.unwrap();
    let second = env.containers()["app"].id().to_string();
    let running_image = project.engine.docker().inspect_container(&second, None).await.unwrap().image.unwrap();
    land(env, true).await.unwrap();
    let pulls = registry.manifest_requests(&repository, "v").await - pulls_before;
    Moved { first, second, report, pulls, running_image, new_id }
}

#[tokio::test]
async fn with_always_a_moved_tag_replaces_the_kept_container_and_its_dependents() {
    let moved = moved_tag_under_reuse(PullPolicy::Always, &ALWAYS_REFERENCE, &MOVED_ALWAYS).await;
    assert_ne!(moved.first, moved.second, "replaced");
    let report = &moved.report;
    let restarted: Vec<String> = report.restarted.iter().map(|(name, why)| format!("{name} ({why})")).collect();
    assert_eq!(restarted, ["app (image updated)", "web (app restarted)"], "{report:?}");
    assert!(
        matches!(&report.restarted[0].1, Staleness::ImageUpdated { current, .. } if *current == moved.new_id),
        "{report:?}"
    );
    assert!(moved.pulls >= 1, "pulled in the second run");
    assert_eq!(moved.running_image, moved.new_id, "runs the moved tag's image");
}

#[tokio::test]
async fn with_missing_a_moved_tag_leaves_the_kept_container_alone() {
    let moved = moved_tag_under_reuse(PullPolicy::Missing, &MISSING_REFERENCE, &MOVED_MISSING).await;
    assert_eq!(moved.first, moved.second, "the same container");
    assert_eq!(moved.report.attached, ["app", "web"], "{:?}", moved.report);
    assert!(moved.report.restarted.is_empty(), "{:?}", moved.report);
    assert_eq!(moved.pulls, 0, "nothing asked of the registry");
    assert_ne!(moved.running_image, moved.new_id);
}
