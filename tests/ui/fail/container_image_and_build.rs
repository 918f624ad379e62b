use scenario_runtime::prelude::*;

#[container(image = "postgres:16", build = "images/postgres")]
pub struct Db;

#[container(image = "busybox:1.35", dockerfile = "Dockerfile.test", build_args(V = "1"))]
pub struct Web;

fn main() {}
