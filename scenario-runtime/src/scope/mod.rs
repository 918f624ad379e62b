//! A scope is one instance of one scenario on one engine: the containers configured in it share
//! its network, labels and name prefix, and its teardown removes them together.

use std::path::PathBuf;
use std::sync::Arc;

use futures_util::future::BoxFuture;
use tokio::sync::OnceCell;

use crate::base::error::{status_of, Error, Result};
use crate::base::labels::ScopeIds;
use crate::engine::Engine;
use crate::primitives::hand_off::ScopeRemoval;

mod host;

/// Takes over the removal of a drained scope, so that its process goes on (or exits) without
/// waiting for it. The harness hands it to the session's reaper.
pub(crate) trait RemovalHandOff: Send + Sync + std::fmt::Debug {
    /// Takes `removal` over, or says why not (the scope then removes its containers itself).
    fn hand_off<'a>(&'a self, removal: &'a ScopeRemoval) -> BoxFuture<'a, std::result::Result<(), String>>;
}

/// One scenario instance's place on an engine. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Scope(Arc<Inner>);

/// The network the scope's containers join.
#[derive(Debug)]
struct Network {
    id: String,
    name: String,
    /// For a borrowed spare network (never removed by the scope), its lock until given back;
    /// `None` for a network of the scope's own.
    spare: Option<std::sync::Mutex<Option<crate::primitives::spare_network::SpareLock>>>,
}

#[derive(Debug)]
struct Inner {
    engine: Engine,
    ids: ScopeIds,
    network_name: String,
    /// Set before the network exists: borrow a spare network instead of creating one.
    spare: std::sync::atomic::AtomicBool,
    network: OnceCell<Network>,
    /// Who removes the drained containers instead of the teardown, when someone does.
    removal_taker: std::sync::OnceLock<Arc<dyn RemovalHandOff>>,
    artifacts: PathBuf,
    /// When this run began using the scope: kept-alive containers drain only what came since.
    run_started: std::time::SystemTime,
}

impl Scope {
    /// A scope whose artifacts go to the default folder (`target/scenario-logs`).
    pub fn new(engine: Engine, ids: ScopeIds) -> Scope {
        Scope::with_artifacts(engine, ids, crate::base::artifacts::default_root())
    }

    /// A scope whose artifacts go under `artifacts_root`.
    pub fn with_artifacts(engine: Engine, ids: ScopeIds, artifacts_root: PathBuf) -> Scope {
        let artifacts = crate::base::artifacts::scope_dir(&artifacts_root, &ids);
        let network_name = ids.network_name();
        Scope(Arc::new(Inner {
            engine,
            ids,
            network_name,
            spare: Default::default(),
            network: OnceCell::new(),
            removal_taker: Default::default(),
            artifacts,
            run_started: std::time::SystemTime::now(),
        }))
    }

    /// The engine the scope's resources live on.
    pub fn engine(&self) -> &Engine {
        &self.0.engine
    }

    /// The identity the scope's names and labels come from.
    pub fn ids(&self) -> &ScopeIds {
        &self.0.ids
    }

    /// Where this scope's container logs are written.
    pub fn artifacts_dir(&self) -> &std::path::Path {
        &self.0.artifacts
    }

    /// When this run began using the scope: kept-alive containers drain only logs since then.
    pub fn run_started(&self) -> std::time::SystemTime {
        self.0.run_started
    }

    /// Makes the scope borrow a spare network (one an earlier scope of this user left empty)
    /// instead of creating its own, and give it back at teardown instead of removing it: about
    /// 90 ms saved at the start and 140 ms at the end. Spare networks are removed by the session's
    /// reaper once nobody has borrowed them for its grace period, so use this only while holding a
    /// reaper lease (the harness does, for scenarios that are neither reused nor shared between
    /// processes). It has no effect once the network exists.
    pub fn with_spare_network(self) -> Scope {
        self.0.spare.store(true, std::sync::atomic::Ordering::Relaxed);
        self
    }

