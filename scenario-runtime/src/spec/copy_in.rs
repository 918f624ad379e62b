//! What is copied into a container before it starts: a file, a folder or bytes, with mode and
//! owner. The content is read when the spec is built and hashed into the spec hash, so an edited
//! file makes a kept container stale; the upload (`container::copy`) goes through the engine's
//! archive API, which works on remote engines where a bind mount of a local path cannot.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;
use sha2::{Digest, Sha256};

/// A uid and gid the copied files belong to inside the container.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Owner {
    /// User id.
    pub uid: u64,
    /// Group id.
    pub gid: u64,
}

/// One thing to copy: `target` is an absolute path inside the container.
#[derive(Clone, Serialize)]
#[must_use]
pub struct CopyIn {
    pub(crate) target: String,
    /// Overrides the mode of every copied file (a folder's own mode and subfolders keep theirs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) mode: Option<u32>,
    /// Owner of everything copied; root when not set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) owner: Option<Owner>,
    /// SHA-256 of every entry's relative path, kind, mode and bytes.
    pub(crate) content_hash: String,
    /// Where the content came from, for people (`sql/init.sql`, `bytes`); not hashed, since a
    /// moved file with the same content changes no container.
    #[serde(skip)]
    pub(crate) origin: String,
    #[serde(skip)]
    pub(crate) entries: Arc<Vec<CopyEntry>>,
    /// Why the source could not be read; the spec reports it before anything is created.
    #[serde(skip)]
    pub(crate) problem: Option<String>,
}

/// One file or folder of a copy, relative to its target (`""` is the target itself).
#[derive(Clone, Debug)]
pub(crate) struct CopyEntry {
    pub relative: String,
    pub mode: u32,
    /// `None` for a folder.
    pub bytes: Option<Vec<u8>>,
}

impl fmt::Debug for CopyIn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CopyIn")
            .field("origin", &self.origin)
            .field("target", &self.target)
            .field("mode", &self.mode.map(|m| format!("{m:o}")))
            .field("owner", &self.owner)
            .field("content_hash", &self.content_hash)
            .finish()
    }
}

const DEFAULT_FILE_MODE: u32 = 0o644;

impl CopyIn {
    /// The host file `source` (its bytes and permission bits) to `target`.
    pub fn file(source: impl Into<PathBuf>, target: impl Into<String>) -> CopyIn {
        let source = source.into();
        let read = std::fs::read(&source).and_then(|bytes| Ok((bytes, permissions(&std::fs::metadata(&source)?))));
        let origin = source.display().to_string();
        match read {
            Ok((bytes, mode)) => {
                CopyIn::new(target, origin, vec![CopyEntry { relative: String::new(), mode, bytes: Some(bytes) }])
            }
            Err(e) => {
                let problem = format!("cannot read the file to copy `{origin}`: {e}");
                CopyIn::unreadable(target, origin, problem)
            }
        }
    }

    /// The host folder `source` with everything in it (symbolic links followed) to `target`.
    pub fn dir(source: impl Into<PathBuf>, target: impl Into<String>) -> CopyIn {
        let source = source.into();
        let origin = source.display().to_string();
        let mut entries = Vec::new();
        match walk(&source, "", &mut entries) {
            Ok(()) => CopyIn::new(target, origin, entries),
            Err(e) => {
                let problem = format!("cannot read the folder to copy `{origin}`: {e}");
                CopyIn::unreadable(target, origin, problem)
            }
        }
    }

    /// The host file or folder `source`, whichever it is, to `target`.
    pub fn path(source: impl Into<PathBuf>, target: impl Into<String>) -> CopyIn {
        let source = source.into();
        if source.is_dir() {
            CopyIn::dir(source, target)
        } else {
            CopyIn::file(source, target)
        }
    }

    /// [`CopyIn::path`] of `relative` in the folder `crate_dir` (a crate's `CARGO_MANIFEST_DIR`),
    /// named by `relative` in status lines.
    pub fn in_crate(crate_dir: &str, relative: &str, target: impl Into<String>) -> CopyIn {
        CopyIn { origin: relative.to_string(), ..CopyIn::path(Path::new(crate_dir).join(relative), target) }
    }

