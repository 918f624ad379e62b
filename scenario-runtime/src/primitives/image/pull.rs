//! Pulling image references: when (the pull policy, `SCENARIO_PULL` overriding it for a run),
//! with which credentials (`credentials`), and at most once per image per run, also when several
//! containers or several processes of one run (nextest's) need the same image at once.
//!
//! Once per run: containers of one process wait on a lock per (engine, reference), processes on a
//! file lock of the same key (`host_lock`); whoever pulled leaves a marker keyed by the run
//! (session) id, so with `always` the others find the image pulled for this run and use it.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use futures_util::StreamExt;

use super::credentials::{DockerConfig, RegistryLogin};
use super::reference::ImageRef;
use super::{inspect_id, ResolvedImage};
use crate::base::error::{Error, Result};
use crate::engine::Engine;
use crate::spec::pull_policy::{PullPolicy, PULL_ENV};

/// How one reference is made present.
#[derive(Clone, Debug)]
pub struct PullRequest {
    /// The policy in force (already with `SCENARIO_PULL` applied: see [`PullRequest::for_run`]).
    pub policy: PullPolicy,
    /// The run (session) id: with `always`, one pull per image per run.
    pub run: String,
    /// Where credentials are looked up.
    pub config: DockerConfig,
}

impl PullRequest {
    /// `policy` as `SCENARIO_PULL` may override it, for the run `session`, with the docker CLI's
    /// credentials (`DOCKER_CONFIG`, `PATH`).
    pub fn for_run(policy: PullPolicy, session: &str) -> PullRequest {
        PullRequest { policy: policy.for_run(), run: session.to_string(), config: DockerConfig::from_env() }
    }
}

/// Resolves `reference` on the engine, pulling it as `request` says.
pub async fn ensure_reference(engine: &Engine, reference: &str, request: &PullRequest) -> Result<ResolvedImage> {
    let image = ImageRef::parse(reference).map_err(|reason| Error::ImageMissing {
        reference: reference.into(),
        registry: "(none: the reference does not parse)".into(),
        reason,
    })?;
    let resolved = |id: String| ResolvedImage { reference: reference.to_string(), id };
    // A digest names content: what the engine has under it cannot differ from the registry's, so
    // `always` has nothing to look for (and `never` still means never).
    let policy = match request.policy {
        PullPolicy::Always if image.is_digest() => PullPolicy::Missing,
        policy => policy,
    };
    let present = inspect_id(engine, reference).await?;
    let marker = PullMarker::new(engine, reference, &request.run);
    match (policy, present) {
        (PullPolicy::Never, Some(id)) | (PullPolicy::Missing, Some(id)) => return Ok(resolved(id)),
        (PullPolicy::Always, Some(id)) if marker.exists() => return Ok(resolved(id)),
        (PullPolicy::Never, None) => {
            return Err(Error::ImageMissing {
                reference: reference.into(),
                registry: image.registry.clone(),
                reason: format!(
                    "the pull policy is `never` ({}), so it is not pulled",
                    if std::env::var_os(PULL_ENV).is_some() {
                        "set by SCENARIO_PULL"
                    } else {
                        "the container's `pull`"
                    }
                ),
            })
        }
        _ => {}
    }

    // One pull at a time per image: threads of this process, then processes of this machine.
    let lock = pull_lock(engine, reference);
    let _pulling = lock.lock().await;
    let _host = crate::base::host_lock::acquire(&format!("pull|{}|{reference}", engine.endpoint())).await?;
    // Whoever held the locks before may have pulled it for this run.
    match (policy, inspect_id(engine, reference).await?) {
        (PullPolicy::Missing, Some(id)) => return Ok(resolved(id)),
        (PullPolicy::Always, Some(id)) if marker.exists() => return Ok(resolved(id)),
        _ => {}
    }
    pull(engine, reference, &image, &request.config).await?;
    marker.write();
    match inspect_id(engine, reference).await? {
        Some(id) => Ok(resolved(id)),
        None => Err(Error::ImageMissing {
            reference: reference.into(),
            registry: image.registry.clone(),
            reason: "the pull reported success but the image is absent".into(),
        }),
    }
}

