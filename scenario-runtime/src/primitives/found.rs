//! A container the engine already has, as one list call reports it: what reuse decides on and
//! what a typed container adopts.

/// A kept-alive container as the one list call reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    pub id: String,
    /// `running`, `exited`, ...
    pub state: String,
    /// The engine's status text (`Up 2 minutes (unhealthy)`).
    pub status: String,
    pub image_id: String,
    pub spec_hash: String,
    /// The record of copied files (`labels::COPIES`), if the container has one.
    pub copies: Option<String>,
}
