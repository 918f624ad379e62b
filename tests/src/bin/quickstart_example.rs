//! The examples' quickstart (examples/tests/quickstart.rs), unchanged, as a binary of this package
//! so that tests/tests/engine_podman.rs can run it against an engine of its own.
//!
//! It uses `examples::http`; that one file is compiled here too, under the same path, rather than
//! making the examples package (Postgres, Redis and HTTP server dependencies) a dependency of
//! every test of this package. Its client crates (hyper, hyper-util, http-body-util) are this
//! package's dependencies, already built for bollard.

extern crate self as examples;

#[allow(dead_code)]
#[path = "../../../examples/src/http.rs"]
pub mod http;

// Its own `main` (from `main!()`) is unused here: the scenarios register themselves, and the
// harness below runs them.
#[allow(dead_code)]
#[path = "../../../examples/tests/quickstart.rs"]
mod example;

fn main() -> std::process::ExitCode {
    scenario_runtime::__private::harness_main()
}