    /// Makes the teardown hand the removal of the drained containers (then of the scope's
    /// network and volumes) to `taker` instead of waiting for it; if `taker` declines, the
    /// teardown removes them itself. Logs are drained into the artifacts folder first either way.
    /// Set once; later calls change nothing.
    pub(crate) fn with_removal_handed_to(self, taker: Arc<dyn RemovalHandOff>) -> Scope {
        let _ = self.0.removal_taker.set(taker);
        self
    }

    /// Who takes the removal over, if anyone ([`Scope::with_removal_handed_to`]).
    pub(crate) fn removal_taker(&self) -> Option<&Arc<dyn RemovalHandOff>> {
        self.0.removal_taker.get()
    }

    /// Gives a borrowed spare network back (a no-op for a network of the scope's own, or one given
    /// back already): once the containers are gone, or handed to a taker who removes them;
    /// whoever borrows it next checks it is empty.
    pub(crate) fn give_back_network(&self) {
        if let Some(lock) = self.0.network.get().and_then(|n| n.spare.as_ref()?.lock().unwrap().take()) {
            lock.give_back();
        }
    }

    /// The name of the scope's network: once it exists, its name; before, the name it gets if
    /// the scope creates its own (a scope borrowing a spare network learns the name on borrowing).
    pub fn network_name(&self) -> &str {
        self.0.network.get().map_or(&self.0.network_name, |n| &n.name)
    }

    /// The scope's network id, created (or borrowed) on first use: one per scope at a time, so
    /// isolated copies of a scenario never see each other.
    pub async fn network(&self) -> Result<&str> {
        let inner = &self.0;
        let network = inner
            .network
            .get_or_try_init(|| async {
                if inner.spare.load(std::sync::atomic::Ordering::Relaxed) {
                    let crate::primitives::spare_network::Borrowed { id, name, lock } =
                        crate::primitives::spare_network::borrow(&inner.engine).await?;
                    return Ok(Network { id, name, spare: Some(std::sync::Mutex::new(Some(lock))) });
                }
                let id = create_or_find_network(&inner.engine, &inner.ids, &inner.network_name).await?;
                Ok(Network { id, name: inner.network_name.clone(), spare: None })
            })
            .await?;
        Ok(&network.id)
    }

