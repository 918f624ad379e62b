//! What a context's files looked like when their contents were last hashed, so an unchanged
//! context is decided by `stat` alone: one index file per context folder, under the cargo target
//! folder (`scenario-cache/contexts/`), mapping each sent file's path to its stamp (size,
//! modification and change times in nanoseconds, inode, device) and content digest.
//!
//! A file is hashed again when any part of its stamp differs. The change time (`ctime`) is what
//! catches an edit that keeps size and modification time (a `touch -r` afterwards, or a tool that
//! restores times): the kernel sets it on every write and metadata change and no call sets it
//! back. The one edit a stamp cannot see is one within the same clock tick as the stamp was
//! read; so stamps younger than `RACY_MARGIN` when the index is written are not kept, and their
//! files are hashed again next time (git's "racily clean" rule).

use std::collections::HashMap;
use std::io::Write;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::identity::short_hash;

/// Far more than a filesystem clock tick (a few ms for Linux filesystems, 1 s for some).
const RACY_MARGIN: Duration = Duration::from_secs(1);
const MAGIC: &[u8; 8] = b"scnidx01";

/// How a file looked on disk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct FileStamp {
    size: u64,
    mtime_ns: i128,
    ctime_ns: i128,
    inode: u64,
    device: u64,
}

impl FileStamp {
    pub(crate) fn of(meta: &std::fs::Metadata) -> FileStamp {
        FileStamp {
            size: meta.size(),
            mtime_ns: meta.mtime() as i128 * 1_000_000_000 + meta.mtime_nsec() as i128,
            ctime_ns: meta.ctime() as i128 * 1_000_000_000 + meta.ctime_nsec() as i128,
            inode: meta.ino(),
            device: meta.dev(),
        }
    }

    fn newest_ns(&self) -> i128 {
        self.mtime_ns.max(self.ctime_ns)
    }
}

/// The index of one context folder.
#[derive(Debug, Default)]
pub(crate) struct Index {
    file: Option<PathBuf>,
    known: HashMap<String, (FileStamp, [u8; 32])>,
    /// Entries looked up or learned in this run: what is written back.
    seen: HashMap<String, (FileStamp, [u8; 32])>,
    changed: bool,
    started_ns: i128,
}

impl Index {
    /// The stored index of `context_dir` (empty when there is none or it cannot be read).
    pub(crate) fn load(context_dir: &Path) -> Index {
        let started_ns = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as i128).unwrap_or(0);
        let file = index_path(context_dir);
        let known = std::fs::read(&file).ok().and_then(|bytes| decode(&bytes)).unwrap_or_default();
        Index { file: Some(file), known, seen: HashMap::new(), changed: false, started_ns }
    }

    /// The content digest of `path` if its stamp is the one recorded.
    pub(crate) fn digest(&mut self, path: &str, stamp: &FileStamp) -> Option<[u8; 32]> {
        let (known, digest) = self.known.get(path)?;
        if known != stamp {
            return None;
        }
        let digest = *digest;
        self.seen.insert(path.to_string(), (stamp.clone(), digest));
        Some(digest)
    }

    pub(crate) fn learn(&mut self, path: &str, stamp: FileStamp, digest: [u8; 32]) {
        self.changed = true;
        self.seen.insert(path.to_string(), (stamp, digest));
    }

    /// Writes what this run saw back (atomically: concurrent runs each write a whole index),
    /// when it differs from what was loaded. Failing to write only costs speed next time.
    pub(crate) fn save(self) {
        let Some(file) = self.file else { return };
        if !self.changed && self.seen.len() == self.known.len() {
            return;
        }
        let trusted_before = self.started_ns - RACY_MARGIN.as_nanos() as i128;
        let bytes = encode(self.seen.iter().filter(|(_, (stamp, _))| stamp.newest_ns() < trusted_before));
        let Some(dir) = file.parent() else { return };
        if std::fs::create_dir_all(dir).is_err() {
            return;
        }
        let temp = file.with_extension(format!("tmp{}", std::process::id()));
        let written = std::fs::File::create(&temp).and_then(|mut f| f.write_all(&bytes));
        if written.is_err() || std::fs::rename(&temp, &file).is_err() {
            let _ = std::fs::remove_file(&temp);
        }
    }
}