    /// `bytes` as the file `target` (mode 0644 unless set).
    pub fn bytes(bytes: impl Into<Vec<u8>>, target: impl Into<String>) -> CopyIn {
        let entry = CopyEntry { relative: String::new(), mode: DEFAULT_FILE_MODE, bytes: Some(bytes.into()) };
        CopyIn::new(target, "bytes".into(), vec![entry])
    }

    /// The mode of the copied file, or of every file of a copied folder (e.g. `0o600`).
    pub fn mode(mut self, mode: u32) -> CopyIn {
        self.mode = Some(mode & 0o7777);
        self
    }

    /// Makes `uid:gid` the owner of everything copied.
    pub fn owner(mut self, uid: u64, gid: u64) -> CopyIn {
        self.owner = Some(Owner { uid, gid });
        self
    }

    fn new(target: impl Into<String>, origin: String, entries: Vec<CopyEntry>) -> CopyIn {
        let target = target.into();
        let problem = (!target.starts_with('/'))
            .then(|| format!("the copy target `{target}` of `{origin}` is not an absolute path inside the container"));
        CopyIn {
            content_hash: content_hash(&entries),
            target,
            mode: None,
            owner: None,
            origin,
            entries: Arc::new(entries),
            problem,
        }
    }

    fn unreadable(target: impl Into<String>, origin: String, problem: String) -> CopyIn {
        CopyIn { problem: Some(problem), ..CopyIn::new(target, origin, Vec::new()) }
    }

    /// Where the content came from (`sql/init.sql`, `bytes`).
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The path inside the container.
    pub fn target(&self) -> &str {
        &self.target
    }

    /// The short hash recorded per copy (see `record`): content, mode and owner.
    pub fn short_hash(&self) -> String {
        let canonical = serde_json::to_vec(self).expect("a copy always serialises");
        Sha256::digest(canonical).iter().take(6).map(|b| format!("{b:02x}")).collect()
    }

    /// The mode a file entry gets in the container.
    pub(crate) fn file_mode(&self, entry: &CopyEntry) -> u32 {
        match (&entry.bytes, self.mode) {
            (Some(_), Some(mode)) => mode,
            _ => entry.mode,
        }
    }
}

fn permissions(metadata: &std::fs::Metadata) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    metadata.permissions().mode() & 0o7777
}

/// Every entry under `dir`, folders before their content, in name order (so the hash is stable).
fn walk(dir: &Path, relative: &str, entries: &mut Vec<CopyEntry>) -> std::io::Result<()> {
    let metadata = std::fs::metadata(dir)?;
    if !metadata.is_dir() {
        return Err(std::io::Error::other("it is not a folder"));
    }
    entries.push(CopyEntry { relative: relative.to_string(), mode: permissions(&metadata), bytes: None });
    let mut children: Vec<_> = std::fs::read_dir(dir)?.collect::<std::io::Result<_>>()?;
    children.sort_by_key(|child| child.file_name());
    for child in children {
        let name = child.file_name().to_string_lossy().into_owned();
        let child_relative = if relative.is_empty() { name } else { format!("{relative}/{name}") };
        let path = child.path();
        let metadata = std::fs::metadata(&path)?;
        if metadata.is_dir() {
            walk(&path, &child_relative, entries)?;
        } else if metadata.is_file() {
            let bytes = std::fs::read(&path)?;
            entries.push(CopyEntry { relative: child_relative, mode: permissions(&metadata), bytes: Some(bytes) });
        }
        // Sockets, fifos and devices have no content to copy.
    }
    Ok(())
}

