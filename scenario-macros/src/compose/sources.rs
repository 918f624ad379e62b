//! The files a compose scenario reads, made into one compose file the way `docker compose`
//! does: the files named (`compose = ["a.yml", "b.yml"]`, later ones merged into earlier ones),
//! or one file with its `*.override.yml` beside it, or a folder's `compose.yaml` (or
//! `compose.yml`, `docker-compose.yaml`, `docker-compose.yml`); in each file the top-level
//! `include`s and every service's `extends` applied. Each file's keys are checked, with its
//! lines, by `keys`.
//!
//! Relative paths of the named files are relative to the first one's folder (the project
//! folder, as compose has it); those of included and extended files to their own folder, so
//! they are rewritten here to be relative to the including file's.

use std::path::{Component, Path, PathBuf};

use serde_norway::{Mapping, Value};

use super::keys;
use super::merge;
use super::model::normalise;
use super::text::{split_outside, Sites};

/// The default names of a compose file in a folder, in the order compose tries them.
const DEFAULT_NAMES: &[&str] = &["compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml"];

/// Everything read.
#[derive(Default)]
pub(super) struct Sources {
    /// The files as one compose file (`None` when one could not be read at all).
    pub value: Option<Value>,
    /// The first file, relative to the crate (or absolute): the project's folder is its folder.
    pub project_file: String,
    pub sites: Sites,
    /// Every file read, so that editing one rebuilds the crate.
    pub watched: Vec<PathBuf>,
    /// Problems, each starting with the file (and line) it is about.
    pub problems: Vec<String>,
}

/// Reads the files named in the attribute (relative to the crate's folder `manifest_dir`), with
/// the refused keys in `allowed` accepted.
pub(super) fn read(named: &[String], manifest_dir: &Path, allowed: &[&str]) -> Sources {
    let mut sources = Sources::default();
    let mut files: Vec<String> = named.to_vec();
    if let [single] = named {
        let on_disk = manifest_dir.join(single);
        if on_disk.is_dir() {
            match DEFAULT_NAMES.iter().find(|name| on_disk.join(name).is_file()) {
                Some(name) => files = vec![join(single, name)],
                None => {
                    sources.problems.push(format!(
                        "{single} is a folder without a compose file (looked for {})",
                        DEFAULT_NAMES.join(", ")
                    ));
                    return sources;
                }
            }
        }
        if let Some(over) = override_beside(&files[0], manifest_dir) {
            files.push(over);
        }
    }
    sources.project_file = files[0].clone();
    let mut reader = Reader { manifest_dir, allowed, sources: &mut sources, loading: Vec::new() };
    let mut merged: Option<Value> = None;
    for file in &files {
        let Some(value) = reader.load(file) else { continue };
        merged = Some(match merged {
            Some(base) => merge::files(base, value),
            None => value,
        });
    }
    sources.value = merged;
    sources
}

/// `docker-compose.override.yml` beside `docker-compose.yml` (and the like for each default name).
fn override_beside(file: &str, manifest_dir: &Path) -> Option<String> {
    let path = Path::new(file);
    let name = path.file_name()?.to_str()?;
    if !DEFAULT_NAMES.contains(&name) {
        return None;
    }
    let stem = name.rsplit_once('.')?.0;
    ["yaml", "yml"].iter().map(|ext| format!("{stem}.override.{ext}")).find_map(|over| {
        let written = match path.parent().and_then(Path::to_str) {
            Some("") | None => over,
            Some(folder) => join(folder, &over),
        };
        manifest_dir.join(&written).is_file().then_some(written)
    })
}

struct Reader<'a> {
    manifest_dir: &'a Path,
    allowed: &'a [&'a str],
    sources: &'a mut Sources,
    /// Files being loaded (an include or extends cycle would never end).
    loading: Vec<String>,
}

