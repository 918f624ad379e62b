//! A test target that uses the scenario harness but forgot `harness = false` must not compile:
//! libtest would run none of its scenario tests and report `ok`. trybuild cannot show this (it
//! builds each case as a binary, never with libtest's `--test`), so this test makes a small
//! package that depends on the runtime, and runs `cargo check --tests` on it as a user would.

use scenario_tests::probe::ProbePackage;
use scenario_tests::text;

const TEST_FILE: &str = r#"
use scenario_runtime::prelude::*;

#[container(image = "busybox:1.35", cmd = ["sleep", "3600"])]
pub struct Idle;

#[scenario(containers = [Idle])]
mod smoke {
    use super::*;

    #[test]
    async fn runs() -> TestResult {
        Ok(())
    }
}

scenario_runtime::main!();
"#;

/// The probe package with one test target `api-smoke`, declared with `harness` as given
/// (`None`: not declared at all, Cargo's default).
fn package(case: &str, harness: Option<bool>) -> ProbePackage {
    let target = match harness {
        Some(harness) => format!("\n[[test]]\nname = \"api-smoke\"\nharness = {harness}\n"),
        None => String::new(),
    };
    ProbePackage::new(case, &target, &[("src/lib.rs", ""), ("tests/api-smoke.rs", TEST_FILE)])
}

fn cargo_check_tests(package: &ProbePackage) -> std::process::Output {
    package.cargo(&["check", "--tests", "--offline", "--quiet"]).output().expect("cargo runs")
}

#[test]
fn a_test_target_without_harness_false_fails_to_compile_with_the_lines_to_add() {
    let package = package("default-harness", None);
    let out = cargo_check_tests(&package);
    let stderr = text(&out.stderr);
    assert!(!out.status.success(), "a libtest build of scenario tests compiled:\n{stderr}");
    assert!(stderr.contains("this test target is built with libtest's, which would run none of them"), "{stderr}");
    // rustc indents a message's later lines.
    let lines: Vec<&str> = stderr.lines().map(str::trim).collect();
    assert!(
        lines.join("\n").contains(
            "Add these lines to the Cargo.toml of package `harness-probe`:\n\n[[test]]\nname = \"api-smoke\"\nharness = false\n"
        ),
        "the exact lines, with the target's own (dashed) name:\n{stderr}"
    );
    // Reported where the user wrote the scenario and the main, each once.
    assert!(stderr.contains("tests/api-smoke.rs:8:5"), "at `mod smoke`:\n{stderr}");
    assert!(stderr.contains("tests/api-smoke.rs:17:1"), "at `main!()`:\n{stderr}");
}

#[test]
fn the_same_target_with_harness_false_compiles() {
    let package = package("custom-harness", Some(false));
    let out = cargo_check_tests(&package);
    assert!(out.status.success(), "{}", text(&out.stderr));
}