/// `<target>/scenario-cache/contexts/<hash of the canonical folder>.idx`, next to the
/// artifacts (`SCENARIO_CACHE_DIR` overrides the folder).
fn index_path(context_dir: &Path) -> PathBuf {
    let root = match std::env::var_os("SCENARIO_CACHE_DIR").filter(|d| !d.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => {
            let artifacts = crate::artifacts::default_root();
            artifacts.parent().map(Path::to_path_buf).unwrap_or_default().join("scenario-cache")
        }
    };
    let canonical = context_dir.canonicalize().unwrap_or_else(|_| context_dir.to_path_buf());
    root.join("contexts").join(format!("{}.idx", short_hash(canonical.as_os_str().as_encoded_bytes())))
}

fn encode<'a>(entries: impl Iterator<Item = (&'a String, &'a (FileStamp, [u8; 32]))>) -> Vec<u8> {
    let mut out = MAGIC.to_vec();
    for (path, (stamp, digest)) in entries {
        out.extend_from_slice(&(path.len() as u32).to_le_bytes());
        out.extend_from_slice(path.as_bytes());
        out.extend_from_slice(&stamp.size.to_le_bytes());
        out.extend_from_slice(&stamp.mtime_ns.to_le_bytes());
        out.extend_from_slice(&stamp.ctime_ns.to_le_bytes());
        out.extend_from_slice(&stamp.inode.to_le_bytes());
        out.extend_from_slice(&stamp.device.to_le_bytes());
        out.extend_from_slice(digest);
    }
    out
}

fn decode(bytes: &[u8]) -> Option<HashMap<String, (FileStamp, [u8; 32])>> {
    let mut rest = bytes.strip_prefix(MAGIC.as_slice())?;
    let mut take = |n: usize| -> Option<&[u8]> {
        let (head, tail) = (rest.get(..n)?, rest.get(n..)?);
        rest = tail;
        Some(head)
    };
    let mut known = HashMap::new();
    while let Some(len) = take(4) {
        let len = u32::from_le_bytes(len.try_into().ok()?) as usize;
        let path = String::from_utf8(take(len)?.to_vec()).ok()?;
        let stamp = FileStamp {
            size: u64::from_le_bytes(take(8)?.try_into().ok()?),
            mtime_ns: i128::from_le_bytes(take(16)?.try_into().ok()?),
            ctime_ns: i128::from_le_bytes(take(16)?.try_into().ok()?),
            inode: u64::from_le_bytes(take(8)?.try_into().ok()?),
            device: u64::from_le_bytes(take(8)?.try_into().ok()?),
        };
        let digest: [u8; 32] = take(32)?.try_into().ok()?;
        known.insert(path, (stamp, digest));
    }
    Some(known)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamp(n: u64) -> FileStamp {
        FileStamp { size: n, mtime_ns: 1, ctime_ns: 2, inode: n, device: 9 }
    }

    #[test]
    fn entries_survive_a_round_trip() {
        let entries =
            HashMap::from([("a/b".to_string(), (stamp(1), [7u8; 32])), ("c".to_string(), (stamp(2), [8; 32]))]);
        assert_eq!(decode(&encode(entries.iter())).unwrap(), entries);
        assert!(decode(b"other").is_none(), "a foreign file is no index");
        let mut cut = encode(entries.iter());
        cut.truncate(cut.len() - 3);
        assert!(decode(&cut).is_none(), "a truncated index is not trusted");
    }

    #[test]
    fn a_changed_stamp_is_not_trusted() {
        let mut index = Index::default();
        index.known.insert("f".into(), (stamp(1), [1; 32]));
        assert_eq!(index.digest("f", &stamp(1)), Some([1; 32]));
        let mut touched = stamp(1);
        touched.ctime_ns += 1;
        assert_eq!(index.digest("f", &touched), None, "same size and mtime, new ctime");
    }
}
