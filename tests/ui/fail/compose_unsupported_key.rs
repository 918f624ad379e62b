use scenario_runtime::prelude::*;

// ../compose/unsupported.yml: keys refused on purpose (with their reason), a misspelled one, one
// outside the supported subset, an interpolation where compile time needs the value, and a
// secret that is not backed by a file, all reported at once, each with its line.
#[scenario(compose = "../../../../tests/ui/compose/unsupported.yml")]
mod shop {
    #[test]
    async fn uses_web(env: &Env) {
        let _ = env.get::<services::Web>();
    }
}

fn main() {}
