//! Images: built from a context through the engine, tagged by content hash, built once, rebuilt
//! when the context changes; failures and missing images explained.

use std::collections::HashMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use futures_util::StreamExt;
use scenario_runtime::__private::image;
use scenario_runtime::prelude::*;
use scenario_runtime::BuildContext;
use scenario_runtime::{Error, ImageSource, ProjectId};
use scenario_tests::{engine, TestScope};

/// A fresh build context folder, removed (with the images built from it) on drop.
struct Context {
    dir: PathBuf,
    engine: Engine,
    dockerfile: String,
}

impl Context {
    fn new(engine: &Engine, name: &str, dockerfile: &str) -> Context {
        Context::with_dockerfile(engine, name, "Dockerfile", dockerfile)
    }

    fn with_dockerfile(engine: &Engine, name: &str, path: &str, dockerfile: &str) -> Context {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
        let dir = std::env::temp_dir().join(format!("{name}-{}-{nanos}", std::process::id()));
        let ctx = Context { dir, engine: engine.clone(), dockerfile: path.into() };
        ctx.write(path, dockerfile);
        ctx
    }

    fn build_context(&self) -> BuildContext {
        BuildContext::new(self.dir.clone()).with_dockerfile(self.dockerfile.clone())
    }

    fn source(&self) -> ImageSource {
        ImageSource::Build(self.build_context())
    }

    fn write(&self, file: &str, text: &str) {
        let path = self.dir.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    fn mkdir(&self, dir: &str, mode: u32) {
        let path = self.dir.join(dir);
        std::fs::create_dir_all(&path).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    fn chmod(&self, file: &str, mode: u32) {
        std::fs::set_permissions(self.dir.join(file), std::fs::Permissions::from_mode(mode)).unwrap();
    }

    fn symlink(&self, target: &str, link: &str) {
        std::os::unix::fs::symlink(target, self.dir.join(link)).unwrap();
    }
}

impl Drop for Context {
    fn drop(&mut self) {
        let engine = self.engine.clone();
        let context = self.build_context();
        let _ = std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap()
                .block_on(image::remove_context_images(&engine, &context))
        })
        .join();
        let _ = std::fs::remove_dir_all(&self.dir);
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
    let ctx = Context::new(
        &engine,
        "scn-build-once",
        "FROM busybox:1.35\nCOPY greeting /greeting\nCMD [\"cat\", \"/greeting\"]\n",
    );
    ctx.write("greeting", "hello v1\n");
    let since = now_secs() - 1;

    let first = image::ensure(&engine, &ctx.source()).await.unwrap();
    assert!(first.reference.starts_with("scenario-build/scn-build-once-"), "{}", first.reference);
    assert_eq!(tag_events(&engine, &first.reference, since).await, 1, "built and tagged once");

    let again = image::ensure(&engine, &ctx.source()).await.unwrap();
    assert_eq!(again, first);
    assert_eq!(tag_events(&engine, &first.reference, since).await, 1, "an unchanged context is not rebuilt");
    assert_eq!(image::current_id(&engine, &ctx.source()).await.unwrap(), Some(first.id.clone()));

    ctx.write("greeting", "hello v2\n");
    assert_eq!(image::current_id(&engine, &ctx.source()).await.unwrap(), None, "a changed context has no image yet");
    let second = image::ensure(&engine, &ctx.source()).await.unwrap();
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
    let ctx = Context::new(&engine, "scn-build-shared", "FROM busybox:1.35\nRUN echo built > /built\n");
    let since = now_secs() - 1;
    let source = ctx.source();
    let (a, b, c) =
        tokio::join!(image::ensure(&engine, &source), image::ensure(&engine, &source), image::ensure(&engine, &source));
    let a = a.unwrap();
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
    let source = ContainerSpec::from_build("x", Path::new("/nonexistent/context")).image().clone();
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

/// `/ctx` of an image as one line per path: type, mode, owner, mtime, link count, and checksum or
/// link target, so two images compare as `docker build` users would see them.
fn listing(image: &str) -> Vec<String> {
    let script = r#"cd /ctx && find . | sort | while IFS= read -r f; do
        s=$(stat -c '%F|%a|%u:%g|%Y|%h' "$f")
        case "$s" in
            regular*) c=$(md5sum < "$f" | cut -d' ' -f1) ;;
            symbolic*) c=$(readlink "$f") ;;
            *) c= ;;
        esac
        echo "$f|$s|$c"
    done"#;
    let out = Command::new("docker")
        .args(["run", "--rm", "--label", "dev.scenario.managed=true", "--entrypoint", "sh", image, "-c", script])
        .output()
        .expect("the docker CLI runs");
    assert!(out.status.success(), "listing {image}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).lines().map(String::from).collect()
}

