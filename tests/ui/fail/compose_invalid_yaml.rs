use scenario_runtime::prelude::*;

// ../compose/invalid.yml: line 4 is indented less than the key it belongs to.
#[scenario(compose = "../../../../tests/ui/compose/invalid.yml")]
mod shop {
    #[test]
    async fn starts() {}
}

fn main() {}
