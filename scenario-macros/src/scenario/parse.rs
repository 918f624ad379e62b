//! `#[scenario(...)]` arguments: `containers = [A, b::B]` or `compose = "docker-compose.yml"`
//! (or `compose = ["a.yml", "b.yml"]`) with `build_context(service = expr, ...)`,
//! `profiles = ["debug"]`, `remap_ports`, `keep_restart` and `allow_privileged`, `instances = N` and `crate = path`.

use proc_macro2::TokenStream;
use syn::{Expr, LitStr, Path};

use crate::args::{self, ArgValue, AttrArgs, Keyed};
use crate::compose::ComputedContext;
use crate::errors::Errors;

pub(super) const KEYS: &[&str] = &[
    "containers",
    "compose",
    "build_context",
    "profiles",
    "remap_ports",
    "keep_restart",
    "allow_privileged",
    "instances",
    "crate",
];

/// `compose = "file"` or `compose = ["a.yml", "b.yml"]`.
pub(super) struct ComposeFiles {
    /// As written, where errors about the files are reported.
    pub expr: Expr,
    pub files: Vec<String>,
}

pub(super) struct ContainerList {
    /// The array as written, for errors about the list as a whole.
    pub expr: Expr,
    pub paths: Vec<Path>,
}

#[derive(Default)]
pub(super) struct ScenarioArgs {
    pub containers: Option<Keyed<ContainerList>>,
    pub krate: Option<Keyed<Path>>,
    /// A compose file whose services are the containers (relative to the crate's folder).
    pub compose: Option<Keyed<ComposeFiles>>,
    /// Compose profiles to activate.
    pub profiles: Option<Keyed<Vec<String>>>,
    /// Fixed host ports of the compose file are left to the engine.
    pub remap_ports: bool,
    /// The compose file's restart policies apply.
    pub keep_restart: bool,
    /// `privileged: true` in the compose file is accepted.
    pub allow_privileged: bool,
    /// Build folders of compose services computed by the crate.
    pub build_contexts: Option<Keyed<Vec<ComputedContext>>>,
    /// Isolated copies of the environment, each serving one test at a time.
    pub instances: Option<Keyed<u32>>,
    /// Known keys that appeared, even with a value that did not parse.
    pub seen: Vec<&'static str>,
    /// Keys suggested for misspelled ones: not "missing", the user meant them.
    pub misspelled: Vec<&'static str>,
    /// The argument list did not parse at all.
    pub unparsed: bool,
}

pub(super) fn parse(tokens: TokenStream, errors: &mut Errors) -> ScenarioArgs {
    let mut args = ScenarioArgs::default();
    let Some(AttrArgs(list)) = errors.ok(syn::parse2::<AttrArgs>(tokens)) else {
        args.unparsed = true;
        return args;
    };
    for arg in &list {
        let seen = args.seen.clone();
        let Some((key, known)) = args::known_key(arg, KEYS, |k| seen.contains(&k), &mut args.misspelled, errors) else {
            continue;
        };
        args.seen.push(known);
        let parsed = if known == "containers" {
            let usage = "an array of container types, e.g. `containers = [Db, Web]`";
            arg.assigned(usage)
                .and_then(|expr| Ok(ContainerList { expr: expr.clone(), paths: args::path_array(expr, usage)? }))
                .map(|list| args.containers = Some(Keyed { key: key.clone(), value: list }))
        } else if known == "compose" {
            let usage = "the path of a compose file (or a folder holding `compose.yaml`) relative to the crate, \
                         or a list of files merged in order, e.g. `compose = \"docker-compose.yml\"`";
            arg.assigned(usage)
                .and_then(|expr| {
                    let files = match args::ungroup(expr) {
                        syn::Expr::Array(_) => args::str_array(expr, usage)?,
                        _ => vec![args::lit_str(expr, usage)?],
                    };
                    if files.is_empty() {
                        return Err(syn::Error::new_spanned(expr, usage));
                    }
                    Ok(ComposeFiles { expr: expr.clone(), files: files.iter().map(LitStr::value).collect() })
                })
                .map(|files| args.compose = Some(Keyed { key: key.clone(), value: files }))
        } else if known == "profiles" {
            let usage = "the compose profiles to activate, e.g. `profiles = [\"debug\"]`";
            arg.assigned(usage).and_then(|expr| args::str_array(expr, usage)).map(|list| {
                let value = list.iter().map(LitStr::value).collect();
                args.profiles = Some(Keyed { key: key.clone(), value })
            })
        } else if known == "remap_ports" {
            match arg.value {
                args::ArgValue::Flag => {
                    args.remap_ports = true;
                    Ok(())
                }
                _ => Err(arg.usage_error("`remap_ports` alone: fixed host ports are left to the engine")),
            }
        } else if known == "keep_restart" {
            match arg.value {
                args::ArgValue::Flag => {
                    args.keep_restart = true;
                    Ok(())
                }
                _ => Err(arg.usage_error("`keep_restart` alone: the compose file's restart policies apply")),
            }
        } else if known == "allow_privileged" {
            match arg.value {
                args::ArgValue::Flag => {
                    args.allow_privileged = true;
                    Ok(())
                }
                _ => Err(arg.usage_error("`allow_privileged` alone: `privileged: true` in the compose file applies")),
            }
        } else if known == "build_context" {
            let usage = "a build folder per compose service, e.g. `build_context(web = my_crate::context())`";
            arg.list(usage)
                .and_then(|list| {
                    crate::errors::collect_all(list, |entry| match &entry.value {
                        ArgValue::Assign(_, expr) => Ok(ComputedContext {
                            service: entry.key.name(),
                            key: quote::ToTokens::to_token_stream(&entry.key),
                            expr: expr.clone(),
                        }),
                        _ => Err(entry.usage_error("a build folder expression: `service = expr`")),
                    })
                })
                .map(|contexts| args.build_contexts = Some(Keyed { key: key.clone(), value: contexts }))
        } else if known == "instances" {
            let usage = "a number of isolated copies from 1 to 64, e.g. `instances = 4`";
            arg.assigned(usage)
                .and_then(|expr| args::lit_int(expr, usage))
                .and_then(|lit| match lit.base10_parse::<u32>() {
                    Ok(n) if (1..=64).contains(&n) => Ok(n),
                    _ => Err(syn::Error::new_spanned(&lit, usage)),
                })
                .map(|n| args.instances = Some(Keyed { key: key.clone(), value: n }))
        } else {
            let usage = "the path of the renamed runtime crate, e.g. `crate = ::my_runtime`";
            arg.assigned(usage)
                .and_then(|expr| args::path(expr, usage))
                .map(|path| args.krate = Some(Keyed { key: key.clone(), value: path }))
        };
        errors.ok(parsed);
    }
    args
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    #[test]
    fn parses_containers_and_crate() {
        let mut errors = Errors::default();
        let args = parse(quote!(containers = [Db, super::web::Web], crate = ::rt), &mut errors);
        assert!(errors.is_empty());
        assert_eq!(args.containers.unwrap().value.paths.len(), 2);
        assert!(args.krate.is_some());
    }

    #[test]
    fn reports_unknown_repeated_and_mistyped_keys_together() {
        let mut errors = Errors::default();
        parse(quote!(container = [Db], crate = 1, crate = ::rt, containers = ["db"]), &mut errors);
        let messages: Vec<String> = errors.finish().unwrap_err().into_iter().map(|e| e.to_string()).collect();
        assert_eq!(messages.len(), 4, "{messages:?}");
        assert!(messages[0].contains("did you mean `containers`"));
        assert!(messages[2].contains("given twice"));
    }
}
