//! Taking over a container that was created outside the typed path (a pre-started pool container
//! claimed by a test, or a fresh one started for it): it enters the lifecycle as `Started`, so the
//! usual `wait_ready` proves it serves and the usual drain and removal end it.

use std::sync::Arc;
use std::time::SystemTime;

use super::{Container, Shared, Started};
use crate::scope::Scope;
use crate::spec::ContainerSpec;

impl Container<Started> {
    /// A running container `id` (named `engine_name` on the engine) owned by this process from
    /// now on: if its readiness wait fails, its logs are kept and it is removed.
    pub(crate) fn adopt(
        scope: Scope,
        spec: ContainerSpec,
        engine_name: String,
        id: String,
        image_id: String,
    ) -> Container<Started> {
        Container {
            shared: Arc::new(Shared { scope, spec, name: engine_name }),
            state: Started {
                id,
                image_id,
                started_at: SystemTime::now(),
                created_here: true,
                proven_ready: false,
                inspected: None,
            },
        }
    }
}
