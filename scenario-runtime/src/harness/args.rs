//! The harness's command line: libtest's arguments (parsed by libtest-mimic) plus the project's
//! own flags, which are taken out first so libtest-mimic never sees them.

use libtest_mimic::Arguments;

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
}

/// Splits `args` (including the program name) into libtest's arguments and our options.
pub fn parse<I>(args: I, env: impl Fn(&str) -> Option<String>) -> (Arguments, Options)
where
    I: IntoIterator<Item = String>,
{
    let mut options = Options {
        reuse: env("SCENARIO_REUSE").is_some_and(|v| is_truthy(&v)),
        instances: env("SCENARIO_INSTANCES").and_then(|v| v.trim().parse().ok()).filter(|n| *n > 0),
        prestart_pool: env("SCENARIO_POOL").is_some_and(|v| is_truthy(&v)),
    };
    let mut rest = Vec::new();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--reuse" => options.reuse = true,
            "--no-reuse" => options.reuse = false,
            "--prestart-pool" => options.prestart_pool = true,
            "--no-prestart-pool" => options.prestart_pool = false,
            "--instances" => options.instances = args.next().and_then(|n| n.parse().ok()).filter(|n| *n > 0),
            _ => match arg.strip_prefix("--instances=") {
                Some(n) => options.instances = n.parse().ok().filter(|n| *n > 0),
                None => rest.push(arg),
            },
        }
    }
    (Arguments::from_iter(rest), options)
}

fn is_truthy(value: &str) -> bool {
    matches!(value.trim().to_ascii_lowercase().as_str(), "1" | "true" | "yes" | "on")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        std::iter::once("bin").chain(list.iter().copied()).map(String::from).collect()
    }

    #[test]
    fn reuse_is_taken_out_before_libtest_parses() {
        let (libtest, options) = parse(args(&["--reuse", "--exact", "checkout::health"]), |_| None);
        assert!(options.reuse);
        assert!(libtest.exact);
        assert_eq!(libtest.filter.as_deref(), Some("checkout::health"));
    }

    #[test]
    fn the_environment_variable_means_the_same() {
        let (_, options) = parse(args(&[]), |k| (k == "SCENARIO_REUSE").then(|| "1".to_string()));
        assert!(options.reuse);
        let (_, options) = parse(args(&["--no-reuse"]), |k| (k == "SCENARIO_REUSE").then(|| "true".to_string()));
        assert!(!options.reuse);
        let (_, options) = parse(args(&[]), |k| (k == "SCENARIO_REUSE").then(|| "0".to_string()));
        assert!(!options.reuse);
    }

    #[test]
    fn instances_come_from_the_flag_or_the_environment() {
        let (libtest, options) = parse(args(&["--instances", "4", "slow"]), |_| None);
        assert_eq!(options.instances, Some(4));
        assert_eq!(libtest.filter.as_deref(), Some("slow"));
        let (_, options) = parse(args(&["--instances=2"]), |k| (k == "SCENARIO_INSTANCES").then(|| "3".to_string()));
        assert_eq!(options.instances, Some(2), "the flag wins");
        let (_, options) = parse(args(&[]), |k| (k == "SCENARIO_INSTANCES").then(|| "3".to_string()));
        assert_eq!(options.instances, Some(3));
    }

    #[test]
    fn the_pool_comes_from_the_flag_or_the_environment() {
        let (libtest, options) = parse(args(&["--prestart-pool", "cache"]), |_| None);
        assert!(options.prestart_pool);
        assert_eq!(libtest.filter.as_deref(), Some("cache"));
        let (_, options) = parse(args(&[]), |k| (k == "SCENARIO_POOL").then(|| "1".to_string()));
        assert!(options.prestart_pool);
        let (_, options) = parse(args(&["--no-prestart-pool"]), |k| (k == "SCENARIO_POOL").then(|| "1".to_string()));
        assert!(!options.prestart_pool);
        let (_, options) = parse(args(&[]), |_| None);
        assert!(!options.prestart_pool, "off unless asked for");
    }

    #[test]
    fn libtest_flags_pass_through() {
        let (libtest, options) = parse(
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
}