impl Reader<'_> {
    /// One file with its includes and extends applied, paths relative to its own folder.
    fn load(&mut self, file: &str) -> Option<Value> {
        if self.loading.iter().any(|f| f == file) {
            self.sources
                .problems
                .push(format!("{file}: it includes or extends itself (through {})", self.loading.join(" -> ")));
            return None;
        }
        let path = self.manifest_dir.join(file);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) => {
                self.sources.problems.push(format!(
                    "cannot read the compose file `{file}`: {e} (the path is relative to the folder of the crate's Cargo.toml)"
                ));
                return None;
            }
        };
        if !self.sources.watched.contains(&path) {
            self.sources.watched.push(path);
        }
        let walked = keys::walk_allowing(&text, self.allowed);
        for problem in &walked.problems {
            self.sources.problems.push(format!("{file}:{}:{}: {}", problem.line, problem.column, problem.message));
        }
        self.sources.sites.add(file, walked.sites);
        if let Some(error) = walked.yaml_error {
            self.sources.problems.push(format!("{file}: invalid YAML: {error}"));
            return None;
        }
        let mut value = match serde_norway::from_str::<Value>(&text).and_then(|mut v| v.apply_merge().map(|()| v)) {
            Ok(Value::Null) => Value::Mapping(Mapping::new()),
            Ok(value) => value,
            Err(error) => {
                self.sources.problems.push(format!("{file}: {error}"));
                return None;
            }
        };
        self.loading.push(file.to_string());
        self.include(file, &mut value);
        self.extends(file, &mut value);
        self.loading.pop();
        Some(value)
    }

    /// Adds the services (and volumes, networks, secrets, configs) of each included file.
    fn include(&mut self, file: &str, value: &mut Value) {
        let Some(Value::Sequence(entries)) = value.as_mapping_mut().and_then(|m| m.remove("include")) else { return };
        let folder = parent(file);
        for entry in entries {
            let paths: Vec<String> = match &entry {
                Value::String(path) => vec![path.clone()],
                Value::Mapping(long) => match long.get("path") {
                    Some(Value::String(path)) => vec![path.clone()],
                    Some(Value::Sequence(paths)) => {
                        paths.iter().filter_map(Value::as_str).map(str::to_string).collect()
                    }
                    _ => Vec::new(),
                },
                _ => Vec::new(),
            };
            let mut included: Option<Value> = None;
            for path in paths {
                let written = join(&folder, &path);
                let Some(mut loaded) = self.load(&written) else { continue };
                rebase_file(&mut loaded, &relative(&folder, &parent(&written)));
                included = Some(match included {
                    Some(base) => merge::files(base, loaded),
                    None => loaded,
                });
            }
            let Some(Value::Mapping(included)) = included else { continue };
            let Some(this) = value.as_mapping_mut() else { return };
            for (section, entries) in included {
                let Value::Mapping(entries) = entries else { continue };
                let target = this.entry(section.clone()).or_insert_with(|| Value::Mapping(Mapping::new()));
                let Some(target) = target.as_mapping_mut() else { continue };
                for (name, definition) in entries {
                    if target.contains_key(&name) {
                        if section.as_str() == Some("services") {
                            self.sources.problems.push(format!(
                                "{file}: service `{}` is defined here and in an included file; compose refuses that too",
                                name.as_str().unwrap_or_default()
                            ));
                        }
                        continue;
                    }
                    target.insert(name, definition);
                }
            }
        }
    }

    /// Replaces each service that `extends` another by the other merged with it.
    fn extends(&mut self, file: &str, value: &mut Value) {
        let Some(Value::Mapping(services)) = value.get("services").cloned() else { return };
        let mut resolved = services.clone();
        for (name, _) in &services {
            let mut chain = Vec::new();
            if let Some(service) = self.extended(file, &services, name, &mut chain) {
                resolved.insert(name.clone(), service);
            }
        }
        if let Some(map) = value.as_mapping_mut() {
            map.insert(Value::from("services"), Value::Mapping(resolved));
        }
    }

    /// Service `name` of `services` (in `file`) with its `extends` chain applied.
    fn extended(&mut self, file: &str, services: &Mapping, name: &Value, chain: &mut Vec<String>) -> Option<Value> {
        let shown = name.as_str().unwrap_or_default().to_string();
        let mut service = services.get(name)?.clone();
        let Some(extends) = service.as_mapping_mut().and_then(|m| m.remove("extends")) else { return Some(service) };
        if chain.contains(&shown) {
            self.sources
                .problems
                .push(format!("{file}: `extends` goes round in a circle: {} -> {shown}", chain.join(" -> ")));
            return None;
        }
        chain.push(shown.clone());
        let (base_name, base_file) = match &extends {
            Value::String(base) => (base.clone(), None),
            Value::Mapping(long) => (
                long.get("service").and_then(Value::as_str).unwrap_or_default().to_string(),
                long.get("file").and_then(Value::as_str).map(str::to_string),
            ),
            _ => (String::new(), None),
        };
        let base = match base_file {
            None => match services.contains_key(base_name.as_str()) {
                true => self.extended(file, services, &Value::from(base_name.as_str()), chain),
                false => {
                    self.sources.problems.push(format!(
                        "{file}: service `{shown}` extends `{base_name}`, which is not a service of this file"
                    ));
                    None
                }
            },
            Some(other) => {
                let written = join(&parent(file), &other);
                let loaded = self.load(&written)?;
                let found = loaded.get("services").and_then(|s| s.get(base_name.as_str())).cloned();
                match found {
                    Some(mut base) => {
                        rebase_service(&mut base, &relative(&parent(file), &parent(&written)));
                        Some(base)
                    }
                    None => {
                        self.sources.problems.push(format!(
                            "{file}: service `{shown}` extends `{base_name}`, which `{written}` does not have"
                        ));
                        None
                    }
                }
            }
        };
        Some(merge::service(base?, service))
    }
}

