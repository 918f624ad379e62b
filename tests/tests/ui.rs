//! Compile-time checks of `#[container]` and `#[scenario]`: `ui/pass` must compile and run,
//! `ui/fail` must fail with exactly the errors in the `.stderr` beside each case.
//!
//! The `.stderr` files were written by rustc 1.95.0 (59807616e 2026-04-14). Compiler messages
//! change between releases; regenerate them with `TRYBUILD=overwrite cargo test -p scenario-tests
//! --test ui` and review the diff.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.pass("ui/pass/*.rs");
    cases.compile_fail("ui/fail/*.rs");
}
