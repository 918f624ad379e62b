//! Container primitives: single engine operations on a container or image, with no lifecycle
//! state of their own (create bodies, exec, logs, copies, ports, images, label-based cleanup).
//! The typed container (`crate::container`) strings them together.

pub mod cleanup;
pub(crate) mod copy;
pub(crate) mod create;
pub(crate) mod exec;
pub(crate) mod exec_stream;
pub mod found;
pub mod hand_off;
pub mod host_alias;
pub mod image;
pub(crate) mod logs;
pub(crate) mod oom;
pub(crate) mod ports;
pub mod spare_network;