/// Rewrites the relative paths of a whole file (its services, secrets and configs) to be
/// relative to a folder from which its own folder is `prefix`.
fn rebase_file(value: &mut Value, prefix: &str) {
    if prefix.is_empty() {
        return;
    }
    let Some(map) = value.as_mapping_mut() else { return };
    if let Some(Value::Mapping(services)) = map.get_mut("services") {
        for (_, service) in services.iter_mut() {
            rebase_service(service, prefix);
        }
    }
    for section in ["secrets", "configs"] {
        if let Some(Value::Mapping(objects)) = map.get_mut(section) {
            for (_, object) in objects.iter_mut() {
                if let Some(Value::String(file)) = object.get_mut("file") {
                    *file = rebased(file, prefix);
                }
            }
        }
    }
}

fn rebase_service(service: &mut Value, prefix: &str) {
    if prefix.is_empty() {
        return;
    }
    let Some(service) = service.as_mapping_mut() else { return };
    match service.get_mut("build") {
        Some(Value::String(context)) => *context = rebased(context, prefix),
        Some(Value::Mapping(build)) => {
            let context = build.get("context").and_then(Value::as_str).unwrap_or(".").to_string();
            build.insert(Value::from("context"), Value::from(rebased(&context, prefix)));
        }
        _ => {}
    }
    match service.get_mut("env_file") {
        Some(Value::String(path)) => *path = rebased(path, prefix),
        Some(Value::Sequence(paths)) => {
            for path in paths.iter_mut() {
                match path {
                    Value::String(p) => *p = rebased(p, prefix),
                    Value::Mapping(long) => {
                        if let Some(Value::String(p)) = long.get_mut("path") {
                            *p = rebased(p, prefix);
                        }
                    }
                    _ => {}
                }
            }
        }
        _ => {}
    }
    if let Some(Value::Sequence(volumes)) = service.get_mut("volumes") {
        for volume in volumes.iter_mut() {
            match volume {
                Value::String(short) => {
                    let parts = split_outside(short, ':');
                    if parts.len() > 1 && parts[0].starts_with('.') {
                        let rest = parts[1..].join(":");
                        *short = format!("{}:{rest}", rebased(parts[0], prefix));
                    }
                }
                Value::Mapping(long) if long.get("type").and_then(Value::as_str) == Some("bind") => {
                    if let Some(Value::String(source)) = long.get_mut("source") {
                        *source = rebased(source, prefix);
                    }
                }
                _ => {}
            }
        }
    }
}

/// `path` (relative to a folder) as seen from the folder where that folder is `prefix`.
fn rebased(path: &str, prefix: &str) -> String {
    if path.starts_with('/') || path.starts_with('$') || path.starts_with('~') || path.contains("://") {
        return path.to_string();
    }
    let joined = format!("{prefix}/{path}");
    // Short volume syntax tells a host path by its leading `.` or `/`.
    if joined.starts_with('.') {
        joined
    } else {
        format!("./{joined}")
    }
}

fn parent(file: &str) -> String {
    Path::new(file).parent().map_or_else(String::new, |p| p.to_string_lossy().into_owned())
}

