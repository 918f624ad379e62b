//! The check that scenario tests run under the project's harness: a test target compiled with
//! libtest's harness (`harness = true`, Cargo's default) would compile the scenario, run none of
//! its tests and report `ok`. `cfg(test)` cannot tell the two apart (Cargo sets it for
//! `harness = false` targets too), but `#[test]` can: only a libtest build (`rustc --test`) keeps
//! a `#[test]` function, so a `compile_error!` inside one fires there and nowhere else. The
//! message names the exact Cargo.toml lines, found from what Cargo tells the compiler about the
//! target being built.

use std::path::Path;

use proc_macro2::{Span, TokenStream};
use quote::quote;

/// A `#[test]` function holding a `compile_error!` at `span`, with the fix for the target being
/// compiled. `name` makes the function's name unique among the checks of one module.
pub(crate) fn expand(span: Span, name: &str) -> TokenStream {
    // A binary with the harness (a `[[bin]]` run as a program, like the project's own test
    // fixtures) is built with libtest only for its unit tests, by `cargo test --bins` or
    // `--all-targets`; its scenarios run when the binary itself runs.
    if std::env::var_os("CARGO_BIN_NAME").is_some() {
        return TokenStream::new();
    }
    let message = message(&Target::from_cargo_env());
    let function = proc_macro2::Ident::new(&format!("__scenario_needs_its_harness_{name}"), span);
    quote::quote_spanned! {span=>
        #[test]
        fn #function() {
            ::core::compile_error! { #message }
        }
    }
}

/// The entry of `__assert_custom_harness!()`, used by `scenario_runtime::main!()`.
pub(crate) fn assert_custom_harness(input: TokenStream) -> TokenStream {
    if !input.is_empty() {
        return syn::Error::new_spanned(input, "`__assert_custom_harness!()` takes no arguments").to_compile_error();
    }
    let checked = expand(Span::call_site(), "main");
    quote!(#checked)
}

/// What Cargo is building, as far as the compiler's environment tells.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Target {
    /// An integration test or bench (`CARGO_TARGET_TMPDIR` is set only for those): its name as
    /// written in Cargo.toml, and whether it is a bench.
    TestTarget { package: String, name: String, bench: bool },
    /// A library's or binary's unit tests: scenario tests cannot live there at all.
    UnitTests { package: String },
}

impl Target {
    fn from_cargo_env() -> Target {
        let var = |key: &str| std::env::var(key).ok();
        let package = var("CARGO_PKG_NAME").unwrap_or_else(|| "your package".into());
        let crate_name = var("CARGO_CRATE_NAME").unwrap_or_else(|| "tests".into());
        match (var("CARGO_TARGET_TMPDIR"), var("CARGO_MANIFEST_DIR")) {
            (Some(_), Some(dir)) => Target::resolve(package, &crate_name, Path::new(&dir)),
            (Some(_), None) => Target::TestTarget { package, name: crate_name, bench: false },
            (None, _) => Target::UnitTests { package },
        }
    }

    /// Cargo turns `-` into `_` in crate names; the target's own name is the file's, so look
    /// for the file under `tests/` and `benches/` with either spelling.
    pub(crate) fn resolve(package: String, crate_name: &str, manifest_dir: &Path) -> Target {
        let dashed = crate_name.replace('_', "-");
        for (folder, bench) in [("tests", false), ("benches", true)] {
            for name in [crate_name, dashed.as_str()] {
                let dir = manifest_dir.join(folder);
                if dir.join(format!("{name}.rs")).is_file() || dir.join(name).join("main.rs").is_file() {
                    return Target::TestTarget { package, name: name.to_string(), bench };
                }
            }
        }
        Target::TestTarget { package, name: crate_name.to_string(), bench: false }
    }
}

pub(crate) fn message(target: &Target) -> String {
    match target {
        Target::TestTarget { package, name, bench } => {
            let section = if *bench { "bench" } else { "test" };
            format!(
                "scenario tests need scenario's test harness, but this {section} target is built with libtest's, \
                 which would run none of them and report `ok`.\n\
                 Add these lines to the Cargo.toml of package `{package}`:\n\n\
                 [[{section}]]\nname = \"{name}\"\nharness = false\n"
            )
        }
        Target::UnitTests { package } => format!(
            "scenario tests cannot run among the unit tests of package `{package}`: libtest runs those, \
             and would run none of them.\n\
             Move the `#[scenario]` module and `scenario_runtime::main!()` into `tests/<name>.rs` and add \
             to the Cargo.toml of package `{package}`:\n\n[[test]]\nname = \"<name>\"\nharness = false\n"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_name_decides_dashes_or_underscores() {
        let dir = std::env::temp_dir().join(format!("harness-check-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("tests")).unwrap();
        std::fs::create_dir_all(dir.join("benches")).unwrap();
        std::fs::write(dir.join("tests/api-smoke.rs"), "").unwrap();
        std::fs::write(dir.join("benches/start_up.rs"), "").unwrap();
        assert_eq!(
            Target::resolve("svc".into(), "api_smoke", &dir),
            Target::TestTarget { package: "svc".into(), name: "api-smoke".into(), bench: false }
        );
        assert_eq!(
            Target::resolve("svc".into(), "start_up", &dir),
            Target::TestTarget { package: "svc".into(), name: "start_up".into(), bench: true }
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_message_holds_the_exact_lines_to_add() {
        let text = message(&Target::TestTarget { package: "svc".into(), name: "api".into(), bench: false });
        assert!(
            text.ends_with(
                "Add these lines to the Cargo.toml of package `svc`:\n\n[[test]]\nname = \"api\"\nharness = false\n"
            ),
            "{text}"
        );
        let text = message(&Target::UnitTests { package: "svc".into() });
        assert!(text.contains("Move the `#[scenario]` module"), "{text}");
    }
}
