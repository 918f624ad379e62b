//! The foundation every layer above uses: errors, identities and labels, settings, state folders,
//! host-wide locks, the artifacts folder and the progress display. Nothing here talks to an engine.

pub mod artifacts;
pub mod error;
pub(crate) mod host_lock;
pub mod identity;
pub mod labels;
pub(crate) mod paths;
pub(crate) mod progress;
pub(crate) mod settings;
