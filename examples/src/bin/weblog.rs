//! The `weblog` service as a binary of this package, so the scenario tests find it through
//! `env!("CARGO_BIN_EXE_weblog")`; the service itself is the `weblog` package.

fn main() -> std::process::ExitCode {
    weblog::main()
}
