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
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::base::identity::short_hash;

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

/// The index of one context folder. Records are kept in the order the context is walked, so
/// an unchanged context is matched record by record without building a map; a map of the old
/// records is built only when a path is not where it was.
#[derive(Debug, Default)]
pub(crate) struct Index {
    file: Option<PathBuf>,
    /// The stored records (after the magic) and how far they have been matched.
    old: Vec<u8>,
    cursor: usize,
    old_count: usize,
    moved: Option<HashMap<String, (FileStamp, [u8; 32])>>,
    /// This run's records, written back when they differ from the stored ones.
    new: Vec<u8>,
    new_count: usize,
    learned: bool,
    trusted_before_ns: i128,
}

impl Index {
    /// The stored index of `context_dir` (empty when there is none or it cannot be read).
    pub(crate) fn load(context_dir: &Path) -> Index {
        let started_ns = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as i128).unwrap_or(0);
        let file = index_path(context_dir);
        let old = std::fs::read(&file)
            .ok()
            .and_then(|bytes| bytes.strip_prefix(MAGIC.as_slice()).map(<[u8]>::to_vec))
            .unwrap_or_default();
        let old_count = count(&old);
        Index {
            file: Some(file),
            old,
            old_count,
            trusted_before_ns: started_ns - RACY_MARGIN.as_nanos() as i128,
            ..Index::default()
        }
    }

    /// The content digest of `path` if its stamp is the one recorded.
    pub(crate) fn digest(&mut self, path: &str, stamp: &FileStamp) -> Option<[u8; 32]> {
        let found = match record_at(&self.old, self.cursor) {
            Some((at_path, known, digest, next)) if at_path == path.as_bytes() => {
                self.cursor = next;
                Some((known, digest))
            }
            _ => {
                let old = &self.old;
                self.moved.get_or_insert_with(|| decode(old)).get(path).cloned()
            }
        };
        let (known, digest) = found?;
        if known != *stamp {
            return None;
        }
        self.record(path, stamp, &digest);
        Some(digest)
    }

    pub(crate) fn learn(&mut self, path: &str, stamp: FileStamp, digest: [u8; 32]) {
        self.learned = true;
        self.record(path, &stamp, &digest);
    }

    /// Keeps a record for the next run, unless its stamp is too young to vouch for the content.
    fn record(&mut self, path: &str, stamp: &FileStamp, digest: &[u8; 32]) {
        if stamp.newest_ns() < self.trusted_before_ns {
            encode_record(&mut self.new, path, stamp, digest);
            self.new_count += 1;
        }
    }

    /// Writes this run's records back (atomically: concurrent runs each write a whole index)
    /// when they differ from the stored ones. Failing to write only costs speed next time.
    pub(crate) fn save(self) {
        let Some(file) = self.file else { return };
        if !self.learned && self.new_count == self.old_count {
            return;
        }
        let Some(dir) = file.parent() else { return };
        if std::fs::create_dir_all(dir).is_err() {
            return;
        }
        // A name of its own per writer: threads of one process may save the same index at once.
        static WRITER: AtomicU64 = AtomicU64::new(0);
        let temp = file.with_extension(format!("tmp{}-{}", std::process::id(), WRITER.fetch_add(1, Ordering::Relaxed)));
        let written = std::fs::File::create(&temp).and_then(|mut f| {
            f.write_all(MAGIC)?;
            f.write_all(&self.new)
        });
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
            let artifacts = crate::base::artifacts::default_root();
            artifacts.parent().map(Path::to_path_buf).unwrap_or_default().join("scenario-cache")
        }
    };
    let canonical = context_dir.canonicalize().unwrap_or_else(|_| context_dir.to_path_buf());
    root.join("contexts").join(format!("{}.idx", short_hash(canonical.as_os_str().as_encoded_bytes())))
}

fn encode_record(out: &mut Vec<u8>, path: &str, stamp: &FileStamp, digest: &[u8; 32]) {
    out.extend_from_slice(&(path.len() as u32).to_le_bytes());
    out.extend_from_slice(path.as_bytes());
    out.extend_from_slice(&stamp.size.to_le_bytes());
    out.extend_from_slice(&stamp.mtime_ns.to_le_bytes());
    out.extend_from_slice(&stamp.ctime_ns.to_le_bytes());
    out.extend_from_slice(&stamp.inode.to_le_bytes());
    out.extend_from_slice(&stamp.device.to_le_bytes());
    out.extend_from_slice(digest);
}

