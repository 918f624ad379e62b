use scenario_runtime::prelude::*;

#[container(image = "postgres:16", ports = [5432])]
pub struct Db;

#[container(image = "redis:7", ports = [6379], depends_on = [Db], prestart = 2)]
pub struct Cache;

#[container(image = "busybox:1.35", prestart = 0)]
pub struct Empty;

fn main() {}
