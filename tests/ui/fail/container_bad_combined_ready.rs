use scenario_runtime::prelude::*;

#[container(image = "busybox:1.35", ports = [5432], ready = all())]
pub struct Empty;

#[container(image = "busybox:1.35", ports = [5432], ready = any(port(5432), port(6379), timeout = "5s"))]
pub struct Misplaced;

fn main() {}
