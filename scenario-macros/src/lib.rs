//! Procedural macros of `scenario`: `#[container]` and `#[scenario]`. Use them through
//! `scenario_runtime`, which re-exports them and holds everything the generated code calls.
//!
//! Each macro is parse -> validate -> expand in its own module; on error the annotated item is
//! still emitted beside the `compile_error!`, so the rest of the file type-checks.

mod args;
mod case;
mod compose;
mod container;
mod duration;
mod errors;
mod harness_check;
#[cfg(test)]
mod never_panics;
mod scenario;
mod spans;
mod spec;
mod suggest;

use proc_macro::TokenStream;

/// Declares a container type: `#[container(image = "postgres:16", ports = [5432], ready = port(5432))]`.
#[proc_macro_attribute]
pub fn container(args: TokenStream, item: TokenStream) -> TokenStream {
    container::container(args.into(), item.into()).into()
}

/// Declares a scenario test module: `#[scenario(containers = [Db, Web])] mod checkout { ... }`.
#[proc_macro_attribute]
pub fn scenario(args: TokenStream, item: TokenStream) -> TokenStream {
    scenario::scenario(args.into(), item.into()).into()
}

/// Used by `scenario_runtime::main!()`: a compile error, with the Cargo.toml lines to add, when the
/// test target is built with libtest's harness (which would run no scenario test).
#[doc(hidden)]
#[proc_macro]
pub fn __assert_custom_harness(input: TokenStream) -> TokenStream {
    harness_check::assert_custom_harness(input.into()).into()
}
