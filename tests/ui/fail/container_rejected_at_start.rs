use scenario_runtime::prelude::*;

// Each of these the runtime or the engine would refuse when the container starts.

#[container(image = "busybox:1.35", cmd = ["", "-c", "true"])]
pub struct EmptyProgram;

#[container(image = "busybox:1.35", ready = log(""))]
pub struct EmptyLogLine;

#[container(image = "busybox:1.35", ready = exec([""]), healthcheck(cmd = [""]))]
pub struct EmptyCommands;

#[container(image = "busybox:1.35", working_dir = "app", user = "")]
pub struct RelativeFolderEmptyUser;

#[container(image = "busybox:1.35", aliases = ["db", "db"])]
pub struct AliasTwice;

#[container(image = "busybox:1.35", prestart = 2, volumes = ["data:/data"])]
pub struct PoolOverANamedVolume;

fn main() {}
