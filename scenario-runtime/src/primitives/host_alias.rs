//! Containers reaching the test process: every container of a scenario resolves
//! [`HOST_ALIAS`] (`host.docker.internal`) to its network's gateway, the host's address on the
//! scenario network, and `Scope::listen_for_containers` binds a listener exactly there.
//!
//! The gateway rather than the engine's `host-gateway` value: `host-gateway` names the default
//! bridge's address (docker0), which a server bound to the scenario network's gateway does not
//! answer on, and binding every interface instead would expose the test's stub to the network.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Mutex, OnceLock};

use bollard::models::ContainerCreateBody;

use crate::base::error::{Error, Result};

/// The name under which every container of a scenario reaches the host.
pub const HOST_ALIAS: &str = "host.docker.internal";

/// Gateways by network id: a network's gateway does not change while it exists.
fn known() -> &'static Mutex<HashMap<String, IpAddr>> {
    static KNOWN: OnceLock<Mutex<HashMap<String, IpAddr>>> = OnceLock::new();
    KNOWN.get_or_init(Mutex::default)
}

/// The IPv4 gateway of network `id` (the host's address on it).
pub(crate) async fn gateway(engine: &crate::engine::Engine, id: &str) -> Result<IpAddr> {
    if let Some(ip) = known().lock().unwrap().get(id) {
        return Ok(*ip);
    }
    let network = engine
        .docker()
        .inspect_network(id, None::<bollard::query_parameters::InspectNetworkOptions>)
        .await
        .map_err(|e| Error::engine("inspect network", id, e))?;
    let gateways = network.ipam.and_then(|ipam| ipam.config).unwrap_or_default();
    let ip = gateways
        .iter()
        .filter_map(|config| config.gateway.as_deref()?.parse::<IpAddr>().ok())
        .find(IpAddr::is_ipv4)
        .ok_or_else(|| Error::Unusable {
            container: HOST_ALIAS.into(),
            reason: format!("the network {id} reports no IPv4 gateway, so containers cannot be given the host"),
        })?;
    known().lock().unwrap().insert(id.to_string(), ip);
    Ok(ip)
}

/// [`add_to`] with the gateway of `network`. A network without an IPv4 gateway (an engine that
/// does not report one, an internal network) starts its containers without the alias: that is
/// a missing convenience, not a reason to fail the start; `listen_for_containers` says why.
pub(crate) async fn add_if_known(engine: &crate::engine::Engine, network: &str, body: &mut ContainerCreateBody) {
    match gateway(engine, network).await {
        Ok(ip) => add_to(body, ip),
        Err(e) => tracing::debug!(network, "containers get no {HOST_ALIAS}: {e}"),
    }
}

/// Adds `host.docker.internal:<gateway>` to the container's hosts, unless the spec maps that
/// name itself (`extra_host`).
pub(crate) fn add_to(body: &mut ContainerCreateBody, gateway: IpAddr) {
    let host = body.host_config.get_or_insert_with(Default::default);
    let hosts = host.extra_hosts.get_or_insert_with(Vec::new);
    if !hosts.iter().any(|h| h.split(':').next() == Some(HOST_ALIAS)) {
        hosts.push(format!("{HOST_ALIAS}:{gateway}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_alias_is_added_once_and_a_users_own_mapping_wins() {
        let mut body = ContainerCreateBody::default();
        add_to(&mut body, "172.18.0.1".parse().unwrap());
        add_to(&mut body, "172.18.0.1".parse().unwrap());
        assert_eq!(
            body.host_config.as_ref().unwrap().extra_hosts,
            Some(vec!["host.docker.internal:172.18.0.1".into()])
        );
        let mut own = ContainerCreateBody::default();
        own.host_config.get_or_insert_with(Default::default).extra_hosts =
            Some(vec!["host.docker.internal:10.0.0.9".into()]);
        add_to(&mut own, "172.18.0.1".parse().unwrap());
        assert_eq!(own.host_config.unwrap().extra_hosts, Some(vec!["host.docker.internal:10.0.0.9".into()]));
    }
}
