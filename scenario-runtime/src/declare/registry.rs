//! The registrations `#[scenario]` submits through `inventory` and the harness collects: one per
//! scenario and one per test, all `'static` data and plain function pointers.

use std::future::Future;
use std::pin::Pin;

use super::{ContainerDef, HookFuture, TestResult};
use crate::container::{Container, Ready};
use crate::spec::ContainerSpec;

/// Type-erased view of one container declaration.
#[derive(Clone, Copy)]
pub struct ContainerEntry {
    /// The container's name in its scenarios ([`ContainerDef::NAME`]).
    pub name: &'static str,
    /// The containers that must be Ready before it starts ([`ContainerDef::DEPENDS_ON`]).
    pub depends_on: &'static [&'static str],
    /// `prestart = N`: the size of its pre-start pool (0: not pooled).
    pub prestart: usize,
    /// Builds its spec ([`ContainerDef::spec`]).
    pub spec: fn() -> ContainerSpec,
    /// Runs after a fresh start ([`ContainerDef::post_start`]).
    pub post_start: for<'a> fn(&'a Container<Ready>) -> HookFuture<'a>,
    /// Runs every run once it is Ready ([`ContainerDef::prepare`]).
    pub prepare: for<'a> fn(&'a Container<Ready>) -> HookFuture<'a>,
    /// Runs after the scenario's tests ([`ContainerDef::drain`]).
    pub drain: for<'a> fn(&'a Container<Ready>) -> HookFuture<'a>,
}

impl ContainerEntry {
    /// The entry of a declared container type.
    pub const fn of<C: ContainerDef>() -> ContainerEntry {
        ContainerEntry {
            name: C::NAME,
            depends_on: C::DEPENDS_ON,
            prestart: C::PRESTART,
            spec: C::spec,
            post_start: C::post_start,
            prepare: C::prepare,
            drain: C::drain,
        }
    }
}

impl std::fmt::Debug for ContainerEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ContainerEntry").field("name", &self.name).field("depends_on", &self.depends_on).finish()
    }
}

/// One `#[scenario]` module.
#[derive(Debug)]
pub struct ScenarioRegistration {
    /// The module's name: the scenario's name in labels, names and test paths.
    pub name: &'static str,
    /// `module_path!()` of the module, which keys its tests.
    pub module_path: &'static str,
    /// Its containers' declarations.
    pub containers: &'static [ContainerEntry],
    /// `instances = N`: run as N isolated copies, each serving one test at a time.
    pub instances: Option<u32>,
}

/// The future of one test run against a running scenario.
pub type TestFuture = Pin<Box<dyn Future<Output = TestResult> + Send + 'static>>;

/// One `#[test]` function of a scenario module.
#[derive(Debug)]
pub struct TestRegistration {
    /// `module_path!()` of the scenario module the test is in.
    pub module_path: &'static str,
    /// The function's name.
    pub name: &'static str,
    /// Marked `#[ignore]`.
    pub ignored: bool,
    /// Marked `#[exclusive]`: gets an instance no other test is using while it runs.
    pub exclusive: bool,
    /// Runs the test against the running environment.
    pub run: fn(super::env::ErasedEnv) -> TestFuture,
}

inventory::collect!(ScenarioRegistration);
inventory::collect!(TestRegistration);
