//! The environment a scenario test sees: typed access to the scenario's Ready containers.

use std::collections::HashMap;
use std::marker::PhantomData;
use std::sync::Arc;

use super::{InScenario, ScenarioDef};
use crate::{Container, Ready, Scope};

/// The running containers of one scenario instance, shared by its tests.
#[derive(Debug)]
pub struct RunningEnv {
    pub(crate) scope: Scope,
    pub(crate) containers: HashMap<&'static str, Container<Ready>>,
    pub(crate) entries: &'static [super::ContainerEntry],
}

impl RunningEnv {
    pub fn scope(&self) -> &Scope {
        &self.scope
    }

    /// The scenario's containers by name.
    pub fn containers(&self) -> &HashMap<&'static str, Container<Ready>> {
        &self.containers
    }
}

impl ErasedEnv {
    pub fn new(env: RunningEnv) -> ErasedEnv {
        ErasedEnv(Arc::new(env))
    }

    pub fn running(&self) -> &RunningEnv {
        &self.0
    }

    /// The environment back, once no test holds it any more.
    pub fn into_inner(self) -> Result<RunningEnv, ErasedEnv> {
        Arc::try_unwrap(self.0).map_err(ErasedEnv)
    }
}

/// A scenario environment without its scenario type (what the harness passes around).
#[derive(Clone, Debug)]
pub struct ErasedEnv(pub(crate) Arc<RunningEnv>);

/// The environment of scenario `S`, as its tests receive it. `get::<C>()` only compiles for
/// containers of `S`.
pub struct Env<S> {
    inner: ErasedEnv,
    _scenario: PhantomData<fn() -> S>,
}

impl<S: ScenarioDef> Env<S> {
    #[doc(hidden)]
    pub fn __from_erased(inner: ErasedEnv) -> Env<S> {
        Env { inner, _scenario: PhantomData }
    }

    /// The Ready handle of container `C` of this scenario.
    pub fn get<C: InScenario<S>>(&self) -> &Container<Ready> {
        self.inner.0.containers.get(C::NAME).unwrap_or_else(|| {
            panic!("container `{}` is declared in scenario `{}` but did not start", C::NAME, S::NAME)
        })
    }

    /// A fresh, ready container `C` of the calling test's own, reachable from the scenario's other
    /// containers by its [`alias`](crate::pool::FreshContainer::alias) (`cache-1f2e3d4c`). With
    /// the pre-start pool on (`--prestart-pool`, for `#[container(prestart = N)]`) it is taken
    /// from the pool (a network connect and a quick readiness probe); otherwise, or with the pool
    /// empty, it is started directly. It is removed when released, dropped, or its test ends.
    pub async fn fresh<C: InScenario<S>>(&self) -> crate::Result<crate::pool::FreshContainer> {
        crate::pool::harness::fresh(self.scope(), C::NAME, C::spec).await
    }

    /// The scope (network, labels, artifacts folder) of this scenario instance.
    pub fn scope(&self) -> &Scope {
        &self.inner.0.scope
    }
}
