use scenario_runtime::__private::ContainerDef;
use scenario_runtime::prelude::*;

#[container(image = "busybox:1.35", memory = "256m", cpus = 0.5)]
pub struct Limited;

#[container(image = "busybox:1.35", memory = "1.5g", cpus = 2)]
pub struct Whole;

fn main() {
    let run = Limited::spec().run_options().clone();
    assert_eq!((run.memory(), run.nano_cpus()), (Some(256 << 20), Some(500_000_000)));
    let run = Whole::spec().run_options().clone();
    assert_eq!((run.memory(), run.nano_cpus()), (Some(3 << 29), Some(2_000_000_000)));
}
