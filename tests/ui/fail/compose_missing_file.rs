use scenario_runtime::prelude::*;

#[scenario(compose = "compose/no-such-file.yml")]
mod shop {
    #[test]
    async fn starts() {}
}

fn main() {}
