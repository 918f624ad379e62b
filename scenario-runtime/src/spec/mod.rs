//! What a container should be: image, command, environment, ports, mounts, readiness. A spec is
//! plain data, built with chained methods; its hash decides whether a running container is stale.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;

pub mod compose;
pub(crate) mod copy_in;
mod hash;
pub(crate) mod pull_policy;
pub mod readiness;
pub(crate) mod run_options;

pub use crate::spec::copy_in::CopyIn;
pub use crate::spec::pull_policy::PullPolicy;
use crate::spec::readiness::Readiness;
pub use crate::spec::run_options::{Restart, RunOptions};

/// Where the container's image comes from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[non_exhaustive]
pub enum ImageSource {
    /// An image reference (`postgres:16`): used if present, pulled if missing.
    Reference(String),
    /// A Dockerfile context folder, built through the engine and tagged by a hash of its
    /// content, so an unchanged context is never rebuilt.
    Build(BuildContext),
}

/// A folder holding a Dockerfile and everything it copies.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct BuildContext {
    pub(crate) dir: PathBuf,
    /// The Dockerfile's path inside the context (default `Dockerfile`).
    pub(crate) dockerfile: String,
    pub(crate) args: BTreeMap<String, String>,
}

impl BuildContext {
    /// The folder `dir`, built with its `Dockerfile` and no build arguments.
    pub fn new(dir: impl Into<PathBuf>) -> BuildContext {
        BuildContext { dir: dir.into(), dockerfile: "Dockerfile".into(), args: BTreeMap::new() }
    }

    /// Builds with the Dockerfile at `path` inside the context instead.
    pub fn with_dockerfile(mut self, path: impl Into<String>) -> BuildContext {
        self.dockerfile = path.into();
        self
    }

    /// Adds a build argument (`--build-arg key=value`).
    pub fn with_arg(mut self, key: impl Into<String>, value: impl Into<String>) -> BuildContext {
        self.args.insert(key.into(), value.into());
        self
    }

    /// The context folder sent to the engine.
    pub fn dir(&self) -> &std::path::Path {
        &self.dir
    }

    /// The Dockerfile's path inside the context.
    pub fn dockerfile(&self) -> &str {
        &self.dockerfile
    }

    /// Build arguments (`--build-arg KEY=value`).
    pub fn args(&self) -> &BTreeMap<String, String> {
        &self.args
    }
}

/// Transport protocol of a container port.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[non_exhaustive]
pub enum Protocol {
    /// TCP.
    Tcp,
    /// UDP.
    Udp,
}

impl Protocol {
    /// Docker's word for it: `tcp` or `udp`.
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
        }
    }
}

/// A container port published on the engine's host.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
#[must_use]
pub struct PortSpec {
    pub(crate) container_port: u16,
    pub(crate) protocol: Protocol,
    /// Host address to bind; loopback unless asked otherwise (the peers bind 0.0.0.0).
    pub(crate) host_ip: String,
    /// A fixed host port, or `None` for one the engine picks.
    pub(crate) host_port: Option<u16>,
}

impl PortSpec {
    /// A TCP port published on 127.0.0.1 at a random host port.
    pub fn tcp(container_port: u16) -> PortSpec {
        PortSpec { container_port, protocol: Protocol::Tcp, host_ip: "127.0.0.1".into(), host_port: None }
    }

    /// A UDP port published on 127.0.0.1 at a random host port.
    pub fn udp(container_port: u16) -> PortSpec {
        PortSpec { protocol: Protocol::Udp, ..PortSpec::tcp(container_port) }
    }

    /// Binds the host side to `ip` instead of loopback (`0.0.0.0` reaches it from other machines).
    pub fn host_ip(mut self, ip: impl Into<String>) -> PortSpec {
        self.host_ip = ip.into();
        self
    }

    /// Publishes on this fixed host port instead of one the engine picks.
    pub fn host_port(mut self, port: u16) -> PortSpec {
        self.host_port = Some(port);
        self
    }

    /// The port inside the container.
    pub fn container_port(&self) -> u16 {
        self.container_port
    }

    /// TCP or UDP.
    pub fn protocol(&self) -> Protocol {
        self.protocol
    }

