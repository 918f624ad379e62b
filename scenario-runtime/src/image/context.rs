//! A build context folder: its content hash (the image tag, so an unchanged context is never
//! rebuilt) and its tar archive (what the engine builds from).

use std::io::Read;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::spec::BuildContext;

/// Hashes every path, file mode, file content and symlink target below the context folder, in
/// sorted order, plus the Dockerfile name and build args: equal hashes build equal images.
pub(crate) fn content_hash(context: &BuildContext) -> Result<String> {
    let mut hasher = Sha256::new();
    hasher.update(context.dockerfile.as_bytes());
    hasher.update([0]);
    for (key, value) in &context.args {
        hasher.update(format!("{key}={value}\0").as_bytes());
    }
    let mut entries = Vec::new();
    collect(&context.dir, &context.dir, &mut entries)?;
    entries.sort();
    for relative in entries {
        let path = context.dir.join(&relative);
        let meta = std::fs::symlink_metadata(&path).map_err(|e| Error::io("cannot read", &path, e))?;
        hasher.update(relative.to_string_lossy().as_bytes());
        hasher.update([0]);
        if meta.file_type().is_symlink() {
            let target = std::fs::read_link(&path).map_err(|e| Error::io("cannot read link", &path, e))?;
            hasher.update(b"link:");
            hasher.update(target.to_string_lossy().as_bytes());
        } else if meta.is_file() {
            hasher.update(mode_of(&meta).to_le_bytes());
            let mut file = std::fs::File::open(&path).map_err(|e| Error::io("cannot read", &path, e))?;
            let mut buf = [0u8; 64 * 1024];
            loop {
                let n = file.read(&mut buf).map_err(|e| Error::io("cannot read", &path, e))?;
                if n == 0 {
                    break;
                }
                hasher.update(&buf[..n]);
            }
        } else {
            hasher.update(b"dir");
        }
        hasher.update([0]);
    }
    let digest = hasher.finalize();
    Ok(digest.iter().take(8).map(|b| format!("{b:02x}")).collect())
}

/// The context as an uncompressed tar archive, symlinks kept as links.
pub(crate) fn tar_archive(dir: &Path) -> Result<Vec<u8>> {
    let mut builder = tar::Builder::new(Vec::new());
    builder.follow_symlinks(false);
    builder.append_dir_all(".", dir).map_err(|e| Error::io("cannot archive", dir, e))?;
    builder.into_inner().map_err(|e| Error::io("cannot archive", dir, e))
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io("cannot read build context", dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io("cannot read build context", dir, e))?;
        let path = entry.path();
        let file_type = entry.file_type().map_err(|e| Error::io("cannot read", &path, e))?;
        out.push(path.strip_prefix(root).unwrap_or(&path).to_path_buf());
        if file_type.is_dir() {
            collect(root, &path, out)?;
        }
    }
    Ok(())
}

#[cfg(unix)]
fn mode_of(meta: &std::fs::Metadata) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o111
}

#[cfg(not(unix))]
fn mode_of(_meta: &std::fs::Metadata) -> u32 {
    0
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn context_in(dir: &Path) -> BuildContext {
        BuildContext { dir: dir.to_path_buf(), dockerfile: "Dockerfile".into(), args: BTreeMap::new() }
    }

    #[test]
    fn hash_follows_content_names_and_args() {
        let dir = std::env::temp_dir().join(format!("scenario-ctx-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        std::fs::write(dir.join("Dockerfile"), "FROM scratch\n").unwrap();
        std::fs::write(dir.join("sub/a.txt"), "a").unwrap();
        let ctx = context_in(&dir);
        let first = content_hash(&ctx).unwrap();
        assert_eq!(first, content_hash(&ctx).unwrap(), "hashing is deterministic");

        std::fs::write(dir.join("sub/a.txt"), "b").unwrap();
        let changed = content_hash(&ctx).unwrap();
        assert_ne!(first, changed, "content change");

        std::fs::rename(dir.join("sub/a.txt"), dir.join("sub/c.txt")).unwrap();
        assert_ne!(changed, content_hash(&ctx).unwrap(), "rename");

        let mut with_arg = ctx.clone();
        with_arg.args.insert("V".into(), "1".into());
        assert_ne!(content_hash(&ctx).unwrap(), content_hash(&with_arg).unwrap(), "build arg");

        let archive = tar_archive(&dir).unwrap();
        let names: Vec<String> = tar::Archive::new(&archive[..])
            .entries()
            .unwrap()
            .map(|e| e.unwrap().path().unwrap().to_string_lossy().into_owned())
            .collect();
        assert!(names.iter().any(|n| n.ends_with("Dockerfile")), "{names:?}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