fn content_hash(entries: &[CopyEntry]) -> String {
    let mut hasher = Sha256::new();
    for entry in entries {
        hasher.update(entry.relative.as_bytes());
        hasher.update([0]);
        hasher.update(entry.mode.to_le_bytes());
        match &entry.bytes {
            Some(bytes) => {
                hasher.update([b'f']);
                hasher.update((bytes.len() as u64).to_le_bytes());
                hasher.update(bytes);
            }
            None => hasher.update([b'd']),
        }
    }
    hasher.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The per-copy record stored in a container's label: target -> (short hash, origin), so a
/// later run can say which copied file changed.
pub(crate) fn record(copies: &[CopyIn]) -> BTreeMap<String, (String, String)> {
    copies.iter().map(|c| (c.target.clone(), (c.short_hash(), c.origin.clone()))).collect()
}

/// The copies that differ between a container's record (its label's JSON) and `copies`:
/// changed, added or no longer copied, each named by its origin and target.
pub(crate) fn changed_copies(recorded_label: Option<&str>, copies: &[CopyIn]) -> Vec<String> {
    let recorded: BTreeMap<String, (String, String)> =
        recorded_label.and_then(|label| serde_json::from_str(label).ok()).unwrap_or_default();
    let current = record(copies);
    let mut changed = Vec::new();
    for (target, (hash, origin)) in &current {
        match recorded.get(target) {
            Some((old_hash, _)) if old_hash == hash => {}
            Some(_) => changed.push(format!("{origin} -> {target} changed")),
            None => changed.push(format!("{origin} -> {target} added")),
        }
    }
    for (target, (_, origin)) in &recorded {
        if !current.contains_key(target) {
            changed.push(format!("{origin} -> {target} no longer copied"));
        }
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_mode_and_owner_change_the_hash_but_the_origin_does_not() {
        let a = CopyIn::bytes("select 1;", "/init.sql");
        assert_eq!(a.short_hash(), CopyIn::bytes("select 1;", "/init.sql").short_hash());
        assert_ne!(a.short_hash(), CopyIn::bytes("select 2;", "/init.sql").short_hash());
        assert_ne!(a.short_hash(), a.clone().mode(0o600).short_hash());
        assert_ne!(a.short_hash(), a.clone().owner(999, 999).short_hash());
        assert_ne!(a.short_hash(), CopyIn::bytes("select 1;", "/other.sql").short_hash());
        let mut moved = a.clone();
        moved.origin = "elsewhere".into();
        assert_eq!(a.short_hash(), moved.short_hash());
    }

    #[test]
    fn a_missing_source_or_relative_target_is_a_problem_naming_it() {
        let missing = CopyIn::file("/no/such/file.sql", "/init.sql");
        assert!(missing.problem.as_deref().unwrap().contains("/no/such/file.sql"), "{:?}", missing.problem);
        let relative = CopyIn::bytes("x", "init.sql");
        assert!(relative.problem.as_deref().unwrap().contains("`init.sql`"), "{:?}", relative.problem);
    }

    #[test]
    fn a_folder_is_walked_in_name_order_with_its_subfolders() {
        let dir = std::env::temp_dir().join(format!("scn-copy-walk-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        std::fs::write(dir.join("b.txt"), "b").unwrap();
        std::fs::write(dir.join("a.txt"), "a").unwrap();
        std::fs::write(dir.join("sub/c.txt"), "c").unwrap();
        let copy = CopyIn::dir(&dir, "/data");
        let names: Vec<&str> = copy.entries.iter().map(|e| e.relative.as_str()).collect();
        assert_eq!(names, ["", "a.txt", "b.txt", "sub", "sub/c.txt"]);
        let before = copy.content_hash.clone();
        std::fs::write(dir.join("sub/c.txt"), "changed").unwrap();
        assert_ne!(CopyIn::dir(&dir, "/data").content_hash, before);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_changed_copy_is_named_by_its_origin() {
        let old = [CopyIn::bytes("1", "/a"), CopyIn::bytes("x", "/b")];
        let label = serde_json::to_string(&record(&old)).unwrap();
        let new = [CopyIn::bytes("2", "/a"), CopyIn::bytes("x", "/b"), CopyIn::bytes("y", "/c")];
        assert_eq!(changed_copies(Some(&label), &new), ["bytes -> /a changed", "bytes -> /c added"]);
        assert_eq!(changed_copies(Some(&label), &old[1..]), ["bytes -> /a no longer copied"]);
    }
}