    /// The host address the port is bound to.
    pub fn bound_host_ip(&self) -> &str {
        &self.host_ip
    }

    /// The fixed host port, if one was asked for.
    pub fn fixed_host_port(&self) -> Option<u16> {
        self.host_port
    }

    /// Docker's key for this port: `5432/tcp`.
    pub fn key(&self) -> String {
        format!("{}/{}", self.container_port, self.protocol.as_str())
    }
}

/// Storage mounted into the container.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
#[must_use]
pub enum Mount {
    /// A named volume, scoped to the scenario instance (and labelled, so teardown removes it).
    Volume {
        /// The volume's name within the scenario (the engine's name adds the scope's prefix).
        name: String,
        /// Where it is mounted in the container.
        target: String,
        /// Whether the container can only read it.
        read_only: bool,
    },
    /// A host path.
    Bind {
        /// The host path.
        source: PathBuf,
        /// Where it is mounted in the container.
        target: String,
        /// Whether the container can only read it.
        read_only: bool,
    },
    /// A memory-backed filesystem with optional mount options (`size=64m`).
    Tmpfs {
        /// Where it is mounted in the container.
        target: String,
        /// Mount options (`size=64m`), empty for none.
        options: String,
    },
}

impl Mount {
    /// A writable named volume, scoped to the scenario instance.
    pub fn volume(name: impl Into<String>, target: impl Into<String>) -> Mount {
        Mount::Volume { name: name.into(), target: target.into(), read_only: false }
    }

    /// A writable bind mount of the host path `source`.
    pub fn bind(source: impl Into<PathBuf>, target: impl Into<String>) -> Mount {
        Mount::Bind { source: source.into(), target: target.into(), read_only: false }
    }

    /// An empty memory-backed filesystem at `target`.
    pub fn tmpfs(target: impl Into<String>) -> Mount {
        Mount::Tmpfs { target: target.into(), options: String::new() }
    }

    /// A named volume the container can only read.
    pub fn volume_read_only(name: impl Into<String>, target: impl Into<String>) -> Mount {
        Mount::Volume { name: name.into(), target: target.into(), read_only: true }
    }

    /// A host path the container can only read.
    pub fn bind_read_only(source: impl Into<PathBuf>, target: impl Into<String>) -> Mount {
        Mount::Bind { source: source.into(), target: target.into(), read_only: true }
    }

    /// A tmpfs with mount options (`size=64m,mode=1777`).
    pub fn tmpfs_with_options(target: impl Into<String>, options: impl Into<String>) -> Mount {
        Mount::Tmpfs { target: target.into(), options: options.into() }
    }
}

/// A Docker healthcheck defined by the spec (overriding the image's).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
#[must_use]
pub struct HealthCheck {
    /// Run directly (`CMD`), not through a shell.
    pub(crate) command: Vec<String>,
    pub(crate) interval: Duration,
    pub(crate) timeout: Duration,
    pub(crate) retries: u32,
    pub(crate) start_period: Duration,
}

impl HealthCheck {
    /// A healthcheck running `command` directly every 200 ms, 5 s per try, 50 tries.
    pub fn cmd<I, S>(command: I) -> HealthCheck
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        HealthCheck {
            command: command.into_iter().map(Into::into).collect(),
            // Docker's default of 30 s would make every healthy-wait take 30 s.
            interval: Duration::from_millis(200),
            timeout: Duration::from_secs(5),
            retries: 50,
            start_period: Duration::ZERO,
        }
    }

    /// How often the check runs.
    pub fn interval(mut self, interval: Duration) -> HealthCheck {
        self.interval = interval;
        self
    }

    /// How many failed checks in a row make the container unhealthy.
    pub fn retries(mut self, retries: u32) -> HealthCheck {
        self.retries = retries;
        self
    }

    /// How long one check may take before it counts as failed.
    pub fn timeout(mut self, timeout: Duration) -> HealthCheck {
        self.timeout = timeout;
        self
    }

    /// The command it runs.
    pub fn command(&self) -> &[String] {
        &self.command
    }

    /// How often it runs.
    pub fn check_interval(&self) -> Duration {
        self.interval
    }

    /// How long one check may take.
    pub fn check_timeout(&self) -> Duration {
        self.timeout
    }

    /// How many failures in a row make the container unhealthy.
    pub fn check_retries(&self) -> u32 {
        self.retries
    }

    /// How long after the start failures do not count.
    pub fn check_start_period(&self) -> Duration {
        self.start_period
    }

    /// Failures during this time after the start do not count towards `retries`.
    pub fn start_period(mut self, start_period: Duration) -> HealthCheck {
        self.start_period = start_period;
        self
    }
}

