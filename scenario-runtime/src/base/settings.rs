//! The project's environment variables in one table: what each accepts, and a check that runs
//! before a test binary starts anything, so a mistyped value stops the run with an error naming
//! the variable instead of being ignored.

use std::fmt;

/// What one variable accepts.
#[derive(Clone, Copy, Debug)]
enum Accepts {
    /// `1`, `true`, `yes`, `on` or `0`, `false`, `no`, `off` (any case).
    Switch,
    /// A whole number in `min..=max`.
    Count { min: u64, max: u64 },
    /// One of a few words.
    OneOf(&'static [&'static str]),
    /// A `tracing` filter such as `debug` or `scenario_runtime=debug`.
    LogFilter,
    /// Docker endpoints (`unix://`, `tcp://`, ...) or docker context names, separated by commas
    /// or spaces.
    Endpoints,
    /// An IP address.
    Address,
    /// Any text that is not empty (ids, paths).
    Text,
    /// Set by the project itself for processes it starts; not checked.
    Internal,
}

struct Variable {
    name: &'static str,
    accepts: Accepts,
}

const VARIABLES: &[Variable] = &[
    Variable { name: "SCENARIO_REUSE", accepts: Accepts::Switch },
    Variable { name: "SCENARIO_INSTANCES", accepts: Accepts::Count { min: 1, max: MAX_INSTANCES as u64 } },
    Variable { name: "SCENARIO_POOL", accepts: Accepts::Switch },
    Variable { name: "SCENARIO_FOLLOW_LOGS", accepts: Accepts::Switch },
    Variable { name: "SCENARIO_PROGRESS", accepts: Accepts::OneOf(&["auto", "live", "plain", "off"]) },
    Variable { name: "SCENARIO_PROGRESS_AFTER_MS", accepts: Accepts::Count { min: 0, max: 3_600_000 } },
    Variable { name: "SCENARIO_LOG", accepts: Accepts::LogFilter },
    Variable { name: "SCENARIO_DOCKER_HOSTS", accepts: Accepts::Endpoints },
    Variable { name: "SCENARIO_PUBLISH_ADDRESS", accepts: Accepts::Address },
    Variable { name: "SCENARIO_PORT_PROBE", accepts: Accepts::OneOf(&["auto", "proxy"]) },
    Variable { name: "SCENARIO_SESSION_ID", accepts: Accepts::Text },
    Variable { name: "SCENARIO_PROJECT", accepts: Accepts::Text },
    Variable { name: "SCENARIO_ARTIFACTS_DIR", accepts: Accepts::Text },
    Variable { name: "SCENARIO_CACHE_DIR", accepts: Accepts::Text },
    Variable { name: "SCENARIO_PULL", accepts: Accepts::OneOf(PULL_POLICY_WORDS) },
    Variable { name: "SCENARIO_KEEP_IMAGES", accepts: Accepts::Count { min: 1, max: 1000 } },
    Variable { name: "SCENARIO_ENGINE_TIMEOUT_MS", accepts: Accepts::Count { min: 1, max: 86_400_000 } },
    Variable { name: "SCENARIO_REAPER", accepts: Accepts::Switch },
    Variable { name: "SCENARIO_REAPER_GRACE_MS", accepts: Accepts::Count { min: 0, max: 86_400_000 } },
    Variable { name: "SCENARIO_REAPER_STARTUP_TIMEOUT_MS", accepts: Accepts::Count { min: 1, max: 86_400_000 } },
    Variable { name: "SCENARIO_REAPER_EXE", accepts: Accepts::Text },
    // Read by the project's own scripts and tests, not by the harness.
    Variable { name: "SCENARIO_LEAK_WAIT", accepts: Accepts::Internal },
    Variable { name: "SCENARIO_CONFORMANCE_CASES", accepts: Accepts::Internal },
    Variable { name: "SCENARIO_REAPER_ROLE", accepts: Accepts::Internal },
    Variable { name: "SCENARIO_REAPER_SESSION", accepts: Accepts::Internal },
    Variable { name: "SCENARIO_REAPER_ENDPOINT", accepts: Accepts::Internal },
    Variable { name: "SCENARIO_REAPER_SOCKET", accepts: Accepts::Internal },
    Variable { name: "SCENARIO_REAPER_LOCK", accepts: Accepts::Internal },
    Variable { name: "SCENARIO_REAPER_LISTEN_FD", accepts: Accepts::Internal },
];

/// More instances than this is a typo, not a plan: each is a full copy of the scenario.
pub(crate) const MAX_INSTANCES: u32 = 256;