/// The record at byte `at`: its path, stamp, digest and where the next one starts.
fn record_at(bytes: &[u8], at: usize) -> Option<(&[u8], FileStamp, [u8; 32], usize)> {
    let mut at = at;
    let mut take = |n: usize| -> Option<&[u8]> {
        let field = bytes.get(at..at + n)?;
        at += n;
        Some(field)
    };
    let len = u32::from_le_bytes(take(4)?.try_into().ok()?) as usize;
    let path = take(len)?;
    let stamp = FileStamp {
        size: u64::from_le_bytes(take(8)?.try_into().ok()?),
        mtime_ns: i128::from_le_bytes(take(16)?.try_into().ok()?),
        ctime_ns: i128::from_le_bytes(take(16)?.try_into().ok()?),
        inode: u64::from_le_bytes(take(8)?.try_into().ok()?),
        device: u64::from_le_bytes(take(8)?.try_into().ok()?),
    };
    let digest: [u8; 32] = take(32)?.try_into().ok()?;
    Some((path, stamp, digest, at))
}

/// Every well-formed record, by path (a damaged tail is dropped: those files are hashed again).
fn decode(bytes: &[u8]) -> HashMap<String, (FileStamp, [u8; 32])> {
    let mut known = HashMap::new();
    let mut at = 0;
    while let Some((path, stamp, digest, next)) = record_at(bytes, at) {
        known.insert(String::from_utf8_lossy(path).into_owned(), (stamp, digest));
        at = next;
    }
    known
}

fn count(bytes: &[u8]) -> usize {
    let mut at = 0;
    let mut n = 0;
    while let Some((.., next)) = record_at(bytes, at) {
        n += 1;
        at = next;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamp(n: u64) -> FileStamp {
        FileStamp { size: n, mtime_ns: 1, ctime_ns: 2, inode: n, device: 9 }
    }

    fn index_of(records: &[(&str, FileStamp, [u8; 32])]) -> Index {
        let mut old = Vec::new();
        for (path, stamp, digest) in records {
            encode_record(&mut old, path, stamp, digest);
        }
        Index { old_count: records.len(), old, trusted_before_ns: i128::MAX, ..Index::default() }
    }

    #[test]
    fn records_are_found_in_order_and_out_of_order() {
        let mut index = index_of(&[("a", stamp(1), [1; 32]), ("b", stamp(2), [2; 32]), ("c", stamp(3), [3; 32])]);
        assert_eq!(index.digest("a", &stamp(1)), Some([1; 32]));
        assert_eq!(index.digest("c", &stamp(3)), Some([3; 32]), "b was deleted");
        assert_eq!(index.digest("b", &stamp(2)), Some([2; 32]), "found out of order");
        assert_eq!(index.digest("d", &stamp(4)), None, "new file");
        assert_eq!(decode(&index.new).len(), 3, "what was confirmed is kept for next time");
        let mut cut = index_of(&[("a", stamp(1), [1; 32])]).old;
        cut.truncate(cut.len() - 3);
        assert!(decode(&cut).is_empty(), "a damaged record is not trusted");
    }

    #[test]
    fn a_changed_stamp_is_not_trusted() {
        let mut index = index_of(&[("f", stamp(1), [1; 32])]);
        let mut touched = stamp(1);
        touched.ctime_ns += 1;
        assert_eq!(index.digest("f", &touched), None, "same size and mtime, new ctime");
    }

    #[test]
    fn young_stamps_are_not_kept() {
        let mut index = Index { trusted_before_ns: 2, ..Index::default() };
        index.learn("old", FileStamp { mtime_ns: 1, ctime_ns: 1, ..stamp(1) }, [1; 32]);
        index.learn("young", FileStamp { mtime_ns: 1, ctime_ns: 5, ..stamp(2) }, [2; 32]);
        assert_eq!(decode(&index.new).keys().collect::<Vec<_>>(), ["old"]);
    }
}
