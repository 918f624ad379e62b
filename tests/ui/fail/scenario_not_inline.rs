use scenario_runtime::prelude::*;

#[container(image = "postgres:16")]
pub struct Db;

#[scenario(containers = [Db])]
#[path = "../support/empty_module.rs"]
mod checkout;

#[scenario(containers = [Db])]
fn not_a_module() {}

fn main() {}
