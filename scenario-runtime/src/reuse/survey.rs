//! The engine calls of a reuse decision: one inspect per container of the scenario, by the
//! deterministic name it would have, all at once. A name names at most one container, so no
//! label-filtered list is needed, and the inspection already carries what the proof of
//! readiness and the attach read.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use bollard::models::{ContainerInspectResponse, HealthStatusEnum};

use super::staleness::Found;
use crate::base::error::{status_of, Error, Result};
use crate::base::labels::{self, ScopeIds};
use crate::primitives::found::ContainerState;
use crate::scope::Scope;

/// The kept containers of a scope, and their inspections.
#[derive(Debug)]
pub struct Surveyed {
    /// By container name: the scope's containers among the names asked for.
    pub found: HashMap<String, Found>,
    /// Their inspections, by container name.
    pub inspected: HashMap<String, Arc<ContainerInspectResponse>>,
    /// When the inspections were answered: a decision taken long after (an image was built
    /// meanwhile) inspects again.
    pub at: Instant,
}

/// Inspects the containers of `names` in `scope` at once. A name that no container has, or
/// whose container carries other labels (another project's, one not managed by scenario), is
/// not found: such a container is never attached to, and starting one under its name reports
/// the conflict.
pub async fn survey(scope: &Scope, names: &[&str]) -> Result<Surveyed> {
    let docker = scope.engine().docker();
    let inspections = futures_util::future::join_all(names.iter().map(|name| async move {
        let engine_name = scope.ids().container_name(name);
        match docker.inspect_container(&engine_name, None).await {
            Ok(inspected) => Ok(Some((name.to_string(), inspected))),
            Err(e) if status_of(&e) == Some(404) => Ok(None),
            Err(e) => Err(Error::engine("inspect", &engine_name, e)),
        }
    }))
    .await;
    let mut surveyed = Surveyed { found: HashMap::new(), inspected: HashMap::new(), at: Instant::now() };
    for inspection in inspections {
        let Some((name, inspected)) = inspection? else { continue };
        if let Some(found) = found_in(scope.ids(), &name, &inspected) {
            surveyed.found.insert(name.clone(), found);
            surveyed.inspected.insert(name, Arc::new(inspected));
        }
    }
    Ok(surveyed)
}

/// What reuse decides on, read from the inspection of the container named for `name`: `None`
/// unless it carries the scope's identity labels and `name` as its container label.
fn found_in(ids: &ScopeIds, name: &str, inspected: &ContainerInspectResponse) -> Option<Found> {
    let labels = inspected.config.as_ref()?.labels.as_ref()?;
    let mut wanted = ids.identity_labels();
    wanted.insert(labels::CONTAINER.into(), name.to_string());
    if wanted.iter().any(|(key, value)| labels.get(key) != Some(value)) {
        return None;
    }
    let engine_state = inspected.state.as_ref();
    let state = ContainerState::from_engine(engine_state.and_then(|s| s.status));
    let health = engine_state.and_then(|s| s.health.as_ref()).and_then(|h| h.status);
    // The engine reports 0 for a process that has not ended.
    let exit_code = if state == ContainerState::Exited { engine_state.and_then(|s| s.exit_code) } else { None };
    Some(Found {
        id: inspected.id.clone()?,
        state,
        unhealthy: health == Some(HealthStatusEnum::UNHEALTHY),
        exit_code,
        image_id: inspected.image.clone().unwrap_or_default(),
        spec_hash: labels.get(labels::SPEC_HASH).cloned().unwrap_or_default(),
        copies: labels.get(labels::COPIES).cloned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::identity::{ProjectId, SessionId};

    fn ids() -> ScopeIds {
        ScopeIds::new(SessionId::new("0123456789ab"), ProjectId::new("fedcba987654"), "shop").reusable(true)
    }

    /// An inspection as the engine answers it for the kept container `name` of [`ids`] (of
    /// `other_project`, if given), with `state` as the engine's JSON.
    fn inspected(name: &str, other_project: Option<&str>, state: serde_json::Value) -> ContainerInspectResponse {
        let mut labels = ids().identity_labels();
        if let Some(project) = other_project {
            labels.insert(labels::PROJECT.into(), project.into());
        }
        labels.insert(labels::CONTAINER.into(), name.into());
        labels.insert(labels::SPEC_HASH.into(), "h1".into());
        serde_json::from_value(serde_json::json!({
            "Id": "c1",
            "Image": "sha256:a",
            "Config": {"Labels": labels},
            "State": state,
        }))
        .unwrap()
    }

    #[test]
    fn what_reuse_decides_on_is_read_from_the_inspection() {
        let up = serde_json::json!({"Status": "running", "Running": true, "ExitCode": 0});
        let found = found_in(&ids(), "db", &inspected("db", None, up)).unwrap();
        assert_eq!(found, crate::reuse::staleness::tests::running());
        let sick = serde_json::json!({"Status": "running", "Health": {"Status": "unhealthy"}});
        assert!(found_in(&ids(), "db", &inspected("db", None, sick)).unwrap().unhealthy);
        let done = serde_json::json!({"Status": "exited", "ExitCode": 3});
        let done = found_in(&ids(), "db", &inspected("db", None, done)).unwrap();
        assert_eq!((done.state, done.exit_code), (ContainerState::Exited, Some(3)));
    }

    #[test]
    fn a_container_with_other_labels_under_the_name_is_not_found() {
        let up = serde_json::json!({"Status": "running"});
        assert_eq!(found_in(&ids(), "db", &inspected("db", Some("another-project"), up.clone())), None);
        assert_eq!(found_in(&ids(), "db", &inspected("cache", None, up)), None, "another container's");
    }
}
