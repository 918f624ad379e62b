//! The rules of `#[container]` that span keys or need ranges (exactly one image source, ports
//! in 1..=65535, the readiness port among `ports`, positive timeouts, volume syntax), and the
//! shape of the annotated item. The result is a model that `expand` turns into code unchecked.

use std::time::Duration;

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::{Expr, Fields, Ident, Item, ItemStruct, LitStr, Path};

use super::computed::StrValue;
use super::parse::{ContainerArgs, HealthcheckArgs, ReadyArgs, ReadyKind, Source};
use crate::args::ArgKey;
use crate::case::snake_case;
use crate::errors::Errors;
use crate::spans::item_head;

/// Containers of a scenario get names, aliases and labels with this prefix reserved.
const RESERVED_LABEL_PREFIX: &str = "dev.scenario.";

/// `AllInScenario` is implemented for tuples up to this length.
const MAX_DEPENDENCIES: usize = 12;

pub(super) struct ContainerModel {
    pub krate: Path,
    pub ident: Ident,
    pub name: String,
    pub image: Image,
    /// The `PullPolicy` variant `pull` names.
    pub pull: Option<Ident>,
    pub cmd: Option<Vec<StrValue>>,
    pub entrypoint: Option<Vec<LitStr>>,
    pub env: Vec<(String, StrValue)>,
    pub working_dir: Option<LitStr>,
    pub user: Option<LitStr>,
    pub ports: Vec<u16>,
    pub mounts: Vec<MountSpec>,
    pub copies: Vec<super::copy::CopyArg>,
    pub aliases: Vec<LitStr>,
    pub labels: Vec<(String, StrValue)>,
    pub healthcheck: Option<HealthcheckArgs>,
    pub ready: Option<ReadyArgs>,
    pub stop_timeout: Option<Duration>,
    pub limits: super::limits::Limits,
    pub depends_on: Vec<Path>,
    pub prestart: Option<u64>,
    pub post_start: Option<Path>,
    pub prepare: Option<Path>,
    pub drain: Option<Path>,
}

pub(super) enum Image {
    Reference(Source),
    Build { dir: BuildDir, dockerfile: Option<LitStr>, args: Vec<(String, LitStr)> },
}

pub(super) enum BuildDir {
    /// Relative to the annotated crate's `CARGO_MANIFEST_DIR`.
    InCrate(String),
    Absolute(String),
    Computed(Expr),
}

#[derive(Debug, PartialEq, Eq)]
pub(super) enum MountSpec {
    Volume { name: String, target: String, read_only: bool },
    Bind { source: HostPath, target: String, read_only: bool },
    Tmpfs { target: String },
}

#[derive(Debug, PartialEq, Eq)]
pub(super) enum HostPath {
    Absolute(String),
    /// Relative to the annotated crate's `CARGO_MANIFEST_DIR`.
    InCrate(String),
}

/// The item must be a non-generic unit or named-field struct.
pub(super) fn target(item: &Item) -> syn::Result<&ItemStruct> {
    match item {
        Item::Struct(item_struct) => {
            let mut errors = Errors::default();
            let generics = &item_struct.generics;
            if !generics.params.is_empty() {
                errors.spanned(generics, "a container cannot be generic: each container is one concrete type");
            } else if let Some(where_clause) = &generics.where_clause {
                errors.spanned(where_clause, "a container cannot have a `where` clause");
            }
            if let Fields::Unnamed(fields) = &item_struct.fields {
                errors.spanned(fields, "a container cannot be a tuple struct; use a unit struct (`pub struct Db;`)");
            }
            errors.finish().map(|()| item_struct)
        }
        Item::Enum(_) => Err(not_a_struct(item_head(item), "an enum")),
        Item::Union(_) => Err(not_a_struct(item_head(item), "a union")),
        other => Err(not_a_struct(item_head(other), "this item")),
    }
}

fn not_a_struct(tokens: TokenStream, what: &str) -> syn::Error {
    syn::Error::new_spanned(tokens, format!("`#[container]` goes on a struct, not on {what}: e.g. `pub struct Db;`"))
}

/// The runtime's path: `crate = path` or `::scenario_runtime`.
pub(super) fn krate(args: &ContainerArgs) -> Path {
    args.krate.as_ref().map(|k| k.value.clone()).unwrap_or_else(|| syn::parse_quote!(::scenario_runtime))
}

/// The container's name: `name = "..."` or the struct's name in snake_case.
pub(super) fn name(args: &ContainerArgs, ident: &Ident) -> String {
    args.name.as_ref().map(|n| n.value.value()).unwrap_or_else(|| snake_case(&ident.to_string()))
}

