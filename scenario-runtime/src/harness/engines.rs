//! The engines a run spreads its scenario instances over: `SCENARIO_DOCKER_HOSTS` (a list of
//! endpoints in DOCKER_HOST syntax or docker context names, see `engine::endpoint`), else the
//! engine discovery finds. Each is connected
//! on first use, with this session's reaper lease for it held until the process ends.

use std::sync::Arc;

use crate::base::identity::SessionId;
use crate::base::settings::split_endpoints;
use crate::engine::Engine;

/// An engine of this run, and this session's reaper on it, if one runs.
#[derive(Clone)]
pub(crate) struct Connected {
    pub engine: Engine,
    /// A reaper removes what a teardown leaves, idle spare networks included, and takes over the
    /// removals teardowns hand it.
    pub reaper: Option<crate::reaper::ReaperLease>,
}

pub(crate) struct Engines {
    endpoints: Vec<Option<String>>,
    /// Held until the process ends, and with each its reaper lease: the registration lasts as
    /// long as the run.
    connected: Vec<tokio::sync::OnceCell<Result<Connected, Arc<String>>>>,
}

impl Engines {
    pub fn from_env() -> Engines {
        let endpoints = split_endpoints(&std::env::var("SCENARIO_DOCKER_HOSTS").unwrap_or_default());
        let endpoints: Vec<Option<String>> =
            if endpoints.is_empty() { vec![None] } else { endpoints.into_iter().map(Some).collect() };
        let connected = endpoints.iter().map(|_| tokio::sync::OnceCell::new()).collect();
        Engines { endpoints, connected }
    }

    /// The engine of scenario instance `instance`: instances go round the endpoints.
    pub async fn for_instance(&self, instance: u32, session: &SessionId) -> Result<Connected, Arc<String>> {
        let index = instance as usize % self.endpoints.len();
        self.connected[index]
            .get_or_init(|| async {
                let connected = match &self.endpoints[index] {
                    Some(entry) => Engine::connect_entry(entry, "SCENARIO_DOCKER_HOSTS").await,
                    None => Engine::connect().await,
                };
                let engine = connected.map_err(|e| Arc::new(e.to_string()))?;
                let reaper = match crate::reaper::ensure(&engine, session).await {
                    Ok(lease) => lease.is_active().then_some(lease),
                    // The reaper is the safety net; the harness's own teardown still runs.
                    Err(e) => {
                        eprintln!(
                            "warning: no reaper for this session on {} ({e}); set SCENARIO_REAPER=off to silence",
                            engine.endpoint()
                        );
                        None
                    }
                };
                Ok(Connected { engine, reaper })
            })
            .await
            .clone()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn host_lists_split_on_commas_and_spaces() {
        assert_eq!(
            super::split_endpoints("unix:///a.sock, tcp://10.0.0.2:2375  unix:///b.sock"),
            ["unix:///a.sock", "tcp://10.0.0.2:2375", "unix:///b.sock"]
        );
        assert!(super::split_endpoints(" ").is_empty());
    }
}
