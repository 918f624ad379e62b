use scenario_runtime::prelude::*;

// ../compose/fixed-ports.yml publishes fixed host ports, which 2 instances would both claim
// (also the one written with a variable); `remap_ports` would let the engine pick them.
#[scenario(compose = "../../../../tests/ui/compose/fixed-ports.yml", instances = 2)]
mod shop {
    #[test]
    async fn uses_db(env: &Env) {
        let _ = env.get::<services::Db>();
    }
}

fn main() {}