/// Checks everything; `None` if anything (here or in `errors` already) is wrong.
pub(super) fn validate(
    args: ContainerArgs,
    item: &ItemStruct,
    attr: &TokenStream,
    errors: &mut Errors,
) -> Option<ContainerModel> {
    if args.unparsed {
        return None;
    }
    let name = name(&args, &item.ident);
    match &args.name {
        Some(given) => check_name(&given.value, &name, errors),
        None if !is_valid_name(&name) => errors
            .spanned(&item.ident, format!("`{name}` is not a valid container name; give one with `name = \"...\"`")),
        None => {}
    }

    let image = image(&args, attr, errors);
    let ports = ports(&args, errors);
    if let Some(ready) = &args.ready {
        check_ready_port(&ready.value, ports.as_deref(), errors);
    }
    let empty_cmd = args.cmd.as_ref().filter(|l| l.value.is_empty()).map(|l| ("cmd", &l.key));
    let empty_entrypoint = args.entrypoint.as_ref().filter(|l| l.value.is_empty()).map(|l| ("entrypoint", &l.key));
    for (key, given) in empty_cmd.into_iter().chain(empty_entrypoint) {
        errors.spanned(given, format!("`{key}` needs at least one element"));
    }
    let env = pairs(args.env.as_ref().map(|e| &e.value), "environment variable", errors, |key| {
        (key.is_empty() || key.contains(['=', '\0']))
            .then_some("an environment variable name cannot be empty or contain `=`")
    });
    let labels = pairs(args.labels.as_ref().map(|l| &l.value), "label", errors, |key| {
        if key.is_empty() {
            Some("a label key cannot be empty")
        } else if key.starts_with(RESERVED_LABEL_PREFIX) {
            Some("labels under `dev.scenario.` are set by the runtime; choose another prefix")
        } else {
            None
        }
    });
    for alias in args.aliases.iter().flat_map(|a| &a.value) {
        check_name(alias, &alias.value(), errors);
    }
    let mounts = mounts(&args, errors);
    let copies = super::copy::check(args.copy.as_ref().map(|c| &c.value), errors);
    let depends_on = depends_on(&args, item, errors);
    check_prestart(&args, errors);
    super::audit::check(&args, errors);
    check_pull(&args, errors);

    if !errors.is_empty() {
        return None;
    }
    Some(ContainerModel {
        krate: krate(&args),
        ident: item.ident.clone(),
        name,
        image: image?,
        pull: args.pull.map(|p| p.value),
        cmd: args.cmd.map(|c| c.value),
        entrypoint: args.entrypoint.map(|e| e.value),
        env,
        working_dir: args.working_dir.map(|w| w.value),
        user: args.user.map(|u| u.value),
        ports: ports.unwrap_or_default(),
        mounts,
        copies,
        aliases: args.aliases.map(|a| a.value).unwrap_or_default(),
        labels,
        healthcheck: args.healthcheck.map(|h| h.value),
        ready: args.ready.map(|r| r.value),
        stop_timeout: args.stop_timeout.map(|s| s.value.value),
        limits: args.limits,
        depends_on,
        prestart: args.prestart.map(|p| p.value),
        post_start: args.post_start.map(|p| p.value),
        prepare: args.prepare.map(|p| p.value),
        drain: args.drain.map(|d| d.value),
    })
}

fn image(args: &ContainerArgs, attr: &TokenStream, errors: &mut Errors) -> Option<Image> {
    let sources: Vec<&(&str, Ident)> = args.seen.iter().filter(|(key, _)| matches!(*key, "image" | "build")).collect();
    match sources.as_slice() {
        [] if args.intended("image") || args.intended("build") => return None,
        [] => {
            let message = "a container needs an image: `image = \"postgres:16\"`, or `build = \"images/postgres\"` \
                           for a Dockerfile folder in this crate";
            if attr.is_empty() {
                errors.push(syn::Error::new(Span::call_site(), message));
            } else {
                errors.spanned(attr, message);
            }
            return None;
        }
        [_, (_, second)] => {
            errors.spanned(
                second,
                "`image` and `build` exclude each other: a container runs a given image or builds one",
            );
            return None;
        }
        _ => {}
    }
    if !args.seen("build") {
        for (key, ident) in &args.seen {
            if matches!(*key, "dockerfile" | "build_args") {
                errors.spanned(ident, format!("`{key}` only applies to a built image (`build = \"...\"`)"));
            }
        }
    }
    if let Some(image) = &args.image {
        if let Source::Literal(lit) = &image.value {
            let reference = lit.value();
            if reference.is_empty() || reference.contains(char::is_whitespace) {
                errors.spanned(lit, "an image reference is a name and tag without spaces, e.g. \"postgres:16\"");
            }
        }
        return Some(Image::Reference(clone_source(&image.value)));
    }
    let build = args.build.as_ref()?;
    let dir = match &build.value {
        Source::Literal(lit) => {
            let dir = lit.value();
            if dir.trim().is_empty() {
                errors
                    .spanned(lit, "the build folder is empty; give the Dockerfile's folder, e.g. \"images/postgres\"");
            }
            if dir.starts_with('/') {
                BuildDir::Absolute(dir)
            } else {
                BuildDir::InCrate(dir)
            }
        }
        Source::Computed(expr) => BuildDir::Computed(expr.clone()),
    };
    let build_args = pairs(args.build_args.as_ref().map(|b| &b.value), "build argument", errors, |key| {
        key.is_empty().then_some("a build argument name cannot be empty")
    });
    Some(Image::Build { dir, dockerfile: args.dockerfile.as_ref().map(|d| d.value.clone()), args: build_args })
}

