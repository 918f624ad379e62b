//! `cargo scenario test [--reuse] [--instances N] [--prestart-pool] [--nextest] [cargo options]
//! [-- harness options]`: runs `cargo test` (or `cargo nextest run`) with the project's options
//! given as `SCENARIO_*` variables, which only scenario harnesses read, so libtest binaries of
//! the same run (unit tests, doctests) never see a flag they would reject. The exit code,
//! colours (the terminal is inherited) and signals reach the user as from cargo itself.

use std::process::ExitCode;

/// What `cargo scenario test` was asked to do.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct TestRun {
    pub reuse: bool,
    pub instances: Option<u32>,
    pub prestart_pool: bool,
    /// `cargo nextest run` instead of `cargo test`.
    pub nextest: bool,
    /// Everything else before `--`, for cargo.
    pub cargo_args: Vec<String>,
    /// Everything after `--`, for the test binaries.
    pub harness_args: Vec<String>,
}

pub const USAGE: &str = "\
usage: cargo scenario test [--reuse] [--instances N] [--prestart-pool] [--nextest]
                           [cargo test options] [-- harness options]

Runs `cargo test` (or `cargo nextest run` with --nextest) with the options set for the
scenario harnesses only (as SCENARIO_REUSE=1, SCENARIO_INSTANCES=N, SCENARIO_POOL=1), so
unit tests and doctests in the same packages run as usual. Exits with cargo's exit code.";

/// Parses the words after `test`.
pub fn parse(words: impl IntoIterator<Item = String>) -> Result<TestRun, String> {
    let mut run = TestRun::default();
    let mut words = words.into_iter();
    while let Some(word) = words.next() {
        match word.as_str() {
            "--" => {
                run.harness_args.extend(words.by_ref());
                break;
            }
            "--reuse" => run.reuse = true,
            "--prestart-pool" => run.prestart_pool = true,
            "--nextest" => run.nextest = true,
            "--instances" => run.instances = Some(instances(words.next())?),
            _ => match word.strip_prefix("--instances=") {
                Some(n) => run.instances = Some(instances(Some(n.to_string()))?),
                None => run.cargo_args.push(word),
            },
        }
    }
    Ok(run)
}

/// The harness's own reading of `--instances`, so the bound and the error are the same.
fn instances(value: Option<String>) -> Result<u32, String> {
    scenario_runtime::__private::parse_instances("--instances", &value.unwrap_or_default()).map_err(|e| e.to_string())
}

impl TestRun {
    /// The cargo command line and the variables it runs with.
    pub fn command(&self) -> std::process::Command {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut command = std::process::Command::new(cargo);
        if self.nextest {
            command.args(["nextest", "run"]);
        } else {
            command.arg("test");
        }
        command.args(&self.cargo_args);
        if !self.harness_args.is_empty() {
            command.arg("--").args(&self.harness_args);
        }
        if self.reuse {
            command.env("SCENARIO_REUSE", "1");
        }
        if let Some(n) = self.instances {
            command.env("SCENARIO_INSTANCES", n.to_string());
        }
        if self.prestart_pool {
            command.env("SCENARIO_POOL", "1");
        }
        command
    }

    /// Runs cargo to the end. Ctrl-C reaches cargo and the test binaries from the terminal (they
    /// share its process group), so this process only outlives it; SIGTERM and SIGHUP, which a
    /// supervisor sends to this process alone, are passed on to cargo and every process under
    /// it, so the scenario harnesses tear down as on Ctrl-C.
    pub async fn run(&self) -> ExitCode {
        use tokio::signal::unix::{signal, SignalKind};

        let mut child = match tokio::process::Command::from(self.command()).spawn() {
            Ok(child) => child,
            Err(e) => {
                eprintln!("error: could not run cargo: {e}");
                return ExitCode::from(101);
            }
        };
        let pid = child.id();
        let (Ok(mut interrupt), Ok(mut quit), Ok(mut terminate), Ok(mut hangup)) = (
            signal(SignalKind::interrupt()),
            signal(SignalKind::quit()),
            signal(SignalKind::terminate()),
            signal(SignalKind::hangup()),
        ) else {
            eprintln!("error: could not listen for signals");
            return ExitCode::from(101);
        };
        let status = loop {
            tokio::select! {
                status = child.wait() => break status,
                _ = interrupt.recv() => {}
                _ = quit.recv() => {}
                _ = terminate.recv() => signal_tree(pid, libc::SIGTERM),
                _ = hangup.recv() => signal_tree(pid, libc::SIGHUP),
            }
        };
        match status {
            Ok(status) => exit_code(status),
            Err(e) => {
                eprintln!("error: waiting for cargo: {e}");
                ExitCode::from(101)
            }
        }
    }
}

