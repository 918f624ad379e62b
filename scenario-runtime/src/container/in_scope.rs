//! The containers of a scope: configured into it, and torn down together with its network. Here
//! rather than in `scope`, which sits below the typed container (a container lives in a scope).

use super::{Configured, Container, Drained, Ready, Removed};
use crate::base::error::Result;
use crate::primitives::hand_off::{ContainerRemoval, ScopeRemoval};
use crate::scope::Scope;
use crate::spec::ContainerSpec;

impl Scope {
    /// Checks `spec` and prepares a container of this scope.
    pub fn configure(&self, spec: ContainerSpec) -> Result<Container<Configured>> {
        Container::configure(self.clone(), spec)
    }

    /// Drains (logs to artifacts) and removes all `containers` concurrently, then the scope's
    /// network and named volumes. Every step runs even when another fails; the first error is
    /// returned after all have run. When the scope hands its removal off (the harness's scopes
    /// do, to the session's reaper) and the taker accepts, this returns once the logs are
    /// drained, with the removal under way elsewhere ([`Removed::handed_off`]).
    pub async fn teardown(&self, containers: Vec<Container<Ready>>) -> Result<Vec<Removed>> {
        let drained = futures_util::future::join_all(containers.into_iter().map(|c| async move {
            // Asked before the removal, which takes the answer with it; beside the log drain,
            // so the extra inspect adds no wait to the teardown.
            let (id, name) = (c.id().to_string(), c.name().to_string());
            let (oom, drained) = tokio::join!(
                crate::primitives::oom::oom_killed(self.engine(), &id, &name, "during the test"),
                c.drain()
            );
            drained.map(|drained| (drained, oom))
        }))
        .await;
        let mut first_error = None;
        let mut ready_to_remove = Vec::new();
        for result in drained {
            match result {
                Ok((drained, oom)) => {
                    if let Some(e) = oom {
                        first_error.get_or_insert(e);
                    }
                    ready_to_remove.push(drained);
                }
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        let removed = match self.hand_off(&ready_to_remove).await {
            Ok(()) => {
                self.give_back_network();
                ready_to_remove.into_iter().map(Container::handed_off).collect()
            }
            Err(()) => {
                let removals = futures_util::future::join_all(ready_to_remove.into_iter().map(Container::remove)).await;
                let mut removed = Vec::new();
                for result in removals {
                    match result {
                        Ok(r) => removed.push(r),
                        Err(e) => {
                            first_error.get_or_insert(e);
                        }
                    }
                }
                if let Err(e) = self.remove_network_and_volumes().await {
                    first_error.get_or_insert(e);
                }
                removed
            }
        };
        match first_error {
            Some(e) => Err(e.naming_engine(self.engine().endpoint())),
            None => Ok(removed),
        }
    }

    /// Hands the removal of `drained` (and of what else carries the scope's labels) to the
    /// scope's taker; `Err` when there is none or it declined.
    async fn hand_off(&self, drained: &[Container<Drained>]) -> std::result::Result<(), ()> {
        let Some(taker) = self.removal_taker() else { return Err(()) };
        let removal = ScopeRemoval {
            containers: drained
                .iter()
                .map(|c| ContainerRemoval {
                    id: c.id().to_string(),
                    name: c.engine_name().to_string(),
                    stop_timeout_ms: u64::try_from(c.shared.spec.stop_timeout.as_millis()).unwrap_or(u64::MAX),
                })
                .collect(),
            scope_labels: self.ids().label_filter().remove("label").unwrap_or_default(),
        };
        taker.hand_off(&removal).await.map_err(|why| {
            tracing::warn!("the removal of scope {} stays here: {why}", self.ids().name_prefix());
        })
    }
}
