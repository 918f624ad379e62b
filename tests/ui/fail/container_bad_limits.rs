use scenario_runtime::prelude::*;

#[container(image = "busybox:1.35", memory = "lots")]
pub struct NotASize;

#[container(image = "busybox:1.35", memory = "1m")]
pub struct BelowTheMinimum;

#[container(image = "busybox:1.35", memory = 256)]
pub struct NotAString;

#[container(image = "busybox:1.35", cpus = 0.0)]
pub struct NoCpu;

#[container(image = "busybox:1.35", cpus = -1)]
pub struct NegativeCpus;

#[container(image = "busybox:1.35", cpus = "half")]
pub struct CpusAsText;

fn main() {}
