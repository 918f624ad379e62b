use scenario_runtime::prelude::*;

#[container(image = "postgres:16")]
pub struct Db;

#[scenario(containers = [Db, self::Db, Db])]
mod checkout {}

fn main() {}
