//! The environment a scenario test sees: typed access to the scenario's Ready containers.

use std::collections::HashMap;
use std::marker::PhantomData;
use std::sync::Arc;

use super::{InScenario, ScenarioDef};
use crate::container::{Container, Ready};
use crate::scope::Scope;

/// The running containers of one scenario instance, shared by its tests.
#[derive(Debug)]
pub struct RunningEnv {
    pub(crate) scope: Scope,
    pub(crate) containers: HashMap<&'static str, Container<Ready>>,
    pub(crate) entries: &'static [super::ContainerEntry],
}

impl RunningEnv {
    /// The scope (network, labels, artifacts folder) of this scenario instance.
    pub fn scope(&self) -> &Scope {
        &self.scope
    }

    /// The scenario's containers by name.
    pub fn containers(&self) -> &HashMap<&'static str, Container<Ready>> {
        &self.containers
    }
}

impl ErasedEnv {
    /// Wraps a running environment for sharing between tests.
    pub fn new(env: RunningEnv) -> ErasedEnv {
        ErasedEnv(Arc::new(env))
    }

    /// The running environment inside.
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

    /// The scope (network, labels, artifacts folder) of this scenario instance.
    pub fn scope(&self) -> &Scope {
        &self.inner.0.scope
    }
}

impl<S: ScenarioDef> Env<S> {
    /// The name containers of this scenario reach the test process by: `host.docker.internal`.
    pub fn host_alias(&self) -> &'static str {
        crate::primitives::host_alias::HOST_ALIAS
    }

    /// A listener the scenario's containers reach as `host.docker.internal:<its port>`; see
    /// [`Scope::listen_for_containers`](crate::scope::Scope::listen_for_containers).
    pub async fn listen_for_containers(&self) -> crate::base::error::Result<tokio::net::TcpListener> {
        self.scope().listen_for_containers().await
    }
}
