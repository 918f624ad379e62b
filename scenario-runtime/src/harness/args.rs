//! The harness's command line: libtest's arguments (parsed by libtest-mimic) plus the project's
//! own flags, which are taken out first so libtest-mimic never sees them.

use libtest_mimic::Arguments;

use crate::base::settings::{self, SettingError};

/// The project's options, from flags and their environment variables.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// `--reuse` or `SCENARIO_REUSE=1`: attach to kept-alive containers and keep them alive.
    pub reuse: bool,
    /// `--instances N` or `SCENARIO_INSTANCES=N`: run every scenario as N isolated instances.
    pub instances: Option<u32>,
    /// `--prestart-pool` or `SCENARIO_POOL=1`: keep containers declared with `prestart = N`
    /// started ahead, for tests asking for a fresh one (`Env::fresh`).
    pub prestart_pool: bool,
    /// `--follow-logs` or `SCENARIO_FOLLOW_LOGS=1`: every container's log lines on stderr as
    /// they come, prefixed with `[scenario/container]`.
    pub follow_logs: bool,
}

/// Splits `args` (including the program name) into libtest's arguments and our options. A flag
/// or variable whose value does not parse is an error naming it, before anything starts.
pub fn parse<I>(args: I, env: impl Fn(&str) -> Option<String>) -> Result<(Arguments, Options), SettingError>
where
    I: IntoIterator<Item = String>,
{
    let mut options = Options {
        reuse: switch_from_env(&env, "SCENARIO_REUSE")?,
        instances: env("SCENARIO_INSTANCES")
            .filter(|v| !v.trim().is_empty())
            .map(|v| settings::parse_instances("SCENARIO_INSTANCES", &v))
            .transpose()?,
        prestart_pool: switch_from_env(&env, "SCENARIO_POOL")?,
        follow_logs: switch_from_env(&env, "SCENARIO_FOLLOW_LOGS")?,
    };
    let mut rest = Vec::new();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--reuse" => options.reuse = true,
            "--no-reuse" => options.reuse = false,
            "--prestart-pool" => options.prestart_pool = true,
            "--no-prestart-pool" => options.prestart_pool = false,
            "--follow-logs" => options.follow_logs = true,
            "--no-follow-logs" => options.follow_logs = false,
            // A missing value is an empty one, which the same error names.
            "--instances" => {
                options.instances = Some(settings::parse_instances("--instances", &args.next().unwrap_or_default())?)
            }
            _ => match arg.strip_prefix("--instances=") {
                Some(n) => options.instances = Some(settings::parse_instances("--instances", n)?),
                None => rest.push(arg),
            },
        }
    }
    Ok((Arguments::from_iter(rest), options))
}

