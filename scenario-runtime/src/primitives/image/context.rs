//! A build context folder: what of it is sent (selected as `docker build` selects it), its
//! content hash (the image tag, so an unchanged context is never rebuilt) and its tar archive
//! (what the engine builds from). One selection feeds both the hash and the archive, so an
//! ignored file can neither cause a rebuild nor reach the image.
//!
//! The selection is the Docker client's: the patterns of `.dockerignore` at the context root
//! (or, as BuildKit reads it, of `<Dockerfile>.dockerignore` beside the Dockerfile when that
//! exists), with the Dockerfile and `.dockerignore` always sent; an excluded folder is not
//! entered unless an exception pattern names a path below it; excluded folders that are entered
//! are not sent themselves, only what is kept below them. The engine (its classic builder, the
//! one the build API runs) then drops the Dockerfile and `.dockerignore` from what `COPY` sees
//! when `.dockerignore` excludes them.

use std::collections::HashMap;
use std::io::Read;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::dockerignore::{clean_path, read_ignore_file, ParentMatches, PatternMatcher};
use super::index::{FileStamp, Index};
use crate::base::error::{Error, Result};
use crate::spec::BuildContext;

const DOCKERIGNORE: &str = ".dockerignore";

/// What is sent of a context, in the order Docker's archiver walks it (sorted by name, each
/// folder before what it holds).
#[derive(Debug)]
pub(crate) struct Selection {
    pub(crate) root: PathBuf,
    pub(crate) entries: Vec<Entry>,
    /// The ignore file whose patterns applied, if any.
    pub(crate) ignore_file: Option<PathBuf>,
    /// Where in the archive the engine reads the Dockerfile from (its own path, unless it is
    /// sent under another name: see `legacy_ignore_for_engine`).
    pub(crate) dockerfile: String,
}

#[derive(Debug)]
pub(crate) struct Entry {
    /// Slash path relative to the context root.
    pub(crate) path: String,
    pub(crate) kind: EntryKind,
    /// Permission bits, with setuid, setgid and sticky: they reach the image.
    pub(crate) mode: u32,
    pub(crate) mtime: i64,
}

#[derive(Debug)]
pub(crate) enum EntryKind {
    Dir,
    File(FileStamp),
    /// A second name of a file already sent (hard link), sent as a link to the first name.
    HardLink(String),
    Symlink(PathBuf),
    /// Made up for the engine rather than read from disk (see `legacy_ignore_for_engine`).
    Generated(Vec<u8>),
}

/// Selects what of `context` is sent to the engine.
pub(crate) fn select(context: &BuildContext) -> Result<Selection> {
    let root = context.dir.clone();
    let dockerfile = clean_path(&context.dockerfile.replace('\\', "/"));
    let dockerfile = dockerfile.trim_start_matches('/').to_string();
    let meta = std::fs::metadata(&root).map_err(|e| Error::io("cannot read build context", &root, e))?;
    if !meta.is_dir() {
        return Err(Error::io(
            "cannot use as build context",
            &root,
            std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a folder"),
        ));
    }
    let beside_dockerfile = root.join(format!("{dockerfile}.dockerignore"));
    let at_root = root.join(DOCKERIGNORE);
    let (ignore_file, per_dockerfile) = if beside_dockerfile.is_file() {
        (Some(beside_dockerfile), true)
    } else if at_root.is_file() {
        (Some(at_root), false)
    } else {
        (None, false)
    };
    let patterns = match &ignore_file {
        Some(file) => {
            let text = std::fs::read(file).map_err(|e| Error::io("cannot read", file, e))?;
            read_ignore_file(&String::from_utf8_lossy(&text))
        }
        None => Vec::new(),
    };
    let invalid = |reason: String| Error::InvalidIgnoreFile {
        file: ignore_file.clone().unwrap_or_else(|| root.join(DOCKERIGNORE)),
        reason,
    };
    let as_written = PatternMatcher::new(&patterns).map_err(invalid)?;

    // The client adds exceptions so that the files the build needs are sent whatever the
    // patterns say (with the same older matching it uses for this).
    // (With a per-Dockerfile ignore file, an excluded Dockerfile is sent under another name.)
    let hidden_dockerfile = per_dockerfile && as_written.matches_or_parent_matches(&dockerfile);
    let mut sent_patterns = patterns.clone();
    if !per_dockerfile && as_written.matches_single_parent(DOCKERIGNORE) {
        sent_patterns.push(format!("!{DOCKERIGNORE}"));
    }
    if !hidden_dockerfile && as_written.matches_single_parent(&dockerfile) {
        sent_patterns.push(format!("!{dockerfile}"));
    }
    let matcher = PatternMatcher::new(&sent_patterns).map_err(invalid)?;

    let mut walk = Walk { matcher: &matcher, entries: Vec::new(), first_names: HashMap::new() };
    walk.dir(&root, "", &ParentMatches::default())?;
    let mut selection = Selection { root, entries: walk.entries, ignore_file, dockerfile };
    if hidden_dockerfile {
        legacy_ignore_for_engine(&mut selection)?;
    }
    Ok(selection)
}