/// One `create_image` call with the registry's credentials, its progress shown as a task.
async fn pull(engine: &Engine, reference: &str, image: &ImageRef, config: &DockerConfig) -> Result<()> {
    let failed =
        |reason: String| Error::ImageMissing { reference: reference.into(), registry: image.registry.clone(), reason };
    let login = config.login_for(image).await.map_err(|e| failed(format!("no credentials: {e}")))?;
    let RegistryLogin { credentials, source } = login;
    let with_source = |reason: String| {
        let what = if credentials.is_some() { "credentials from" } else { "no credentials:" };
        failed(format!("{reason} ({what} {source})"))
    };
    let started = std::time::Instant::now();
    let options = bollard::query_parameters::CreateImageOptionsBuilder::new().from_image(reference).build();
    let mut stream = engine.streaming().create_image(Some(options), None, credentials.clone());
    let shown = crate::base::progress::task(format!("pull {reference}"), "starting");
    let mut layers = PullLayers::default();
    while let Some(progress) = stream.next().await {
        let progress = progress.map_err(|e| with_source(engine_message(e)))?;
        if let Some(detail) = layers.update(&progress) {
            shown.set(detail);
        }
        if let Some(detail) = progress.error_detail.and_then(|d| d.message) {
            return Err(with_source(detail));
        }
    }
    tracing::info!(%reference, registry = %image.registry, elapsed_ms = started.elapsed().as_millis() as u64, "pulled image");
    Ok(())
}

/// The engine's own words, without bollard's wrapping.
fn engine_message(error: bollard::errors::Error) -> String {
    match error {
        bollard::errors::Error::DockerResponseServerError { message, .. } => message,
        bollard::errors::Error::DockerStreamError { error } => error,
        other => other.to_string(),
    }
}

type PullLock = Arc<tokio::sync::Mutex<()>>;

/// One lock per (engine, reference), as `build_lock` is per built tag.
fn pull_lock(engine: &Engine, reference: &str) -> PullLock {
    static LOCKS: OnceLock<Mutex<HashMap<String, PullLock>>> = OnceLock::new();
    let key = format!("{}|{reference}", engine.endpoint());
    LOCKS.get_or_init(Default::default).lock().unwrap().entry(key).or_default().clone()
}

/// "Pulled during run R": an empty file in the user's runtime folder, named by a hash of (run,
/// engine, reference), so every process of the run sees it and the next run does not.
struct PullMarker {
    path: PathBuf,
}

/// Markers older than this belong to runs long over.
const MARKER_LIFETIME: std::time::Duration = std::time::Duration::from_secs(7 * 24 * 3600);

impl PullMarker {
    fn new(engine: &Engine, reference: &str, run: &str) -> PullMarker {
        let key = format!("{run}|{}|{reference}", engine.endpoint());
        PullMarker { path: folder().join(crate::base::identity::short_hash(key.as_bytes())) }
    }

    fn exists(&self) -> bool {
        self.path.exists()
    }

    /// Failing to write costs another pull of the same image in this run, nothing else.
    fn write(&self) {
        let dir = folder();
        if crate::base::paths::create_private_dir(&crate::base::paths::runtime_dir()).is_err()
            || std::fs::create_dir_all(&dir).is_err()
        {
            return;
        }
        let _ = std::fs::write(&self.path, b"");
        let Ok(entries) = std::fs::read_dir(&dir) else { return };
        for entry in entries.flatten() {
            let age = entry.metadata().and_then(|m| m.modified()).ok().and_then(|t| t.elapsed().ok());
            if age.is_some_and(|age| age > MARKER_LIFETIME) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
}

fn folder() -> PathBuf {
    crate::base::paths::runtime_dir().join("pulled")
}

/// Per-layer progress of a pull, summed into one line: `2/5 layers, 31.0/80.2 MB`.
#[derive(Default)]
struct PullLayers {
    /// Layer id -> (bytes so far, bytes in all, finished).
    layers: HashMap<String, (i64, i64, bool)>,
}

impl PullLayers {
    fn update(&mut self, info: &bollard::models::CreateImageInfo) -> Option<String> {
        let id = info.id.clone()?;
        let status = info.status.as_deref().unwrap_or_default();
        // `Pulling from <repository>` carries the tag as its id: it is no layer.
        if status.starts_with("Pulling from") {
            return None;
        }
        let entry = self.layers.entry(id).or_default();
        if let Some(detail) = &info.progress_detail {
            if status.starts_with("Downloading") {
                entry.0 = detail.current.unwrap_or(entry.0);
                entry.1 = detail.total.unwrap_or(entry.1);
            }
        }
        if matches!(status, "Pull complete" | "Already exists" | "Download complete") {
            entry.0 = entry.1;
            entry.2 = status != "Download complete";
        }
        let done = self.layers.values().filter(|l| l.2).count();
        let (current, total) = self.layers.values().fold((0, 0), |(c, t), l| (c + l.0, t + l.1));
        let mb = |bytes: i64| bytes as f64 / 1_000_000.0;
        Some(format!("{done}/{} layers, {:.1}/{:.1} MB", self.layers.len(), mb(current), mb(total)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policies_read_their_words() {
        for name in PullPolicy::NAMES {
            assert_eq!(PullPolicy::parse(name).unwrap().as_str(), *name);
        }
        assert_eq!(PullPolicy::parse("sometimes"), None);
        assert_eq!(PullPolicy::default(), PullPolicy::Missing);
    }
}
