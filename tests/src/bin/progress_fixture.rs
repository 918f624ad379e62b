//! Run by tests/tests/progress_pull.rs: a scenario whose image is pulled from the registry the
//! test starts on 127.0.0.1:5999 (the reference is written here, so the port is fixed).

use scenario_runtime::prelude::*;

#[container(image = "127.0.0.1:5999/scenario-progress:pull", cmd = ["sh", "-c", "echo pulled-up; exec sleep 3600"], ready = log("pulled-up"))]
pub struct Pulled;

#[scenario(containers = [Pulled])]
mod pulled {
    use super::*;

    #[test]
    async fn runs(env: &Env) -> TestResult {
        env.get::<Pulled>().exec(["test", "-f", "/blob"]).await?;
        Ok(())
    }
}

scenario_runtime::main!();
