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

// The rooms. Their order as layers (each uses only the rooms below it; the reaper is a corner
// only the harness uses) is in ARCHITECTURE.md and in `LAYERS` of tests/layers.rs, which checks
// it; rustfmt keeps these lines sorted by name. The rooms are private: the public API is
// re-exported below, and what the macros, the CLI and the project's tests need beyond it is in
// `__private`.
mod base;
mod container;
mod declare;
mod engine;
mod harness;
mod launch;
mod pool;
mod primitives;
mod readiness;
mod reaper;
mod reuse;
mod scope;
mod spec;

pub use base::error::{EngineError, Error, Result};
pub use base::identity::{ProjectId, SessionId};
pub use base::labels::ScopeIds;
pub use base::settings::SettingError;
pub use container::{Configured, Container, Drained, Origin, Ready, Removed, Started};
pub use declare::{BoxError, ContainerDef, Env, HookResult, InScenario, ScenarioDef, TestResult};
pub use engine::{Endpoint, Engine};
pub use pool::{FreshContainer, Pool, PoolStatus};
pub use primitives::exec::ExecOutput;
pub use primitives::exec_stream::{Exec, ExecChunk, ExecStream};
pub use primitives::host_alias::HOST_ALIAS;
pub use primitives::ports::PublishedPorts;
pub use scope::Scope;
pub use spec::copy_in::{CopyIn, Owner};
pub use spec::pull_policy::PullPolicy;
pub use spec::readiness::{LogSource, Readiness, StatusMatch, Strategy};
pub use spec::run_options::{Restart, RunOptions, Ulimit};
pub use spec::{BuildContext, ContainerSpec, HealthCheck, ImageSource, Mount, PortSpec, Protocol};

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
    // For the macros' generated code.
    pub use crate::declare::cycle::{check as check_dependencies, Visit};
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

    // For the CLI, the project's tests and benches: internals, not a stable API.
    pub use crate::base::artifacts::default_root as default_artifacts_root;
    pub use crate::base::settings::parse_instances;
    pub use crate::pool::start_fresh;
    pub use crate::primitives::spare_network::remove_idle as remove_idle_spare_networks;
    pub use crate::reuse::Staleness;
    pub mod compose {
        pub use crate::spec::compose::*;
    }
    pub mod cleanup {
        pub use crate::primitives::cleanup::*;
    }
    pub mod discovery {
        pub use crate::engine::discovery::*;
    }
    pub mod image {
        pub use crate::primitives::image::*;
    }
    pub mod labels {
        pub use crate::base::labels::*;
    }
    pub mod launch {
        pub use crate::launch::*;
    }
    pub mod reaper {
        pub use crate::reaper::*;
    }

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