    /// Removes the scope's network (if this process created or found it; a borrowed spare one is
    /// given back instead) and its named volumes. Call once the scope's containers are gone.
    pub async fn remove_network_and_volumes(&self) -> Result<()> {
        let docker = self.0.engine.docker();
        let mut first_error = None;
        self.give_back_network();
        // A borrowed spare network stays, empty, for the next scope.
        if let Some(Network { id, spare: None, .. }) = self.0.network.get() {
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
                    if let Err(e) =
                        docker.remove_volume(&volume.name, None::<bollard::query_parameters::RemoveVolumeOptions>).await
                    {
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
    // Processes of this machine take turns; settle_duplicate_networks covers other machines.
    let _turn = crate::base::host_lock::acquire(&format!("network\n{}\n{name}", engine.endpoint())).await?;
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
        Ok(created) => settle_duplicate_networks(engine, ids, name, created.id).await,
        // Created by a racing process between our lookup and our create.
        Err(e) if status_of(&e) == Some(409) => {
            find_network(engine, ids, name).await?.ok_or_else(|| Error::engine("create network", name, e))
        }
        Err(e) => Err(Error::engine("create network", name, e)),
    }
}

/// Engines before API 1.44 allow two networks of one name, so two processes creating the scope's
/// network at once may both succeed. Everyone settles on the oldest (ties: smallest id), and a
/// creator whose network lost removes it: a process that saw only its own network created it
/// before the other's existed, so it is the oldest and everyone agrees.
async fn settle_duplicate_networks(engine: &Engine, ids: &ScopeIds, name: &str, ours: String) -> Result<String> {
    let same_name = list_exact(engine, name).await?;
    let winner = same_name
        .iter()
        .filter(|n| {
            let labels = n.labels.clone().unwrap_or_default();
            ids.identity_labels().iter().all(|(k, v)| labels.get(k) == Some(v))
        })
        .filter_map(|n| Some((sortable_time(&created_text(n)), n.id.clone()?)))
        .min()
        .map(|(_, id)| id)
        .unwrap_or_else(|| ours.clone());
    if winner != ours {
        let _ = engine.docker().remove_network(&ours).await;
    }
    Ok(winner)
}

/// The network's creation time as RFC 3339 text, whichever of bollard's date features (none,
/// `time`, `chrono`) another crate of the same build turned on: each types `Network.created`
/// differently, and each serialises it as that text.
fn created_text(network: &bollard::models::Network) -> String {
    serde_json::to_value(network)
        .ok()
        .and_then(|value| value.get("Created")?.as_str().map(String::from))
        .unwrap_or_default()
}

async fn list_exact(engine: &Engine, name: &str) -> Result<Vec<bollard::models::Network>> {
    use std::collections::HashMap;
    let filters = HashMap::from([("name", vec![name.to_string()])]);
    let options = bollard::query_parameters::ListNetworksOptionsBuilder::new().filters(&filters).build();
    let networks =
        engine.docker().list_networks(Some(options)).await.map_err(|e| Error::engine("list networks", name, e))?;
    // The name filter matches substrings; keep the exact name.
    Ok(networks.into_iter().filter(|n| n.name.as_deref() == Some(name)).collect())
}

/// The scope's network by name and labels; a same-named network without our labels is an error
/// (never joined, never removed).
async fn find_network(engine: &Engine, ids: &ScopeIds, name: &str) -> Result<Option<String>> {
    let Some(network) =
        list_exact(engine, name).await?.into_iter().min_by_key(|n| (sortable_time(&created_text(n)), n.id.clone()))
    else {
        return Ok(None);
    };
    let labels = network.labels.unwrap_or_default();
    let ours = ids.identity_labels().iter().all(|(k, v)| labels.get(k) == Some(v));
    if !ours {
        return Err(Error::NameConflict {
            name: name.to_string(),
            existing_id: network.id.unwrap_or_default(),
            detail: " as a network without this scope's dev.scenario labels".into(),
        });
    }
    Ok(network.id)
}

/// RFC 3339 times from one engine compare as strings once the fraction has all nine digits
/// (Go trims trailing zeros, which would order `05.1Z` after `05.12Z`).
fn sortable_time(rfc3339: &str) -> String {
    let Some((whole, rest)) = rfc3339.split_once('.') else { return rfc3339.to_string() };
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    format!("{whole}.{digits:0<9}{}", &rest[digits.len()..])
}

#[cfg(test)]
mod tests {
    use super::{created_text, sortable_time};

    #[test]
    fn creation_times_read_the_same_whatever_bollards_date_feature() {
        // Built from the engine's JSON, so the test is the same with `time` or `chrono` on.
        let network: bollard::models::Network =
            serde_json::from_value(serde_json::json!({"Name": "n", "Created": "2026-11-30T15:20:01.5Z"})).unwrap();
        assert_eq!(sortable_time(&created_text(&network)), sortable_time("2026-11-30T15:20:01.500000000Z"));
        let later: bollard::models::Network =
            serde_json::from_value(serde_json::json!({"Name": "n", "Created": "2026-11-30T15:20:01.75Z"})).unwrap();
        assert!(sortable_time(&created_text(&network)) < sortable_time(&created_text(&later)));
    }

    #[test]
    fn fractions_are_padded_before_comparing() {
        assert!(sortable_time("2026-01-01T00:00:05.1Z") < sortable_time("2026-01-01T00:00:05.12Z"));
        assert_eq!(sortable_time("2026-01-01T00:00:05Z"), "2026-01-01T00:00:05Z");
    }
}
