//! The healthy strategy: follow the engine's event stream for the container's `health_status`
//! events (replayed from its start, so none is missed) instead of polling inspect.

use futures_util::StreamExt;

use super::target::{LastSeen, ProbeEnd, ProbeTarget};
use crate::base::error::{Error, Result};

pub(super) async fn wait_for_healthy(target: &ProbeTarget<'_>, seen: &LastSeen) -> Result<ProbeEnd> {
    use bollard::query_parameters::EventsOptionsBuilder;
    use std::collections::HashMap;

    let docker = target.engine.docker();
    let inspected =
        docker.inspect_container(target.id, None).await.map_err(|e| Error::engine("inspect", target.name, e))?;
    let has_healthcheck = inspected
        .config
        .as_ref()
        .and_then(|c| c.healthcheck.as_ref())
        .and_then(|h| h.test.as_ref())
        .is_some_and(|test| test.first().map(String::as_str) != Some("NONE"));
    if !has_healthcheck {
        return Err(Error::InvalidSpec {
            container: target.name.to_string(),
            reason: "readiness waits for a healthy healthcheck, but neither the spec nor the image \
                     defines one (add `.healthcheck(HealthCheck::cmd([...]))`)"
                .into(),
        });
    }

    // Already healthy (an attached container, or a fast check): nothing to wait for.
    let status = inspected.state.as_ref().and_then(|s| s.health.as_ref()).and_then(|h| h.status);
    if status == Some(bollard::models::HealthStatusEnum::HEALTHY) {
        return Ok(ProbeEnd::Ready);
    }

    let since = target
        .started_at
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs().saturating_sub(1))
        .unwrap_or(0)
        .to_string();
    let filters = HashMap::from([
        ("container", vec![target.id.to_string()]),
        ("event", vec!["health_status".to_string(), "die".to_string()]),
    ]);
    let options = EventsOptionsBuilder::new().since(&since).filters(&filters).build();
    let mut events = target.engine.streaming().events(Some(options));
    while let Some(event) = events.next().await {
        let event = event.map_err(|e| Error::engine("events", target.name, e))?;
        let action = event.action.unwrap_or_default();
        match action.strip_prefix("health_status:").map(str::trim) {
            Some("healthy") => return Ok(ProbeEnd::Ready),
            Some(status) => seen.set(format!("health status {status}")),
            None if action == "die" => return Ok(ProbeEnd::Exhausted),
            None => {}
        }
    }
    Ok(ProbeEnd::Exhausted)
}
