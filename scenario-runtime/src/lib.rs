//! Declarative container scenarios for Rust tests: the runtime.
//!
//! A [`ContainerSpec`] says what a container is; a [`Scope`] (one instance of one scenario on one
//! [`Engine`]) configures it into a [`Container`], which moves through typed states:
//! `Configured -> Started -> Ready -> Drained -> Removed`. Only a `Container<Ready>` hands out host
//! ports, URLs, exec and logs.
//!
//! ```no_run
//! # async fn demo() -> scenario_runtime::Result<()> {
//! use scenario_runtime::prelude::*;
//!
//! let engine = Engine::connect().await?;
//! let scope = Scope::new(engine, ScopeIds::new(SessionId::detect(), ProjectId::detect(), "demo"));
//! let web = scope
//!     .configure(
//!         ContainerSpec::from_image("web", "busybox:1.35")
//!             .cmd(["httpd", "-f", "-p", "8080"])
//!             .port(8080)
//!             .ready(Readiness::http(8080, "/")),
//!     )?
//!     .start()
//!     .await?
//!     .wait_ready()
//!     .await?;
//! println!("{}", web.url(8080, "/")?);
//! scope.teardown(vec![web]).await?;
//! # Ok(()) }
//! ```

// Layers, lowest first; each room imports only from rooms above it in this list (ARCHITECTURE.md,
// checked by tests/layers.rs).
pub mod base;
pub mod container;
pub mod declare;
pub mod engine;
#[doc(hidden)]
pub mod harness;
pub mod launch;
pub mod pool;
pub mod primitives;
pub mod readiness;
pub mod reuse;
pub mod scope;
pub mod spec;
// The reaper's corner: uses the foundation, the engine and the primitives; only the harness uses it.
pub mod reaper;

// Paths of the public API from before the layers had folders.
pub use base::{artifacts, identity, labels};
pub use primitives::{cleanup, host_alias, image};
pub use spec::compose;

pub use base::error::{Error, Result};
pub use base::identity::{ProjectId, SessionId};
pub use base::labels::ScopeIds;
pub use base::settings::SettingError;
pub use container::{
    Configured, Container, Drained, Exec, ExecChunk, ExecOutput, ExecStream, PublishedPorts, Ready, Removed, Started,
};
pub use engine::Engine;
pub use pool::{FreshContainer, Pool};
pub use scope::Scope;
pub use spec::readiness::{LogSource, Readiness};
pub use spec::{ContainerSpec, CopyIn, HealthCheck, ImageSource, Mount, PortSpec, Protocol, PullPolicy};

pub use declare::{BoxError, ContainerDef, Env, HookResult, InScenario, ScenarioDef, TestResult};
pub use scenario_macros::{container, scenario};

/// The names a test file needs.
pub mod prelude {
    pub use crate::{
        container, scenario, BoxError, Container, ContainerSpec, Engine, Env, FreshContainer, HealthCheck, HookResult,
        Mount, PortSpec, ProjectId, PullPolicy, Readiness, Ready, Scope, ScopeIds, SessionId, TestResult,
    };
}

/// What the macros' generated code calls; not a stable API.
#[doc(hidden)]
pub mod __private {
    pub use crate::declare::env::ErasedEnv;
    pub use crate::declare::registry::TestFuture;
    pub use crate::declare::{
        AllInScenario, ContainerDef, ContainerEntry, Dependencies, Env, HookFuture, InScenario, IntoTestResult,
        ScenarioDef, ScenarioRegistration, TestRegistration,
    };
    pub use crate::spec::compose::Variables as ComposeVariables;
    pub use crate::spec::readiness::{LogSource, Readiness};
    pub use crate::spec::{ContainerSpec, CopyIn, HealthCheck, Mount, PortSpec, PullPolicy, Restart};
    pub use crate::{Container, Ready};
    pub use inventory;
    pub use scenario_macros::__assert_custom_harness as assert_custom_harness;
    pub use std::boxed::Box;
    pub use std::time::Duration;

    pub use crate::harness::main as harness_main;

    /// A computed `env`, `cmd` or `labels` value of `#[container]`, whatever string-like type it has.
    pub fn string(value: impl Into<String>) -> String {
        value.into()
    }

    /// Referenced by `#[scenario]` for each listed container: compiles only if every dependency
    /// of `C` is a container of `S` too.
    pub const fn assert_dependencies_in<S: ScenarioDef, C: ContainerDef>()
    where
        C::Dependencies: AllInScenario<S>,
    {
    }
}

/// The `main` of a scenario test target (`harness = false`): libtest's command line, plus
/// `--reuse` (or `SCENARIO_REUSE=1`) to keep the environment alive between runs.
#[macro_export]
macro_rules! main {
    () => {
        $crate::__private::assert_custom_harness!();

        fn main() -> ::std::process::ExitCode {
            $crate::__private::harness_main()
        }
    };
}
