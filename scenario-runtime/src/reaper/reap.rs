//! The cleanup itself: what the session left, by labels, through `cleanup::remove_session` (which
//! only touches `dev.scenario.managed=true` resources of the session and never reused ones).

use std::collections::HashMap;
use std::time::Duration;

use bollard::query_parameters::{ListContainersOptionsBuilder, ListNetworksOptionsBuilder, ListVolumesOptionsBuilder};

use crate::base::error::Result;
use crate::base::identity::SessionId;
use crate::base::labels;
use crate::engine::Engine;
use crate::primitives::cleanup::remove_session;

/// A failed removal is retried this often: an engine busy with other removals may time out.
const ATTEMPTS: u32 = 3;

/// Logs what will go, removes it, logs what went; then the spare networks of this machine's user
/// that nobody borrowed for `idle_for` (the grace period: any borrowed since belong to a later
/// session, whose reaper sees to them).
pub(crate) async fn reap(endpoint: &str, session: &SessionId, idle_for: Duration) -> Result<()> {
    let engine = Engine::connect_to(endpoint).await?;
    let result = reap_session(&engine, session).await;
    match crate::primitives::spare_network::remove_idle(&engine, idle_for).await {
        Ok(0) => {}
        Ok(count) => tracing::info!("removed {count} idle spare networks"),
        Err(e) => tracing::warn!("cannot remove idle spare networks: {e}"),
    }
    result
}

async fn reap_session(engine: &Engine, session: &SessionId) -> Result<()> {
    match inventory(engine, session).await {
        Ok(listing) => tracing::info!("found: {listing}"),
        Err(e) => tracing::warn!("cannot list what is left: {e}"),
    }
    let mut attempt = 1;
    loop {
        match remove_session(engine, session).await {
            Ok(cleaned) => {
                tracing::info!(
                    "removed {} containers, {} networks, {} volumes",
                    cleaned.containers,
                    cleaned.networks,
                    cleaned.volumes
                );
                return Ok(());
            }
            Err(e) if attempt < ATTEMPTS => {
                tracing::warn!("removal attempt {attempt} failed, retrying: {e}");
                attempt += 1;
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            Err(e) => return Err(e),
        }
    }
}

/// The names of the session's managed resources, reused ones marked as kept.
async fn inventory(engine: &Engine, session: &SessionId) -> Result<String> {
    use crate::base::error::Error;
    let filters = HashMap::from([(
        "label".to_string(),
        vec![format!("{}=true", labels::MANAGED), format!("{}={session}", labels::SESSION)],
    )]);
    let kept = |l: Option<&HashMap<String, String>>| {
        if l.and_then(|l| l.get(labels::REUSE)).is_some_and(|v| v == "true") {
            " (reused: kept)"
        } else {
            ""
        }
    };
    let docker = engine.docker();
    let mut items = Vec::new();
    for c in docker
        .list_containers(Some(ListContainersOptionsBuilder::new().all(true).filters(&filters).build()))
        .await
        .map_err(|e| Error::engine("list containers", "reaper", e))?
    {
        let name = c.names.as_ref().and_then(|n| n.first()).map(|n| n.trim_start_matches('/').to_string());
        items.push(format!("container {}{}", name.unwrap_or_default(), kept(c.labels.as_ref())));
    }
    for n in docker
        .list_networks(Some(ListNetworksOptionsBuilder::new().filters(&filters).build()))
        .await
        .map_err(|e| Error::engine("list networks", "reaper", e))?
    {
        items.push(format!("network {}{}", n.name.clone().unwrap_or_default(), kept(n.labels.as_ref())));
    }
    for v in docker
        .list_volumes(Some(ListVolumesOptionsBuilder::new().filters(&filters).build()))
        .await
        .map_err(|e| Error::engine("list volumes", "reaper", e))?
        .volumes
        .unwrap_or_default()
    {
        items.push(format!("volume {}{}", v.name, kept(Some(&v.labels))));
    }
    Ok(if items.is_empty() { "nothing".to_string() } else { items.join(", ") })
}
