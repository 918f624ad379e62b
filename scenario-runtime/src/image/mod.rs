//! Making sure a container's image is on the engine: references are used or pulled, build
//! contexts are built once per content hash (concurrent requests in one process share a build),
//! and the images a context no longer resolves to are removed (`retention`).

mod context;
mod dockerignore;
mod index;
mod retention;

pub use retention::{built_images, remove_built_images, remove_context_images, BuiltImage, KEEP_IMAGES_ENV};

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, OnceLock};

use futures_util::StreamExt;

use crate::engine::Engine;
use crate::error::{status_of, Error, Result};
use crate::identity::ProjectId;
use crate::spec::{BuildContext, ImageSource};

/// An image present on the engine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolvedImage {
    /// The reference it is known by (for built images, the content-hash tag).
    pub reference: String,
    /// The engine's image id (`sha256:...`); a container running another id is stale.
    pub id: String,
}

/// Build output lines quoted when a build fails.
const BUILD_TAIL_LINES: usize = 25;

/// Resolves the image of a spec, pulling or building it when missing.
pub async fn ensure(engine: &Engine, source: &ImageSource) -> Result<ResolvedImage> {
    match source {
        ImageSource::Reference(reference) => ensure_reference(engine, reference).await,
        ImageSource::Build(context) => ensure_built(engine, context).await,
    }
}

/// The image id a source resolves to now, without pulling or building: `None` when missing.
pub async fn current_id(engine: &Engine, source: &ImageSource) -> Result<Option<String>> {
    let reference = match source {
        ImageSource::Reference(reference) => reference.clone(),
        ImageSource::Build(context) => build_tag(context, &prepare(context).await?.hash),
    };
    inspect_id(engine, &reference).await
}

async fn inspect_id(engine: &Engine, reference: &str) -> Result<Option<String>> {
    match engine.docker().inspect_image(reference).await {
        Ok(image) => Ok(image.id),
        Err(e) if status_of(&e) == Some(404) => Ok(None),
        Err(e) => Err(Error::engine("inspect image", reference, e)),
    }
}

async fn ensure_reference(engine: &Engine, reference: &str) -> Result<ResolvedImage> {
    if let Some(id) = inspect_id(engine, reference).await? {
        return Ok(ResolvedImage { reference: reference.to_string(), id });
    }
    let options = bollard::query_parameters::CreateImageOptionsBuilder::new().from_image(reference).build();
    let mut pull = engine.streaming().create_image(Some(options), None, None);
    let shown = crate::progress::task(format!("pull {reference}"), "starting");
    let mut layers = PullLayers::default();
    while let Some(progress) = pull.next().await {
        let progress =
            progress.map_err(|e| Error::ImageMissing { reference: reference.into(), reason: e.to_string() })?;
        if let Some(detail) = layers.update(&progress) {
            shown.set(detail);
        }
        if let Some(detail) = progress.error_detail.and_then(|d| d.message) {
            return Err(Error::ImageMissing { reference: reference.into(), reason: detail });
        }
    }
    match inspect_id(engine, reference).await? {
        Some(id) => Ok(ResolvedImage { reference: reference.to_string(), id }),
        None => Err(Error::ImageMissing {
            reference: reference.into(),
            reason: "the pull reported success but the image is absent".into(),
        }),
    }
}

/// A context made ready to build: what is sent, and the hash of exactly that.
struct Prepared {
    selection: Arc<context::Selection>,
    hash: String,
}

/// Selects and hashes a context off the async threads; file contents are read only where the
/// context's index does not vouch for them.
async fn prepare(context: &BuildContext) -> Result<Prepared> {
    let context = context.clone();
    tokio::task::spawn_blocking(move || {
        let selection = context::select(&context)?;
        let mut index = index::Index::load(&context.dir);
        let hash = context::content_hash(&context, &selection, &mut index)?;
        index.save();
        tracing::debug!(context = %context.dir.display(), ignore_file = ?selection.ignore_file, sent = selection.entries.len(), %hash, "hashed build context");
        Ok(Prepared { selection: Arc::new(selection), hash })
    })
    .await
    .expect("hashing a build context does not panic")
}

/// `scenario-build/<folder>:<content hash>`: lower-case, as image references must be.
fn build_tag(context: &BuildContext, hash: &str) -> String {
    let folder =
        context.dir.file_name().map(|n| n.to_string_lossy().to_lowercase()).unwrap_or_else(|| "context".into());
    let folder: String = folder
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-') { c } else { '-' })
        .collect();
    format!("scenario-build/{}:{hash}", folder.trim_matches(|c: char| !c.is_ascii_alphanumeric()))
}

type BuildLock = Arc<tokio::sync::Mutex<()>>;