/// cargo's own code, or `128 + signal` when a signal ended it, as a shell reports it.
fn exit_code(status: std::process::ExitStatus) -> ExitCode {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => ExitCode::from(code.clamp(0, 255) as u8),
        (None, Some(signal)) => ExitCode::from((128 + signal).clamp(0, 255) as u8),
        (None, None) => ExitCode::from(101),
    }
}

/// Sends `signal` to `root` and all its descendants, deepest first, found through /proc.
fn signal_tree(root: Option<u32>, signal: i32) {
    let Some(root) = root else { return };
    let mut family = vec![root];
    let parents = process_parents();
    let mut i = 0;
    while i < family.len() {
        let parent = family[i];
        family.extend(parents.iter().filter(|(_, p)| *p == parent).map(|(pid, _)| *pid));
        i += 1;
    }
    for pid in family.into_iter().rev() {
        // SAFETY: kill(2) with a pid this process found and a valid signal number.
        unsafe {
            libc::kill(pid as libc::pid_t, signal);
        }
    }
}

/// (pid, parent pid) of every process visible in /proc.
fn process_parents() -> Vec<(u32, u32)> {
    let Ok(entries) = std::fs::read_dir("/proc") else { return Vec::new() };
    entries
        .filter_map(|entry| {
            let pid: u32 = entry.ok()?.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            // The command name may hold spaces and parentheses: the fields after its last `)`.
            let after_name = &stat[stat.rfind(')')? + 2..];
            let parent = after_name.split(' ').nth(1)?.parse().ok()?;
            Some((pid, parent))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> Vec<String> {
        line.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn project_options_are_taken_and_the_rest_goes_to_cargo_and_the_harness() {
        let run =
            parse(words("--reuse -p examples --instances 3 --release -- --exact checkout::health --reuse")).unwrap();
        assert_eq!(
            run,
            TestRun {
                reuse: true,
                instances: Some(3),
                prestart_pool: false,
                nextest: false,
                cargo_args: words("-p examples --release"),
                harness_args: words("--exact checkout::health --reuse"),
            }
        );
        let command = run.command();
        let args: Vec<_> = command.get_args().map(|a| a.to_str().unwrap().to_string()).collect();
        assert_eq!(args, words("test -p examples --release -- --exact checkout::health --reuse"));
        let envs: Vec<_> =
            command.get_envs().map(|(k, v)| (k.to_str().unwrap(), v.unwrap().to_str().unwrap())).collect();
        assert_eq!(envs, [("SCENARIO_INSTANCES", "3"), ("SCENARIO_REUSE", "1")]);
    }

    #[test]
    fn nextest_and_the_pool() {
        let run = parse(words("--nextest --prestart-pool --instances=2 -p examples")).unwrap();
        let command = run.command();
        let args: Vec<_> = command.get_args().map(|a| a.to_str().unwrap().to_string()).collect();
        assert_eq!(args, words("nextest run -p examples"));
        let envs: Vec<_> =
            command.get_envs().map(|(k, v)| (k.to_str().unwrap(), v.unwrap().to_str().unwrap())).collect();
        assert_eq!(envs, [("SCENARIO_INSTANCES", "2"), ("SCENARIO_POOL", "1")]);
    }

    #[test]
    fn bad_instance_counts_are_refused_naming_the_flag() {
        for line in ["--instances 0", "--instances=abc", "--instances", "--instances 999"] {
            let error = parse(words(line)).unwrap_err();
            assert!(error.starts_with("--instances = "), "{line}: {error}");
            assert!(error.ends_with("expected a whole number from 1 to 256"), "{line}: {error}");
        }
    }
}