/// Builds `ctx` with the Docker CLI itself (its classic builder, the one the engine's build API
/// runs) and lists the result; the reference image is removed again.
fn listing_of_docker_build(ctx: &Context) -> Vec<String> {
    let tag = format!("scenario-test/reference-{}", unique_suffix());
    let out = Command::new("docker")
        .env("DOCKER_BUILDKIT", "0")
        .args(["build", "-q", "--label", "dev.scenario.managed=true", "-t", &tag, "-f"])
        .arg(ctx.dir.join(&ctx.dockerfile))
        .arg(&ctx.dir)
        .output()
        .expect("the docker CLI runs");
    assert!(out.status.success(), "docker build: {}", String::from_utf8_lossy(&out.stderr));
    let listed = listing(&tag);
    let removed = Command::new("docker").args(["rmi", "-f", &tag]).output().unwrap();
    assert!(removed.status.success(), "{}", String::from_utf8_lossy(&removed.stderr));
    listed
}

fn unique_suffix() -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    format!("{}-{nanos}", std::process::id())
}

/// Every rule of `.dockerignore` at once, and what it does not cover (symlinks, modes, empty
/// folders, hard links): the image built through the runtime holds exactly what `docker build`
/// of the same folder holds, file by file.
#[tokio::test]
async fn the_image_holds_what_docker_build_puts_there() {
    let engine = engine().await;
    let ctx = Context::new(&engine, "scn-ctx-rules", "FROM busybox:1.35\nCOPY . /ctx\n");
    ctx.write(
        ".dockerignore",
        "# a comment: the next line is one too, so `#hash.txt` is sent\n#hash.txt\n\
         target\n*.log\n!keep.log\n/docs/*.md\n!docs/README.md\n**/*.tmp\n?.bak\nsecret?\n\
         Dockerfile\n.dockerignore\nnested/excluded\n!nested/excluded/kept\ncache\n!**/deep-kept\n  spaced.txt  \n",
    );
    for file in [
        "#hash.txt",
        "target/debug/app",
        "target/big.bin",
        "app.log",
        "keep.log",
        "sub/app.log",
        "docs/guide.md",
        "docs/README.md",
        "docs/sub/deep.md",
        "a.tmp",
        "sub/b.tmp",
        "sub/deeper/c.tmp",
        "x.bak",
        "xy.bak",
        "secret1",
        "secret12",
        "nested/excluded/dropped",
        "nested/excluded/kept",
        "nested/other",
        "cache/deep-kept",
        "sub/deep-kept",
        "spaced.txt",
        "with space.txt",
    ] {
        ctx.write(file, &format!("content of {file}\n"));
    }
    ctx.write("run.sh", "#!/bin/sh\necho run\n");
    ctx.chmod("run.sh", 0o755);
    ctx.write("private", "p\n");
    ctx.chmod("private", 0o600);
    ctx.write("setuid-tool", "s\n");
    ctx.chmod("setuid-tool", 0o4755);
    ctx.mkdir("empty", 0o755);
    ctx.mkdir("sub/empty-too", 0o700);
    ctx.mkdir("shared", 0o1777);
    ctx.chmod("nested/excluded", 0o700);
    ctx.symlink("keep.log", "link-to-file");
    ctx.symlink("/nowhere/at/all", "link-dangling");
    ctx.symlink("sub", "link-to-dir");
    std::fs::hard_link(ctx.dir.join("xy.bak"), ctx.dir.join("sub/hard-link")).unwrap();

    let built = image::ensure(&engine, &ctx.source()).await.unwrap();
    let ours = listing(&built.reference);
    let docker = listing_of_docker_build(&ctx);
    assert_eq!(ours, docker, "the runtime's image differs from docker build's");

    // And the rules did what they say (so the comparison above compares something).
    let paths: Vec<&str> = ours.iter().map(|l| l.split('|').next().unwrap()).collect();
    for sent in [
        "./#hash.txt",
        "./keep.log",
        "./sub/app.log",
        "./docs/README.md",
        "./docs/sub/deep.md",
        "./xy.bak",
        "./secret12",
        "./nested/excluded/kept",
        "./sub/deep-kept",
        "./with space.txt",
        "./empty",
        "./sub/empty-too",
        "./link-dangling",
        "./sub/hard-link",
    ] {
        assert!(paths.contains(&sent), "{sent} should be in the image: {paths:?}");
    }
    for ignored in [
        "./target",
        "./app.log",
        "./docs/guide.md",
        "./a.tmp",
        "./sub/b.tmp",
        "./sub/deeper/c.tmp",
        "./x.bak",
        "./secret1",
        "./nested/excluded/dropped",
        "./cache",
        "./spaced.txt",
        "./Dockerfile",
        "./.dockerignore",
    ] {
        assert!(!paths.contains(&ignored), "{ignored} should not be in the image: {paths:?}");
    }
    let line = |path: &str| ours.iter().find(|l| l.starts_with(&format!("{path}|"))).unwrap().clone();
    assert!(line("./run.sh").contains("|755|"), "{}", line("./run.sh"));
    assert!(line("./private").contains("|600|"), "{}", line("./private"));
    assert!(line("./shared").contains("|1777|"), "{}", line("./shared"));
    assert!(line("./link-to-dir").ends_with("|sub"), "{}", line("./link-to-dir"));
}

