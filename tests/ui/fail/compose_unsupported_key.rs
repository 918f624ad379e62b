use scenario_runtime::prelude::*;

// ../compose/unsupported.yml: every key outside the supported subset, a misspelled one and an
// interpolation are reported at once, each with its line.
#[scenario(compose = "../../../../tests/ui/compose/unsupported.yml")]
mod shop {
    #[test]
    async fn uses_web(env: &Env) {
        let _ = env.get::<services::Web>();
    }
}

fn main() {}
