//! How the container's process runs, beyond image and command: the settings compose files carry
//! for production (`init`, `stop_signal`, `extra_hosts`, `shm_size`, `ulimits`, `cap_add`,
//! `cap_drop`, memory and CPU limits), as builder methods on [`ContainerSpec`] and their place in
//! the engine's create request.

use bollard::models::{ContainerCreateBody, HostConfig, ResourcesUlimits, RestartPolicy, RestartPolicyNameEnum};
use serde::Serialize;

use crate::spec::ContainerSpec;

/// Settings of the container's process; all off by default.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[non_exhaustive]
pub struct RunOptions {
    /// Run an init process as PID 1 (reaps zombies, forwards signals).
    pub(crate) init: bool,
    /// Every device and capability of the host; only when asked for explicitly.
    pub(crate) privileged: bool,
    /// The signal a stop sends (`SIGTERM` unless set).
    pub(crate) stop_signal: Option<String>,
    /// Extra `/etc/hosts` entries as `name:address`.
    pub(crate) extra_hosts: Vec<String>,
    /// Size of `/dev/shm` in bytes.
    pub(crate) shm_size: Option<i64>,
    pub(crate) ulimits: Vec<Ulimit>,
    pub(crate) cap_add: Vec<String>,
    pub(crate) cap_drop: Vec<String>,
    /// Memory limit in bytes.
    pub(crate) memory: Option<i64>,
    /// CPU limit in billionths of a CPU.
    pub(crate) nano_cpus: Option<i64>,
    /// A restart policy; none by default, so a test sees a crash instead of a restart.
    pub(crate) restart: Option<Restart>,
}

/// When the engine restarts the container.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Restart {
    /// Whenever it stops.
    Always,
    /// Whenever it stops, unless it was stopped on purpose.
    UnlessStopped,
    /// After a non-zero exit, at most this many times (0: no limit).
    OnFailure(u32),
}

/// A resource limit of the container's processes (`nofile`, `nproc`, ...).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Ulimit {
    pub(crate) name: String,
    pub(crate) soft: i64,
    pub(crate) hard: i64,
}

impl RunOptions {
    /// Nothing set: left out of the spec hash, so specs without options hash as before.
    pub fn is_default(&self) -> bool {
        *self == RunOptions::default()
    }

    /// Whether an init process runs as PID 1.
    pub fn init(&self) -> bool {
        self.init
    }

    /// Whether the container is privileged.
    pub fn privileged(&self) -> bool {
        self.privileged
    }

    /// The signal a stop sends, if set.
    pub fn stop_signal(&self) -> Option<&str> {
        self.stop_signal.as_deref()
    }

    /// Extra `/etc/hosts` entries (`name:address`).
    pub fn extra_hosts(&self) -> &[String] {
        &self.extra_hosts
    }

    /// The size of `/dev/shm` in bytes, if set.
    pub fn shm_size(&self) -> Option<i64> {
        self.shm_size
    }

    /// Resource limits (`nofile`, ...).
    pub fn ulimits(&self) -> &[Ulimit] {
        &self.ulimits
    }

    /// Capabilities added.
    pub fn cap_add(&self) -> &[String] {
        &self.cap_add
    }

    /// Capabilities dropped.
    pub fn cap_drop(&self) -> &[String] {
        &self.cap_drop
    }

    /// The memory limit in bytes, if set.
    pub fn memory(&self) -> Option<i64> {
        self.memory
    }

    /// The CPU limit in billionths of a CPU, if set.
    pub fn nano_cpus(&self) -> Option<i64> {
        self.nano_cpus
    }

    /// The restart policy, if set.
    pub fn restart(&self) -> Option<Restart> {
        self.restart
    }
}

impl Ulimit {
    /// The limit's name (`nofile`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The soft limit.
    pub fn soft(&self) -> i64 {
        self.soft
    }

    /// The hard limit.
    pub fn hard(&self) -> i64 {
        self.hard
    }
}

impl RunOptions {
    /// Writes the options into a create request.
    pub(crate) fn apply(&self, body: &mut ContainerCreateBody) {
        if self.is_default() {
            return;
        }
        body.stop_signal.clone_from(&self.stop_signal);
        let host = body.host_config.get_or_insert_with(HostConfig::default);
        let list = |items: &Vec<String>| (!items.is_empty()).then(|| items.clone());
        if self.init {
            host.init = Some(true);
        }
        if self.privileged {
            host.privileged = Some(true);
        }
        host.extra_hosts = list(&self.extra_hosts);
        host.shm_size = self.shm_size;
        host.cap_add = list(&self.cap_add);
        host.cap_drop = list(&self.cap_drop);
        host.memory = self.memory;
        host.nano_cpus = self.nano_cpus;
        host.restart_policy = self.restart.map(|restart| {
            let (name, maximum_retry_count) = match restart {
                Restart::Always => (RestartPolicyNameEnum::ALWAYS, None),
                Restart::UnlessStopped => (RestartPolicyNameEnum::UNLESS_STOPPED, None),
                Restart::OnFailure(n) => (RestartPolicyNameEnum::ON_FAILURE, Some(i64::from(n))),
            };
            RestartPolicy { name: Some(name), maximum_retry_count }
        });
        host.ulimits = (!self.ulimits.is_empty()).then(|| {
            self.ulimits
                .iter()
                .map(|u| ResourcesUlimits { name: Some(u.name.clone()), soft: Some(u.soft), hard: Some(u.hard) })
                .collect()
        });
    }
}

