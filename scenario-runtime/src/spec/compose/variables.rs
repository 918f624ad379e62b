//! The variables a compose scenario's values are interpolated with, resolved when the scenario
//! starts (each service's `ContainerDef::spec()`): the test process's environment first, then the
//! `.env` file beside the compose file, as `docker compose` reads them. The macro checked the
//! file's structure at compile time and left the raw text of every interpolated value, with its
//! file and line, to these methods.
//!
//! A value that cannot be resolved (a required variable missing, bad syntax, a host port that is
//! not a number) is collected; `finish` marks the spec invalid with all of them, so the start
//! fails naming the container, the variable, the file and the line.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::env_file;
use super::interpolate::interpolate;
use crate::spec::{ContainerSpec, PortSpec};

/// The variables of one compose project, and the problems met resolving values with them.
pub struct Variables {
    /// The `.env` file as read (its own values interpolated).
    dotenv: BTreeMap<String, String>,
    problems: RefCell<Vec<String>>,
}

impl Variables {
    /// The variables of a compose project whose folder (where `.env` is looked for) is `folder`.
    pub fn load(folder: &str) -> Variables {
        let variables = Variables { dotenv: BTreeMap::new(), problems: RefCell::new(Vec::new()) };
        let path = Path::new(folder).join(".env");
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return variables,
            Err(e) => {
                variables.problem(format!("{}: {e}", path.display()));
                return variables;
            }
        };
        let dotenv = variables.read_pairs(&text, &path.display().to_string(), |name, so_far| {
            std::env::var(name).ok().or_else(|| so_far.get(name).cloned())
        });
        Variables { dotenv, ..variables }
    }

    /// A variable as compose sees it: the process's environment, then `.env`.
    pub fn lookup(&self, name: &str) -> Option<String> {
        std::env::var(name).ok().or_else(|| self.dotenv.get(name).cloned())
    }

    /// The value of `raw` (a compose value written at `at`, `file:line`).
    pub fn text(&self, raw: &str, at: &str) -> String {
        match interpolate(raw, &|name| self.lookup(name)) {
            Ok(value) => value,
            Err(e) => {
                self.problem(format!("{at}: {e} (variables come from the test process's environment, then `.env`)"));
                String::new()
            }
        }
    }

    /// `port` published at the host port `raw` resolves to (none when it resolves to nothing).
    pub fn host_port(&self, port: PortSpec, raw: &str, at: &str) -> PortSpec {
        let text = self.text(raw, at);
        match text.trim() {
            "" => port,
            number => match number.parse::<u16>() {
                Ok(host) if host > 0 => port.host_port(host),
                _ => {
                    self.problem(format!("{at}: the host port `{raw}` resolves to `{number}`, which is not a port"));
                    port
                }
            },
        }
    }

    /// `command` or `entrypoint` written as one line: interpolated, then split into words the way
    /// a shell splits them, as compose does.
    pub fn words(&self, raw: &str, at: &str) -> Vec<String> {
        let line = self.text(raw, at);
        shlex::split(&line).unwrap_or_else(|| {
            self.problem(format!("{at}: `{raw}` resolves to `{line}`, whose quotes are unbalanced"));
            Vec::new()
        })
    }

    /// A host path: `raw` resolved, relative to `folder` (the compose file's) unless absolute.
    pub fn path(&self, raw: &str, folder: &str, at: &str) -> PathBuf {
        Path::new(folder).join(self.text(raw, at))
    }

    /// `spec` with the variables of the env file at `path` (a service's `env_file`), whose
    /// values are interpolated like the compose file's.
    pub fn env_file(&self, mut spec: ContainerSpec, path: &str) -> ContainerSpec {
        match std::fs::read_to_string(path) {
            Ok(text) => {
                let pairs = self.read_pairs(&text, path, |name, _| self.lookup(name));
                spec.env.extend(pairs);
            }
            Err(e) => self.problem(format!("env_file {path}: {e}")),
        }
        spec
    }

    /// `spec`, marked invalid with every problem found while resolving it.
    pub fn finish(self, spec: ContainerSpec) -> ContainerSpec {
        self.problems.into_inner().into_iter().fold(spec, ContainerSpec::problem)
    }

    fn problem(&self, message: String) {
        self.problems.borrow_mut().push(message);
    }

    fn read_pairs(
        &self,
        text: &str,
        shown: &str,
        lookup: impl Fn(&str, &BTreeMap<String, String>) -> Option<String>,
    ) -> BTreeMap<String, String> {
        let mut pairs = BTreeMap::new();
        let entries = match env_file::parse(text) {
            Ok(entries) => entries,
            Err(e) => {
                self.problem(format!("{shown}: {e}"));
                return pairs;
            }
        };
        for entry in entries {
            let value = match (&entry.raw, entry.literal) {
                (None, _) => lookup(&entry.key, &pairs),
                (Some(raw), true) => Some(raw.clone()),
                (Some(raw), false) => match interpolate(raw, &|name| lookup(name, &pairs)) {
                    Ok(value) => Some(value),
                    Err(e) => {
                        self.problem(format!("{shown}:{}: {e}", entry.line));
                        None
                    }
                },
            };
            if let Some(value) = value {
                pairs.insert(entry.key, value);
            }
        }
        pairs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A folder of its own with the given `.env`.
    fn project(dotenv: Option<&str>) -> PathBuf {
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("scenario-vars-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        if let Some(text) = dotenv {
            std::fs::write(dir.join(".env"), text).unwrap();
        }
        dir
    }

    #[test]
    fn the_process_environment_wins_over_dotenv() {
        std::env::set_var("SCENARIO_VARS_TEST_BOTH", "from the process");
        let dir =
            project(Some("SCENARIO_VARS_TEST_BOTH=from .env\nONLY_IN_DOTENV=dotenv\nDERIVED=${ONLY_IN_DOTENV}!\n"));
        let vars = Variables::load(dir.to_str().unwrap());
        assert_eq!(vars.text("${SCENARIO_VARS_TEST_BOTH}", "f:1"), "from the process");
        assert_eq!(vars.text("$ONLY_IN_DOTENV/${DERIVED}", "f:1"), "dotenv/dotenv!");
        let spec = vars.finish(ContainerSpec::from_image("c", "i"));
        assert!(spec.problems.is_empty(), "{:?}", spec.problems);
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn a_missing_required_variable_marks_the_spec_with_file_line_and_name() {
        let dir = project(None);
        let vars = Variables::load(dir.to_str().unwrap());
        std::fs::remove_dir_all(dir).ok();
        let value = vars.text("${SCENARIO_VARS_TEST_UNSET:?give a password}", "compose/app.yml:7");
        assert_eq!(value, "");
        let spec = vars.finish(ContainerSpec::from_image("db", "i"));
        let error = spec.validate().unwrap_err().to_string();
        assert!(error.contains("`db`"), "{error}");
        assert!(error.contains("compose/app.yml:7"), "{error}");
        assert!(error.contains("SCENARIO_VARS_TEST_UNSET") && error.contains("give a password"), "{error}");
    }

    #[test]
    fn host_ports_resolve_to_numbers_or_nothing() {
        let dir = project(Some("PORT=15432\nBAD=x\n"));
        let vars = Variables::load(dir.to_str().unwrap());
        std::fs::remove_dir_all(dir).ok();
        assert_eq!(vars.host_port(PortSpec::tcp(5432), "${PORT}", "f:1").host_port, Some(15432));
        assert_eq!(vars.host_port(PortSpec::tcp(5432), "${SCENARIO_VARS_NONE:-}", "f:1").host_port, None);
        assert_eq!(vars.host_port(PortSpec::tcp(5432), "$BAD", "f:2").host_port, None);
        let spec = vars.finish(ContainerSpec::from_image("c", "i"));
        assert_eq!(spec.problems.len(), 1);
        assert!(spec.problems[0].contains("f:2") && spec.problems[0].contains("`x`"), "{:?}", spec.problems);
    }

    #[test]
    fn a_line_is_split_after_interpolation() {
        let dir = project(Some("ARGS=-p 8080\nNOTHING=\n"));
        let vars = Variables::load(dir.to_str().unwrap());
        std::fs::remove_dir_all(dir).ok();
        assert_eq!(vars.words("httpd $ARGS '${NOTHING} x' $NOTHING", "f:1"), ["httpd", "-p", "8080", " x"]);
    }

    #[test]
    fn env_files_are_interpolated_with_the_project_variables() {
        let dir = project(Some("TAG=16\n"));
        let env_file = dir.join("app.env");
        std::fs::write(&env_file, "IMAGE=postgres:${TAG}\nLITERAL='${TAG}'\n").unwrap();
        let vars = Variables::load(dir.to_str().unwrap());
        let spec = vars.env_file(ContainerSpec::from_image("c", "i"), env_file.to_str().unwrap());
        assert_eq!(spec.env.get("IMAGE").map(String::as_str), Some("postgres:16"));
        assert_eq!(spec.env.get("LITERAL").map(String::as_str), Some("${TAG}"));
        std::fs::remove_dir_all(dir).ok();
    }
}
