//! The macros never panic, whatever they are given: `#[container]` and `#[scenario]` are fed
//! valid arguments mutated token by token and character by character, and random token
//! streams; every outcome must be an expansion, with `compile_error!`s for what is wrong (a
//! panic would be "proc macro panicked" with no span). Ignored in the default run (many cases);
//! scripts/test.sh runs it with `--ignored`. The compose reader has its own: compose/never_panics.rs.

use std::str::FromStr;

use std::sync::atomic::AtomicU32;

use proc_macro2::{TokenStream, TokenTree};
use proptest::prelude::*;

/// Cases per target: enough that at least [`REACHED`] lex and reach the macro.
pub(crate) const CASES: u32 = 16_000;

/// Inputs that must reach each macro: the issue asks for at least 10,000.
pub(crate) const REACHED: u32 = 10_000;

const CONTAINER_ARGS: &[&str] = &[
    r#"image = "busybox:1.35", ports = [8080], ready = http(8080, "/", timeout = "10s")"#,
    r#"image = "postgres:16", env(POSTGRES_PASSWORD = "x"), ready = log("ready", times = 2), stop_timeout = "5s""#,
    r#"build = "images/app", dockerfile = "Dockerfile.test", build_args(V = "1"), name = "app", cmd = ["sh", "-c", "x"]"#,
    r#"image = "x", volumes = ["data:/data", "/host:/h:ro"], tmpfs = ["/t"], labels(team = "a"), aliases = ["db"]"#,
    r#"image = "x", healthcheck(cmd = ["true"], interval = "200ms", retries = 3), ready = healthy"#,
    r#"image = "x", depends_on = [Web, a::B], post_start = hooks::seed, prepare = p, drain = d"#,
    r#"image = "x", prestart = 2, ready = log("up", timeout = "1m")"#,
    r#"image = "x", memory = "256m", cpus = 0.5, ready = exec(["pg_isready"]), working_dir = "/", user = "u""#,
    r#"image = context::image(), entrypoint = ["/bin/app"], ports = [5432], ready = port(5432), crate = ::rt"#,
];

const CONTAINER_ITEMS: &[&str] = &["pub struct Db;", "struct Web { x: u8 }", "enum E { A }", "fn f() {}", ""];

const SCENARIO_ARGS: &[&str] = &[
    "containers = [Db, Web]",
    "containers = [a::Db], instances = 2, crate = ::rt",
    r#"compose = "missing.yml", profiles = ["dev"], remap_ports, keep_restart, allow_privileged"#,
    r#"compose = ["a.yml", "b.yml"], build_context(web = dir()), instances = 3"#,
];

const SCENARIO_ITEMS: &[&str] = &[
    "mod checkout { use super::*; #[test] async fn works(env: &Env) -> TestResult { Ok(()) } }",
    "mod m { #[test] #[ignore] async fn a(env: &Env) {} #[test] fn not_async() {} }",
    "mod m;",
    "struct S;",
];

/// Tokens and fragments that hit the parsers' edges: empty, huge, negative, wrong kinds.
const FRAGMENTS: &[&str] = &[
    "=",
    ",",
    ";",
    ":",
    "::",
    "-",
    "#",
    "!",
    "&",
    "*",
    "()",
    "[]",
    "{}",
    "(,)",
    "[,]",
    r#""""#,
    r#""0s""#,
    r#""1e400ms""#,
    r#""18446744073709551616s""#,
    r#""-1s""#,
    r#""9999999999999h""#,
    r#""256""#,
    r#""6m""#,
    r#""0m""#,
    r#""1.5""#,
    r#""x:y:z:w""#,
    r#"":""#,
    r#""/""#,
    r#""${X}""#,
    r#""é""#,
    "0",
    "-1",
    "65536",
    "4294967296",
    "18446744073709551616",
    "0.0",
    "1e400",
    "-0.5",
    "0.5",
    "b'x'",
    "'c'",
    "true",
    "r#\"raw\"#",
    "image",
    "build",
    "ports",
    "ready",
    "log",
    "http",
    "port",
    "healthy",
    "exec",
    "times",
    "timeout",
    "cmd",
    "env",
    "volumes",
    "tmpfs",
    "depends_on",
    "prestart",
    "memory",
    "cpus",
    "containers",
    "compose",
    "instances",
    "profiles",
    "build_context",
    "crate",
    "self",
    "super",
    "Db",
    "log()",
    "http(0, \"\")",
    "port(0)",
    "exec([])",
    "ready = log(\"\")",
    "ports = [0]",
    "env()",
    "labels(= \"\")",
    "\"a\" = \"b\"",
];

