//! Networks: scenario runs each instance on one bridge network, so the file's networks are
//! accepted where flattening them changes nothing, and their aliases become the container's.

use std::collections::{BTreeMap, BTreeSet};

use super::super::file::{NetworkDef, ServiceNetworks};
use super::super::text::{Sites, Text};

/// Networks with a driver other than bridge, which one bridge network cannot stand in for.
pub(super) fn check_drivers(networks: Option<&BTreeMap<String, Option<NetworkDef>>>, errors: &mut Vec<String>) {
    for (name, network) in networks.into_iter().flatten() {
        if let Some(driver) = network.as_ref().and_then(|n| n.driver.as_deref()).filter(|d| *d != "bridge") {
            errors.push(format!(
                "network `{name}` asks for driver `{driver}`; scenario runs each instance on one bridge network"
            ));
        }
    }
}

/// The networks a service is on (each declared, or `default`) and its aliases on them.
pub(super) fn of_service(
    networks: Option<&ServiceNetworks>,
    declared: &BTreeSet<String>,
    sites: &Sites,
    problem: &mut impl FnMut(String),
) -> (BTreeSet<String>, Vec<Text>) {
    let (networks, aliases) = match networks {
        None => (BTreeSet::from(["default".to_string()]), Vec::new()),
        Some(ServiceNetworks::List(list)) => (list.iter().cloned().collect(), Vec::new()),
        Some(ServiceNetworks::Map(map)) => {
            let aliases = map.values().flatten().flat_map(|n| n.aliases.iter().flatten()).map(|a| sites.text(a));
            (map.keys().cloned().collect(), aliases.collect::<Vec<Text>>())
        }
    };
    for network in &networks {
        if network != "default" && !declared.contains(network) {
            problem(format!("network `{network}` is not declared under the top-level `networks`"));
        }
    }
    (networks, aliases)
}

/// Flattening the file's networks onto the instance's one network is exact only when every two
/// services share a network (then each already reaches the other); otherwise it would let
/// services talk that compose keeps apart, so it is refused.
pub(super) fn check_shared(networks_of: &[(String, BTreeSet<String>)], errors: &mut Vec<String>) {
    for (i, (a, a_networks)) in networks_of.iter().enumerate() {
        for (b, b_networks) in &networks_of[i + 1..] {
            if a_networks.is_disjoint(b_networks) {
                errors.push(format!(
                    "services `{a}` and `{b}` share no network; scenario runs each instance on one network, \
                     so it cannot keep them apart: put them on a common network"
                ));
                return;
            }
        }
    }
}
