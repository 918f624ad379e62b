use scenario_runtime::prelude::*;

#[container(image = "postgres:16")]
pub struct Db;

pub struct Cache;

#[scenario(containers = [Db, Cache])]
mod checkout {}

fn main() {}
