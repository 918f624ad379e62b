//! The runtime's rooms form layers (ARCHITECTURE.md): each top-level module of `src/` may use
//! only the rooms below it, and no two files of one room use each other in a circle. Read off the
//! source text, so a new upward `use` fails here, naming the file and the path it used.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use regex::Regex;

/// Lowest first. `reaper` is a corner: it uses the rooms below it and only the harness uses it.
const LAYERS: &[&str] = &[
    "base",
    "spec",
    "engine",
    "primitives",
    "reaper",
    "readiness",
    "scope",
    "container",
    "reuse",
    "declare",
    "pool",
    "launch",
    "harness",
];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The code of a file without comments and without its unit tests (which may use anything).
fn code(path: &Path) -> String {
    let mut text = std::fs::read_to_string(path).unwrap();
    // The test module ends at the first closing brace in the first column after its start.
    if let Some(start) = text.find("#[cfg(test)]\nmod tests") {
        let end = text[start..].find("\n}\n").map_or(text.len(), |at| start + at + 3);
        text.replace_range(start..end, "");
    }
    let comments = Regex::new(r"(?m)//.*$").unwrap();
    comments.replace_all(&text, "").into_owned()
}

/// `a/b/c.rs` -> ["a", "b", "c"]; `a/mod.rs` -> ["a"].
fn module_of(relative: &Path) -> Vec<String> {
    let mut parts: Vec<String> = relative.with_extension("").iter().map(|p| p.to_string_lossy().into_owned()).collect();
    if parts.last().is_some_and(|p| p == "mod") || parts == ["lib"] {
        parts.pop();
    }
    parts
}

/// The crate paths a file names: `crate::a::b`, each member of `crate::{a, b::c}`, and
/// `super::x` resolved against the file's own module.
fn paths_used(module: &[String], code: &str) -> Vec<Vec<String>> {
    let crate_path = Regex::new(r"\bcrate::((?:\w+::)*)(\{[^}]*\}|\w+)").unwrap();
    let super_path = Regex::new(r"\b((?:super::)+)((?:\w+::)*)(\{[^}]*\}|\w+)").unwrap();
    let members = |prefix: &[String], tail: &str| -> Vec<Vec<String>> {
        let names: Vec<&str> = if let Some(group) = tail.strip_prefix('{') {
            group.trim_end_matches('}').split(',').map(|m| m.trim().split("::").next().unwrap_or("")).collect()
        } else {
            vec![tail]
        };
        names
            .into_iter()
            .filter(|n| !n.is_empty())
            .map(|n| {
                let mut path = prefix.to_vec();
                if n != "self" && n != "*" {
                    path.push(n.to_string());
                }
                path
            })
            .collect()
    };
    let split = |s: &str| s.split("::").filter(|p| !p.is_empty()).map(String::from).collect::<Vec<_>>();
    let mut used = Vec::new();
    for c in crate_path.captures_iter(code) {
        used.extend(members(&split(&c[1]), &c[2]));
    }
    for c in super_path.captures_iter(code) {
        let up = c[1].matches("super").count();
        // A file's `super` is its parent module; `mod.rs` is its folder's module itself.
        let mut base = module.to_vec();
        base.truncate(base.len().saturating_sub(up));
        base.extend(split(&c[2]));
        used.extend(members(&base, &c[3]));
    }
    used
}

struct File {
    module: Vec<String>,
    shown: String,
    used: Vec<Vec<String>>,
}

fn files() -> Vec<File> {
    let root = src();
    let mut paths = Vec::new();
    rust_files(&root, &mut paths);
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let relative = path.strip_prefix(&root).unwrap().to_path_buf();
            let module = module_of(&relative);
            let used = paths_used(&module, &code(&path));
            File { module, shown: relative.display().to_string(), used }
        })
        .collect()
}

#[test]
fn every_room_uses_only_the_rooms_below_it() {
    let rank = |room: &str| LAYERS.iter().position(|r| *r == room);
    let mut wrong = Vec::new();
    for file in files() {
        let Some(room) = file.module.first() else { continue }; // lib.rs: the public surface
        let Some(own) = rank(room) else {
            wrong.push(format!("{}: room `{room}` is not in LAYERS (tests/layers.rs, ARCHITECTURE.md)", file.shown));
            continue;
        };
        for path in &file.used {
            let Some(target) = path.first() else { continue };
            match rank(target) {
                Some(other) if other <= own => {}
                Some(_) => {
                    wrong.push(format!("{}: uses `crate::{}`, a room above `{room}`", file.shown, path.join("::")))
                }
                None => wrong.push(format!(
                    "{}: uses `crate::{}`; inside the crate, name the room the item lives in",
                    file.shown,
                    path.join("::")
                )),
            }
        }
    }
    assert!(wrong.is_empty(), "layering broken:\n{}", wrong.join("\n"));
}

#[test]
fn the_files_of_a_room_use_each_other_without_circles() {
    let files = files();
    let known: BTreeSet<Vec<String>> = files.iter().map(|f| f.module.clone()).collect();
    // Edges between modules that are not ancestor and descendant (a module and its children are one unit).
    let mut edges: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    for file in &files {
        for path in &file.used {
            // The longest prefix of the path that is a module of the crate.
            let Some(target) = (1..=path.len()).rev().map(|n| path[..n].to_vec()).find(|m| known.contains(m)) else {
                continue;
            };
            let related = target.starts_with(&file.module) || file.module.starts_with(&target);
            if !related && target.first() == file.module.first() {
                edges.entry(file.module.clone()).or_default().insert(target);
            }
        }
    }
    let mut circles = Vec::new();
    for (from, targets) in &edges {
        for to in targets {
            if reaches(&edges, to, from, &mut BTreeSet::new()) {
                circles.push(format!("{} <-> {}", from.join("::"), to.join("::")));
            }
        }
    }
    assert!(circles.is_empty(), "import circles inside a room:\n{}", circles.join("\n"));
}

fn reaches(
    edges: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
    from: &Vec<String>,
    goal: &Vec<String>,
    seen: &mut BTreeSet<Vec<String>>,
) -> bool {
    if from == goal {
        return true;
    }
    if !seen.insert(from.clone()) {
        return false;
    }
    edges.get(from).is_some_and(|next| next.iter().any(|n| reaches(edges, n, goal, seen)))
}