impl ContainerSpec {
    /// Runs an init process as PID 1.
    pub fn init(mut self) -> Self {
        self.run.init = true;
        self
    }

    /// Runs the container privileged (every device and capability of the engine's host).
    pub fn privileged(mut self) -> Self {
        self.run.privileged = true;
        self
    }

    /// The signal a stop sends (`SIGINT`, `SIGQUIT`, ...).
    pub fn stop_signal(mut self, signal: impl Into<String>) -> Self {
        self.run.stop_signal = Some(signal.into());
        self
    }

    /// Resolves `name` to `address` in the container (`host-gateway` is the engine's host).
    pub fn extra_host(mut self, name: impl Into<String>, address: impl Into<String>) -> Self {
        self.run.extra_hosts.push(format!("{}:{}", name.into(), address.into()));
        self
    }

    /// Sets the size of `/dev/shm` in bytes.
    pub fn shm_size(mut self, bytes: i64) -> Self {
        self.run.shm_size = Some(bytes);
        self
    }

    /// Sets a resource limit (`nofile`, soft, hard).
    pub fn ulimit(mut self, name: impl Into<String>, soft: i64, hard: i64) -> Self {
        self.run.ulimits.push(Ulimit { name: name.into(), soft, hard });
        self
    }

    /// Adds a Linux capability (`NET_ADMIN`).
    pub fn cap_add(mut self, capability: impl Into<String>) -> Self {
        self.run.cap_add.push(capability.into());
        self
    }

    /// Drops a Linux capability (`MKNOD`).
    pub fn cap_drop(mut self, capability: impl Into<String>) -> Self {
        self.run.cap_drop.push(capability.into());
        self
    }

    /// Limits the container's memory to `bytes`.
    pub fn memory_limit(mut self, bytes: i64) -> Self {
        self.run.memory = Some(bytes);
        self
    }

    /// Lets the engine restart the container (tests see crashes otherwise).
    pub fn restart(mut self, restart: Restart) -> Self {
        self.run.restart = Some(restart);
        self
    }

    /// A CPU limit in CPUs (`0.5` is half of one).
    pub fn cpus(mut self, cpus: f64) -> Self {
        self.run.nano_cpus = Some((cpus * 1e9).round() as i64);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_left_unset_keep_the_spec_hash() {
        let plain = ContainerSpec::from_image("c", "i");
        let mut with_default = plain.clone();
        with_default.run = RunOptions::default();
        assert_eq!(plain.spec_hash(), with_default.spec_hash());
        assert_ne!(plain.spec_hash(), plain.clone().init().spec_hash());
    }

    #[test]
    fn options_land_in_the_host_config() {
        let spec = ContainerSpec::from_image("c", "i")
            .init()
            .privileged()
            .stop_signal("SIGINT")
            .extra_host("db.internal", "10.0.0.5")
            .shm_size(64 << 20)
            .ulimit("nofile", 1024, 2048)
            .cap_add("NET_ADMIN")
            .cap_drop("MKNOD")
            .memory_limit(256 << 20)
            .cpus(0.5)
            .restart(Restart::OnFailure(3));
        let mut body = ContainerCreateBody::default();
        spec.run.apply(&mut body);
        let host = body.host_config.unwrap();
        assert_eq!(body.stop_signal.as_deref(), Some("SIGINT"));
        assert_eq!((host.init, host.privileged), (Some(true), Some(true)));
        assert_eq!(host.extra_hosts, Some(vec!["db.internal:10.0.0.5".to_string()]));
        assert_eq!((host.shm_size, host.memory, host.nano_cpus), (Some(64 << 20), Some(256 << 20), Some(500_000_000)));
        assert_eq!(host.cap_add, Some(vec!["NET_ADMIN".to_string()]));
        assert_eq!(host.cap_drop, Some(vec!["MKNOD".to_string()]));
        assert_eq!(host.ulimits.unwrap()[0].hard, Some(2048));
        let restart = host.restart_policy.unwrap();
        assert_eq!((restart.name, restart.maximum_retry_count), (Some(RestartPolicyNameEnum::ON_FAILURE), Some(3)));
    }
}
