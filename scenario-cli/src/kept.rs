//! The kept-alive containers of a project and whether each is still up to date. Without the
//! test binary's specs, staleness here is what the engine can tell: the container's state and
//! health, and whether its image reference or build context now resolves to another image.

use std::collections::HashMap;

use bollard::query_parameters::ListContainersOptionsBuilder;
use scenario_runtime::__private::{image, labels};
use scenario_runtime::{Engine, ImageSource, ProjectId};

/// One kept-alive container.
pub struct Kept {
    pub scenario: String,
    pub instance: String,
    pub container: String,
    pub age_secs: i64,
    pub verdict: String,
}

pub async fn list(engine: &Engine, project: &ProjectId) -> Result<Vec<Kept>, String> {
    let filters = HashMap::from([(
        "label",
        vec![
            format!("{}=true", labels::MANAGED),
            format!("{}={project}", labels::PROJECT),
            format!("{}=true", labels::REUSE),
        ],
    )]);
    let options = ListContainersOptionsBuilder::new().all(true).filters(&filters).build();
    let listed = engine.docker().list_containers(Some(options)).await.map_err(|e| e.to_string())?;
    let now =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
    let mut kept = Vec::new();
    for summary in listed {
        let labels = summary.labels.clone().unwrap_or_default();
        let label = |key: &str| labels.get(key).cloned().unwrap_or_default();
        let verdict = verdict(engine, &summary, labels.get(labels::IMAGE_SOURCE)).await;
        kept.push(Kept {
            scenario: label(labels::SCENARIO),
            instance: label(labels::INSTANCE),
            container: label(labels::CONTAINER),
            age_secs: now - summary.created.unwrap_or(now),
            verdict,
        });
    }
    kept.sort_by(|a, b| (&a.scenario, &a.instance, &a.container).cmp(&(&b.scenario, &b.instance, &b.container)));
    Ok(kept)
}

async fn verdict(engine: &Engine, summary: &bollard::models::ContainerSummary, source: Option<&String>) -> String {
    let state = summary.state.map(|s| s.to_string()).unwrap_or_default();
    if state != "running" {
        return format!("stale: {state}");
    }
    if summary.status.as_deref().is_some_and(|s| s.contains("(unhealthy)")) {
        return "stale: unhealthy".into();
    }
    let Some(source) = source.and_then(|s| serde_json::from_str::<ImageSource>(s).ok()) else {
        return "running (image source unknown)".into();
    };
    match image::current_id(engine, &source).await {
        Ok(Some(id)) if Some(&id) == summary.image_id.as_ref() => "up to date".into(),
        Ok(Some(_)) => match source {
            ImageSource::Build(_) => "stale: image rebuilt".into(),
            // The reference names another image now (pulled with `pull = "always"`, or re-tagged).
            _ => "stale: image updated".into(),
        },
        Ok(None) => match source {
            ImageSource::Build(_) => "stale: build context changed (rebuilt on the next run)".into(),
            _ => "stale: image missing".into(),
        },
        Err(e) => format!("unknown: {e}"),
    }
}

/// `42s`, `7m`, `3h`, `2d`.
pub fn age(secs: i64) -> String {
    match secs {
        s if s < 120 => format!("{s}s"),
        s if s < 7_200 => format!("{}m", s / 60),
        s if s < 172_800 => format!("{}h", s / 3_600),
        s => format!("{}d", s / 86_400),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn ages_read_at_a_glance() {
        assert_eq!(super::age(5), "5s");
        assert_eq!(super::age(600), "10m");
        assert_eq!(super::age(10_800), "3h");
        assert_eq!(super::age(400_000), "4d");
    }
}