/// One lock per (engine, tag): concurrent containers built from the same context wait for one
/// build, then find its image. (A lock rather than a cached result: retention may remove an
/// image later, and then it must be built again.)
fn build_lock(engine: &Engine, tag: &str) -> BuildLock {
    static LOCKS: OnceLock<Mutex<HashMap<String, BuildLock>>> = OnceLock::new();
    let key = format!("{}|{tag}", engine.endpoint());
    LOCKS.get_or_init(Default::default).lock().unwrap().entry(key).or_default().clone()
}

/// Whose a built image is and how many images of one context stay on the engine.
#[derive(Clone, Debug)]
pub struct BuildPolicy {
    /// Labelled on the image, so `cargo scenario ls` / `prune --images` find it.
    pub project: ProjectId,
    /// The newest images of a context that are kept; older ones go once unused (at least 1).
    pub keep: usize,
}

impl BuildPolicy {
    /// The running project (`ProjectId::detect`), keeping `SCENARIO_KEEP_IMAGES` (default 2).
    pub fn from_env() -> BuildPolicy {
        BuildPolicy { project: ProjectId::detect(), keep: retention::keep_from_env() }
    }
}

async fn ensure_built(engine: &Engine, context: &BuildContext) -> Result<ResolvedImage> {
    ensure_built_with(engine, context, &BuildPolicy::from_env()).await
}

/// Resolves a build context's image, building it when missing; after a build, the context's
/// older images beyond the newest `policy.keep` are removed where no container uses them.
pub async fn ensure_built_with(engine: &Engine, context: &BuildContext, policy: &BuildPolicy) -> Result<ResolvedImage> {
    let prepared = prepare(context).await?;
    let tag = build_tag(context, &prepared.hash);
    if let Some(id) = inspect_id(engine, &tag).await? {
        return Ok(ResolvedImage { reference: tag, id });
    }
    let lock = build_lock(engine, &tag);
    let _building = lock.lock().await;
    if let Some(id) = inspect_id(engine, &tag).await? {
        return Ok(ResolvedImage { reference: tag, id });
    }
    let image = build(engine, context, &prepared, &tag, &policy.project).await?;
    retention::remove_superseded(engine, context, &image.id, policy.keep.max(1)).await;
    Ok(image)
}

/// Steps of a build: archive the selection, send it, follow the engine's output, find the image.
async fn build(
    engine: &Engine,
    context: &BuildContext,
    prepared: &Prepared,
    tag: &str,
    project: &ProjectId,
) -> Result<ResolvedImage> {
    let started = std::time::Instant::now();
    let selection = prepared.selection.clone();
    let archive = tokio::task::spawn_blocking(move || context::tar_archive(&selection))
        .await
        .expect("archiving a build context does not panic")?;
    let context_key = retention::context_key(context);
    let context_dir = context.dir.display().to_string();
    let labels = HashMap::from([
        (crate::labels::MANAGED, "true"),
        (crate::labels::CONTEXT_HASH, prepared.hash.as_str()),
        (crate::labels::BUILD_CONTEXT, context_key.as_str()),
        (crate::labels::BUILD_CONTEXT_DIR, context_dir.as_str()),
        (crate::labels::PROJECT, project.as_str()),
    ]);
    let options = bollard::query_parameters::BuildImageOptionsBuilder::new()
        .t(tag)
        .dockerfile(&prepared.selection.dockerfile)
        .buildargs(&context.args.iter().collect::<HashMap<_, _>>())
        .labels(&labels)
        .rm(true)
        .forcerm(true)
        .build();
    let failed = |reason: String, tail: &VecDeque<String>| Error::BuildFailed {
        context: context.dir.clone(),
        reason,
        output_tail: tail.iter().cloned().collect::<Vec<_>>().join("\n"),
    };
    let mut output = VecDeque::new();
    let name =
        context.dir.file_name().map_or_else(|| context.dir.display().to_string(), |n| n.to_string_lossy().into());
    let shown = crate::progress::task(format!("build {name}"), "sending the context");
    let mut stream = engine.streaming().build_image(options, None, Some(bollard::body_full(archive.into())));
    while let Some(info) = stream.next().await {
        let info = match info {
            Ok(info) => info,
            Err(e) => return Err(failed(e.to_string(), &output)),
        };
        if let Some(text) = info.stream.as_deref() {
            for line in text.lines().filter(|l| !l.trim().is_empty()) {
                // The classic builder's `Step 3/7 : RUN ...` lines say where the build is.
                if let Some(step) = line.strip_prefix("Step ") {
                    shown.set(format!("step {step}"));
                }
                if output.len() == BUILD_TAIL_LINES {
                    output.pop_front();
                }
                output.push_back(line.to_string());
            }
        }
        let error = info.error_detail.and_then(|d| d.message);
        if let Some(message) = error {
            return Err(failed(message, &output));
        }
    }
    let id = inspect_id(engine, tag)
        .await?
        .ok_or_else(|| failed("the build ended without producing the tagged image".into(), &output))?;
    tracing::info!(context = %context.dir.display(), %tag, elapsed_ms = started.elapsed().as_millis() as u64, "built image");
    Ok(ResolvedImage { reference: tag.to_string(), id })
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
