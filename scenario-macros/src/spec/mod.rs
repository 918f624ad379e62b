//! One container's spec as both front ends lower it (`#[container]`'s arguments and a compose
//! service), and the one emitter that turns it into code: `model` is what a spec says, `emit`
//! the chain of `ContainerSpec` builder calls, `def` the `ContainerDef` impl around it.

mod def;
mod emit;
pub(crate) mod model;

pub(crate) use def::{container_def, stand_in, ContainerDefModel};