#[derive(Clone, Debug)]
enum Edit {
    Delete(usize),
    Insert(usize, usize),
    Replace(usize, usize),
    Swap(usize, usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    let at = 0..64usize;
    let fragment = 0..FRAGMENTS.len();
    prop_oneof![
        at.clone().prop_map(Edit::Delete),
        (at.clone(), fragment.clone()).prop_map(|(a, f)| Edit::Insert(a, f)),
        (at.clone(), fragment).prop_map(|(a, f)| Edit::Replace(a, f)),
        (at.clone(), at).prop_map(|(a, b)| Edit::Swap(a, b)),
    ]
}

/// The top-level tokens of `text`, with groups kept whole (their insides are reached by the
/// character edits and by fragments that are groups).
fn tokens(text: &str) -> Vec<String> {
    TokenStream::from_str(text).unwrap().into_iter().map(|t: TokenTree| t.to_string()).collect()
}

fn apply_token_edits(text: &str, edits: &[Edit]) -> String {
    let mut tokens = tokens(text);
    for edit in edits {
        let len = tokens.len().max(1);
        match *edit {
            Edit::Delete(at) if !tokens.is_empty() => {
                tokens.remove(at % len);
            }
            Edit::Insert(at, f) => tokens.insert(at % (tokens.len() + 1), FRAGMENTS[f].to_string()),
            Edit::Replace(at, f) if !tokens.is_empty() => tokens[at % len] = FRAGMENTS[f].to_string(),
            Edit::Swap(a, b) if !tokens.is_empty() => tokens.swap(a % len, b % len),
            _ => {}
        }
    }
    tokens.join(" ")
}

/// Character edits: `(position, replacement)`; a replacement of `None` deletes.
fn apply_char_edits(text: &str, edits: &[(usize, Option<char>)]) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for &(at, replacement) in edits {
        if chars.is_empty() {
            break;
        }
        let at = at % chars.len();
        match replacement {
            Some(c) => chars[at] = c,
            None => {
                chars.remove(at);
            }
        }
    }
    chars.into_iter().collect()
}

/// An input for a macro: mutated tokens, mutated characters, or fragments in random order.
pub(crate) fn input(bases: &'static [&'static str]) -> impl Strategy<Value = String> {
    let interesting =
        prop_oneof![Just('"'), Just(','), Just('='), Just('('), Just(']'), Just('0'), Just('-'), any::<char>()];
    prop_oneof![
        (0..bases.len(), prop::collection::vec(edit(), 1..6)).prop_map(|(b, e)| apply_token_edits(bases[b], &e)),
        (0..bases.len(), prop::collection::vec((0..200usize, prop::option::of(interesting)), 1..5))
            .prop_map(|(b, e)| apply_char_edits(bases[b], &e)),
        prop::collection::vec(0..FRAGMENTS.len(), 0..24).prop_map(|f| f
            .into_iter()
            .map(|i| FRAGMENTS[i])
            .collect::<Vec<_>>()
            .join(" ")),
    ]
}

/// Text that does not lex as Rust tokens (an unclosed quote) never reaches a macro.
fn lexed(text: &str) -> Option<TokenStream> {
    TokenStream::from_str(text).ok()
}

/// How many inputs reached the macro, and how many of those it rejected: the runs check that
/// most cases were real inputs, and that both outcomes occurred.
#[derive(Default)]
struct Tally {
    reached: std::sync::atomic::AtomicU32,
    rejected: std::sync::atomic::AtomicU32,
}

impl Tally {
    fn count(&self, errors: usize) {
        use std::sync::atomic::Ordering::Relaxed;
        self.reached.fetch_add(1, Relaxed);
        if errors > 0 {
            self.rejected.fetch_add(1, Relaxed);
        }
    }

    fn check(&self, what: &str) {
        use std::sync::atomic::Ordering::Relaxed;
        let (reached, rejected) = (self.reached.load(Relaxed), self.rejected.load(Relaxed));
        println!("{what}: {reached} of {CASES} cases reached the macro, {rejected} were rejected with errors");
        assert!(reached >= REACHED, "{what}: only {reached} of {CASES} inputs lexed");
        assert!(rejected > 0 && rejected < reached, "{what}: {rejected} of {reached} rejected");
    }
}

static CONTAINER_TALLY: Tally = Tally { reached: AtomicU32::new(0), rejected: AtomicU32::new(0) };
static SCENARIO_TALLY: Tally = Tally { reached: AtomicU32::new(0), rejected: AtomicU32::new(0) };

#[test]
#[ignore = "16,000 cases; scripts/test.sh runs it"]
fn container_never_panics() {
    container_cases();
    CONTAINER_TALLY.check("#[container]");
}

#[test]
#[ignore = "16,000 cases; scripts/test.sh runs it"]
fn scenario_never_panics() {
    scenario_cases();
    SCENARIO_TALLY.check("#[scenario]");
}

/// Each base argument list is valid as written: the mutations start from working inputs.
#[test]
fn the_bases_expand_without_errors() {
    for args in CONTAINER_ARGS {
        let out = crate::container::container(lexed(args).unwrap(), lexed("struct Db;").unwrap()).to_string();
        assert!(!out.contains("compile_error"), "{args}: {out}");
    }
    let out = crate::scenario::scenario(lexed(SCENARIO_ARGS[0]).unwrap(), lexed(SCENARIO_ITEMS[0]).unwrap());
    // (Its one compile error is the harness check, which fails unit tests of this package by design.)
    assert!(out.to_string().contains("TestRegistration"), "{out}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: CASES, failure_persistence: None, ..ProptestConfig::default() })]

    fn container_cases(args in input(CONTAINER_ARGS), item in 0..CONTAINER_ITEMS.len()) {
        if let (Some(args), Some(item)) = (lexed(&args), lexed(CONTAINER_ITEMS[item])) {
            let out = crate::container::container(args, item).to_string();
            CONTAINER_TALLY.count(out.matches("compile_error").count());
        }
    }

    fn scenario_cases(args in input(SCENARIO_ARGS), item in input(SCENARIO_ITEMS)) {
        if let (Some(args), Some(item)) = (lexed(&args), lexed(&item)) {
            let out = crate::scenario::scenario(args, item).to_string();
            // Unit tests of this package always get the harness check's error: count the others.
            let harness_check = out.matches("compile_error ! { \"scenario tests cannot run").count();
            SCENARIO_TALLY.count(out.matches("compile_error").count() - harness_check);
        }
    }
}
