//! Finding unclaimed pool containers, claiming one atomically (a rename to a name only that
//! container can have: the engine lets exactly one of racing renames succeed), and handing it to
//! a test: a connect to the scenario's network under a unique alias, then the readiness probe.

use crate::primitives::found::ContainerState;
use std::collections::HashMap;
use std::time::Instant;

use super::fresh::{register, unregister, FreshContainer};
use super::names::{fresh_alias, PoolIds};
use crate::base::error::{status_of, Error, Result};
use crate::container::{Container, Started};
use crate::engine::Engine;
use crate::scope::Scope;
use crate::spec::ContainerSpec;

/// An unclaimed container of a pool, as listed.
#[derive(Clone, Debug)]
pub(crate) struct Candidate {
    pub id: String,
    pub slot: usize,
    /// Running, created, exited, ...
    pub state: ContainerState,
    /// Unix seconds.
    pub created: i64,
    pub image_id: String,
}

impl Candidate {
    pub fn running(&self) -> bool {
        self.state == ContainerState::Running
    }
}

/// The pool's unclaimed containers in any state, oldest first (the likeliest to be ready).
pub(crate) async fn list(engine: &Engine, pool: &PoolIds) -> Result<Vec<Candidate>> {
    use bollard::query_parameters::ListContainersOptionsBuilder;
    let filters = HashMap::from([("label".to_string(), pool.label_filters())]);
    let listed = engine
        .docker()
        .list_containers(Some(ListContainersOptionsBuilder::new().all(true).filters(&filters).build()))
        .await
        .map_err(|e| Error::engine("list pool containers", &pool.container, e))?;
    let mut candidates: Vec<Candidate> = listed
        .into_iter()
        .filter_map(|c| {
            let slot = c.names.as_ref()?.iter().find_map(|n| pool.slot_of(n))?;
            Some(Candidate {
                id: c.id?,
                slot,
                state: ContainerState::from_engine(c.state),
                created: c.created.unwrap_or_default(),
                image_id: c.image_id.unwrap_or_default(),
            })
        })
        .collect();
    candidates.sort_by_key(|c| (c.created, c.slot));
    Ok(candidates)
}

/// Claims `candidate`: true if this call renamed it (it is ours now), false if another taker did
/// first or it is gone.
pub(crate) async fn claim(engine: &Engine, pool: &PoolIds, candidate: &Candidate) -> Result<bool> {
    let options =
        bollard::query_parameters::RenameContainerOptionsBuilder::new().name(&pool.claimed_name(&candidate.id)).build();
    match engine.docker().rename_container(&candidate.id, options).await {
        Ok(()) => Ok(true),
        // 409: the claimed name is held (another taker won); 400: it already has that name;
        // 404: removed meanwhile.
        Err(e) if matches!(status_of(&e), Some(400 | 404 | 409)) => Ok(false),
        Err(e) => Err(Error::engine("claim (rename)", format!("{} (pool slot {})", pool.container, candidate.slot), e)),
    }
}

/// A claimed container joins `scope`'s network as `<container>-<id>` and is proven ready.
pub(crate) async fn hand_over(
    scope: &Scope,
    pool: &PoolIds,
    spec: &ContainerSpec,
    candidate: &Candidate,
    begun: Instant,
) -> Result<FreshContainer> {
    let engine = scope.engine();
    let alias = fresh_alias(&spec.name, &candidate.id);
    let joined = async {
        let network = scope.network().await?;
        // Under the network's name, which a scope borrowing a spare network learns just above.
        register(engine, scope.network_name(), &candidate.id, &alias);
        let request = bollard::models::NetworkConnectRequest {
            container: candidate.id.clone(),
            endpoint_config: Some(bollard::models::EndpointSettings {
                aliases: Some(vec![alias.clone()]),
                ..Default::default()
            }),
        };
        engine
            .docker()
            .connect_network(network, request)
            .await
            .map_err(|e| Error::engine("connect to the scenario network", &alias, e))
    };
    if let Err(e) = joined.await {
        if super::fresh::remove_by_id(engine, &candidate.id, &alias).await.is_ok() {
            unregister(&candidate.id);
        }
        return Err(e);
    }
    let started = Container::<Started>::adopt(
        scope.clone(),
        fresh_spec(spec, &alias),
        pool.claimed_name(&candidate.id),
        candidate.id.clone(),
        candidate.image_id.clone(),
    );
    // A failed wait saves the logs and removes the container.
    let ready = started.wait_ready().await.inspect_err(|_| unregister(&candidate.id))?;
    Ok(FreshContainer::new(ready, &spec.name, true, begun.elapsed()))
}

/// The spec a fresh container is known by: named (and reached) by its unique alias only, so it
/// never answers to the names of the scenario's own container of that kind.
pub(crate) fn fresh_spec(spec: &ContainerSpec, alias: &str) -> ContainerSpec {
    let mut fresh = spec.clone();
    fresh.name = alias.to_string();
    fresh.aliases.clear();
    fresh
}