/// The words `SCENARIO_PULL` accepts, and so `spec::PullPolicy::NAMES` (the settings sit below the
/// spec, so the list lives here).
pub(crate) const PULL_POLICY_WORDS: &[&str] = &["missing", "always", "never"];

/// A value the project cannot use, or a `SCENARIO_` name it does not know.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SettingError {
    /// The variable or flag, as the user wrote it.
    pub setting: String,
    /// The value given.
    pub value: String,
    /// What is accepted instead.
    pub expected: String,
}

impl fmt::Display for SettingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} = {:?} is not valid: expected {}", self.setting, self.value, self.expected)
    }
}

impl std::error::Error for SettingError {}

/// Checks every `SCENARIO_*` variable in `vars`. Unknown `SCENARIO_` names are reported
/// separately (as warnings: they may belong to a newer version), with the closest known name.
pub(crate) fn check_environment(vars: impl IntoIterator<Item = (String, String)>) -> Checked {
    let mut checked = Checked::default();
    for (name, value) in vars {
        if !name.starts_with("SCENARIO_") {
            continue;
        }
        match VARIABLES.iter().find(|v| v.name == name) {
            Some(variable) => {
                if let Err(expected) = check_value(variable.accepts, &value) {
                    checked.errors.push(SettingError { setting: name, value, expected });
                }
            }
            None => checked.unknown.push(unknown_name(&name)),
        }
    }
    checked.errors.sort_by(|a, b| a.setting.cmp(&b.setting));
    checked.unknown.sort();
    checked
}

/// The outcome of [`check_environment`].
#[derive(Debug, Default)]
pub(crate) struct Checked {
    pub errors: Vec<SettingError>,
    /// One line per unknown `SCENARIO_` variable.
    pub unknown: Vec<String>,
}

fn unknown_name(name: &str) -> String {
    let closest = VARIABLES
        .iter()
        .filter(|v| !matches!(v.accepts, Accepts::Internal))
        .map(|v| (strsim::damerau_levenshtein(name, v.name), v.name))
        .min();
    match closest {
        Some((distance, known)) if distance <= 3 => {
            format!("{name} is not a variable of scenario; did you mean {known}?")
        }
        _ => format!("{name} is not a variable of scenario (it is ignored)"),
    }
}

/// `Ok` or what is accepted. An empty value counts as unset, as the readers treat it.
fn check_value(accepts: Accepts, value: &str) -> Result<(), String> {
    if value.trim().is_empty() {
        return Ok(());
    }
    match accepts {
        Accepts::Switch => parse_switch(value).map(|_| ()),
        Accepts::Count { min, max } => parse_count(value, min, max).map(|_| ()),
        Accepts::OneOf(words) => {
            if words.contains(&value.trim().to_ascii_lowercase().as_str()) {
                Ok(())
            } else {
                Err(format!("one of {}", words.join(", ")))
            }
        }
        Accepts::LogFilter => tracing_subscriber::EnvFilter::try_new(value)
            .map(|_| ())
            .map_err(|e| format!("a tracing filter such as `debug` or `scenario_runtime=debug` ({e})")),
        Accepts::Endpoints => {
            for entry in split_endpoints(value) {
                // `tcp://host:2376?tls=DIR`, or a context's name (letters, digits, `_.+-`).
                let address = entry.split('?').next().unwrap_or_default();
                let scheme_ok =
                    ["unix://", "tcp://", "http://", "https://", "ssh://"].iter().any(|s| address.starts_with(s));
                let context_name =
                    !address.is_empty() && address.chars().all(|c| c.is_ascii_alphanumeric() || "_.+-".contains(c));
                if !scheme_ok && !context_name {
                    return Err(format!(
                        "Docker endpoints (unix://PATH, tcp://HOST:PORT, ...) or docker context names \
                         (`{entry}` is neither)"
                    ));
                }
            }
            Ok(())
        }
        Accepts::Address => value
            .trim()
            .parse::<std::net::IpAddr>()
            .map(|_| ())
            .map_err(|_| "an IP address such as 10.0.0.2".to_string()),
        Accepts::Text | Accepts::Internal => Ok(()),
    }
}

/// Endpoints separated by commas or white space (`SCENARIO_DOCKER_HOSTS`).
pub(crate) fn split_endpoints(list: &str) -> Vec<String> {
    list.split(|c: char| c == ',' || c.is_whitespace()).filter(|h| !h.is_empty()).map(String::from).collect()
}

/// `1`/`true`/`yes`/`on` or `0`/`false`/`no`/`off`, any case.
pub(crate) fn parse_switch(value: &str) -> Result<bool, String> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err("1, true, yes, on, or 0, false, no, off".to_string()),
    }
}