fn clone_source(source: &Source) -> Source {
    match source {
        Source::Literal(lit) => Source::Literal(lit.clone()),
        Source::Computed(expr) => Source::Computed(expr.clone()),
    }
}

/// The exposed ports, or `None` if some element of `ports` did not parse (so a membership
/// check against the rest would only mislead).
fn ports(args: &ContainerArgs, errors: &mut Errors) -> Option<Vec<u16>> {
    let Some(ports) = &args.ports else {
        return (!args.seen("ports")).then(Vec::new);
    };
    let mut distinct = Vec::new();
    for port in &ports.value {
        if distinct.contains(&port.value) {
            errors.spanned(&port.lit, format!("port {} is listed twice", port.value));
        }
        distinct.push(port.value);
    }
    args.ports_complete.then_some(distinct)
}

/// A readiness port must be exposed: the probe talks to it through its published port.
fn check_ready_port(ready: &ReadyArgs, ports: Option<&[u16]>, errors: &mut Errors) {
    if let ReadyKind::All(parts) | ReadyKind::Any(parts) = &ready.kind {
        parts.iter().for_each(|part| check_ready_port(part, ports, errors));
        return;
    }
    let (ReadyKind::Port(port) | ReadyKind::Http { port, .. }) = &ready.kind else { return };
    let Some(ports) = ports else { return };
    if !ports.contains(&port.value) {
        let number = port.value;
        let fix = if ports.is_empty() { format!("add `ports = [{number}]`") } else { "add it to `ports`".into() };
        errors.spanned(
            &port.lit,
            format!("readiness waits on port {number}, which the container does not expose; {fix}"),
        );
    }
}

/// Container names and aliases: what Docker accepts as a name and DNS accepts as a host.
pub(super) fn is_valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

fn check_name(lit: &LitStr, name: &str, errors: &mut Errors) {
    if !is_valid_name(name) {
        errors.spanned(
            lit,
            format!(
                "`{name}` is not a valid name: use letters, digits, `_`, `.` and `-`, starting with a letter or digit"
            ),
        );
    }
}

fn pairs<V: Clone>(
    entries: Option<&Vec<(ArgKey, V)>>,
    what: &str,
    errors: &mut Errors,
    invalid_key: impl Fn(&str) -> Option<&'static str>,
) -> Vec<(String, V)> {
    let mut checked: Vec<(String, V)> = Vec::new();
    for (key, value) in entries.into_iter().flatten() {
        let name = key.name();
        if let Some(message) = invalid_key(&name) {
            errors.spanned(key, message);
        } else if checked.iter().any(|(seen, _)| *seen == name) {
            errors.spanned(key, format!("{what} `{name}` is given twice"));
        } else {
            checked.push((name, value.clone()));
        }
    }
    checked
}

fn mounts(args: &ContainerArgs, errors: &mut Errors) -> Vec<MountSpec> {
    let mut mounts = Vec::new();
    for lit in args.volumes.iter().flat_map(|v| &v.value) {
        match parse_volume(&lit.value()) {
            Ok(mount) => mounts.push(mount),
            Err(message) => errors.spanned(lit, message),
        }
    }
    for lit in args.tmpfs.iter().flat_map(|t| &t.value) {
        let target = lit.value();
        if target.starts_with('/') && !target.contains(':') {
            mounts.push(MountSpec::Tmpfs { target });
        } else {
            errors.spanned(lit, "a tmpfs is an absolute path in the container, e.g. \"/var/lib/postgresql/data\"");
        }
    }
    mounts
}

