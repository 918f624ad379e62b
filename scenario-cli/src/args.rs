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
    /// Remove everything of the project that carries the managed label.
    Prune,
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
  ls              list the containers kept alive by `cargo test -- --reuse`: scenario,
                  container, age, and whether each is up to date or stale (and why)
  down SCENARIO   remove the kept-alive containers, network and volumes of one scenario
  prune           remove everything of this project that carries dev.scenario.managed=true
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
    let mut project = None;
    let mut words = Vec::new();
    let mut iter = args.into_iter();
    while let Some(arg) = iter.next() {
        match arg.as_str() {
            "--project" => project = Some(iter.next().ok_or("--project needs a value")?),
            "-h" | "--help" => return Ok(Invocation { command: Command::Help, project }),
            flag if flag.starts_with('-') => return Err(format!("unknown option `{flag}`")),
            _ => words.push(arg),
        }
    }
    let command = match words.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        [] | ["help"] => Command::Help,
        ["ls"] | ["list"] => Command::List,
        ["down", scenario] => Command::Down { scenario: scenario.to_string() },
        ["down"] => return Err("`down` needs the scenario's name (see `cargo scenario ls`)".into()),
        ["prune"] => Command::Prune,
        ["doctor"] => Command::Doctor,
        [other, ..] => return Err(format!("unknown command `{other}`")),
    };
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
            Invocation { command: Command::Prune, project: Some("abc".into()) }
        );
        assert_eq!(parse_words("").unwrap().command, Command::Help);
    }

    #[test]
    fn mistakes_are_named() {
        assert!(parse_words("down").unwrap_err().contains("scenario's name"));
        assert!(parse_words("start").unwrap_err().contains("`start`"));
        assert!(parse_words("ls --force").unwrap_err().contains("`--force`"));
    }
}
