//! The command line: `cargo scenario <ls | down SCENARIO | prune> [--project ID]`. Also works as
//! `cargo-scenario ...` (cargo passes its subcommand name first, which is skipped).

/// What the user asked for.
#[derive(Debug, PartialEq, Eq)]
pub enum Command {
    /// List the kept-alive containers of the project with their state.
    List,
    /// Remove the kept-alive containers (and network, volumes) of one scenario.
    Down {
        scenario: String,
    },
    /// Remove everything of the project that carries the managed label; with `images`, also
    /// the images built from the project's build contexts.
    Prune {
        images: bool,
    },
    /// Run `cargo test` with the project's options set for the scenario harnesses.
    Test(crate::test_command::TestRun),
    /// Which engine would be used and why, and whether what scenario needs from it works.
    Doctor,
    Help,
}

#[derive(Debug, PartialEq, Eq)]
pub struct Invocation {
    pub command: Command,
    /// Overrides the project found from the current directory.
    pub project: Option<String>,
}

pub const USAGE: &str = "\
usage: cargo scenario <command> [--project ID]

commands:
  test [--reuse] [--instances N] [--prestart-pool] [--nextest] [cargo options] [-- harness options]
                  run `cargo test` (or `cargo nextest run`) with those options for the scenario
                  harnesses only, so unit tests and doctests run as usual
  ls              list the containers kept alive by `cargo test -- --reuse`: scenario,
                  container, age, and whether each is up to date or stale (and why);
                  then the images built from the project's build contexts, with sizes
  down SCENARIO   remove the kept-alive containers, network and volumes of one scenario
  prune           remove everything of this project that carries dev.scenario.managed=true,
                  and this user's idle spare networks
  prune --images  the same, and every image built from the project's build contexts
  doctor          which engine is used and why (DOCKER_HOST, docker context, default
                  sockets), its version, rootless or not, where published ports go,
                  whether container addresses are routable, whether building works and
                  what --reuse would find; exits non-zero with the fix if something is wrong

The project is the workspace around the current directory (SCENARIO_PROJECT or --project
overrides it); nothing of another project and nothing without the managed label is touched.";

pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Invocation, String> {
    let mut args: Vec<String> = args.into_iter().skip(1).collect();
    if args.first().map(String::as_str) == Some("scenario") {
        args.remove(0);
    }
    if args.first().map(String::as_str) == Some("test") {
        let run = crate::test_command::parse(args.into_iter().skip(1))?;
        return Ok(Invocation { command: Command::Test(run), project: None });
    }
    let mut project = None;
    let mut images = false;
    let mut words = Vec::new();
    let mut iter = args.into_iter();
    while let Some(arg) = iter.next() {
        match arg.as_str() {
            "--project" => project = Some(iter.next().ok_or("--project needs a value")?),
            "-h" | "--help" => return Ok(Invocation { command: Command::Help, project }),
            "--images" => images = true,
            flag if flag.starts_with('-') => return Err(format!("unknown option `{flag}`")),
            _ => words.push(arg),
        }
    }
    let command = match words.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        [] | ["help"] => Command::Help,
        ["ls"] | ["list"] => Command::List,
        ["down", scenario] => Command::Down { scenario: scenario.to_string() },
        ["down"] => return Err("`down` needs the scenario's name (see `cargo scenario ls`)".into()),
        ["prune"] => Command::Prune { images },
        ["doctor"] => Command::Doctor,
        [other, ..] => return Err(format!("unknown command `{other}`")),
    };
    if images && !matches!(command, Command::Prune { .. }) {
        return Err("`--images` goes with `prune`".into());
    }
    Ok(Invocation { command, project })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_words(words: &str) -> Result<Invocation, String> {
        parse(std::iter::once("cargo-scenario".to_string()).chain(words.split_whitespace().map(String::from)))
    }

    #[test]
    fn commands_parse_with_and_without_cargos_subcommand_word() {
        assert_eq!(parse_words("ls").unwrap().command, Command::List);
        assert_eq!(parse_words("scenario doctor").unwrap().command, Command::Doctor);
        assert_eq!(parse_words("scenario ls").unwrap().command, Command::List);
        assert_eq!(parse_words("down checkout").unwrap().command, Command::Down { scenario: "checkout".into() });
        assert_eq!(
            parse_words("prune --project abc").unwrap(),
            Invocation { command: Command::Prune { images: false }, project: Some("abc".into()) }
        );
        assert_eq!(parse_words("prune --images").unwrap().command, Command::Prune { images: true });
        assert_eq!(parse_words("").unwrap().command, Command::Help);
    }

    #[test]
    fn mistakes_are_named() {
        assert!(parse_words("down").unwrap_err().contains("scenario's name"));
        assert!(parse_words("start").unwrap_err().contains("`start`"));
        assert!(parse_words("ls --force").unwrap_err().contains("`--force`"));
        assert!(parse_words("ls --images").unwrap_err().contains("`--images` goes with `prune`"));
    }
}