/// With `<Dockerfile>.dockerignore`, BuildKit sends the Dockerfile beside the context, so one
/// that its patterns exclude is not seen by `COPY`. The engine's classic builder reads the
/// Dockerfile from the archive and drops it (and `.dockerignore`) only when the archive's root
/// `.dockerignore` names it: so the Dockerfile is sent under a name of its own at the root
/// (no folder of it appears in the image) and a root `.dockerignore` names it, and itself when
/// the context sends none; else the context's own gets that line added, as the Docker client
/// does for a Dockerfile read from stdin.
fn legacy_ignore_for_engine(selection: &mut Selection) -> Result<()> {
    let original = selection.root.join(&selection.dockerfile);
    let text = std::fs::read(&original).map_err(|e| Error::io("cannot read the Dockerfile", &original, e))?;
    let hidden = format!(".scenario-dockerfile-{}", crate::base::identity::short_hash(selection.dockerfile.as_bytes()));
    let generated = |path: &str, bytes: Vec<u8>| Entry {
        path: path.into(),
        kind: EntryKind::Generated(bytes),
        mode: 0o600,
        mtime: 0,
    };
    match selection.entries.iter().position(|e| e.path == DOCKERIGNORE) {
        Some(at) => {
            let path = selection.root.join(DOCKERIGNORE);
            let mut ignore = std::fs::read(&path).map_err(|e| Error::io("cannot read", &path, e))?;
            ignore.extend_from_slice(format!("\n{hidden}\n").as_bytes());
            selection.entries[at].kind = EntryKind::Generated(ignore);
        }
        None => {
            selection.entries.insert(0, generated(DOCKERIGNORE, format!("{DOCKERIGNORE}\n{hidden}\n").into_bytes()))
        }
    }
    selection.entries.insert(0, generated(&hidden, text));
    selection.dockerfile = hidden;
    Ok(())
}

struct Walk<'a> {
    matcher: &'a PatternMatcher,
    entries: Vec<Entry>,
    /// (device, inode) of multiply linked files already sent, and the name they were sent as.
    first_names: HashMap<(u64, u64), String>,
}

impl Walk<'_> {
    fn dir(&mut self, dir: &Path, rel: &str, parent: &ParentMatches) -> Result<()> {
        let read = std::fs::read_dir(dir).map_err(|e| Error::io("cannot read build context", dir, e))?;
        let mut children = Vec::new();
        for child in read {
            let child = child.map_err(|e| Error::io("cannot read build context", dir, e))?;
            // Stat relative to the open folder (no symlink followed), cheaper than by full path.
            let meta = child.metadata().map_err(|e| Error::io("cannot read", child.path(), e))?;
            children.push((child.file_name(), meta));
        }
        children.sort_by(|a, b| a.0.as_encoded_bytes().cmp(b.0.as_encoded_bytes()));
        for (name, meta) in children {
            let path = dir.join(&name);
            let name = name.to_string_lossy();
            let child_rel = if rel.is_empty() { name.into_owned() } else { format!("{rel}/{name}") };
            let (excluded, matched) = self.matcher.matches_with_parent(&child_rel, parent);
            let is_dir = meta.file_type().is_dir();
            if excluded {
                if is_dir && self.exception_below(&child_rel) {
                    self.dir(&path, &child_rel, &matched)?;
                }
                continue;
            }
            self.add(&path, &child_rel, &meta)?;
            if is_dir {
                self.dir(&path, &child_rel, &matched)?;
            }
        }
        Ok(())
    }

    /// Whether an excluded folder must still be entered: Docker enters it only when an exception
    /// pattern, read as text, starts with the folder's path (so `!**/keep` does not reach into
    /// an excluded folder, but `!dir/keep` does).
    fn exception_below(&self, dir: &str) -> bool {
        let dir_slash = format!("{dir}/");
        self.matcher.has_exceptions()
            && self.matcher.exceptions().any(|pattern| format!("{pattern}/").starts_with(&dir_slash))
    }

    fn add(&mut self, path: &Path, rel: &str, meta: &std::fs::Metadata) -> Result<()> {
        let file_type = meta.file_type();
        let kind = if file_type.is_dir() {
            EntryKind::Dir
        } else if file_type.is_symlink() {
            EntryKind::Symlink(std::fs::read_link(path).map_err(|e| Error::io("cannot read link", path, e))?)
        } else if file_type.is_file() {
            let key = (meta.dev(), meta.ino());
            match self.first_names.get(&key) {
                Some(first) if meta.nlink() > 1 => EntryKind::HardLink(first.clone()),
                _ => {
                    if meta.nlink() > 1 {
                        self.first_names.insert(key, rel.to_string());
                    }
                    EntryKind::File(FileStamp::of(meta))
                }
            }
        } else {
            // Sockets, pipes and devices have no content a build could use.
            tracing::debug!(path = %path.display(), "not sent: neither file, folder nor symlink");
            return Ok(());
        };
        self.entries.push(Entry { path: rel.to_string(), kind, mode: meta.mode() & 0o7777, mtime: meta.mtime() });
        Ok(())
    }
}