/// BuildKit's rule for a Dockerfile outside the root: `<Dockerfile>.dockerignore` beside it
/// replaces the root `.dockerignore`, and a Dockerfile it excludes is not seen by `COPY`. (The
/// engine's classic builder knows no such file, so this is checked against what BuildKit sends.)
#[tokio::test]
async fn a_dockerfile_specific_ignore_file_is_used_as_buildkit_uses_it() {
    let engine = engine().await;
    let ctx =
        Context::with_dockerfile(&engine, "scn-ctx-perdf", "docker/app.Dockerfile", "FROM busybox:1.35\nCOPY . /ctx\n");
    ctx.write("docker/app.Dockerfile.dockerignore", "docker\n*.md\n");
    ctx.write(".dockerignore", "src\n");
    ctx.write("src/main.rs", "fn main() {}\n");
    ctx.write("README.md", "read me\n");
    let built = image::ensure(&engine, &ctx.source()).await.unwrap();
    let paths: Vec<String> =
        listing(&built.reference).iter().map(|l| l.split('|').next().unwrap().to_string()).collect();
    assert_eq!(paths, [".", "./.dockerignore", "./src", "./src/main.rs"]);

    // Without the specific file, the root one applies (and the Dockerfile, not excluded, is sent).
    std::fs::remove_file(ctx.dir.join("docker/app.Dockerfile.dockerignore")).unwrap();
    let built = image::ensure(&engine, &ctx.source()).await.unwrap();
    let paths: Vec<String> =
        listing(&built.reference).iter().map(|l| l.split('|').next().unwrap().to_string()).collect();
    assert_eq!(paths, [".", "./.dockerignore", "./README.md", "./docker", "./docker/app.Dockerfile"]);
}

/// Ignored files never cause a rebuild; sent files do, also when an edit keeps the size and
/// the modification time (the index compares the change time too).
#[tokio::test]
async fn only_sent_files_decide_whether_a_context_changed() {
    let engine = engine().await;
    let ctx = Context::new(&engine, "scn-ctx-change", "FROM busybox:1.35\nCOPY app.txt /app.txt\n");
    ctx.write(".dockerignore", "target\n");
    ctx.write("target/debug/build.bin", "old build output");
    ctx.write("app.txt", "version 1");
    let source = ctx.source();
    let first = image::ensure(&engine, &source).await.unwrap();

    ctx.write("target/debug/build.bin", "new build output, longer");
    ctx.write("target/new-file", "x");
    assert_eq!(image::current_id(&engine, &source).await.unwrap(), Some(first.id.clone()), "ignored edits");

    // Let the stamps age past the index's racy margin, so the index is what decides below
    // (younger stamps are always hashed again, which would hide a missed change).
    std::thread::sleep(std::time::Duration::from_millis(1_200));
    assert_eq!(image::current_id(&engine, &source).await.unwrap(), Some(first.id.clone()), "indexed");
    let path = ctx.dir.join("app.txt");
    let before = std::fs::metadata(&path).unwrap();
    std::fs::write(&path, "version 2").unwrap();
    set_mtime(&path, &before);
    let after = std::fs::metadata(&path).unwrap();
    assert_eq!((after.len(), after.modified().unwrap()), (before.len(), before.modified().unwrap()));
    assert_eq!(image::current_id(&engine, &source).await.unwrap(), None, "a same-size, same-mtime edit is seen");
    let second = image::ensure(&engine, &source).await.unwrap();
    assert_ne!(second.id, first.id);
}

