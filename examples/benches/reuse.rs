//! The reuse loop measured on the realistic scenario (weblog + PostgreSQL + Redis): from harness
//! start (engine connection included) to the first test being able to run, on a cold start and
//! on a reuse hit, and their ratio. Beside the hit, the engine calls it makes replayed one after
//! another with raw bollard, so the runtime's own cost is seen apart from the engine's; and how
//! many engine calls the hit makes, counted by one more (untimed) hit through a pass-through to
//! the engine's socket.
//!
//! `cargo bench -p examples --bench reuse` (images are built first if missing, untimed).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use examples::checkout::{Cache, Db, Web};
use scenario_runtime::__private::launch::{land, launch, LaunchMode, LaunchReport, RunningEnv};
use scenario_runtime::__private::ContainerEntry;
use scenario_runtime::__private::{cleanup, labels};
use scenario_runtime::prelude::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{UnixListener, UnixStream};

static CHECKOUT: [ContainerEntry; 3] =
    [ContainerEntry::of::<Db>(), ContainerEntry::of::<Cache>(), ContainerEntry::of::<Web>()];

/// One run as the harness makes it: connect (to `endpoint`, else as the harness would), launch
/// with --reuse. The caller lands it (kept alive).
async fn one_run(project: &ProjectId, run: usize, endpoint: Option<&str>) -> (Duration, LaunchReport, RunningEnv) {
    let begun = Instant::now();
    let engine = match endpoint {
        Some(entry) => Engine::connect_to(entry).await.unwrap(),
        None => Engine::connect().await.unwrap(),
    };
    let ids = ScopeIds::new(SessionId::new(&format!("reusebench{run}")), project.clone(), "checkout").reusable(true);
    let (env, report) = launch(Scope::new(engine, ids), &CHECKOUT, LaunchMode::Reuse).await.unwrap();
    let took = begun.elapsed();
    (took, report, env)
}

/// The engine calls of a reuse hit, made one after another: the connection's ping, and per
/// container the inspect that decides on it and proves it (the attach and the readiness wait
/// start from that inspection) and an inspect of its image. Returns the time and the count.
/// (The hit also sends a wait for web's exit, which watches it while its HTTP probe runs and
/// is dropped unanswered when the probe succeeds: counted, but not replayed.)
async fn replay_hit_calls(engine: &Engine, project: &ProjectId) -> (Duration, usize) {
    let docker = engine.docker();
    let ids = ScopeIds::new(SessionId::new("replay"), project.clone(), "checkout").reusable(true);
    let names: Vec<String> = CHECKOUT.iter().map(|entry| ids.container_name(entry.name)).collect();
    let begun = Instant::now();
    docker.ping().await.unwrap();
    let mut calls = 1;
    for name in &names {
        let inspected = docker.inspect_container(name, None).await.unwrap();
        docker.inspect_image(inspected.image.as_deref().unwrap()).await.unwrap();
        calls += 2;
    }
    (begun.elapsed(), calls)
}

