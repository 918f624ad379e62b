//! Paths of the compose file as the generated code names them: relative to the crate where
//! they are inside it, normalised lexically.

use std::path::{Component, Path, PathBuf};

use super::HostPath;

/// Where the compose file is: the path as written (relative to the crate unless absolute) and
/// the crate's folder.
pub(in crate::compose) struct Location {
    pub written: String,
    pub manifest_dir: PathBuf,
}

impl Location {
    /// The project's folder (the first compose file's), where `.env` is read.
    pub fn folder(&self) -> HostPath {
        self.resolve(".")
    }

    /// A path of the compose file (relative to the file's folder) as the generated code names it.
    pub fn resolve(&self, path: &str) -> HostPath {
        if Path::new(path).is_absolute() {
            return HostPath::Absolute(normalise(Path::new(path)));
        }
        let folder = Path::new(&self.written).parent().unwrap_or(Path::new(""));
        let joined = folder.join(path);
        if joined.is_absolute() {
            HostPath::Absolute(normalise(&joined))
        } else {
            HostPath::InCrate(normalise(&joined))
        }
    }

    pub(super) fn on_disk(&self, path: &HostPath) -> PathBuf {
        match path {
            HostPath::InCrate(relative) => self.manifest_dir.join(relative),
            HostPath::Absolute(path) => PathBuf::from(path),
            HostPath::Variable { .. } => PathBuf::new(),
        }
    }
}

/// `a/./b/../c` -> `a/c`, lexically (the folders need not exist yet); `..` past the start stays.
pub(in crate::compose) fn normalise(path: &Path) -> String {
    let mut parts: Vec<Component> = Vec::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir if matches!(parts.last(), Some(Component::Normal(_))) => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    let joined: PathBuf = parts.iter().collect();
    match joined.to_string_lossy().into_owned() {
        empty if empty.is_empty() => ".".into(),
        path => path,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn location() -> Location {
        Location { written: "compose/docker-compose.yml".into(), manifest_dir: PathBuf::from("/crate") }
    }

    #[test]
    fn paths_resolve_against_the_compose_folder() {
        let at = location();
        assert_eq!(at.resolve("../images/postgres"), HostPath::InCrate("images/postgres".into()));
        assert_eq!(at.resolve("./fixtures"), HostPath::InCrate("compose/fixtures".into()));
        assert_eq!(at.resolve("."), HostPath::InCrate("compose".into()));
        assert_eq!(at.resolve("../../outside"), HostPath::InCrate("../outside".into()));
        assert_eq!(at.resolve("/srv/x/../y"), HostPath::Absolute("/srv/y".into()));
    }
}
