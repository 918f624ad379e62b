//! A scope's removal written down as data, so that the process that drained the scope can hand
//! it to another one (the session's reaper) and exit at once, and that one carries it out.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::base::error::Result;
use crate::base::identity::SessionId;
use crate::base::labels;
use crate::engine::Engine;
use crate::primitives::cleanup::{remove_container, remove_labelled, Cleaned};

/// One drained container to remove, as the scope's own teardown would.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContainerRemoval {
    /// The engine's id (unique, unlike the name, which the next run of the scenario reuses).
    pub id: String,
    /// The engine name, for the log and errors.
    pub name: String,
    /// A graceful stop first (the spec's stop timeout); zero: the removal kills it.
    pub stop_timeout_ms: u64,
}

/// What a scope's teardown removes once its logs are drained: its containers, then whatever
/// else carries the scope's labels (its own network, its named volumes). A borrowed spare
/// network carries no session label, so it is left for the next scope.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScopeRemoval {
    /// The scope's containers.
    pub containers: Vec<ContainerRemoval>,
    /// `key=value` labels that select the scope's resources (`ScopeIds::label_filter`).
    pub scope_labels: Vec<String>,
}

impl ScopeRemoval {
    /// Carries the removal out on `engine`, touching only what carries the managed label and
    /// `session`'s label, whatever the request says: a client cannot make the session's reaper
    /// remove another session's containers.
    pub async fn carry_out(&self, engine: &Engine, session: &SessionId) -> Result<Cleaned> {
        let session_label = format!("{}={session}", labels::SESSION);
        let ours = self.ours(engine, &session_label).await?;
        let removals = self.containers.iter().filter(|c| ours.contains(&c.id)).map(|c| async move {
            remove_container(engine, &c.id, &c.name, Duration::from_millis(c.stop_timeout_ms)).await
        });
        let mut first_error = None;
        let mut removed = 0;
        for result in futures_util::future::join_all(removals).await {
            match result {
                Ok(()) => removed += 1,
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        let mut wanted: Vec<String> =
            self.scope_labels.iter().filter(|l| !l.starts_with(&format!("{}=", labels::SESSION))).cloned().collect();
        wanted.push(session_label);
        let rest = remove_labelled(engine, &wanted).await;
        match (first_error, rest) {
            (Some(e), _) | (None, Err(e)) => Err(e),
            (None, Ok(rest)) => Ok(Cleaned { containers: removed + rest.containers, ..rest }),
        }
    }

    /// The ids among `containers` that carry the managed label and the session's label.
    async fn ours(&self, engine: &Engine, session_label: &str) -> Result<Vec<String>> {
        use bollard::query_parameters::ListContainersOptionsBuilder;
        if self.containers.is_empty() {
            return Ok(Vec::new());
        }
        let filters = std::collections::HashMap::from([
            ("id".to_string(), self.containers.iter().map(|c| c.id.clone()).collect()),
            ("label".to_string(), vec![format!("{}=true", labels::MANAGED), session_label.to_string()]),
        ]);
        let options = ListContainersOptionsBuilder::new().all(true).filters(&filters).build();
        let listed = engine
            .docker()
            .list_containers(Some(options))
            .await
            .map_err(|e| crate::base::error::Error::engine("list containers", "handed-over removal", e))?;
        Ok(listed.into_iter().filter_map(|c| c.id).collect())
    }
}
