use scenario_runtime::prelude::*;

#[container(image = "postgres:16")]
pub struct Db;

#[scenario(container = [Db])]
mod checkout {}

fn main() {}
