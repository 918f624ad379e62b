use scenario_runtime::prelude::*;

#[container(image = "postgres:16")]
pub struct Db;

#[scenario(containers = [Db])]
mod checkout {
    use super::*;

    #[test]
    async fn owned_env(env: Env) {
        let _ = env;
    }

    #[test]
    async fn two_parameters(env: &Env, retries: u32) {
        let _ = (env, retries);
    }

    #[test]
    async fn wrong_type(db: &Container<Ready>) {
        let _ = db;
    }
}

fn main() {}
