//! Turning a spec into the engine's create request: labels, port bindings, mounts, network.

use std::collections::HashMap;

use bollard::models::{
    ContainerCreateBody, EndpointSettings, HealthConfig, HostConfig, Mount as EngineMount, MountType,
    MountVolumeOptions, NetworkingConfig, PortBinding,
};

use crate::base::labels::{self, ScopeIds};
use crate::spec::{ContainerSpec, Mount};

fn nanos(d: std::time::Duration) -> i64 {
    i64::try_from(d.as_nanos()).unwrap_or(i64::MAX)
}

/// The create request of `spec` in `scope`, running `image` on `network`. Ports left at the
/// default loopback binding are bound on `publish_ip`, the engine's publish address (a remote
/// engine's loopback is not reachable from here).
pub(crate) fn create_body(
    spec: &ContainerSpec,
    scope: &ScopeIds,
    image: &str,
    network: &str,
    publish_ip: &str,
) -> ContainerCreateBody {
    let mut all_labels: HashMap<String, String> = spec.labels.clone().into_iter().collect();
    all_labels.extend(scope.labels());
    all_labels.insert(labels::CONTAINER.into(), spec.name.clone());
    all_labels.insert(labels::SPEC_HASH.into(), spec.spec_hash());
    if !spec.copies.is_empty() {
        if let Ok(record) = serde_json::to_string(&crate::spec::copy_in::record(&spec.copies)) {
            all_labels.insert(labels::COPIES.into(), record);
        }
    }
    if let Ok(source) = serde_json::to_string(&spec.image) {
        all_labels.insert(labels::IMAGE_SOURCE.into(), source);
    }

    let port_bindings = spec
        .ports
        .iter()
        .map(|p| {
            let binding = PortBinding {
                host_ip: Some(
                    if p.host_ip == crate::engine::endpoint::LOOPBACK { publish_ip } else { &p.host_ip }.to_string(),
                ),
                host_port: Some(p.host_port.map(|h| h.to_string()).unwrap_or_default()),
            };
            (p.key(), Some(vec![binding]))
        })
        .collect::<HashMap<_, _>>();

    let mut tmpfs = HashMap::new();
    let mut mounts = Vec::new();
    for mount in &spec.mounts {
        match mount {
            Mount::Tmpfs { target, options } => {
                tmpfs.insert(target.clone(), options.clone());
            }
            Mount::Volume { name, target, read_only } => mounts.push(EngineMount {
                typ: Some(MountType::VOLUME),
                source: Some(scope.volume_name(name)),
                target: Some(target.clone()),
                read_only: Some(*read_only),
                // Labels apply when the engine creates the volume for this mount, so teardown
                // and the reaper find it like everything else.
                volume_options: Some(MountVolumeOptions { labels: Some(scope.labels()), ..Default::default() }),
                ..Default::default()
            }),
            Mount::Bind { source, target, read_only } => mounts.push(EngineMount {
                typ: Some(MountType::BIND),
                source: Some(source.to_string_lossy().into_owned()),
                target: Some(target.clone()),
                read_only: Some(*read_only),
                ..Default::default()
            }),
        }
    }

    let mut aliases = vec![spec.name.clone()];
    aliases.extend(spec.aliases.iter().cloned());
    let endpoint = EndpointSettings { aliases: Some(aliases), ..Default::default() };

    let mut body = ContainerCreateBody {
        image: Some(image.to_string()),
        cmd: spec.cmd.clone(),
        entrypoint: spec.entrypoint.clone(),
        env: Some(spec.env.iter().map(|(k, v)| format!("{k}={v}")).collect()),
        working_dir: spec.working_dir.clone(),
        user: spec.user.clone(),
        labels: Some(all_labels),
        exposed_ports: Some(spec.ports.iter().map(|p| p.key()).collect()),
        healthcheck: spec.healthcheck.as_ref().map(|h| HealthConfig {
            test: Some(std::iter::once("CMD".to_string()).chain(h.command.iter().cloned()).collect()),
            interval: Some(nanos(h.interval)),
            timeout: Some(nanos(h.timeout)),
            retries: Some(i64::from(h.retries)),
            start_period: Some(nanos(h.start_period)),
            ..Default::default()
        }),
        host_config: Some(HostConfig {
            port_bindings: Some(port_bindings),
            mounts: (!mounts.is_empty()).then_some(mounts),
            tmpfs: (!tmpfs.is_empty()).then_some(tmpfs),
            network_mode: Some(network.to_string()),
            ..Default::default()
        }),
        networking_config: Some(NetworkingConfig {
            endpoints_config: Some(HashMap::from([(network.to_string(), endpoint)])),
        }),
        ..Default::default()
    };
    spec.run.apply(&mut body);
    body
}
