use scenario_runtime::prelude::*;

#[container(ports = [5432])]
pub struct Db;

#[container]
pub struct Bare;

fn main() {}
