use scenario_runtime::prelude::*;

// ../compose/cycle.yml: `web` depends on `api`, `api` on `db`, `db` on `web`. The scenario's
// compile-time check reports it, as for `#[container]`s.
#[scenario(compose = "../../../../tests/ui/compose/cycle.yml")]
mod shop {}

fn main() {}
