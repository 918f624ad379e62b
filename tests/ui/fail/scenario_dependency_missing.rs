use scenario_runtime::prelude::*;

#[container(image = "postgres:16")]
pub struct Db;

#[container(image = "busybox:1.35", depends_on = [Db])]
pub struct Web;

#[scenario(containers = [Web])]
mod checkout {}

fn main() {}
