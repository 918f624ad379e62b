//! `depends_on`: what each service waits for, and the readiness that follows from it (a
//! dependency some service waits to be healthy is ready when healthy, and so on).

use std::collections::BTreeSet;

use super::super::file::DependsOn;
use super::{ReadyModel, ServiceModel};

#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Condition {
    Started,
    Healthy,
    Completed,
}

/// One service's wait for another: `(dependent, dependency, condition)`.
pub(super) type Wait = (String, String, Condition);

/// The services `name` depends on (each a service of the file, once), and its waits.
pub(super) fn depends_on(
    name: &str,
    depends_on: Option<&DependsOn>,
    names: &BTreeSet<String>,
    problem: &mut impl FnMut(String),
) -> (Vec<String>, Vec<Wait>) {
    let dependencies: Vec<(String, Condition)> = match depends_on {
        None => Vec::new(),
        Some(DependsOn::List(list)) => list.iter().map(|d| (d.clone(), Condition::Started)).collect(),
        Some(DependsOn::Map(map)) => map
            .iter()
            .filter_map(|(dependency, entry)| {
                let condition = entry.as_ref().and_then(|e| e.condition.as_deref()).unwrap_or("service_started");
                match condition {
                    "service_started" => Some((dependency.clone(), Condition::Started)),
                    "service_healthy" => Some((dependency.clone(), Condition::Healthy)),
                    "service_completed_successfully" => Some((dependency.clone(), Condition::Completed)),
                    other => {
                        problem(format!(
                            "unknown condition `{other}` for `{dependency}`; use service_started, \
                             service_healthy or service_completed_successfully"
                        ));
                        None
                    }
                }
            })
            .collect(),
    };
    let (mut names_of, mut waits) = (Vec::new(), Vec::new());
    for (dependency, condition) in dependencies {
        if dependency == name {
            problem("it depends on itself".into());
        } else if !names.contains(&dependency) {
            problem(format!("it depends on `{dependency}`, which is not a service of this file"));
        } else if !names_of.contains(&dependency) {
            names_of.push(dependency.clone());
            waits.push((name.to_string(), dependency, condition));
        }
    }
    (names_of, waits)
}

/// Each service's readiness: what its dependents wait for, else its healthcheck, else its
/// first TCP port, else none.
pub(super) fn derive_readiness(services: &mut [ServiceModel], waits: &[Wait], errors: &mut Vec<String>) {
    for service in services {
        let wanted: Vec<(&str, Condition)> = waits
            .iter()
            .filter(|(_, dependency, _)| *dependency == service.name)
            .map(|(dependent, _, condition)| (dependent.as_str(), *condition))
            .collect();
        let completed_by = wanted.iter().find(|(_, c)| *c == Condition::Completed);
        let healthy_by = wanted.iter().find(|(_, c)| *c == Condition::Healthy);
        service.ready = match (completed_by, healthy_by) {
            (Some((a, _)), Some((b, _))) => {
                errors.push(format!(
                    "service `{}`: `{a}` waits for it to complete while `{b}` waits for it to be healthy",
                    service.name
                ));
                ReadyModel::None
            }
            (Some(_), None) => ReadyModel::Completed,
            (None, Some(_)) => ReadyModel::Healthy,
            (None, None) if service.healthcheck.is_some() => ReadyModel::Healthy,
            (None, None) => {
                service.ports.iter().find(|p| !p.udp).map_or(ReadyModel::None, |p| ReadyModel::Port(p.container))
            }
        };
    }
}