/// Hashes the selection: every sent path, its kind and mode, each file's content, each link's
/// target, plus the Dockerfile name and build args. Equal hashes build equal images. Contents
/// come from `index` where a file's stamp is unchanged; the index learns the others.
pub(crate) fn content_hash(context: &BuildContext, selection: &Selection, index: &mut Index) -> Result<String> {
    let mut hasher = Sha256::new();
    hasher.update(b"scenario-context-v2\0");
    hasher.update(context.dockerfile.as_bytes());
    hasher.update([0]);
    for (key, value) in &context.args {
        hasher.update(format!("{key}={value}\0").as_bytes());
    }
    for entry in &selection.entries {
        hasher.update(entry.path.as_bytes());
        hasher.update([0]);
        hasher.update(entry.mode.to_le_bytes());
        match &entry.kind {
            EntryKind::Dir => hasher.update(b"dir"),
            EntryKind::Symlink(target) => {
                hasher.update(b"symlink:");
                hasher.update(target.as_os_str().as_encoded_bytes());
            }
            EntryKind::HardLink(first) => {
                hasher.update(b"hardlink:");
                hasher.update(first.as_bytes());
            }
            EntryKind::File(stamp) => {
                let digest = match index.digest(&entry.path, stamp) {
                    Some(digest) => digest,
                    None => {
                        let path = selection.root.join(&entry.path);
                        let digest = file_digest(&path)?;
                        index.learn(&entry.path, stamp.clone(), digest);
                        digest
                    }
                };
                hasher.update(b"file:");
                hasher.update(digest);
            }
            EntryKind::Generated(bytes) => {
                hasher.update(b"file:");
                hasher.update(Sha256::digest(bytes));
            }
        }
        hasher.update([0]);
    }
    let digest = hasher.finalize();
    Ok(digest.iter().take(8).map(|b| format!("{b:02x}")).collect())
}

fn file_digest(path: &Path) -> Result<[u8; 32]> {
    let mut file = std::fs::File::open(path).map_err(|e| Error::io("cannot read", path, e))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = file.read(&mut buf).map_err(|e| Error::io("cannot read", path, e))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hasher.finalize().into())
}

