use scenario_runtime::prelude::*;

#[scenario(containers = [])]
mod empty {}

#[scenario]
mod missing {}

fn main() {}
