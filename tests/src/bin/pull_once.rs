//! Run several at once by tests/tests/pull.rs, as nextest runs one process per test: resolves
//! `reference` for run `run` with pull policy `policy`, so the test can count what the registry
//! saw across processes.

use scenario_runtime::__private::image::pull::ensure_reference;
use scenario_runtime::__private::image::{DockerConfig, PullPolicy, PullRequest};

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [reference, run, policy, config] = args.as_slice() else {
        panic!("usage: pull_once REFERENCE RUN POLICY DOCKER_CONFIG_DIR");
    };
    let policy = PullPolicy::parse(policy).expect("missing, always or never");
    let engine = scenario_runtime::Engine::connect().await.expect("an engine");
    let request = PullRequest { policy, run: run.clone(), config: DockerConfig::at(config) };
    match ensure_reference(&engine, reference, &request).await {
        Ok(image) => println!("{}", image.id),
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
}