/// Everything needed to create one container of a scenario.
///
/// Built with chained methods; read back through the accessors. Its hash (`spec_hash`) covers
/// the versioned encoding in `hash`, not this struct's layout.
#[derive(Clone, Debug)]
#[non_exhaustive]
#[must_use = "a spec does nothing until a scope configures it"]
pub struct ContainerSpec {
    /// The container's name within its scenario (`db`); also its network alias.
    pub(crate) name: String,
    pub(crate) image: ImageSource,
    pub(crate) cmd: Option<Vec<String>>,
    pub(crate) entrypoint: Option<Vec<String>>,
    pub(crate) env: BTreeMap<String, String>,
    pub(crate) working_dir: Option<String>,
    pub(crate) user: Option<String>,
    pub(crate) ports: Vec<PortSpec>,
    pub(crate) mounts: Vec<Mount>,
    pub(crate) aliases: Vec<String>,
    pub(crate) labels: BTreeMap<String, String>,
    pub(crate) healthcheck: Option<HealthCheck>,
    /// How to tell the container is ready; not part of the spec hash (it changes no container).
    pub(crate) readiness: Readiness,
    /// Grace period for a stop before the kill; zero removes at once.
    pub(crate) stop_timeout: Duration,
    /// Process settings (init, signals, hosts, limits); see [`RunOptions`].
    pub(crate) run: RunOptions,
    /// When an image reference is pulled; not part of the spec hash (the image id is compared
    /// instead), so setting it restarts nothing by itself.
    pub(crate) pull: PullPolicy,
    /// Why the spec cannot be used, found while building it (a compose variable that is not set):
    /// `validate` reports them, so the start fails before anything is created.
    pub(crate) problems: Vec<String>,
    /// Files, folders and bytes uploaded between create and start; their content is hashed.
    pub(crate) copies: Vec<CopyIn>,
}

impl ContainerSpec {
    /// A container of `image` (a reference such as `busybox:1.35`).
    pub fn from_image(name: impl Into<String>, image: impl Into<String>) -> ContainerSpec {
        ContainerSpec::new(name, ImageSource::Reference(image.into()))
    }

    /// A container whose image is built from the Dockerfile in `dir`.
    pub fn from_build(name: impl Into<String>, dir: impl Into<PathBuf>) -> ContainerSpec {
        ContainerSpec::new(
            name,
            ImageSource::Build(BuildContext {
                dir: dir.into(),
                dockerfile: "Dockerfile".into(),
                args: BTreeMap::new(),
            }),
        )
    }

    /// A spec named `name` running `image`, with nothing else set.
    pub fn new(name: impl Into<String>, image: ImageSource) -> ContainerSpec {
        ContainerSpec {
            name: name.into(),
            image,
            cmd: None,
            entrypoint: None,
            env: BTreeMap::new(),
            working_dir: None,
            user: None,
            ports: Vec::new(),
            mounts: Vec::new(),
            aliases: Vec::new(),
            labels: BTreeMap::new(),
            healthcheck: None,
            readiness: Readiness::none(),
            stop_timeout: Duration::ZERO,
            run: RunOptions::default(),
            pull: PullPolicy::Missing,
            problems: Vec::new(),
            copies: Vec::new(),
        }
    }

    /// Overrides the image's command.
    pub fn cmd<I, S>(mut self, cmd: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.cmd = Some(cmd.into_iter().map(Into::into).collect());
        self
    }

    /// Overrides the image's entrypoint.
    pub fn entrypoint<I, S>(mut self, entrypoint: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.entrypoint = Some(entrypoint.into_iter().map(Into::into).collect());
        self
    }

