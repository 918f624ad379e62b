//! The containers of a scope: configured into it, and torn down together with its network. Here
//! rather than in `scope`, which sits below the typed container (a container lives in a scope).

use super::{Configured, Container, Ready, Removed};
use crate::base::error::Result;
use crate::scope::Scope;
use crate::spec::ContainerSpec;

impl Scope {
    /// Checks `spec` and prepares a container of this scope.
    pub fn configure(&self, spec: ContainerSpec) -> Result<Container<Configured>> {
        Container::configure(self.clone(), spec)
    }

    /// Drains (logs to artifacts) and removes all `containers` concurrently, then the scope's
    /// network and named volumes. Every step runs even when another fails; the first error is
    /// returned after all have run.
    pub async fn teardown(&self, containers: Vec<Container<Ready>>) -> Result<Vec<Removed>> {
        let results = futures_util::future::join_all(containers.into_iter().map(|c| async move {
            // Asked before the removal, which takes the answer with it; beside the log drain,
            // so the extra inspect adds no wait to the teardown.
            let (id, name) = (c.id().to_string(), c.name().to_string());
            let (oom, drained) = tokio::join!(
                crate::primitives::oom::oom_killed(self.engine(), &id, &name, "during the test"),
                c.drain()
            );
            let removed = drained?.remove().await?;
            oom.map_or(Ok(removed), Err)
        }))
        .await;
        let mut removed = Vec::new();
        let mut first_error = None;
        for result in results {
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
        match first_error {
            Some(e) => Err(e.naming_engine(self.engine().endpoint())),
            None => Ok(removed),
        }
    }
}
