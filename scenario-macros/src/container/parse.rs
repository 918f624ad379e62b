//! `#[container(...)]` arguments: which keys exist, each key's syntax, the type of its value and
//! the range of its numbers and durations. Rules between keys, and the meaning of strings
//! (names, volumes), are `validate`'s.

use std::time::Duration;

use proc_macro2::TokenStream;
use syn::ext::IdentExt;
use syn::punctuated::Punctuated;
use syn::{Expr, ExprLit, Ident, Lit, LitInt, LitStr, Path, Token};

use super::computed::{self, StrValue};
use crate::args::{self, ArgKey, ArgList, AttrArg, AttrArgs, Keyed};
use crate::duration::parse_duration;
use crate::errors::Errors;
use crate::suggest;

/// Every key, in the order the docs list them.
pub(super) const KEYS: &[&str] = &[
    "image",
    "pull",
    "build",
    "dockerfile",
    "build_args",
    "name",
    "cmd",
    "entrypoint",
    "env",
    "working_dir",
    "user",
    "ports",
    "aliases",
    "labels",
    "tmpfs",
    "volumes",
    "copy",
    "stop_timeout",
    "memory",
    "cpus",
    "healthcheck",
    "ready",
    "depends_on",
    "prestart",
    "post_start",
    "prepare",
    "drain",
    "crate",
];

/// The largest pre-start pool a container can ask for: each one is a running container.
const MAX_PRESTART: u64 = 64;

/// `image` and `build` take a string literal or an expression computing the value.
pub(super) enum Source {
    Literal(LitStr),
    Computed(Expr),
}

/// A port number in 1..=65535, with its literal for errors about it.
pub(super) struct PortLit {
    pub lit: LitInt,
    pub value: u16,
}

pub(super) struct DurationLit {
    pub lit: LitStr,
    pub value: Duration,
}

pub(super) struct HealthcheckArgs {
    pub cmd: Vec<LitStr>,
    pub interval: Option<DurationLit>,
    pub retries: Option<u64>,
}

pub(super) struct ReadyArgs {
    pub kind: ReadyKind,
    pub timeout: Option<DurationLit>,
}

pub(super) enum ReadyKind {
    None,
    Log {
        text: LitStr,
        times: Option<u64>,
    },
    Port(PortLit),
    Http {
        port: PortLit,
        path: LitStr,
        status: Option<u64>,
        body: Option<LitStr>,
    },
    Healthy,
    Exec {
        command: Vec<LitStr>,
    },
    /// `all(part, ...)`: every part, each with its own timeout.
    All(Vec<ReadyArgs>),
    /// `any(part, ...)`: one of the parts.
    Any(Vec<ReadyArgs>),
}

/// The keys as given. A key that was present but whose value did not parse is in `seen` but
/// its field stays `None`, so `validate` does not pile "missing" errors on top.
#[derive(Default)]
pub(super) struct ContainerArgs {
    pub image: Option<Keyed<Source>>,
    /// `pull = "missing" | "always" | "never"`: the runtime's `PullPolicy` variant.
    pub pull: Option<Keyed<Ident>>,
    pub build: Option<Keyed<Source>>,
    pub dockerfile: Option<Keyed<LitStr>>,
    pub build_args: Option<Keyed<Vec<(ArgKey, LitStr)>>>,
    pub name: Option<Keyed<LitStr>>,
    pub cmd: Option<Keyed<Vec<StrValue>>>,
    pub entrypoint: Option<Keyed<Vec<LitStr>>>,
    pub env: Option<Keyed<Vec<(ArgKey, StrValue)>>>,
    pub working_dir: Option<Keyed<LitStr>>,
    pub user: Option<Keyed<LitStr>>,
    pub ports: Option<Keyed<Vec<PortLit>>>,
    /// Every element of `ports` parsed (else a readiness port may be among the bad ones).
    pub ports_complete: bool,
    pub aliases: Option<Keyed<Vec<LitStr>>>,
    pub labels: Option<Keyed<Vec<(ArgKey, StrValue)>>>,
    pub tmpfs: Option<Keyed<Vec<LitStr>>>,
    pub volumes: Option<Keyed<Vec<LitStr>>>,
    /// `copy = ["src:/target"]`: crate files copied in before the start.
    pub copy: Option<Keyed<Vec<LitStr>>>,
    pub stop_timeout: Option<Keyed<DurationLit>>,
    /// `memory` and `cpus`.
    pub limits: super::limits::Limits,
    pub healthcheck: Option<Keyed<HealthcheckArgs>>,
    pub ready: Option<Keyed<ReadyArgs>>,
    pub depends_on: Option<Keyed<Vec<Path>>>,
    /// `prestart = N`: the size of the container's pre-start pool.
    pub prestart: Option<Keyed<u64>>,
    pub post_start: Option<Keyed<Path>>,
    pub prepare: Option<Keyed<Path>>,
    pub drain: Option<Keyed<Path>>,
    pub krate: Option<Keyed<Path>>,
    /// Every known key that appeared, in the order written (first occurrences only).
    pub seen: Vec<(&'static str, Ident)>,
    /// Keys suggested for misspelled ones: not "missing", the user meant them.
    pub misspelled: Vec<&'static str>,
    /// The argument list did not parse at all: nothing can be said about missing keys.
    pub unparsed: bool,
}

impl ContainerArgs {
    pub(super) fn seen(&self, key: &str) -> bool {
        self.seen.iter().any(|(seen, _)| *seen == key)
    }

