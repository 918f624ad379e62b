use scenario_runtime::prelude::*;

#[container(image = "busybox:1.35", ready = lgo("ready"))]
pub struct UnknownKind;

#[container(image = "busybox:1.35", ready = log)]
pub struct MissingText;

#[container(image = "busybox:1.35", ports = [8080], ready = http(8080))]
pub struct MissingPath;

#[container(image = "busybox:1.35", ready = log("ready", timeout = "0s"))]
pub struct ZeroTimeout;

#[container(image = "busybox:1.35", ready = log("ready", timeout = "-5s"))]
pub struct NegativeTimeout;

#[container(image = "busybox:1.35", ready = healthy(timeout = "soon"))]
pub struct UnparseableTimeout;

#[container(image = "busybox:1.35", ready = log("ready", times = 0, tiemout = "1s"))]
pub struct BadNamedArguments;

#[container(image = "busybox:1.35", ports = [80], ready = port(80, 81))]
pub struct ExtraArgument;

#[container(image = "busybox:1.35", ready = "ready to accept connections")]
pub struct NotAStrategy;

fn main() {}