/// `"name:/target"` is a named volume (scoped to the scenario instance), `"/host:/target"` or
/// `"./dir:/target"` a bind mount (relative to the crate); a third part `ro` or `rw` sets the mode.
pub(super) fn parse_volume(spec: &str) -> Result<MountSpec, String> {
    let usage = "write \"name:/target\" for a named volume or \"/host/path:/target\" for a bind mount, \
                 optionally followed by \":ro\"";
    let parts: Vec<&str> = spec.split(':').collect();
    let (source, target, read_only) = match parts.as_slice() {
        [source, target] => (*source, *target, false),
        [source, target, "ro"] => (*source, *target, true),
        [source, target, "rw"] => (*source, *target, false),
        [_, _, mode] => return Err(format!("unknown volume mode `{mode}` in `{spec}`: use `ro` or `rw`")),
        _ => return Err(format!("`{spec}` is not a volume: {usage}")),
    };
    if source.is_empty() {
        return Err(format!("`{spec}` has no source: {usage}"));
    }
    if !target.starts_with('/') {
        return Err(format!("the target `{target}` must be an absolute path in the container"));
    }
    let target = target.to_string();
    if source.contains('/') {
        let source = match source.strip_prefix("./") {
            _ if source.starts_with('/') => HostPath::Absolute(source.to_string()),
            Some(relative) => HostPath::InCrate(relative.to_string()),
            None => HostPath::InCrate(source.to_string()),
        };
        Ok(MountSpec::Bind { source, target, read_only })
    } else if is_valid_name(source) {
        Ok(MountSpec::Volume { name: source.to_string(), target, read_only })
    } else {
        Err(format!("`{source}` is not a valid volume name (letters, digits, `_`, `.`, `-`); a host path contains `/`"))
    }
}

/// A pull policy says when an image reference is pulled; a build context is built instead.
fn check_pull(args: &ContainerArgs, errors: &mut Errors) {
    if let (Some(pull), true) = (&args.pull, args.seen("build")) {
        errors.spanned(
            &pull.key,
            "`pull` applies to `image` references; a `build` context is built, not pulled: remove `pull`",
        );
    }
}

/// A pre-started container is started before any scenario is, so nothing it depends on can be
/// running yet: only containers without dependencies can be pooled.
fn check_prestart(args: &ContainerArgs, errors: &mut Errors) {
    let (Some(prestart), true) = (&args.prestart, args.seen("depends_on")) else { return };
    errors.spanned(
        &prestart.key,
        "`prestart` needs a container without dependencies: pool containers start before any scenario \
         does, so what they `depends_on` is not there yet; remove `prestart` or `depends_on`",
    );
}

fn depends_on(args: &ContainerArgs, item: &ItemStruct, errors: &mut Errors) -> Vec<Path> {
    let Some(depends_on) = &args.depends_on else { return Vec::new() };
    if depends_on.value.len() > MAX_DEPENDENCIES {
        errors.spanned(&depends_on.key, format!("a container can depend on at most {MAX_DEPENDENCIES} others"));
    }
    let mut seen: Vec<String> = Vec::new();
    for path in &depends_on.value {
        if path.is_ident(&item.ident) || path.is_ident("Self") {
            errors.spanned(path, "a container cannot depend on itself");
        }
        let written = path.to_token_stream().to_string();
        if seen.contains(&written) {
            errors.spanned(path, format!("`{written}` is listed twice in `depends_on`"));
        }
        seen.push(written);
    }
    depends_on.value.clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn volumes_are_named_or_bound_by_the_slash() {
        assert_eq!(
            parse_volume("data:/var/lib/data"),
            Ok(MountSpec::Volume { name: "data".into(), target: "/var/lib/data".into(), read_only: false })
        );
        assert_eq!(
            parse_volume("/etc/ssl:/certs:ro"),
            Ok(MountSpec::Bind {
                source: HostPath::Absolute("/etc/ssl".into()),
                target: "/certs".into(),
                read_only: true
            })
        );
        assert_eq!(
            parse_volume("./fixtures/sql:/docker-entrypoint-initdb.d:rw"),
            Ok(MountSpec::Bind {
                source: HostPath::InCrate("fixtures/sql".into()),
                target: "/docker-entrypoint-initdb.d".into(),
                read_only: false
            })
        );
        assert_eq!(
            parse_volume("fixtures/x:/x"),
            Ok(MountSpec::Bind {
                source: HostPath::InCrate("fixtures/x".into()),
                target: "/x".into(),
                read_only: false
            })
        );
    }

    #[test]
    fn malformed_volumes_say_why() {
        assert!(parse_volume("data").unwrap_err().contains("not a volume"));
        assert!(parse_volume("data:/x:z").unwrap_err().contains("unknown volume mode `z`"));
        assert!(parse_volume(":/x").unwrap_err().contains("no source"));
        assert!(parse_volume("data:relative").unwrap_err().contains("absolute path"));
        assert!(parse_volume("bad name:/x").unwrap_err().contains("not a valid volume name"));
        assert!(parse_volume("a:/b:ro:extra").is_err());
    }

    #[test]
    fn names_follow_dockers_rules() {
        assert!(is_valid_name("db"));
        assert!(is_valid_name("web-1.internal_x"));
        assert!(!is_valid_name(""));
        assert!(!is_valid_name("-db"));
        assert!(!is_valid_name("my db"));
        assert!(!is_valid_name("ünicode"));
    }
}
