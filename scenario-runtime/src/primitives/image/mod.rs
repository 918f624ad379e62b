//! Making sure a container's image is on the engine: references are used or pulled, build
//! contexts are built once per content hash (concurrent requests in one process share a build),
//! and the images a context no longer resolves to are removed (`retention`).

mod context;
pub mod credentials;
mod dockerignore;
mod index;
pub mod pull;
pub mod reference;
mod retention;

pub use crate::spec::pull_policy::{PullPolicy, PULL_ENV};
pub use credentials::DockerConfig;
pub use pull::PullRequest;
pub use retention::{built_images, remove_built_images, remove_context_images, BuiltImage, KEEP_IMAGES_ENV};

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, OnceLock};

use futures_util::StreamExt;

use crate::base::error::{status_of, Error, Result};
use crate::base::identity::ProjectId;
use crate::engine::Engine;
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

/// Resolves the image of a spec, pulling it when missing (or as `SCENARIO_PULL` says) or building
/// it when its context has no image yet.
pub async fn ensure(engine: &Engine, source: &ImageSource) -> Result<ResolvedImage> {
    let request = PullRequest::for_run(PullPolicy::Missing, crate::base::identity::SessionId::detect().as_str());
    ensure_with(engine, source, &request).await
}

/// Resolves a container's image for the run `session`, pulling as its pull policy says.
pub async fn ensure_for(
    engine: &Engine,
    spec: &crate::spec::ContainerSpec,
    session: &crate::base::identity::SessionId,
) -> Result<ResolvedImage> {
    ensure_with(engine, &spec.image, &PullRequest::for_run(spec.pull, session.as_str())).await
}

/// [`ensure`] with the pull made as `pull` says (build contexts are built as always).
pub async fn ensure_with(engine: &Engine, source: &ImageSource, pull: &PullRequest) -> Result<ResolvedImage> {
    match source {
        ImageSource::Reference(reference) => pull::ensure_reference(engine, reference, pull).await,
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
        (crate::base::labels::MANAGED, "true"),
        (crate::base::labels::CONTEXT_HASH, prepared.hash.as_str()),
        (crate::base::labels::BUILD_CONTEXT, context_key.as_str()),
        (crate::base::labels::BUILD_CONTEXT_DIR, context_dir.as_str()),
        (crate::base::labels::PROJECT, project.as_str()),
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
    let shown = crate::base::progress::task(format!("build {name}"), "sending the context");
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