/// A pass-through to the engine's unix socket at `engine_socket` that counts the HTTP requests
/// sent through it (their request lines: a hit sends no request bodies). Returns its socket's
/// path and the count.
fn counting_proxy(engine_socket: PathBuf) -> (PathBuf, Arc<AtomicUsize>) {
    const REQUEST_LINE_END: &[u8] = b" HTTP/1.1\r\n";
    let path = std::env::temp_dir().join(format!("reusebench-{}.sock", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let listener = UnixListener::bind(&path).unwrap();
    let requests = Arc::new(AtomicUsize::new(0));
    let counted = requests.clone();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let (engine_socket, counted) = (engine_socket.clone(), counted.clone());
            tokio::spawn(async move {
                let Ok(engine) = UnixStream::connect(&engine_socket).await else { return };
                let (mut from_client, mut to_client) = client.into_split();
                let (mut from_engine, mut to_engine) = engine.into_split();
                let requests = async {
                    let (mut buf, mut seen) = (vec![0u8; 16 * 1024], Vec::new());
                    while let Ok(n @ 1..) = from_client.read(&mut buf).await {
                        if to_engine.write_all(&buf[..n]).await.is_err() {
                            break;
                        }
                        // What is kept of the last read lets a request line split across reads count.
                        seen.extend_from_slice(&buf[..n]);
                        let lines = seen.windows(REQUEST_LINE_END.len()).filter(|w| *w == REQUEST_LINE_END).count();
                        counted.fetch_add(lines, Ordering::Relaxed);
                        seen.drain(..seen.len().saturating_sub(REQUEST_LINE_END.len() - 1));
                    }
                    let _ = to_engine.shutdown().await;
                };
                let answers = tokio::io::copy(&mut from_engine, &mut to_client);
                let _ = tokio::join!(requests, answers);
            });
        }
    });
    (path, requests)
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() {
    let measuring = std::env::args().any(|a| a == "--bench");
    let runs = if measuring { 9 } else { 1 };
    let project = ProjectId::new(&format!("reusebench{}", std::process::id()));
    let engine = Engine::connect().await.unwrap();

    // Untimed: build the images once, so "cold" means cold containers, not first builds.
    for entry in &CHECKOUT {
        scenario_runtime::__private::image::ensure(&engine, (entry.spec)().image()).await.unwrap();
    }
    let (cold, cold_report, env) = one_run(&project, 0, None).await;
    assert_eq!(cold_report.started.len(), 3, "{cold_report:?}");
    land(env, true).await.unwrap();
    let mut hit_times = Vec::new();
    let mut decisions = Vec::new();
    let mut last = None;
    for run in 1..=runs {
        let (took, report, env) = one_run(&project, run, None).await;
        assert_eq!(report.attached.len(), 3, "a hit attaches to all three: {report:?}");
        land(env, true).await.unwrap();
        hit_times.push(took);
        decisions.push(report.planned);
        last = Some(report);
    }
    let report = last.unwrap();
    let mut replay_times = Vec::new();
    let mut replayed_calls = 0;
    for _ in 0..runs {
        let (took, calls) = replay_hit_calls(&engine, &project).await;
        replay_times.push(took);
        replayed_calls = calls;
    }
    let hit_calls = match engine.endpoint().strip_prefix("unix://") {
        Some(socket) => {
            let (proxy, requests) = counting_proxy(Path::new(socket).to_path_buf());
            let (_, counted, env) = one_run(&project, runs + 1, Some(&format!("unix://{}", proxy.display()))).await;
            assert_eq!(counted.attached.len(), 3, "the counted hit attaches to all three: {counted:?}");
            // Counted up to the first test, like the time (the connection's ping included).
            let calls = requests.load(Ordering::Relaxed);
            // Not landed: the hit ends here, and its containers are removed below.
            drop(env);
            let _ = std::fs::remove_file(&proxy);
            format!("{calls} engine calls")
        }
        None => "engine calls not counted (the engine is not on a unix socket)".to_string(),
    };
    cleanup::remove_including_kept(&engine, &[format!("{}={project}", labels::PROJECT)]).await.unwrap();

    let (hit, replayed, decided) = (median(hit_times), median(replay_times), median(decisions));
    println!("checkout (weblog + postgres + redis): harness start to first test, median of {runs} runs");
    println!("  cold start             {:>9.1} ms", ms(cold));
    println!(
        "  reuse hit              {:>9.1} ms   {hit_calls} and web's HTTP readiness probe; \
         deciding {:.1} ms ({} reused)",
        ms(hit),
        ms(decided),
        report.attached.join(", ")
    );
    println!(
        "  its calls replayed     {:>9.1} ms   {replayed_calls} engine calls one after another with raw bollard \
         (ping, per container an inspect and an image inspect)",
        ms(replayed)
    );
    println!("  hit / replay           {:>9.2} x", hit.as_secs_f64() / replayed.as_secs_f64());
    println!("  cold / hit             {:>9.0} x", cold.as_secs_f64() / hit.as_secs_f64());
}
