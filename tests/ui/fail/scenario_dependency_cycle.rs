use scenario_runtime::prelude::*;

#[container(image = "busybox:1.35", depends_on = [Web])]
pub struct Db;

#[container(image = "busybox:1.35", depends_on = [Db])]
pub struct Cache;

#[container(image = "busybox:1.35", depends_on = [Cache])]
pub struct Web;

#[container(image = "busybox:1.35")]
pub struct Standalone;

#[scenario(containers = [Standalone, Db, Cache, Web])]
mod checkout {}

fn main() {}
