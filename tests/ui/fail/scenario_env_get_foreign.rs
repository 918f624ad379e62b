use scenario_runtime::prelude::*;

#[container(image = "postgres:16")]
pub struct Db;

#[container(image = "redis:7")]
pub struct Cache;

#[scenario(containers = [Db])]
mod checkout {
    use super::*;

    #[test]
    async fn asks_for_the_cache(env: &Env) {
        let _ = env.get::<Cache>();
    }
}

fn main() {}