fn join(folder: &str, path: &str) -> String {
    if folder.is_empty() || Path::new(path).is_absolute() {
        return path.to_string();
    }
    normalise(&Path::new(folder).join(path))
}

/// The path from folder `from` to folder `to` (both relative to the same place, or absolute).
fn relative(from: &str, to: &str) -> String {
    let (from, to) = (normalise(Path::new(from)), normalise(Path::new(to)));
    let parts = |p: &str| -> Vec<String> {
        Path::new(p)
            .components()
            .filter(|c| *c != Component::CurDir)
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect()
    };
    let (from, to) = (parts(&from), parts(&to));
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut out: Vec<String> = vec!["..".to_string(); from.len() - common];
    out.extend(to[common..].iter().cloned());
    out.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A folder of its own holding `files`.
    fn project(files: &[(&str, &str)]) -> PathBuf {
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("scenario-sources-{}-{n}", std::process::id()));
        for (name, text) in files {
            let path = dir.join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        dir
    }

    fn service<'v>(sources: &'v Sources, name: &str) -> &'v Value {
        sources.value.as_ref().unwrap().get("services").unwrap().get(name).unwrap()
    }

    #[test]
    fn a_folder_finds_its_default_file_and_override() {
        let dir = project(&[
            ("deploy/docker-compose.yml", "services:\n  a: {image: one}\n"),
            ("deploy/docker-compose.override.yml", "services:\n  a: {image: two}\n"),
        ]);
        let sources = read(&["deploy".to_string()], &dir, &[]);
        assert!(sources.problems.is_empty(), "{:?}", sources.problems);
        assert_eq!(sources.project_file, "deploy/docker-compose.yml");
        assert_eq!(service(&sources, "a").get("image").unwrap(), "two");
        assert_eq!(sources.watched.len(), 2);
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn extends_chains_across_files_and_rebases_their_paths() {
        let dir = project(&[
            ("app.yml", "services:\n  web:\n    extends: {file: base/common.yml, service: mid}\n    image: web\n"),
            (
                "base/common.yml",
                "services:\n  root: {build: ./ctx, labels: {a: '1'}}\n  mid: {extends: root, labels: {b: '2'}}\n",
            ),
        ]);
        let sources = read(&["app.yml".to_string()], &dir, &[]);
        assert!(sources.problems.is_empty(), "{:?}", sources.problems);
        let web = service(&sources, "web");
        assert_eq!(web.get("build").unwrap(), "./base/./ctx");
        assert_eq!(web.get("labels").unwrap().get("a").unwrap(), "1");
        assert_eq!(web.get("labels").unwrap().get("b").unwrap(), "2");
        assert!(web.get("extends").is_none());
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn include_cycles_and_conflicts_are_reported() {
        let dir = project(&[
            ("a.yml", "include: [b.yml]\nservices:\n  web: {image: a}\n"),
            ("b.yml", "include: [a.yml]\nservices:\n  web: {image: b}\n"),
        ]);
        let sources = read(&["a.yml".to_string()], &dir, &[]);
        assert!(sources.problems.iter().any(|p| p.contains("includes or extends itself")), "{:?}", sources.problems);
        assert!(sources.problems.iter().any(|p| p.contains("service `web` is defined here and in an included file")));
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn relative_folders() {
        assert_eq!(relative("compose", "compose/sub"), "sub");
        assert_eq!(relative("compose/a", "compose/b"), "../b");
        assert_eq!(relative("compose", "compose"), "");
        assert_eq!(relative("", "x"), "x");
    }

    #[test]
    fn included_paths_are_rebased() {
        let mut service: Value = serde_norway::from_str(
            "build: ./api\nenv_file: app.env\nvolumes: ['./conf:/etc/conf:ro', 'data:/data', {type: bind, source: ./x, target: /x}]\n",
        )
        .unwrap();
        rebase_service(&mut service, "sub");
        let expected: Value = serde_norway::from_str(
            "build: ./sub/./api\nenv_file: ./sub/app.env\nvolumes: ['./sub/./conf:/etc/conf:ro', 'data:/data', {type: bind, source: ./sub/./x, target: /x}]\n",
        )
        .unwrap();
        assert_eq!(service, expected);
    }
}
