//! Creating and starting one fresh-capable container: the spec's create request (labels, ports,
//! mounts) with the pool's labels added, under a name chosen by the caller.

use std::collections::HashMap;

use crate::base::error::{status_of, Error, Result};
use crate::base::labels::{self, ScopeIds};
use crate::engine::Engine;
use crate::spec::ContainerSpec;

/// A container this process created and started.
pub(crate) struct Created {
    pub id: String,
    pub image_id: String,
}

/// What to create: `spec` under `engine_name` on `network`, labelled as `ids` plus `extra`,
/// answering on the network to `aliases` only.
pub(crate) struct Request<'a> {
    pub ids: &'a ScopeIds,
    pub spec: &'a ContainerSpec,
    pub engine_name: &'a str,
    pub network: &'a str,
    pub aliases: Vec<String>,
    pub extra_labels: Vec<(&'static str, String)>,
}

/// Creates and starts the container; `None` if the name is taken (another process fills that
/// slot). A container that fails to start is removed again. Errors name `label`.
pub(crate) async fn create_and_start(engine: &Engine, request: Request<'_>, label: &str) -> Result<Option<Created>> {
    let image = crate::primitives::image::ensure_for(engine, request.spec, &request.ids.session).await?;
    let mut body = crate::primitives::create::create_body(
        request.spec,
        request.ids,
        &image.id,
        request.network,
        engine.publish_ip(),
    );
    crate::primitives::host_alias::add_if_known(engine, request.network, &mut body).await;
    let all_labels = body.labels.get_or_insert_with(HashMap::new);
    // Fresh containers are never kept for reuse, whatever the scenario's scope is.
    all_labels.remove(labels::REUSE);
    all_labels.insert(labels::SESSION.into(), request.ids.session.to_string());
    for (key, value) in request.extra_labels {
        all_labels.insert(key.into(), value);
    }
    let endpoint = bollard::models::EndpointSettings { aliases: Some(request.aliases), ..Default::default() };
    body.networking_config = Some(bollard::models::NetworkingConfig {
        endpoints_config: Some(HashMap::from([(request.network.to_string(), endpoint)])),
    });
    let docker = engine.docker();
    let options = bollard::query_parameters::CreateContainerOptionsBuilder::new().name(request.engine_name).build();
    let id = match docker.create_container(Some(options), body).await {
        Ok(created) => created.id,
        Err(e) if status_of(&e) == Some(409) => return Ok(None),
        Err(e) => return Err(Error::engine("create", label, e)),
    };
    let started = match crate::primitives::copy::upload(engine, &id, label, &request.spec.copies).await {
        Ok(()) => docker.start_container(&id, None).await.map_err(|e| Error::engine("start", label, e)),
        Err(e) => Err(e),
    };
    if let Err(error) = started {
        let options = bollard::query_parameters::RemoveContainerOptionsBuilder::new().force(true).v(true).build();
        let _ = docker.remove_container(&id, Some(options)).await;
        return Err(error);
    }
    Ok(Some(Created { id, image_id: image.id }))
}
