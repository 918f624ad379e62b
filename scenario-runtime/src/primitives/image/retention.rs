//! Built images do not pile up: each carries its project and build context as labels, a
//! context keeps its newest few images (switching back and forth between two versions does not
//! rebuild), and the rest are removed once no container uses them. Only images carrying the
//! managed label and this project's context label are ever looked at.

use std::collections::{HashMap, HashSet};

use bollard::query_parameters::{ListContainersOptionsBuilder, ListImagesOptionsBuilder, RemoveImageOptions};

use crate::base::error::{status_of, Error, Result};
use crate::base::identity::{short_hash, ProjectId};
use crate::base::labels;
use crate::engine::Engine;
use crate::spec::BuildContext;

/// How many images of one build context are kept (the newest; default 2, at least 1).
pub const KEEP_IMAGES_ENV: &str = "SCENARIO_KEEP_IMAGES";
const DEFAULT_KEEP: usize = 2;

pub(crate) fn keep_from_env() -> usize {
    std::env::var(KEEP_IMAGES_ENV).ok().and_then(|v| v.trim().parse().ok()).unwrap_or(DEFAULT_KEEP).max(1)
}

/// Names one build context (its folder and Dockerfile) in the `build-context` label.
pub(crate) fn context_key(context: &BuildContext) -> String {
    let dir = context.dir.canonicalize().unwrap_or_else(|_| context.dir.clone());
    let mut bytes = dir.as_os_str().as_encoded_bytes().to_vec();
    bytes.push(0);
    bytes.extend_from_slice(context.dockerfile.as_bytes());
    short_hash(&bytes)
}

/// An image built by this project.
#[derive(Clone, Debug)]
pub struct BuiltImage {
    /// Its `scenario-build/...` tags (usually one).
    pub tags: Vec<String>,
    /// The engine's image id (`sha256:...`).
    pub id: String,
    /// Bytes on the engine, layers shared with other images included.
    pub size: i64,
    /// Unix seconds.
    pub created: i64,
    /// The context folder it was built from.
    pub context_dir: String,
    /// Whether a container (running or not) uses it.
    pub in_use: bool,
}

async fn list(engine: &Engine, label_filters: Vec<String>) -> Result<Vec<BuiltImage>> {
    let filters = HashMap::from([("label", label_filters)]);
    let options = ListImagesOptionsBuilder::new().filters(&filters).build();
    let images = engine.docker().list_images(Some(options)).await.map_err(|e| Error::engine("list images", "", e))?;
    let used = images_in_use(engine).await?;
    let mut built: Vec<BuiltImage> = images
        .into_iter()
        .map(|image| BuiltImage {
            tags: image.repo_tags.into_iter().filter(|t| t.starts_with("scenario-build/")).collect(),
            in_use: used.contains(&image.id),
            context_dir: image.labels.get(labels::BUILD_CONTEXT_DIR).cloned().unwrap_or_default(),
            id: image.id,
            size: image.size,
            created: image.created,
        })
        .collect();
    built.sort_by(|a, b| b.created.cmp(&a.created).then_with(|| a.tags.cmp(&b.tags)));
    Ok(built)
}

async fn images_in_use(engine: &Engine) -> Result<HashSet<String>> {
    let options = ListContainersOptionsBuilder::new().all(true).build();
    let containers =
        engine.docker().list_containers(Some(options)).await.map_err(|e| Error::engine("list containers", "", e))?;
    Ok(containers.into_iter().filter_map(|c| c.image_id).collect())
}

/// The images this project built, newest first.
pub async fn built_images(engine: &Engine, project: &ProjectId) -> Result<Vec<BuiltImage>> {
    list(engine, project_filter(project)).await
}

fn project_filter(project: &ProjectId) -> Vec<String> {
    vec![format!("{}=true", labels::MANAGED), format!("{}={project}", labels::PROJECT), labels::BUILD_CONTEXT.into()]
}

/// Removes every image this project built that no container uses; returns how many were
/// removed and the tags left because a container uses them.
pub async fn remove_built_images(engine: &Engine, project: &ProjectId) -> Result<(usize, Vec<String>)> {
    let mut removed = 0;
    let mut in_use = Vec::new();
    for image in built_images(engine, project).await? {
        if image.in_use {
            in_use.extend(image.tags.clone());
            continue;
        }
        if remove(engine, &image).await? {
            removed += 1;
        } else {
            in_use.extend(image.tags.clone());
        }
    }
    Ok((removed, in_use))
}

/// Removes every image built from `context` that no container uses (tests clean up their
/// fixtures with it); returns how many were removed.
pub async fn remove_context_images(engine: &Engine, context: &BuildContext) -> Result<usize> {
    let mut removed = 0;
    for image in list(engine, context_filter(context)).await? {
        if !image.in_use && remove(engine, &image).await? {
            removed += 1;
        }
    }
    Ok(removed)
}

fn context_filter(context: &BuildContext) -> Vec<String> {
    vec![format!("{}=true", labels::MANAGED), format!("{}={}", labels::BUILD_CONTEXT, context_key(context))]
}

/// After a build of image `current`: the context's images beyond the newest `keep` (`current`
/// always among them: creation times have one-second resolution) go, unless a container uses
/// them. Failing here never fails the build; it is logged.
pub(crate) async fn remove_superseded(engine: &Engine, context: &BuildContext, current: &str, keep: usize) {
    let images = match list(engine, context_filter(context)).await {
        Ok(images) => images,
        Err(e) => return tracing::warn!(context = %context.dir.display(), "cannot list built images: {e}"),
    };
    let older = images.into_iter().filter(|image| image.id != current);
    for image in older.skip(keep.saturating_sub(1)).filter(|image| !image.in_use) {
        match remove(engine, &image).await {
            Ok(true) => tracing::info!(tags = ?image.tags, "removed a superseded built image"),
            Ok(false) => {}
            Err(e) => tracing::warn!(tags = ?image.tags, "cannot remove a superseded built image: {e}"),
        }
    }
}

/// Removes an image by each of its tags (by id when it has none), never forced; `false` when
/// the engine refuses because something uses it, or it is already gone.
async fn remove(engine: &Engine, image: &BuiltImage) -> Result<bool> {
    let names = if image.tags.is_empty() { vec![image.id.clone()] } else { image.tags.clone() };
    for name in &names {
        let options = RemoveImageOptions { force: false, noprune: false, ..Default::default() };
        match engine.docker().remove_image(name, Some(options), None).await {
            Ok(_) => {}
            Err(e) if matches!(status_of(&e), Some(404) | Some(409)) => return Ok(false),
            Err(e) => return Err(Error::engine("remove image", name, e)),
        }
    }
    Ok(true)
}