fn switch_from_env(env: &impl Fn(&str) -> Option<String>, name: &str) -> Result<bool, SettingError> {
    match env(name).filter(|v| !v.trim().is_empty()) {
        None => Ok(false),
        Some(value) => settings::parse_switch(&value).map_err(|expected| SettingError {
            setting: name.to_string(),
            value,
            expected,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_ok(args: Vec<String>, env: impl Fn(&str) -> Option<String>) -> (Arguments, Options) {
        parse(args, env).expect("valid arguments")
    }

    fn args(list: &[&str]) -> Vec<String> {
        std::iter::once("bin").chain(list.iter().copied()).map(String::from).collect()
    }

    #[test]
    fn reuse_is_taken_out_before_libtest_parses() {
        let (libtest, options) = parse_ok(args(&["--reuse", "--exact", "checkout::health"]), |_| None);
        assert!(options.reuse);
        assert!(libtest.exact);
        assert_eq!(libtest.filter.as_deref(), Some("checkout::health"));
    }

    #[test]
    fn the_environment_variable_means_the_same() {
        let (_, options) = parse_ok(args(&[]), |k| (k == "SCENARIO_REUSE").then(|| "1".to_string()));
        assert!(options.reuse);
        let (_, options) = parse_ok(args(&["--no-reuse"]), |k| (k == "SCENARIO_REUSE").then(|| "true".to_string()));
        assert!(!options.reuse);
        let (_, options) = parse_ok(args(&[]), |k| (k == "SCENARIO_REUSE").then(|| "0".to_string()));
        assert!(!options.reuse);
    }

    #[test]
    fn instances_come_from_the_flag_or_the_environment() {
        let (libtest, options) = parse_ok(args(&["--instances", "4", "slow"]), |_| None);
        assert_eq!(options.instances, Some(4));
        assert_eq!(libtest.filter.as_deref(), Some("slow"));
        let (_, options) = parse_ok(args(&["--instances=2"]), |k| (k == "SCENARIO_INSTANCES").then(|| "3".to_string()));
        assert_eq!(options.instances, Some(2), "the flag wins");
        let (_, options) = parse_ok(args(&[]), |k| (k == "SCENARIO_INSTANCES").then(|| "3".to_string()));
        assert_eq!(options.instances, Some(3));
    }

    #[test]
    fn the_pool_comes_from_the_flag_or_the_environment() {
        let (libtest, options) = parse_ok(args(&["--prestart-pool", "cache"]), |_| None);
        assert!(options.prestart_pool);
        assert_eq!(libtest.filter.as_deref(), Some("cache"));
        let (_, options) = parse_ok(args(&[]), |k| (k == "SCENARIO_POOL").then(|| "1".to_string()));
        assert!(options.prestart_pool);
        let (_, options) = parse_ok(args(&["--no-prestart-pool"]), |k| (k == "SCENARIO_POOL").then(|| "1".to_string()));
        assert!(!options.prestart_pool);
        let (_, options) = parse_ok(args(&[]), |_| None);
        assert!(!options.prestart_pool, "off unless asked for");
    }

    #[test]
    fn live_logs_come_from_the_flag_or_the_environment() {
        let (libtest, options) = parse_ok(args(&["--follow-logs", "db"]), |_| None);
        assert!(options.follow_logs);
        assert_eq!(libtest.filter.as_deref(), Some("db"));
        let (_, options) = parse_ok(args(&[]), |k| (k == "SCENARIO_FOLLOW_LOGS").then(|| "1".to_string()));
        assert!(options.follow_logs);
        let (_, options) =
            parse_ok(args(&["--no-follow-logs"]), |k| (k == "SCENARIO_FOLLOW_LOGS").then(|| "1".to_string()));
        assert!(!options.follow_logs);
        assert!(parse(args(&[]), |k| (k == "SCENARIO_FOLLOW_LOGS").then(|| "loud".to_string())).is_err());
    }

    #[test]
    fn libtest_flags_pass_through() {
        let (libtest, options) = parse_ok(
            args(&[
                "--list",
                "--format",
                "terse",
                "--skip",
                "slow",
                "--test-threads",
                "3",
                "--include-ignored",
                "--nocapture",
            ]),
            |_| None,
        );
        assert!(libtest.list && libtest.include_ignored && libtest.nocapture);
        assert_eq!(libtest.skip, vec!["slow".to_string()]);
        assert_eq!(libtest.test_threads, Some(3));
        assert!(!options.reuse);
    }

    #[test]
    fn bad_instance_counts_are_errors_naming_the_flag_or_variable() {
        for (list, env_value, setting, value) in [
            (&["--instances", "0"][..], None, "--instances", "0"),
            (&["--instances=abc"][..], None, "--instances", "abc"),
            (&["--instances"][..], None, "--instances", ""),
            (&[][..], Some("abc"), "SCENARIO_INSTANCES", "abc"),
            (&[][..], Some("0"), "SCENARIO_INSTANCES", "0"),
            (&[][..], Some("-3"), "SCENARIO_INSTANCES", "-3"),
        ] {
            let error = parse(args(list), |k| (k == "SCENARIO_INSTANCES").then(|| env_value.unwrap_or("").to_string()))
                .expect_err("must be refused");
            assert_eq!((error.setting.as_str(), error.value.as_str()), (setting, value));
            assert_eq!(error.expected, "a whole number from 1 to 256");
        }
    }

    #[test]
    fn bad_switch_values_are_errors() {
        let error = parse(args(&[]), |k| (k == "SCENARIO_REUSE").then(|| "sometimes".to_string())).unwrap_err();
        assert_eq!(
            error.to_string(),
            "SCENARIO_REUSE = \"sometimes\" is not valid: expected 1, true, yes, on, or 0, false, no, off"
        );
        let error = parse(args(&[]), |k| (k == "SCENARIO_POOL").then(|| "2".to_string())).unwrap_err();
        assert_eq!(error.setting, "SCENARIO_POOL");
    }
}
