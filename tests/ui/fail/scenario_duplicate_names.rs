use scenario_runtime::prelude::*;

#[container(image = "postgres:16", name = "db")]
pub struct Primary;

#[container(image = "postgres:16", name = "db")]
pub struct Replica;

#[scenario(containers = [Primary, Replica])]
mod checkout {}

fn main() {}
