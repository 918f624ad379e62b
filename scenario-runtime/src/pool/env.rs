//! Fresh containers for a test: `Env::fresh`, here because the pool sits above the declarations.

use super::FreshContainer;
use crate::base::error::Result;
use crate::declare::{Env, InScenario, ScenarioDef};

impl<S: ScenarioDef> Env<S> {
    /// A fresh, ready container `C` of the calling test's own, reachable from the scenario's other
    /// containers by its [`alias`](FreshContainer::alias) (`cache-1f2e3d4c`). With
    /// the pre-start pool on (`--prestart-pool`, for `#[container(prestart = N)]`) it is taken
    /// from the pool (a network connect and a quick readiness probe); otherwise, or with the pool
    /// empty, it is started directly. It is removed when released, dropped, or its test ends.
    pub async fn fresh<C: InScenario<S>>(&self) -> Result<FreshContainer> {
        super::prestart::fresh(self.scope(), C::NAME, C::spec).await
    }
}