    /// Given, or meant by a misspelled key (so no "missing" error is piled on the typo's).
    pub(super) fn intended(&self, key: &str) -> bool {
        self.seen(key) || self.misspelled.contains(&key)
    }
}

pub(super) fn parse(tokens: TokenStream, errors: &mut Errors) -> ContainerArgs {
    let mut args = ContainerArgs::default();
    let Some(AttrArgs(list)) = errors.ok(syn::parse2::<AttrArgs>(tokens)) else {
        args.unparsed = true;
        return args;
    };
    for arg in &list {
        let seen: Vec<&str> = args.seen.iter().map(|(k, _)| *k).collect();
        let Some((key, known)) = args::known_key(arg, KEYS, |k| seen.contains(&k), &mut args.misspelled, errors) else {
            continue;
        };
        args.seen.push((known, key.clone()));
        if let Err(error) = parse_key(&mut args, known, key, arg, errors) {
            errors.push(error);
        }
    }
    args
}

fn parse_key(
    args: &mut ContainerArgs,
    name: &'static str,
    key: &Ident,
    arg: &AttrArg,
    errors: &mut Errors,
) -> syn::Result<()> {
    fn keyed<T>(key: &Ident, value: T) -> Option<Keyed<T>> {
        Some(Keyed { key: key.clone(), value })
    }
    match name {
        "image" => args.image = keyed(key, source(arg, "an image reference, e.g. `image = \"postgres:16\"`")?),
        "pull" => args.pull = keyed(key, pull_policy(arg)?),
        "build" => {
            let usage = "a Dockerfile folder relative to the crate, e.g. `build = \"images/postgres\"`, \
                         or an expression giving a path, e.g. `build = context::dir()`";
            args.build = keyed(key, source(arg, usage)?);
        }
        "dockerfile" => args.dockerfile = keyed(key, string(arg, "dockerfile = \"Dockerfile.test\"")?),
        "build_args" => {
            let list = arg.list("build arguments, e.g. `build_args(VERSION = \"16\")`")?;
            args.build_args = keyed(key, args::string_pairs(list, true)?);
        }
        "name" => args.name = keyed(key, string(arg, "name = \"db\"")?),
        "cmd" => args.cmd = keyed(key, computed::values(arg, "cmd = [\"sh\", \"-c\", \"...\"]")?),
        "entrypoint" => args.entrypoint = keyed(key, strings(arg, "entrypoint = [\"/bin/app\"]")?),
        "env" => {
            let list = arg.list("environment variables, e.g. `env(POSTGRES_PASSWORD = \"secret\")`")?;
            args.env = keyed(key, computed::pairs(list)?);
        }
        "working_dir" => args.working_dir = keyed(key, string(arg, "working_dir = \"/app\"")?),
        "user" => args.user = keyed(key, string(arg, "user = \"postgres\"")?),
        "ports" => {
            let usage = "an array of port numbers, e.g. `ports = [5432]`";
            // Good elements are kept, so their own checks still run next to a bad one's error.
            let elements = args::array(arg.assigned(usage)?, usage, |element| Ok(errors.ok(port(element))))?;
            args.ports_complete = elements.iter().all(Option::is_some);
            args.ports = keyed(key, elements.into_iter().flatten().collect());
        }
        "aliases" => args.aliases = keyed(key, strings(arg, "aliases = [\"postgres\"]")?),
        "labels" => {
            let list = arg.list("labels, e.g. `labels(team = \"checkout\")` or `labels(\"team.name\" = \"x\")`")?;
            args.labels = keyed(key, computed::pairs(list)?);
        }
        "tmpfs" => args.tmpfs = keyed(key, strings(arg, "tmpfs = [\"/var/lib/postgresql/data\"]")?),
        "volumes" => args.volumes = keyed(key, strings(arg, "volumes = [\"data:/data\", \"/host/dir:/dir:ro\"]")?),
        "copy" => {
            let example = "copy = [\"sql/init.sql:/docker-entrypoint-initdb.d/init.sql\"]";
            args.copy = keyed(key, strings(arg, example)?);
        }
        "stop_timeout" => {
            let usage = "a duration, e.g. `stop_timeout = \"5s\"`";
            args.stop_timeout = keyed(key, duration(arg.assigned(usage)?)?);
        }
        "memory" | "cpus" => super::limits::parse(&mut args.limits, name, arg)?,
        "healthcheck" => {
            let usage = "`healthcheck(cmd = [\"pg_isready\"], interval = \"200ms\", retries = 10)`";
            args.healthcheck = keyed(key, healthcheck(arg, arg.list(usage)?)?);
        }
        "ready" => {
            let usage = "a readiness strategy, e.g. `ready = log(\"ready\")` or `ready = http(8080, \"/health\")`";
            args.ready = keyed(key, ready(arg.assigned(usage)?)?);
        }
        "depends_on" => {
            let usage = "an array of container types, e.g. `depends_on = [Db, cache::Redis]`";
            args.depends_on = keyed(key, args::path_array(arg.assigned(usage)?, usage)?);
        }
        "prestart" => {
            let usage = "the number of containers to keep started for `Env::fresh`, e.g. `prestart = 2`";
            args.prestart = keyed(key, number(arg.assigned(usage)?, "a pool size", 1..=MAX_PRESTART)?);
        }
        "post_start" | "prepare" | "drain" => {
            let usage =
                format!("the path of an `async fn(&Container<Ready>) -> HookResult`, e.g. `{name} = hooks::{name}`");
            let hook = keyed(key, args::path(arg.assigned(&usage)?, &usage)?);
            match name {
                "post_start" => args.post_start = hook,
                "prepare" => args.prepare = hook,
                _ => args.drain = hook,
            }
        }
        "crate" => {
            let usage = "the path of the renamed runtime crate, e.g. `crate = ::my_runtime`";
            args.krate = keyed(key, args::path(arg.assigned(usage)?, usage)?);
        }
        other => unreachable!("key `{other}` is in KEYS but has no parser"),
    }
    Ok(())
}

fn source(arg: &AttrArg, usage: &str) -> syn::Result<Source> {
    let expr = arg.assigned(usage)?;
    match args::ungroup(expr) {
        Expr::Lit(ExprLit { lit: Lit::Str(lit), .. }) => Ok(Source::Literal(lit.clone())),
        // Anything that can compute a value at run time; other literals, arrays etc. are mistakes.
        computed @ (Expr::Call(_) | Expr::MethodCall(_) | Expr::Path(_) | Expr::Macro(_) | Expr::Block(_)) => {
            Ok(Source::Computed(computed.clone()))
        }
        other => Err(syn::Error::new_spanned(other, format!("expected {usage}"))),
    }
}

/// The runtime's pull policies, by the word that names each.
const PULL_POLICIES: &[(&str, &str)] = &[("missing", "Missing"), ("always", "Always"), ("never", "Never")];

/// `pull = "always"` as the `PullPolicy` variant's name, spanned on the string.
fn pull_policy(arg: &AttrArg) -> syn::Result<Ident> {
    let lit = string(arg, "pull = \"always\"")?;
    let word = lit.value();
    match PULL_POLICIES.iter().find(|(name, _)| *name == word) {
        Some((_, variant)) => Ok(Ident::new(variant, lit.span())),
        None => {
            let names: Vec<&str> = PULL_POLICIES.iter().map(|(name, _)| *name).collect();
            let meant = suggest::closest(&word, &names).map(|m| format!("; did you mean `{m}`?")).unwrap_or_default();
            let message = format!(
                "`{word}` is not a pull policy: expected `missing` (pull when the engine lacks the image, the \
                 default), `always` (pull once per run) or `never`{meant}"
            );
            Err(syn::Error::new_spanned(&lit, message))
        }
    }
}

fn string(arg: &AttrArg, example: &str) -> syn::Result<LitStr> {
    let usage = format!("a string, e.g. `{example}`");
    args::lit_str(arg.assigned(&usage)?, &usage)
}

fn strings(arg: &AttrArg, example: &str) -> syn::Result<Vec<LitStr>> {
    let usage = format!("an array of strings, e.g. `{example}`");
    args::str_array(arg.assigned(&usage)?, &usage)
}

fn port(expr: &Expr) -> syn::Result<PortLit> {
    let lit = args::lit_int(expr, "a port number (1..=65535)")?;
    match lit.base10_parse::<u16>() {
        Ok(value) if value != 0 => Ok(PortLit { lit, value }),
        _ => Err(syn::Error::new_spanned(&lit, format!("port {lit} is not a valid port: a port is 1..=65535"))),
    }
}

/// A number literal within `range`; `what` names it in errors.
fn number(expr: &Expr, what: &str, range: std::ops::RangeInclusive<u64>) -> syn::Result<u64> {
    let lit = args::lit_int(expr, what)?;
    match lit.base10_parse::<u64>() {
        Ok(value) if range.contains(&value) => Ok(value),
        _ => Err(syn::Error::new_spanned(&lit, format!("expected {what} in {}..={}", range.start(), range.end()))),
    }
}

/// A duration that must be more than zero (a timeout or an interval); `what` names it.
fn positive_duration(expr: &Expr, what: &str) -> syn::Result<DurationLit> {
    let duration = duration(expr)?;
    if duration.value.is_zero() {
        return Err(syn::Error::new_spanned(&duration.lit, format!("{what} must be more than zero")));
    }
    Ok(duration)
}

fn duration(expr: &Expr) -> syn::Result<DurationLit> {
    let lit = args::lit_str(expr, "a duration string, e.g. \"30s\" or \"500ms\"")?;
    let value = parse_duration(&lit.value()).map_err(|message| syn::Error::new_spanned(&lit, message))?;
    Ok(DurationLit { lit, value })
}

fn healthcheck(arg: &AttrArg, list: &ArgList) -> syn::Result<HealthcheckArgs> {
    const HEALTHCHECK_KEYS: &[&str] = &["cmd", "interval", "retries"];
    let mut errors = Errors::default();
    let (mut cmd, mut interval, mut retries) = (None, None, None);
    let mut seen: Vec<String> = Vec::new();
    for entry in list {
        let Some(key) = errors.ok(entry.ident_key()) else { continue };
        let name = key.unraw().to_string();
        if !HEALTHCHECK_KEYS.contains(&name.as_str()) {
            errors.spanned(key, suggest::unknown("healthcheck key", &name, HEALTHCHECK_KEYS));
            continue;
        }
        if seen.contains(&name) {
            errors.spanned(key, format!("`{name}` is given twice; remove one of them"));
            continue;
        }
        seen.push(name.clone());
        let parsed = match name.as_str() {
            "cmd" => {
                let usage = "an array of strings, e.g. `cmd = [\"pg_isready\"]`";
                entry.assigned(usage).and_then(|expr| {
                    cmd = Some((args::str_array(expr, usage)?, expr.clone()));
                    Ok(())
                })
            }
            "interval" => entry
                .assigned("a duration, e.g. `interval = \"200ms\"`")
                .and_then(|e| positive_duration(e, "a healthcheck interval"))
                .map(|d| interval = Some(d)),
            _ => entry
                .assigned("a number, e.g. `retries = 10`")
                .and_then(|e| number(e, "a number of retries", 1..=u64::from(u32::MAX)))
                .map(|n| retries = Some(n)),
        };
        errors.ok(parsed);
    }
    if !seen.iter().any(|k| k == "cmd") {
        errors.spanned(arg, "`healthcheck` needs the command to run: `healthcheck(cmd = [\"pg_isready\"])`");
    }
    errors.finish()?;
    let (cmd, cmd_expr) = cmd.expect("no error, so `cmd` parsed");
    if cmd.is_empty() {
        return Err(syn::Error::new_spanned(cmd_expr, "the healthcheck command needs at least one element"));
    }
    Ok(HealthcheckArgs { cmd, interval, retries })
}

/// One readiness kind: its positional arguments and the named ones it accepts.
struct ReadyForm {
    kind: &'static str,
    positional: &'static [&'static str],
    named: &'static [&'static str],
    example: &'static str,
}

