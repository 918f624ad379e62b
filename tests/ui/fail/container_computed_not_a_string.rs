use scenario_runtime::prelude::*;

const PORT: u16 = 5432;

#[container(image = "busybox:1.35", env(PORT = PORT))]
pub struct NotAString;

#[container(image = "busybox:1.35", cmd = ["sleep", 5], labels(tier = 1))]
pub struct Literals;

fn main() {}
