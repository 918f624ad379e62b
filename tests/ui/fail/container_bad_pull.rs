use scenario_runtime::prelude::*;

#[container(image = "busybox:1.35", pull = "sometimes")]
pub struct Sometimes;

#[container(image = "busybox:1.35", pull = "alway")]
pub struct Typo;

#[container(build = "images/app", pull = "always")]
pub struct Built;

#[container(image = "busybox:1.35", pull = always)]
pub struct NotAString;

#[container(image = "busybox:1.35", pull = "always")]
pub struct Fine;

fn main() {}
