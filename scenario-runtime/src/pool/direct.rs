//! A fresh container started directly, without a pool (or when the pool has none to give).

use std::time::Instant;

use super::{claim, create, fresh, names, FreshContainer};
use crate::base::error::{Error, Result};
use crate::base::labels;
use crate::container::{Container, Started};
use crate::scope::Scope;
use crate::spec::{ContainerSpec, Mount};

/// A fresh container for `scope`'s test, started directly (no pool): on the scenario's network
/// under a unique alias (`cache-1f2e3d4c`), proven ready, owned by the caller.
pub async fn start_fresh(scope: &Scope, spec: ContainerSpec) -> Result<FreshContainer> {
    start_fresh_since(scope, spec, Instant::now()).await
}

pub(super) async fn start_fresh_since(scope: &Scope, spec: ContainerSpec, begun: Instant) -> Result<FreshContainer> {
    check_fresh_spec(&spec)?;
    let alias = names::fresh_alias(&spec.name, &crate::base::identity::unique_token());
    // Fresh containers are never kept for reuse, whatever the scenario's scope is.
    let mut ids = scope.ids().clone();
    ids.reusable = false;
    let engine_name = ids.container_name(&alias);
    let network = scope.network().await?.to_string();
    let fresh = claim::fresh_spec(&spec, &alias);
    let request = create::Request {
        ids: &ids,
        spec: &fresh,
        engine_name: &engine_name,
        network: &network,
        aliases: vec![alias.clone()],
        extra_labels: vec![
            (labels::CONTAINER, spec.name.clone()),
            (labels::SPEC_HASH, spec.spec_hash()),
            (labels::FRESH, "true".to_string()),
        ],
    };
    let engine = scope.engine();
    let created = create::create_and_start(engine, request, &alias).await?.ok_or_else(|| Error::NameConflict {
        name: engine_name.clone(),
        existing_id: String::new(),
        detail: " (a fresh container's name is unique; another process used the same one)".into(),
    })?;
    fresh::register(engine, scope.network_name(), &created.id, &alias);
    let id = created.id.clone();
    let started = Container::<Started>::adopt(scope.clone(), fresh, engine_name, created.id, created.image_id);
    let ready = started.wait_ready().await.inspect_err(|_| fresh::unregister(&id))?;
    Ok(FreshContainer::new(ready, &spec.name, false, begun.elapsed()))
}

/// A fresh container must not share state: a named volume would be shared by every instance.
pub(super) fn check_fresh_spec(spec: &ContainerSpec) -> Result<()> {
    spec.validate()?;
    if let Some(Mount::Volume { name, .. }) = spec.mounts.iter().find(|m| matches!(m, Mount::Volume { .. })) {
        return Err(Error::InvalidSpec {
            container: spec.name.clone(),
            reason: format!(
                "a fresh or pooled container cannot mount the named volume `{name}`: every instance would share it; \
                 use a tmpfs"
            ),
        });
    }
    Ok(())
}
