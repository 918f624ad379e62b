//! A container the engine already has, as its inspection reports it: what reuse decides on and
//! what a typed container adopts.

/// A kept-alive container as its inspection reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    pub id: String,
    /// Running, exited, ...
    pub state: ContainerState,
    /// Its healthcheck reports unhealthy.
    pub unhealthy: bool,
    /// How its process ended, once it has (`state` is exited).
    pub exit_code: Option<i64>,
    pub image_id: String,
    pub spec_hash: String,
    /// The record of copied files (`labels::COPIES`), if the container has one.
    pub copies: Option<String>,
}

/// A container's state as the engine reports it (`docker ps`'s `State`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ContainerState {
    /// Created, never started.
    Created,
    /// Its process runs.
    Running,
    /// Frozen by `docker pause`.
    Paused,
    /// Being restarted by its restart policy.
    Restarting,
    /// Being removed.
    Removing,
    /// Its process ended.
    Exited,
    /// The engine failed to stop or remove it.
    Dead,
    /// A state this runtime does not know (a newer engine), as the engine named it.
    Other(String),
}

impl ContainerState {
    /// The state from the engine's word for it; none at all reads as `Other("")`.
    pub fn parse(word: &str) -> ContainerState {
        match word {
            "created" => ContainerState::Created,
            "running" => ContainerState::Running,
            "paused" => ContainerState::Paused,
            "restarting" => ContainerState::Restarting,
            "removing" => ContainerState::Removing,
            "exited" => ContainerState::Exited,
            "dead" => ContainerState::Dead,
            other => ContainerState::Other(other.to_string()),
        }
    }

    /// The engine's word for it.
    pub fn as_str(&self) -> &str {
        match self {
            ContainerState::Created => "created",
            ContainerState::Running => "running",
            ContainerState::Paused => "paused",
            ContainerState::Restarting => "restarting",
            ContainerState::Removing => "removing",
            ContainerState::Exited => "exited",
            ContainerState::Dead => "dead",
            ContainerState::Other(word) => word,
        }
    }

    /// The state in the engine's own enum, listed or inspected (`None`: the engine did not say).
    pub(crate) fn from_engine(state: Option<impl ToString>) -> ContainerState {
        ContainerState::parse(&state.map(|s| s.to_string()).unwrap_or_default())
    }
}

impl std::fmt::Display for ContainerState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_word_reads_back_as_itself() {
        for word in ["created", "running", "paused", "restarting", "removing", "exited", "dead", "frozen", ""] {
            assert_eq!(ContainerState::parse(word).as_str(), word);
        }
        assert_eq!(ContainerState::parse("running"), ContainerState::Running);
    }
}
