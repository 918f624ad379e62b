//! Images: built from a context through the engine, tagged by content hash, built once, rebuilt
//! when the context changes; failures and missing images explained.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use futures_util::StreamExt;
use scenario_runtime::prelude::*;
use scenario_runtime::{image, Error, ImageSource};
use scenario_tests::{engine, TestScope};

/// A fresh build context folder, removed (with the images built from it) on drop.
struct Context {
    dir: PathBuf,
    engine: Engine,
    built: Vec<String>,
}

impl Context {
    fn new(engine: &Engine, name: &str, dockerfile: &str) -> Context {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
        let dir = std::env::temp_dir().join(format!("{name}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("Dockerfile"), dockerfile).unwrap();
        Context { dir, engine: engine.clone(), built: Vec::new() }
    }

    fn source(&self) -> ImageSource {
        ContainerSpec::from_build("x", &self.dir).image
    }

    fn write(&self, file: &str, text: &str) {
        std::fs::write(self.dir.join(file), text).unwrap();
    }
}

impl Drop for Context {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
        let engine = self.engine.clone();
        let built = std::mem::take(&mut self.built);
        let _ = std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
                for tag in built {
                    let _ = engine
                        .docker()
                        .remove_image(&tag, None::<bollard::query_parameters::RemoveImageOptions>, None)
                        .await;
                }
            })
        })
        .join();
    }
}

/// Engine events about `tag` between two instants (the engine reports a `tag` event per build).
async fn tag_events(engine: &Engine, tag: &str, since: i64) -> usize {
    let until = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() + 1;
    let filters = HashMap::from([("type", vec!["image"]), ("event", vec!["tag"]), ("image", vec![tag])]);
    let options = bollard::query_parameters::EventsOptionsBuilder::new()
        .since(&since.to_string())
        .until(&until.to_string())
        .filters(&filters)
        .build();
    engine.docker().events(Some(options)).filter(|e| std::future::ready(e.is_ok())).count().await
}

fn now_secs() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

#[tokio::test]
async fn a_context_is_built_once_and_rebuilt_only_when_it_changes() {
    let engine = engine().await;
    let mut ctx = Context::new(
        &engine,
        "scn-build-once",
        "FROM busybox:1.35\nCOPY greeting /greeting\nCMD [\"cat\", \"/greeting\"]\n",
    );
    ctx.write("greeting", "hello v1\n");
    let since = now_secs() - 1;

    let first = image::ensure(&engine, &ctx.source()).await.unwrap();
    ctx.built.push(first.reference.clone());
    assert!(first.reference.starts_with("scenario-build/scn-build-once-"), "{}", first.reference);
    assert_eq!(tag_events(&engine, &first.reference, since).await, 1, "built and tagged once");

    let again = image::ensure(&engine, &ctx.source()).await.unwrap();
    assert_eq!(again, first);
    assert_eq!(tag_events(&engine, &first.reference, since).await, 1, "an unchanged context is not rebuilt");
    assert_eq!(image::current_id(&engine, &ctx.source()).await.unwrap(), Some(first.id.clone()));

    ctx.write("greeting", "hello v2\n");
    assert_eq!(image::current_id(&engine, &ctx.source()).await.unwrap(), None, "a changed context has no image yet");
    let second = image::ensure(&engine, &ctx.source()).await.unwrap();
    ctx.built.push(second.reference.clone());
    assert_ne!(second.reference, first.reference);
    assert_ne!(second.id, first.id);

    let built = engine.docker().inspect_image(&second.reference).await.unwrap();
    let labels = built.config.unwrap().labels.unwrap();
    assert_eq!(labels["dev.scenario.managed"], "true");

    // And a container runs what was built.
    let scope = TestScope::new("built").await;
    let spec = ContainerSpec::from_build("greeter", &ctx.dir)
        .cmd(["sh", "-c", "cat /greeting; exec sleep 3600"])
        .ready(Readiness::log("hello"));
    let c = scope.configure(spec).unwrap().start().await.unwrap().wait_ready().await.unwrap();
    assert_eq!(c.image_id(), second.id);
    assert_eq!(c.logs().await.unwrap(), "hello v2\n");
    scope.teardown(vec![c]).await.unwrap();
}

#[tokio::test]
async fn concurrent_containers_of_one_context_share_one_build() {
    let engine = engine().await;
    let mut ctx = Context::new(&engine, "scn-build-shared", "FROM busybox:1.35\nRUN echo built > /built\n");
    let since = now_secs() - 1;
    let source = ctx.source();
    let (a, b, c) =
        tokio::join!(image::ensure(&engine, &source), image::ensure(&engine, &source), image::ensure(&engine, &source));
    let a = a.unwrap();
    ctx.built.push(a.reference.clone());
    assert_eq!(a, b.unwrap());
    assert_eq!(a, c.unwrap());
    assert_eq!(tag_events(&engine, &a.reference, since).await, 1);
}

#[tokio::test]
async fn a_failing_build_reports_the_tail_of_its_output() {
    let engine = engine().await;
    let ctx = Context::new(&engine, "scn-build-fail", "FROM busybox:1.35\nRUN echo compiling the service && exit 7\n");
    match image::ensure(&engine, &ctx.source()).await.unwrap_err() {
        Error::BuildFailed { context, reason, output_tail } => {
            assert_eq!(context, ctx.dir);
            assert!(reason.contains("7"), "{reason}");
            assert!(output_tail.contains("compiling the service"), "{output_tail}");
        }
        other => panic!("expected a build failure, got {other}"),
    }
}

#[tokio::test]
async fn a_missing_build_context_names_the_folder() {
    let engine = engine().await;
    let source = ContainerSpec::from_build("x", Path::new("/nonexistent/context")).image;
    let text = image::ensure(&engine, &source).await.unwrap_err().to_string();
    assert!(text.contains("/nonexistent/context"), "{text}");
}

#[tokio::test]
async fn a_missing_image_that_cannot_be_pulled_is_explained() {
    let engine = engine().await;
    let source = ImageSource::Reference("scenario-test/absent:1".into());
    match image::ensure(&engine, &source).await.unwrap_err() {
        Error::ImageMissing { reference, .. } => assert_eq!(reference, "scenario-test/absent:1"),
        other => panic!("expected ImageMissing, got {other}"),
    }
}
