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

pub mod artifacts;
pub mod cleanup;
pub mod compose;
pub mod container;
mod copy_in;
pub mod declare;
pub mod engine;
mod error;
#[doc(hidden)]
pub mod harness;
pub mod host_alias;
mod host_lock;
pub mod identity;
pub mod image;
pub mod labels;
pub mod launch;
pub mod pool;
mod progress;
pub mod readiness;
pub mod reaper;
pub mod reuse;
mod run_options;
pub mod scope;
mod settings;
pub mod spec;
mod teardown;

pub use container::{
    Configured, Container, Drained, Exec, ExecChunk, ExecOutput, ExecStream, PublishedPorts, Ready, Removed, Started,
};
pub use engine::Engine;
pub use error::{Error, Result};
pub use identity::{ProjectId, SessionId};
pub use labels::ScopeIds;
pub use pool::{FreshContainer, Pool};
pub use readiness::{LogSource, Readiness};
pub use scope::Scope;
pub use settings::SettingError;
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
    pub use crate::compose::Variables as ComposeVariables;
    pub use crate::declare::cycle::{check as check_dependencies, Visit};
    pub use crate::declare::env::ErasedEnv;
    pub use crate::declare::registry::TestFuture;
    pub use crate::declare::{
        AllInScenario, ContainerDef, ContainerEntry, Dependencies, Env, HookFuture, InScenario, IntoTestResult,
        ScenarioDef, ScenarioRegistration, TestRegistration,
    };
    pub use crate::readiness::{LogSource, Readiness};
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

    /// A volume or bind mount made read-only (`"data:/var/lib/data:ro"`): `Mount`'s
    /// constructors make writable ones, and the generated code builds mounts through functions.
    pub fn read_only(mount: Mount) -> Mount {
        match mount {
            Mount::Volume { name, target, .. } => Mount::Volume { name, target, read_only: true },
            Mount::Bind { source, target, .. } => Mount::Bind { source, target, read_only: true },
            tmpfs @ Mount::Tmpfs { .. } => tmpfs,
        }
    }

    /// A compose tmpfs with mount options (`/cache:size=64m`).
    pub fn tmpfs_with_options(target: impl Into<String>, options: impl Into<String>) -> Mount {
        Mount::Tmpfs { target: target.into(), options: options.into() }
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
