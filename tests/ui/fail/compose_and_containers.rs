use scenario_runtime::prelude::*;

#[container(image = "busybox:1.35")]
pub struct Extra;

// A compose scenario's containers are its services; `build_context` must name one of them.
#[scenario(
    compose = "../../../../tests/ui/compose/minimal.yml",
    containers = [Extra],
    build_context(cache = std::env::temp_dir()),
)]
mod shop {
    #[test]
    async fn starts() {}
}

fn main() {}