/// A whole number in `min..=max`.
/// A number of scenario instances, given to `setting` (`--instances`, `SCENARIO_INSTANCES`): the
/// harness and `cargo scenario test` read it with the same bound and the same error.
pub fn parse_instances(setting: &str, value: &str) -> Result<u32, SettingError> {
    parse_count(value, 1, u64::from(MAX_INSTANCES)).map(|n| n as u32).map_err(|expected| SettingError {
        setting: setting.to_string(),
        value: value.to_string(),
        expected,
    })
}

pub(crate) fn parse_count(value: &str, min: u64, max: u64) -> Result<u64, String> {
    let expected = || format!("a whole number from {min} to {max}");
    match value.trim().parse::<u64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(expected()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(pairs: &[(&str, &str)]) -> Checked {
        check_environment(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())))
    }

    #[test]
    fn good_values_pass() {
        let checked = check(&[
            ("SCENARIO_REUSE", "1"),
            ("SCENARIO_POOL", "Off"),
            ("SCENARIO_INSTANCES", "4"),
            ("SCENARIO_LOG", "scenario_runtime=debug,warn"),
            ("SCENARIO_DOCKER_HOSTS", "unix:///a.sock, tcp://10.0.0.2:2376?tls=/certs&publish=10.0.0.2 remote-ctx"),
            ("SCENARIO_PUBLISH_ADDRESS", "10.0.0.2"),
            ("SCENARIO_REAPER_GRACE_MS", "0"),
            ("SCENARIO_PROGRESS", "plain"),
            ("SCENARIO_PULL", "always"),
            ("SCENARIO_REAPER_ROLE", "anything"),
            ("SCENARIO_INSTANCES", ""),
            ("PATH", "/bin"),
        ]);
        assert_eq!(checked.errors, []);
        assert!(checked.unknown.is_empty());
    }

    #[test]
    fn bad_values_name_the_variable_the_value_and_what_is_accepted() {
        let checked = check(&[
            ("SCENARIO_INSTANCES", "abc"),
            ("SCENARIO_REUSE", "please"),
            ("SCENARIO_REAPER_GRACE_MS", "-5"),
            ("SCENARIO_PORT_PROBE", "socket"),
            ("SCENARIO_DOCKER_HOSTS", "unix:///a.sock,10.0.0.2:2375"),
            ("SCENARIO_LOG", "scenario_runtime=loud"),
            ("SCENARIO_PULL", "sometimes"),
        ]);
        let lines: Vec<String> = checked.errors.iter().map(ToString::to_string).collect();
        assert_eq!(lines.len(), 7, "{lines:#?}");
        assert_eq!(lines[0], "SCENARIO_DOCKER_HOSTS = \"unix:///a.sock,10.0.0.2:2375\" is not valid: expected Docker endpoints (unix://PATH, tcp://HOST:PORT, ...) or docker context names (`10.0.0.2:2375` is neither)");
        assert_eq!(lines[1], "SCENARIO_INSTANCES = \"abc\" is not valid: expected a whole number from 1 to 256");
        assert!(
            lines[2].starts_with("SCENARIO_LOG = \"scenario_runtime=loud\" is not valid: expected a tracing filter")
        );
        assert_eq!(lines[3], "SCENARIO_PORT_PROBE = \"socket\" is not valid: expected one of auto, proxy");
        assert_eq!(lines[4], "SCENARIO_PULL = \"sometimes\" is not valid: expected one of missing, always, never");
        assert_eq!(
            lines[5],
            "SCENARIO_REAPER_GRACE_MS = \"-5\" is not valid: expected a whole number from 0 to 86400000"
        );
        assert_eq!(
            lines[6],
            "SCENARIO_REUSE = \"please\" is not valid: expected 1, true, yes, on, or 0, false, no, off"
        );
    }

    #[test]
    fn zero_and_too_many_instances_are_out_of_range() {
        assert_eq!(check(&[("SCENARIO_INSTANCES", "0")]).errors.len(), 1);
        assert_eq!(check(&[("SCENARIO_INSTANCES", "257")]).errors.len(), 1);
        assert_eq!(check(&[("SCENARIO_INSTANCES", "256")]).errors.len(), 0);
    }

    #[test]
    fn unknown_names_get_the_closest_known_one() {
        let checked = check(&[("SCENARIO_RESUE", "1"), ("SCENARIO_SOMETHING_ELSE_ENTIRELY", "x")]);
        assert!(checked.errors.is_empty());
        assert_eq!(
            checked.unknown,
            [
                "SCENARIO_RESUE is not a variable of scenario; did you mean SCENARIO_REUSE?",
                "SCENARIO_SOMETHING_ELSE_ENTIRELY is not a variable of scenario (it is ignored)",
            ]
        );
    }
}
