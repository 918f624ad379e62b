// Independent mistakes are reported together, and code naming the container type-checks.
use scenario_runtime::prelude::*;

#[container(imgae = "postgres:16", ports = [0], ready = log("up", timeout = "0ms"), name = "bad name")]
pub struct Db;

#[scenario(containers = [Db])]
mod uses_the_broken_container {
    use super::*;

    #[test]
    async fn still_type_checks(env: &Env) {
        let _ = env.get::<Db>();
    }
}

fn main() {
    let _: &str = <Db as scenario_runtime::ContainerDef>::NAME;
}
