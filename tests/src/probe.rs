//! A small package made on the fly that depends on this workspace's runtime, for tests of what
//! a user's package meets: how Cargo builds its test targets, and `cargo scenario test` on it.
//! It builds in a target folder of its own: the `cargo test` running the tests holds the lock
//! of the workspace's.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A package `harness-probe` in `target/harness-probe/<case>`.
pub struct ProbePackage {
    pub dir: PathBuf,
}

impl ProbePackage {
    /// `manifest_tail` is appended to the manifest (its `[[test]]` sections); `files` are
    /// (path, contents) pairs written into the package.
    pub fn new(case: &str, manifest_tail: &str, files: &[(&str, &str)]) -> ProbePackage {
        let workspace = workspace();
        let dir = workspace.join("target/harness-probe").join(case);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let manifest = format!(
            "[package]\nname = \"harness-probe\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
             [workspace]\n\n[dev-dependencies]\nscenario-runtime = {{ path = {:?} }}\n{manifest_tail}",
            workspace.join("scenario-runtime").to_str().unwrap()
        );
        std::fs::write(dir.join("Cargo.toml"), manifest).unwrap();
        for (path, contents) in files {
            let path = dir.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, contents).unwrap();
        }
        // The workspace's lock file: the same dependency versions, and no registry look-up.
        std::fs::copy(workspace.join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
        ProbePackage { dir }
    }

    /// A command run in the package with its own target folder and cargo's colours off.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut command = Command::new(program);
        command
            .current_dir(&self.dir)
            .env("CARGO_TARGET_DIR", workspace().join("target/harness-probe/target"))
            .env("CARGO_TERM_COLOR", "never")
            .env_remove("RUSTFLAGS");
        for inherited in ["SCENARIO_REUSE", "SCENARIO_INSTANCES", "SCENARIO_POOL"] {
            command.env_remove(inherited);
        }
        command
    }

    /// `cargo ARGS` in the package.
    pub fn cargo(&self, args: &[&str]) -> Command {
        let mut command = self.command(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
        command.args(args);
        command
    }
}

impl Drop for ProbePackage {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn workspace() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap()
}
