//! The one list call of a reuse decision: every container of the scope, by container name.

use std::collections::HashMap;

use bollard::query_parameters::ListContainersOptionsBuilder;

use super::staleness::Found;
use crate::base::error::{Error, Result};
use crate::base::labels;
use crate::primitives::found::ContainerState;
use crate::scope::Scope;

/// The scope's containers that carry all its labels, keyed by their container name. A container
/// of another project, or one without the managed label, never matches the filter.
pub async fn survey(scope: &Scope) -> Result<HashMap<String, Found>> {
    let filters = scope.ids().label_filter();
    let options = ListContainersOptionsBuilder::new().all(true).filters(&filters).build();
    let listed = scope
        .engine()
        .docker()
        .list_containers(Some(options))
        .await
        .map_err(|e| Error::engine("list containers", scope.network_name(), e))?;
    Ok(listed
        .into_iter()
        .filter_map(|summary| {
            let labels = summary.labels.unwrap_or_default();
            let name = labels.get(labels::CONTAINER)?.clone();
            let found = Found {
                id: summary.id?,
                state: ContainerState::from_engine(summary.state),
                status: summary.status.unwrap_or_default(),
                image_id: summary.image_id.unwrap_or_default(),
                spec_hash: labels.get(labels::SPEC_HASH).cloned().unwrap_or_default(),
                copies: labels.get(labels::COPIES).cloned(),
            };
            Some((name, found))
        })
        .collect())
}
