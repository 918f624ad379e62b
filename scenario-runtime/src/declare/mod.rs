//! What `#[container]` and `#[scenario]` expand to: the traits a declared container and scenario
//! implement, the registrations the harness collects through `inventory`, and the typed view a
//! test gets of its running environment. Behaviour lives here; generated code stays small.

pub(crate) mod cycle;
pub(crate) mod env;
mod hooks;
pub(crate) mod registry;

pub use env::Env;
pub use hooks::{BoxError, HookFuture, HookResult, IntoTestResult, TestResult};
pub use registry::{ContainerEntry, ScenarioRegistration, TestRegistration};

use crate::container::Container;
use crate::container::Ready;
use crate::spec::ContainerSpec;

/// A container type declared with `#[container(...)]`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a container",
    label = "not declared with `#[container(...)]`",
    note = "declare it with `#[container(image = \"...\")]` (or `build = \"dir\"`) on the struct"
)]
pub trait ContainerDef: Send + Sync + 'static {
    /// The container's name in its scenarios (the struct name in snake_case, or `name = "..."`).
    const NAME: &'static str;
    /// Names of the containers it depends on (each must be Ready before this one starts).
    const DEPENDS_ON: &'static [&'static str];
    /// The dependencies as a tuple of types, for the compile-time check that each one is in the
    /// scenario too.
    type Dependencies: Dependencies;
    /// `prestart = N`: with the harness's pool on (`--prestart-pool`), keep up to N started
    /// containers ready for tests that ask for a fresh one (`Env::fresh`). Only containers
    /// without dependencies can be pooled.
    const PRESTART: usize = 0;

    /// The spec, built when a scenario starts (build paths and env may be computed).
    fn spec() -> ContainerSpec;

    /// Runs after a fresh start, once the container is Ready and before its dependents start
    /// (migrations, seed data).
    fn post_start(_container: &Container<Ready>) -> HookFuture<'_> {
        Box::pin(async { Ok(()) })
    }

    /// Runs every run once the container is Ready, also when a kept-alive container is attached
    /// to (`--reuse`): per-run preparation such as truncating tables. Runs after `post_start`.
    fn prepare(_container: &Container<Ready>) -> HookFuture<'_> {
        Box::pin(async { Ok(()) })
    }

    /// Runs after the scenario's tests, before logs are drained and the container is stopped.
    fn drain(_container: &Container<Ready>) -> HookFuture<'_> {
        Box::pin(async { Ok(()) })
    }
}

/// A test module declared with `#[scenario(...)]` (the marker type it generates).
pub trait ScenarioDef: Send + Sync + 'static {
    /// The scenario's name (the module's name).
    const NAME: &'static str;
}

/// `C` is one of the containers of scenario `S`. Implemented by `#[scenario]` for each listed
/// container; `Env::get` and dependency checks require it.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a container of scenario `{S}`",
    label = "not listed in this scenario's `containers = [...]`",
    note = "add `{Self}` to `#[scenario(containers = [...])]`, or ask for a container the scenario has"
)]
pub trait InScenario<S: ScenarioDef>: ContainerDef {}

/// A tuple of container types (the dependencies of one container).
pub trait Dependencies {}

/// Every type of the tuple is a container of scenario `S`.
#[diagnostic::on_unimplemented(
    message = "a `depends_on` of this scenario's containers is not in scenario `{S}`",
    note = "every container named in `depends_on = [...]` must also be listed in `#[scenario(containers = [...])]`"
)]
pub trait AllInScenario<S: ScenarioDef> {}

macro_rules! tuple_impls {
    ($($name:ident)*) => {
        impl<$($name: ContainerDef),*> Dependencies for ($($name,)*) {}
        impl<S: ScenarioDef, $($name: InScenario<S>),*> AllInScenario<S> for ($($name,)*) {}
    };
}
tuple_impls!();
tuple_impls!(A);
tuple_impls!(A B);
tuple_impls!(A B C);
tuple_impls!(A B C D);
tuple_impls!(A B C D E);
tuple_impls!(A B C D E F);
tuple_impls!(A B C D E F G);
tuple_impls!(A B C D E F G H);
tuple_impls!(A B C D E F G H I);
tuple_impls!(A B C D E F G H I J);
tuple_impls!(A B C D E F G H I J K);
tuple_impls!(A B C D E F G H I J K L);
