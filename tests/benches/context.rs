//! Time to decide that a build context is unchanged (so nothing is built), for the two contexts
//! of issue 13: a crate root whose ignored `target/` holds 400 MB, and 10,000 small included
//! files. Each is measured through the runtime (select by `.dockerignore`, compare stamps with
//! the context's index, hash only what changed, one image inspect) and through `docker build`
//! of the same unchanged folder (the client's selection and tar, the classic builder's cache
//! check); prints medians and their ratio.
//!
//! `cargo bench -p scenario-tests --bench context` (SCENARIO_BENCH_ROUNDS to change the rounds);
//! without `--bench` one round, as a smoke test. Needs about 400 MB in the temp folder.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use scenario_runtime::__private::image;
use scenario_runtime::BuildContext;
use scenario_runtime::ImageSource;
use scenario_tests::bench::{self, median, ms};
use scenario_tests::{engine, BUSYBOX};

struct Fixture {
    name: &'static str,
    dir: PathBuf,
}

impl Fixture {
    fn new(name: &'static str) -> Fixture {
        let dir = std::env::temp_dir().join(format!("scn-bench-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Fixture { name, dir }
    }

    fn write(&self, rel: &str, bytes: &[u8]) {
        let path = self.dir.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }

    fn source(&self) -> ImageSource {
        ImageSource::Build(BuildContext::new(self.dir.clone()))
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A crate root: sources, and a `target/` of 400 MB (400 files of 1 MB) that `.dockerignore` drops.
fn crate_root() -> Fixture {
    let f = Fixture::new("crate");
    f.write("Dockerfile", format!("FROM {BUSYBOX}\nCOPY . /app\n").as_bytes());
    f.write(".dockerignore", b"target\n");
    f.write("Cargo.toml", b"[package]\nname = \"svc\"\n");
    for i in 0..20 {
        f.write(&format!("src/mod{i}.rs"), format!("pub fn f{i}() {{}}\n").as_bytes());
    }
    let megabyte = vec![7u8; 1 << 20];
    for i in 0..400 {
        f.write(&format!("target/debug/deps/lib{i}.rlib"), &megabyte);
    }
    f
}

/// 10,000 small files, all sent (100 folders of 100 files of 200 bytes).
fn many_files() -> Fixture {
    let f = Fixture::new("many");
    f.write("Dockerfile", format!("FROM {BUSYBOX}\nCOPY . /data\n").as_bytes());
    let body = [b'x'; 200];
    for d in 0..100 {
        for i in 0..100 {
            f.write(&format!("d{d:03}/f{i:03}.txt"), &body);
        }
    }
    f
}

/// `docker build` of the folder, unchanged since it was built: the whole round trip to "cached".
fn docker_build(dir: &Path, tag: &str) -> Duration {
    let begun = Instant::now();
    let out = Command::new("docker")
        .env("DOCKER_BUILDKIT", "0")
        .args(["build", "-q", "--label", "dev.scenario.managed=true", "-t", tag])
        .arg(dir)
        .output()
        .expect("the docker CLI runs");
    let took = begun.elapsed();
    assert!(out.status.success(), "docker build: {}", String::from_utf8_lossy(&out.stderr));
    took
}

#[tokio::main]
async fn main() {
    let rounds = bench::rounds();
    let engine = engine().await;
    println!("deciding that an unchanged build context needs no build, median of {rounds} rounds");
    println!("{:<44} {:>14} {:>14} {:>14} {:>8}", "context", "first (hashes)", "runtime", "docker build", "ratio");
    for fixture in [crate_root(), many_files()] {
        let source = fixture.source();
        let built = image::ensure(&engine, &source).await.unwrap();
        let tag = format!("scenario-bench/{}-{}", fixture.name, std::process::id());
        docker_build(&fixture.dir, &tag);

        // The first decision after the files were written reads every sent file (their stamps
        // were too young to be trusted when the image was built); it fills the index.
        let begun = Instant::now();
        assert_eq!(image::current_id(&engine, &source).await.unwrap(), Some(built.id.clone()));
        let first = begun.elapsed();

        let (mut ours, mut docker) = (Vec::new(), Vec::new());
        for _ in 0..rounds {
            let begun = Instant::now();
            let id = image::current_id(&engine, &source).await.unwrap();
            ours.push(begun.elapsed());
            assert_eq!(id, Some(built.id.clone()), "unchanged");
            docker.push(docker_build(&fixture.dir, &tag));
        }
        let (ours, docker) = (median(ours), median(docker));
        let label = match fixture.name {
            "crate" => "crate root, 400 MB ignored target/",
            _ => "10,000 small included files",
        };
        println!(
            "{label:<44} {:>14} {:>14} {:>14} {:>7.0}x",
            format!("{:.1}ms", ms(first)),
            format!("{:.1}ms", ms(ours)),
            format!("{:.1}ms", ms(docker)),
            ms(docker) / ms(ours)
        );
        let removed = Command::new("docker").args(["rmi", "-f", &tag]).output().unwrap();
        assert!(removed.status.success(), "{}", String::from_utf8_lossy(&removed.stderr));
        let ImageSource::Build(context) = &source else { unreachable!() };
        image::remove_context_images(&engine, context).await.unwrap();
    }
}