/// The selection as an uncompressed tar archive, as the Docker client writes it: owner root,
/// each entry's mode and modification time, symlinks and hard links as links.
pub(crate) fn tar_archive(selection: &Selection) -> Result<Vec<u8>> {
    let root = &selection.root;
    let failed = |e: std::io::Error| Error::io("cannot archive", root, e);
    let mut builder = tar::Builder::new(Vec::new());
    for entry in &selection.entries {
        let mut header = tar::Header::new_gnu();
        header.set_mode(entry.mode);
        header.set_mtime(entry.mtime.max(0) as u64);
        header.set_uid(0);
        header.set_gid(0);
        header.set_size(0);
        match &entry.kind {
            EntryKind::Dir => {
                header.set_entry_type(tar::EntryType::Directory);
                builder.append_data(&mut header, format!("{}/", entry.path), std::io::empty()).map_err(failed)?;
            }
            EntryKind::Symlink(target) => {
                header.set_entry_type(tar::EntryType::Symlink);
                builder.append_link(&mut header, &entry.path, target).map_err(failed)?;
            }
            EntryKind::HardLink(first) => {
                header.set_entry_type(tar::EntryType::Link);
                builder.append_link(&mut header, &entry.path, first).map_err(failed)?;
            }
            EntryKind::File(_) => {
                let path = root.join(&entry.path);
                let file = std::fs::File::open(&path).map_err(|e| Error::io("cannot read", &path, e))?;
                // The size as of now: a file that changed since it was hashed is still archived whole.
                let size = file.metadata().map_err(|e| Error::io("cannot read", &path, e))?.len();
                header.set_entry_type(tar::EntryType::Regular);
                header.set_size(size);
                builder
                    .append_data(&mut header, &entry.path, file.take(size))
                    .map_err(|e| Error::io("cannot archive", &path, e))?;
            }
            EntryKind::Generated(bytes) => {
                header.set_entry_type(tar::EntryType::Regular);
                header.set_size(bytes.len() as u64);
                builder.append_data(&mut header, &entry.path, &bytes[..]).map_err(failed)?;
            }
        }
    }
    builder.into_inner().map_err(failed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    struct Dir(PathBuf);

    impl Dir {
        fn new(name: &str) -> Dir {
            let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
            let dir = std::env::temp_dir().join(format!("scenario-ctx-{name}-{}-{nanos}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            Dir(dir)
        }

        fn write(&self, rel: &str, text: &str) {
            let path = self.0.join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }

        fn context(&self, dockerfile: &str) -> BuildContext {
            BuildContext { dir: self.0.clone(), dockerfile: dockerfile.into(), args: BTreeMap::new() }
        }

        fn sent(&self, dockerfile: &str) -> Vec<String> {
            select(&self.context(dockerfile)).unwrap().entries.into_iter().map(|e| e.path).collect()
        }

        fn hash(&self, context: &BuildContext) -> String {
            let selection = select(context).unwrap();
            content_hash(context, &selection, &mut Index::default()).unwrap()
        }
    }

    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn hash_follows_content_names_and_args_but_not_ignored_files() {
        let dir = Dir::new("hash");
        dir.write("Dockerfile", "FROM scratch\n");
        dir.write("sub/a.txt", "a");
        dir.write(".dockerignore", "target\n");
        dir.write("target/big", "x");
        let ctx = dir.context("Dockerfile");
        let first = dir.hash(&ctx);
        assert_eq!(first, dir.hash(&ctx), "hashing is deterministic");

        dir.write("target/big", "y");
        assert_eq!(first, dir.hash(&ctx), "an ignored file changes nothing");

        dir.write("sub/a.txt", "b");
        let changed = dir.hash(&ctx);
        assert_ne!(first, changed, "content change");

        std::fs::rename(dir.0.join("sub/a.txt"), dir.0.join("sub/c.txt")).unwrap();
        assert_ne!(changed, dir.hash(&ctx), "rename");

        let mut with_arg = ctx.clone();
        with_arg.args.insert("V".into(), "1".into());
        assert_ne!(dir.hash(&ctx), dir.hash(&with_arg), "build arg");
    }

    #[test]
    fn excluded_folders_are_entered_only_for_exceptions_that_name_them() {
        let dir = Dir::new("walk");
        dir.write("Dockerfile", "FROM scratch\n");
        dir.write(".dockerignore", "Dockerfile\n.dockerignore\nlogs\n!logs/keep.log\ncache\n!**/wanted\n");
        dir.write("logs/keep.log", "k");
        dir.write("logs/drop.log", "d");
        dir.write("cache/wanted", "w");
        dir.write("src/wanted", "w");
        assert_eq!(dir.sent("Dockerfile"), [".dockerignore", "Dockerfile", "logs/keep.log", "src", "src/wanted"]);
    }

    #[test]
    fn a_dockerfile_ignore_file_replaces_the_root_one() {
        let dir = Dir::new("per-dockerfile");
        dir.write("docker/app.Dockerfile", "FROM scratch\n");
        dir.write("docker/app.Dockerfile.dockerignore", "docker\n*.md\n");
        dir.write(".dockerignore", "src\n");
        dir.write("src/main.rs", "");
        dir.write("README.md", "");
        let selection = select(&dir.context("docker/app.Dockerfile")).unwrap();
        let names: Vec<&str> = selection.entries.iter().map(|e| e.path.as_str()).collect();
        let hidden = selection.dockerfile.clone();
        assert!(hidden.starts_with(".scenario-dockerfile-"), "{hidden}");
        assert_eq!(names, [hidden.as_str(), ".dockerignore", "src", "src/main.rs"]);
        match &selection.entries[1].kind {
            EntryKind::Generated(text) => assert_eq!(text, format!("src\n\n{hidden}\n").as_bytes()),
            other => panic!("the engine needs to be told to drop the Dockerfile, got {other:?}"),
        }
    }

    #[test]
    fn a_malformed_pattern_names_the_ignore_file() {
        let dir = Dir::new("malformed");
        dir.write("Dockerfile", "FROM scratch\n");
        dir.write(".dockerignore", "ok\n[z-\n");
        let text = select(&dir.context("Dockerfile")).unwrap_err().to_string();
        assert!(text.contains(".dockerignore") && text.contains("[z-"), "{text}");
    }
}
