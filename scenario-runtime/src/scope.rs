//! A scope is one instance of one scenario on one engine: the containers configured in it share
//! its network, labels and name prefix, and its teardown removes them together.

use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::OnceCell;

use crate::container::{Configured, Container, Ready, Removed};
use crate::engine::Engine;
use crate::error::{status_of, Error, Result};
use crate::labels::ScopeIds;
use crate::spec::ContainerSpec;

/// One scenario instance's place on an engine. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Scope(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    engine: Engine,
    ids: ScopeIds,
    network_name: String,
    network: OnceCell<String>,
    artifacts: PathBuf,
}

impl Scope {
    /// A scope whose artifacts go to the default folder (`target/scenario-logs`).
    pub fn new(engine: Engine, ids: ScopeIds) -> Scope {
        Scope::with_artifacts(engine, ids, crate::artifacts::default_root())
    }

    pub fn with_artifacts(engine: Engine, ids: ScopeIds, artifacts_root: PathBuf) -> Scope {
        let artifacts = crate::artifacts::scope_dir(&artifacts_root, &ids);
        let network_name = ids.network_name();
        Scope(Arc::new(Inner { engine, ids, network_name, network: OnceCell::new(), artifacts }))
    }

    pub fn engine(&self) -> &Engine {
        &self.0.engine
    }

    pub fn ids(&self) -> &ScopeIds {
        &self.0.ids
    }

    /// Where this scope's container logs are written.
    pub fn artifacts_dir(&self) -> &std::path::Path {
        &self.0.artifacts
    }

    pub fn network_name(&self) -> &str {
        &self.0.network_name
    }

    /// Checks `spec` and prepares a container of this scope.
    pub fn configure(&self, spec: ContainerSpec) -> Result<Container<Configured>> {
        Container::configure(self.clone(), spec)
    }

    /// The scope's network, created on first use (one per scope: isolated copies of a scenario
    /// never see each other).
    pub async fn network(&self) -> Result<&str> {
        self.0
            .network
            .get_or_try_init(|| create_or_find_network(&self.0.engine, &self.0.ids, &self.0.network_name))
            .await
            .map(String::as_str)
    }

    /// Drains (logs to artifacts) and removes all `containers` concurrently, then the scope's
    /// network and named volumes. Every step runs even when another fails; the first error is
    /// returned after all have run.
    pub async fn teardown(&self, containers: Vec<Container<Ready>>) -> Result<Vec<Removed>> {
        let results = futures_util::future::join_all(containers.into_iter().map(|c| async move {
            c.drain().await?.remove().await
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
            Some(e) => Err(e),
            None => Ok(removed),
        }
    }

    /// Removes the scope's network (if this process created or found it) and its named volumes.
    pub async fn remove_network_and_volumes(&self) -> Result<()> {
        let docker = self.0.engine.docker();
        let mut first_error = None;
        if let Some(id) = self.0.network.get() {
            match docker.remove_network(id).await {
                Ok(()) => {}
                Err(e) if status_of(&e) == Some(404) => {}
                Err(e) => {
                    first_error.get_or_insert(Error::engine("remove network", &self.0.network_name, e));
                }
            }
        }
        let filters = self.0.ids.label_filter();
        let options = bollard::query_parameters::ListVolumesOptionsBuilder::new().filters(&filters).build();
        match docker.list_volumes(Some(options)).await {
            Ok(listed) => {
                for volume in listed.volumes.unwrap_or_default() {
                    if let Err(e) = docker.remove_volume(&volume.name, None::<bollard::query_parameters::RemoveVolumeOptions>).await {
                        if status_of(&e) != Some(404) {
                            first_error.get_or_insert(Error::engine("remove volume", volume.name.clone(), e));
                        }
                    }
                }
            }
            Err(e) => {
                first_error.get_or_insert(Error::engine("list volumes", &self.0.network_name, e));
            }
        }
        first_error.map_or(Ok(()), Err)
    }
}

async fn create_or_find_network(engine: &Engine, ids: &ScopeIds, name: &str) -> Result<String> {
    use bollard::models::NetworkCreateRequest;

    let docker = engine.docker();
    if let Some(id) = find_network(engine, ids, name).await? {
        return Ok(id);
    }
    let request = NetworkCreateRequest {
        name: name.to_string(),
        driver: Some("bridge".into()),
        labels: Some(ids.labels()),
        ..Default::default()
    };
    match docker.create_network(request).await {
        Ok(created) => Ok(created.id),
        // Created by a racing process between our lookup and our create.
        Err(e) if status_of(&e) == Some(409) => find_network(engine, ids, name)
            .await?
            .ok_or_else(|| Error::engine("create network", name, e)),
        Err(e) => Err(Error::engine("create network", name, e)),
    }
}

/// The scope's network by name and labels; a same-named network without our labels is an error
/// (never joined, never removed).
async fn find_network(engine: &Engine, ids: &ScopeIds, name: &str) -> Result<Option<String>> {
    use std::collections::HashMap;
    let filters = HashMap::from([("name", vec![name.to_string()])]);
    let options = bollard::query_parameters::ListNetworksOptionsBuilder::new().filters(&filters).build();
    let networks = engine
        .docker()
        .list_networks(Some(options))
        .await
        .map_err(|e| Error::engine("list networks", name, e))?;
    // The name filter matches substrings; keep the exact name.
    let mut exact = networks.into_iter().filter(|n| n.name.as_deref() == Some(name));
    let Some(network) = exact.next() else { return Ok(None) };
    let labels = network.labels.unwrap_or_default();
    let ours = ids.labels().iter().all(|(k, v)| labels.get(k) == Some(v));
    if !ours {
        return Err(Error::NameConflict {
            name: name.to_string(),
            existing_id: network.id.unwrap_or_default(),
            detail: " as a network without this scope's dev.scenario labels".into(),
        });
    }
    Ok(network.id)
}