/// Puts `path`'s modification time back to what `meta` recorded.
fn set_mtime(path: &Path, meta: &std::fs::Metadata) {
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::fs::MetadataExt;
    let c_path = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
    let times = [
        libc::timespec { tv_sec: meta.atime(), tv_nsec: meta.atime_nsec() },
        libc::timespec { tv_sec: meta.mtime(), tv_nsec: meta.mtime_nsec() },
    ];
    // SAFETY: a valid C path and two timespecs, as utimensat expects.
    let rc = unsafe { libc::utimensat(libc::AT_FDCWD, c_path.as_ptr(), times.as_ptr(), 0) };
    assert_eq!(rc, 0, "utimensat {}", path.display());
}

/// A context keeps its newest images (N configurable); older ones go, except one a container
/// still uses, which goes once that container is gone.
#[tokio::test]
async fn superseded_images_are_removed_once_unused() {
    let engine = engine().await;
    let ctx = Context::new(&engine, "scn-ctx-keep", "FROM busybox:1.35\nCOPY v /v\n");
    let project = ProjectId::new(&format!("keep{}", unique_suffix().replace('-', "")));
    let policy = image::BuildPolicy { project: project.clone(), keep: 2 };
    let context = ctx.build_context();
    let mut built = Vec::new();
    for version in 1..=3 {
        ctx.write("v", &format!("{version}\n"));
        built.push(image::ensure_built_with(&engine, &context, &policy).await.unwrap());
    }
    // Tags present, sorted (creation times have one-second resolution, so no order is asserted).
    let present = |images: Vec<image::BuiltImage>| {
        let mut tags = images.into_iter().flat_map(|i| i.tags).collect::<Vec<_>>();
        tags.sort();
        tags
    };
    let sorted = |mut tags: Vec<String>| {
        tags.sort();
        tags
    };
    assert_eq!(
        present(image::built_images(&engine, &project).await.unwrap()),
        sorted(vec![built[2].reference.clone(), built[1].reference.clone()]),
        "the newest two are kept"
    );

    // v2 is used by a container: with N = 1, building v4 keeps it until the container is gone.
    let create = bollard::query_parameters::CreateContainerOptionsBuilder::new()
        .name(&format!("scn-keep-user-{}", unique_suffix()))
        .build();
    let body = bollard::models::ContainerCreateBody {
        image: Some(built[1].reference.clone()),
        labels: Some(HashMap::from([("dev.scenario.managed".to_string(), "true".to_string())])),
        ..Default::default()
    };
    let user = engine.docker().create_container(Some(create), body).await.unwrap().id;
    let policy = image::BuildPolicy { keep: 1, ..policy };
    ctx.write("v", "4\n");
    let v4 = image::ensure_built_with(&engine, &context, &policy).await.unwrap();
    let images = image::built_images(&engine, &project).await.unwrap();
    assert_eq!(present(images.clone()), sorted(vec![v4.reference.clone(), built[1].reference.clone()]), "in use: kept");
    let in_use = |tag: &str| images.iter().find(|i| i.tags.iter().any(|t| t == tag)).unwrap().in_use;
    assert!(in_use(&built[1].reference) && !in_use(&v4.reference));

    engine.docker().remove_container(&user, None::<bollard::query_parameters::RemoveContainerOptions>).await.unwrap();
    ctx.write("v", "5\n");
    let v5 = image::ensure_built_with(&engine, &context, &policy).await.unwrap();
    assert_eq!(present(image::built_images(&engine, &project).await.unwrap()), vec![v5.reference]);
    // An image that was removed is built again when its content comes back.
    ctx.write("v", "1\n");
    let again = image::ensure_built_with(&engine, &context, &policy).await.unwrap();
    assert_eq!(again.reference, built[0].reference);
    assert_eq!(present(image::built_images(&engine, &project).await.unwrap()), [again.reference]);
}
