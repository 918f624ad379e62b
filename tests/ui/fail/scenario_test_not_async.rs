use scenario_runtime::prelude::*;

#[container(image = "postgres:16")]
pub struct Db;

#[scenario(containers = [Db])]
mod checkout {
    use super::*;

    #[test]
    fn not_async(env: &Env) {
        let _ = env.get::<Db>();
    }
}

fn main() {}
