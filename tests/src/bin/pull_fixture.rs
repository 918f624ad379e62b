//! Run by tests/tests/pull.rs: a scenario whose image reference comes from the environment
//! (`PULL_FIXTURE_IMAGE`, a registry on a free port) and whose pull policy says `never`, so a
//! run that pulls shows `SCENARIO_PULL` overriding it, with credentials found through
//! `DOCKER_CONFIG` and `PATH` as the docker CLI finds them.

use scenario_runtime::prelude::*;

fn image() -> String {
    std::env::var("PULL_FIXTURE_IMAGE").expect("the test names the image")
}

#[container(image = image(), pull = "never", cmd = ["sh", "-c", "echo pulled-up; exec sleep 3600"], ready = log("pulled-up"))]
pub struct Pulled;

#[scenario(containers = [Pulled])]
mod pulled {
    use super::*;

    #[test]
    async fn runs(env: &Env) -> TestResult {
        env.get::<Pulled>().exec(["true"]).await?;
        Ok(())
    }
}

scenario_runtime::main!();