    /// Sets an environment variable.
    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.env.insert(key.into(), value.into());
        self
    }

    /// Sets the process's working directory (absolute).
    pub fn working_dir(mut self, dir: impl Into<String>) -> Self {
        self.working_dir = Some(dir.into());
        self
    }

    /// Runs the process as `user` (`name`, `uid` or `uid:gid`).
    pub fn user(mut self, user: impl Into<String>) -> Self {
        self.user = Some(user.into());
        self
    }

    /// Publishes a TCP port on 127.0.0.1 at a random host port.
    pub fn port(self, container_port: u16) -> Self {
        self.publish(PortSpec::tcp(container_port))
    }

    /// Publishes a port as described (protocol, host address, fixed host port).
    pub fn publish(mut self, port: PortSpec) -> Self {
        self.ports.retain(|p| p.key() != port.key());
        self.ports.push(port);
        self
    }

    /// Adds a mount.
    pub fn mount(mut self, mount: Mount) -> Self {
        self.mounts.push(mount);
        self
    }

    /// Adds an empty tmpfs at `target`.
    pub fn tmpfs(self, target: impl Into<String>) -> Self {
        self.mount(Mount::tmpfs(target))
    }

    /// A further name under which the scenario's other containers reach this one.
    pub fn alias(mut self, alias: impl Into<String>) -> Self {
        self.aliases.push(alias.into());
        self
    }

    /// Adds a label (the runtime adds its own `dev.scenario.*` ones).
    pub fn label(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.labels.insert(key.into(), value.into());
        self
    }

    /// Sets a healthcheck, overriding the image's.
    pub fn healthcheck(mut self, check: HealthCheck) -> Self {
        self.healthcheck = Some(check);
        self
    }

    /// Sets how readiness is decided (by default: started is ready).
    pub fn ready(mut self, readiness: Readiness) -> Self {
        // A modifier the strategy ignores (`.times(2)` on a port) is one of the spec's problems.
        self.problems.extend(readiness.misuse.iter().cloned());
        self.readiness = readiness;
        self
    }

    /// When the image reference is pulled (default [`PullPolicy::Missing`]); `SCENARIO_PULL`
    /// overrides it for a run. Build contexts are not pulled.
    pub fn pull(mut self, policy: PullPolicy) -> Self {
        self.pull = policy;
        self
    }

    /// Copies `copy` into the container before it starts (see [`CopyIn`] for mode and owner).
    /// A source that cannot be read makes the start fail, naming it.
    pub fn copy(mut self, copy: CopyIn) -> Self {
        if let Some(problem) = &copy.problem {
            self.problems.push(problem.clone());
        }
        self.copies.push(copy);
        self
    }

    /// Copies the host file `source` to `target` (an absolute path) before the container starts.
    pub fn copy_file(self, source: impl Into<PathBuf>, target: impl Into<String>) -> Self {
        self.copy(CopyIn::file(source, target))
    }

    /// Copies the host folder `source` and its content to `target` before the container starts.
    pub fn copy_dir(self, source: impl Into<PathBuf>, target: impl Into<String>) -> Self {
        self.copy(CopyIn::dir(source, target))
    }

    /// Writes `bytes` to the file `target` before the container starts.
    pub fn copy_bytes(self, bytes: impl Into<Vec<u8>>, target: impl Into<String>) -> Self {
        self.copy(CopyIn::bytes(bytes, target))
    }

    /// Marks the spec unusable: the start fails with `reason`, naming the container.
    pub fn problem(mut self, reason: impl Into<String>) -> Self {
        self.problems.push(reason.into());
        self
    }

    /// How long a stop waits for the process before killing it; zero removes at once.
    pub fn stop_timeout(mut self, timeout: Duration) -> Self {
        self.stop_timeout = timeout;
        self
    }

    /// For a built image: the Dockerfile's path inside the context.
    pub fn dockerfile(mut self, path: impl Into<String>) -> Self {
        let path = path.into();
        match &mut self.image {
            ImageSource::Build(ctx) => ctx.dockerfile = path,
            // Reported by `validate`, so the start fails before anything is created.
            ImageSource::Reference(image) => {
                let problem =
                    format!("`dockerfile({path:?})` is set, but the image is the reference `{image}`, not a build");
                self.problems.push(problem);
            }
        }
        self
    }

    /// For a built image: a build argument.
    pub fn build_arg(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        let key = key.into();
        match &mut self.image {
            ImageSource::Build(ctx) => {
                ctx.args.insert(key, value.into());
            }
            ImageSource::Reference(image) => {
                let problem =
                    format!("`build_arg({key:?})` is set, but the image is the reference `{image}`, not a build");
                self.problems.push(problem);
            }
        }
        self
    }

    /// Is `container_port` published (over TCP)?
    pub fn publishes(&self, container_port: u16) -> bool {
        self.ports.iter().any(|p| p.container_port == container_port && p.protocol == Protocol::Tcp)
    }

    /// A hash of everything that shapes the created container (not the image's content, which
    /// staleness checks through the image id). Stored as a label; a change means "recreate".
    pub fn spec_hash(&self) -> String {
        hash::spec_hash(self)
    }

    /// The container's name within its scenario (`db`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Where the image comes from.
    pub fn image(&self) -> &ImageSource {
        &self.image
    }

    /// The command, if the spec overrides the image's.
    pub fn command(&self) -> Option<&[String]> {
        self.cmd.as_deref()
    }

    /// The entrypoint, if the spec overrides the image's.
    pub fn entry_point(&self) -> Option<&[String]> {
        self.entrypoint.as_deref()
    }

    /// The working directory, if the spec sets one.
    pub fn work_dir(&self) -> Option<&str> {
        self.working_dir.as_deref()
    }

    /// Other names the container has on the scenario network.
    pub fn aliases(&self) -> &[String] {
        &self.aliases
    }

    /// The healthcheck, if the spec defines one.
    pub fn health_check(&self) -> Option<&HealthCheck> {
        self.healthcheck.as_ref()
    }

    /// How long a stop waits for the process before killing it.
    pub fn stop_grace(&self) -> Duration {
        self.stop_timeout
    }

    /// The environment variables the spec sets.
    pub fn environment(&self) -> &BTreeMap<String, String> {
        &self.env
    }

    /// The user the process runs as, if the spec sets one.
    pub fn user_name(&self) -> Option<&str> {
        self.user.as_deref()
    }

    /// The published ports.
    pub fn ports(&self) -> &[PortSpec] {
        &self.ports
    }

    /// The mounts.
    pub fn mounts(&self) -> &[Mount] {
        &self.mounts
    }

    /// The container's labels (besides the runtime's own `dev.scenario.*`).
    pub fn labels(&self) -> &BTreeMap<String, String> {
        &self.labels
    }

    /// How readiness is decided.
    pub fn readiness(&self) -> &Readiness {
        &self.readiness
    }

    /// Process settings (init, signals, hosts, limits, restart policy).
    pub fn run_options(&self) -> &RunOptions {
        &self.run
    }

    /// When the image is pulled.
    pub fn pull_policy(&self) -> PullPolicy {
        self.pull
    }

    /// What is copied in between create and start.
    pub fn copies(&self) -> &[CopyIn] {
        &self.copies
    }

    /// Why the spec cannot be used (an unset compose variable, an unreadable copy source);
    /// starting it fails with these before anything is created.
    pub fn problems(&self) -> &[String] {
        &self.problems
    }

    /// Checks what can be checked without an engine; the error names the container.
    pub fn validate(&self) -> crate::base::error::Result<()> {
        let invalid =
            |reason: String| Err(crate::base::error::Error::InvalidSpec { container: self.name.clone(), reason });
        if self.name.is_empty() {
            return invalid("the container has no name".into());
        }
        if !self.problems.is_empty() {
            return invalid(self.problems.join("; "));
        }
        if let Some(port) = self.ports.iter().find(|p| p.container_port == 0) {
            return invalid(format!("port {} is not a valid container port", port.key()));
        }
        for port in self.readiness.ports_used() {
            if !self.publishes(port) {
                return invalid(format!(
                    "readiness waits for {} on port {port}, which the container does not publish \
                     (add `.port({port})`)",
                    self.readiness
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_hash_changes_with_env_cmd_and_ports_but_not_readiness() {
        let base = ContainerSpec::from_image("web", "busybox:1.35").env("A", "1").port(80);
        let same = base.clone().ready(Readiness::log("up"));
        assert_eq!(base.spec_hash(), same.spec_hash());
        assert_ne!(base.spec_hash(), base.clone().env("A", "2").spec_hash());
        assert_ne!(base.spec_hash(), base.clone().cmd(["sh"]).spec_hash());
        assert_ne!(base.spec_hash(), base.clone().port(81).spec_hash());
    }

    #[test]
    fn the_pull_policy_is_not_in_the_hash() {
        let base = ContainerSpec::from_image("c", "i");
        assert_eq!(base.spec_hash(), base.clone().pull(PullPolicy::Always).spec_hash());
    }

    #[test]
    fn copies_are_hashed_but_a_spec_without_copies_hashes_as_before() {
        let base = ContainerSpec::from_image("db", "busybox:1.35").env("A", "1");
        // The hash of this spec before copies existed: kept containers must not go stale.
        assert!(!String::from_utf8(hash::encoding(&base)).unwrap().contains("copies"));
        assert_eq!(base.spec_hash(), "76e8d9fd9d6671d5");
        let copied = base.clone().copy_bytes("select 1;", "/init.sql");
        assert_ne!(base.spec_hash(), copied.spec_hash());
        assert_ne!(copied.spec_hash(), base.clone().copy_bytes("select 2;", "/init.sql").spec_hash());
        assert_ne!(copied.spec_hash(), base.copy(CopyIn::bytes("select 1;", "/init.sql").mode(0o600)).spec_hash());
    }

    #[test]
    fn env_order_does_not_change_the_hash() {
        let a = ContainerSpec::from_image("c", "i").env("A", "1").env("B", "2");
        let b = ContainerSpec::from_image("c", "i").env("B", "2").env("A", "1");
        assert_eq!(a.spec_hash(), b.spec_hash());
    }

    #[test]
    fn ports_publish_on_loopback_by_default() {
        let spec = ContainerSpec::from_image("c", "i").port(5432);
        assert_eq!(spec.ports[0].host_ip, "127.0.0.1");
        assert_eq!(spec.ports[0].host_port, None);
    }

    #[test]
    fn readiness_on_an_unpublished_port_is_rejected_with_the_container_name() {
        let spec = ContainerSpec::from_image("cache", "i").ready(Readiness::port(6379));
        let err = spec.validate().unwrap_err().to_string();
        assert!(err.contains("`cache`") && err.contains("6379"), "{err}");
    }

    #[test]
    fn build_settings_on_a_reference_image_are_reported_not_ignored() {
        let spec = ContainerSpec::from_image("web", "busybox:1.35").dockerfile("Dockerfile.web").build_arg("V", "1");
        let error = spec.validate().unwrap_err().to_string();
        assert!(error.contains("`web`") && error.contains("dockerfile(\"Dockerfile.web\")"), "{error}");
        assert!(error.contains("build_arg(\"V\")") && error.contains("busybox:1.35"), "{error}");
        let built = ContainerSpec::from_build("web", "/srv/web").dockerfile("Dockerfile.web").build_arg("V", "1");
        assert!(built.validate().is_ok());
    }

    #[test]
    fn a_readiness_modifier_on_the_wrong_strategy_is_reported_not_ignored() {
        let spec = ContainerSpec::from_image("web", "busybox:1.35").port(80).ready(Readiness::port(80).times(2));
        let error = spec.validate().unwrap_err().to_string();
        assert!(error.contains("`web`") && error.contains(".times(2)") && error.contains("a log strategy"), "{error}");
        let inside = Readiness::all([Readiness::log("up").status(200), Readiness::http(80, "/").times(3)]);
        let error = ContainerSpec::from_image("web", "i").port(80).ready(inside).validate().unwrap_err().to_string();
        assert!(error.contains(".status(200)") && error.contains(".times(3)"), "{error}");
        let fine = Readiness::log("up").times(2).from(crate::spec::readiness::LogSource::Stderr);
        assert!(ContainerSpec::from_image("web", "i").ready(fine).validate().is_ok());
    }
}
