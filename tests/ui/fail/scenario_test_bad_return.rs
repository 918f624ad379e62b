use scenario_runtime::prelude::*;

#[container(image = "postgres:16")]
pub struct Db;

#[scenario(containers = [Db])]
mod checkout {
    #[test]
    async fn returns_a_number() -> u32 {
        7
    }

    #[test]
    async fn returns_a_value_on_success() -> Result<u32, std::io::Error> {
        Ok(7)
    }
}

fn main() {}
