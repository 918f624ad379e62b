use scenario_runtime::prelude::*;

#[container(image = "redis:7", ports = [6380], ready = port(6379))]
pub struct Cache;

#[container(image = "busybox:1.35", ready = http(8080, "/health"))]
pub struct Web;

fn main() {}
