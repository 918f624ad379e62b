//! The examples' quickstart (examples/tests/quickstart.rs), unchanged, as a binary of this package
//! so that tests/tests/engine_podman.rs can run it against an engine of its own.

// Its own `main` (from `main!()`) is unused here: the scenarios register themselves, and the
// harness below runs them.
#[allow(dead_code)]
#[path = "../../../examples/tests/quickstart.rs"]
mod example;

fn main() -> std::process::ExitCode {
    scenario_runtime::__private::harness_main()
}
