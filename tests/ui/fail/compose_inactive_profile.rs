use scenario_runtime::prelude::*;

// ../compose/profiles.yml: `admin` is in the `tools` profile, which is not active, so the
// scenario has no such service.
#[scenario(compose = "../../../../tests/ui/compose/profiles.yml")]
mod shop {
    #[test]
    async fn uses_admin(env: &Env) {
        let _ = env.get::<services::Web>();
        let _ = env.get::<services::Admin>();
    }
}

fn main() {}