const READY_FORMS: &[ReadyForm] = &[
    ReadyForm {
        kind: "log",
        positional: &["the text to wait for"],
        named: &["times", "timeout"],
        example: "log(\"ready to accept connections\")",
    },
    ReadyForm { kind: "port", positional: &["the port"], named: &["timeout"], example: "port(5432)" },
    ReadyForm {
        kind: "http",
        positional: &["the port", "the path"],
        named: &["status", "body", "timeout"],
        example: "http(8080, \"/health\")",
    },
    ReadyForm { kind: "healthy", positional: &[], named: &["timeout"], example: "healthy" },
    ReadyForm { kind: "exec", positional: &["the command"], named: &["timeout"], example: "exec([\"pg_isready\"])" },
    ReadyForm { kind: "none", positional: &[], named: &["timeout"], example: "none" },
];

const READY_USAGE: &str = "a readiness strategy: `log(\"text\")`, `port(5432)`, `http(8080, \"/health\")`, \
                           `healthy`, `exec([\"cmd\"])`, `none`, or `all(...)`/`any(...)` of them";

pub(super) fn ready(expr: &Expr) -> syn::Result<ReadyArgs> {
    if let Some(combined) = super::ready_combined::parse(expr) {
        return combined;
    }
    let (kind_ident, call_args) = match args::ungroup(expr) {
        Expr::Path(path) if path.path.get_ident().is_some() => (path.path.get_ident().unwrap().clone(), None),
        Expr::Call(call) => match args::ungroup(&call.func) {
            Expr::Path(path) if path.path.get_ident().is_some() => {
                (path.path.get_ident().unwrap().clone(), Some(&call.args))
            }
            other => return Err(syn::Error::new_spanned(other, format!("expected {READY_USAGE}"))),
        },
        other => return Err(syn::Error::new_spanned(other, format!("expected {READY_USAGE}"))),
    };
    let kind_name = kind_ident.to_string();
    let kinds: Vec<&str> = READY_FORMS.iter().map(|f| f.kind).collect();
    let Some(form) = READY_FORMS.iter().find(|f| f.kind == kind_name) else {
        return Err(syn::Error::new_spanned(&kind_ident, suggest::unknown("readiness strategy", &kind_name, &kinds)));
    };

    let mut errors = Errors::default();
    let empty = Punctuated::<Expr, Token![,]>::new();
    let mut positional: Vec<&Expr> = Vec::new();
    let mut named: Vec<(Ident, &Expr)> = Vec::new();
    for arg in call_args.unwrap_or(&empty) {
        match args::ungroup(arg) {
            Expr::Assign(assign) => match args::ungroup(&assign.left) {
                Expr::Path(p) if p.path.get_ident().is_some() => {
                    named.push((p.path.get_ident().unwrap().clone(), &assign.right))
                }
                other => errors.spanned(other, "expected an argument name, e.g. `timeout = \"30s\"`"),
            },
            positional_arg if named.is_empty() => positional.push(positional_arg),
            misplaced => errors.spanned(misplaced, "positional arguments come before named ones such as `timeout`"),
        }
    }
    if positional.len() < form.positional.len() {
        errors
            .spanned(expr, format!("`{}` needs {}, e.g. `{}`", form.kind, form.positional.join(" and "), form.example));
        return Err(errors.finish().expect_err("an error was just recorded"));
    }
    for extra in positional.iter().skip(form.positional.len()) {
        errors.spanned(extra, format!("unexpected argument; `{}` is written `{}`", form.kind, form.example));
    }

    let (mut times, mut status, mut timeout, mut body) = (None, None, None, None);
    let mut seen: Vec<String> = Vec::new();
    for (name_ident, value) in named {
        let name = name_ident.to_string();
        if !form.named.contains(&name.as_str()) {
            let message = match suggest::closest(&name, form.named) {
                Some(meant) => format!("`{}` has no argument `{name}`; did you mean `{meant}`?", form.kind),
                None if form.named.is_empty() => format!("`{}` takes no named arguments", form.kind),
                None => format!("`{}` has no argument `{name}`; it takes {}", form.kind, form.named.join(", ")),
            };
            errors.spanned(&name_ident, message);
            continue;
        }
        if seen.contains(&name) {
            errors.spanned(&name_ident, format!("`{name}` is given twice; remove one of them"));
            continue;
        }
        seen.push(name.clone());
        match name.as_str() {
            "times" => times = errors.ok(number(value, "a number of log lines", 1..=1_000_000)),
            "status" => status = errors.ok(number(value, "an HTTP status", 100..=599)),
            "body" => body = errors.ok(args::lit_str(value, "the text the body must contain, as a string")),
            _ => timeout = errors.ok(positive_duration(value, "a readiness timeout")),
        }
    }

    let text = |e: &Expr, what: &str| args::lit_str(e, what);
    let kind = match form.kind {
        "log" => errors
            .ok(text(positional[0], "the text to wait for, as a string"))
            .map(|text| ReadyKind::Log { text, times }),
        "port" => errors.ok(port(positional[0])).map(ReadyKind::Port),
        "http" => {
            let port = errors.ok(port(positional[0]));
            let path = errors.ok(text(positional[1], "the path to request, as a string, e.g. \"/health\""));
            if let Some(path) = path.as_ref().filter(|p| !p.value().starts_with('/')) {
                errors.spanned(path, "the path must start with `/`, e.g. \"/health\"");
            }
            port.zip(path).map(|(port, path)| ReadyKind::Http { port, path, status, body })
        }
        "healthy" => Some(ReadyKind::Healthy),
        "exec" => {
            let usage = "the command as an array of strings, e.g. `[\"pg_isready\"]`";
            let command = errors.ok(args::str_array(positional[0], usage));
            if command.as_ref().is_some_and(Vec::is_empty) {
                errors.spanned(positional[0], "the readiness command needs at least one element");
            }
            command.map(|command| ReadyKind::Exec { command })
        }
        _ => Some(ReadyKind::None),
    };
    errors.finish()?;
    Ok(ReadyArgs { kind: kind.expect("no error, so the kind parsed"), timeout })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ready_of(tokens: &str) -> syn::Result<ReadyArgs> {
        ready(&syn::parse_str(tokens).unwrap())
    }

    fn message(result: syn::Result<ReadyArgs>) -> String {
        result.err().expect("an error").to_string()
    }

    #[test]
    fn every_readiness_form_parses() {
        assert!(matches!(ready_of("none").unwrap().kind, ReadyKind::None));
        assert!(matches!(ready_of("healthy").unwrap().kind, ReadyKind::Healthy));
        assert!(matches!(ready_of("healthy()").unwrap().kind, ReadyKind::Healthy));
        let log = ready_of(r#"log("up", times = 2, timeout = "10s")"#).unwrap();
        assert!(matches!(&log.kind, ReadyKind::Log { times: Some(2), .. }));
        assert_eq!(log.timeout.unwrap().value, Duration::from_secs(10));
        assert!(matches!(ready_of("port(5432)").unwrap().kind, ReadyKind::Port(PortLit { value: 5432, .. })));
        let http = ready_of(r#"http(8080, "/health", status = 204)"#).unwrap();
        assert!(matches!(http.kind, ReadyKind::Http { status: Some(204), .. }));
        assert!(matches!(ready_of(r#"exec(["pg_isready", "-q"])"#).unwrap().kind, ReadyKind::Exec { .. }));
    }

    #[test]
    fn malformed_readiness_says_what_is_wrong() {
        assert!(message(ready_of("lgo(\"x\")")).contains("did you mean `log`"));
        assert!(message(ready_of("log")).contains("`log` needs the text to wait for"));
        assert!(message(ready_of("http(8080)")).contains("needs the port and the path"));
        assert!(message(ready_of("port(1, 2)")).contains("unexpected argument"));
        assert!(message(ready_of(r#"log("x", tiemout = "1s")"#)).contains("did you mean `timeout`"));
        assert!(message(ready_of(r#"log("x", timeout = 5)"#)).contains("duration"));
        assert!(message(ready_of(r#"log(timeout = "1s", "x")"#)).contains("come before"));
        assert!(message(ready_of(r#""ready""#)).contains("expected a readiness strategy"));
    }

    #[test]
    fn independent_readiness_errors_are_all_reported() {
        let error = ready_of(r#"http("8080", 5, status = "x")"#).err().unwrap();
        assert_eq!(error.into_iter().count(), 3);
    }

    #[test]
    fn unknown_and_repeated_keys_are_reported_together() {
        let mut errors = Errors::default();
        let args = parse(quote::quote!(imag = "a", ports = [1], ports = [2], cmd = "sh"), &mut errors);
        let messages: Vec<String> = errors.finish().unwrap_err().into_iter().map(|e| e.to_string()).collect();
        assert_eq!(messages.len(), 3, "{messages:?}");
        assert!(messages[0].contains("did you mean `image`"));
        assert!(messages[1].contains("`ports` is given twice"));
        assert!(messages[2].contains("array of strings"));
        assert!(args.seen("cmd") && args.cmd.is_none() && args.ports.is_some());
    }
}
