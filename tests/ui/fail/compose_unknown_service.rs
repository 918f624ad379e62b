use scenario_runtime::prelude::*;

// ../compose/minimal.yml has the services `web` and `db`.
#[scenario(compose = "../../../../tests/ui/compose/minimal.yml")]
mod shop {
    #[test]
    async fn asks_for_a_cache(env: &Env) {
        let _ = env.get::<services::Web>();
        let _ = env.get::<services::Cache>();
    }
}

fn main() {}
