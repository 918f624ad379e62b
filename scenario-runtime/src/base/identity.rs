//! Who is running: the session (one test run, shared by all its processes) and the project (one
//! checkout). Both end up in labels and names, so they are short, stable hex strings.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// One test run. All processes of one `cargo test` or one `cargo nextest run` share it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SessionId(String);

impl SessionId {
    /// `NEXTEST_RUN_ID` where nextest sets it, else `SCENARIO_SESSION_ID`, else a hash of the
    /// parent process (cargo or nextest) and its start time, so sibling test binaries agree.
    pub fn detect() -> SessionId {
        if let Some(id) = env_nonempty("NEXTEST_RUN_ID") {
            return SessionId(short_hash(id.as_bytes()));
        }
        if let Some(id) = env_nonempty("SCENARIO_SESSION_ID") {
            return SessionId::new(&id);
        }
        let ppid = parent_pid();
        let started = process_start_ticks(ppid).unwrap_or_default();
        SessionId(short_hash(format!("{ppid}:{started}").as_bytes()))
    }

    /// An explicit session id; characters that cannot stand in a container name are replaced.
    pub fn new(id: &str) -> SessionId {
        SessionId(sanitize(id))
    }

    /// The id as it appears in labels and names.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for SessionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// One checkout of a workspace: two checkouts never share containers.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ProjectId(String);

impl ProjectId {
    /// `SCENARIO_PROJECT` if set, else a hash of the workspace root found from
    /// `CARGO_MANIFEST_DIR` (cargo sets it for tests and `cargo run`), else of the current dir.
    pub fn detect() -> ProjectId {
        if let Some(id) = env_nonempty("SCENARIO_PROJECT") {
            return ProjectId(sanitize(&id));
        }
        let start = env_nonempty("CARGO_MANIFEST_DIR")
            .map(PathBuf::from)
            .or_else(|| std::env::current_dir().ok())
            .unwrap_or_else(|| PathBuf::from("."));
        ProjectId::for_root(&workspace_root(&start))
    }

    /// The project of a given workspace root.
    pub fn for_root(root: &Path) -> ProjectId {
        let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
        ProjectId(short_hash(root.to_string_lossy().as_bytes()))
    }

    /// An explicit project id; characters that cannot stand in a container name are replaced.
    pub fn new(id: &str) -> ProjectId {
        ProjectId(sanitize(id))
    }

    /// The id as it appears in labels and names.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for ProjectId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The outermost ancestor whose Cargo.toml declares `[workspace]`, else `start` itself.
pub fn workspace_root(start: &Path) -> PathBuf {
    let mut found = None;
    for dir in start.ancestors() {
        let manifest = dir.join("Cargo.toml");
        if let Ok(text) = std::fs::read_to_string(&manifest) {
            if text.lines().any(|l| l.trim() == "[workspace]") {
                found = Some(dir.to_path_buf());
            }
        }
    }
    found.unwrap_or_else(|| start.to_path_buf())
}

/// 12 hex digits of SHA-256: short enough for names, wide enough not to collide in practice.
/// Twelve hex digits no other call in this or another process of this machine gives (pid,
/// clock, counter): for names that must be new (spare networks, fresh containers' aliases).
pub(crate) fn unique_token() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos();
    let seed = format!("{}:{nanos}:{}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed));
    short_hash(seed.as_bytes())
}

pub(crate) fn short_hash(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().take(6).map(|b| format!("{b:02x}")).collect()
}

/// Keeps what Docker allows in names (`[a-zA-Z0-9_.-]`), replacing the rest with `-`.
pub(crate) fn sanitize(s: &str) -> String {
    s.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-') { c } else { '-' }).collect()
}

fn env_nonempty(key: &str) -> Option<String> {
    std::env::var(key).ok().filter(|v| !v.is_empty())
}

fn parent_pid() -> u32 {
    std::os::unix::process::parent_id()
}

/// Field 22 of `/proc/<pid>/stat`: the start time in clock ticks since boot. With the pid it
/// names one process uniquely, even after pid reuse.
fn process_start_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may contain spaces; everything after its closing paren splits cleanly.
    let after_comm = &stat[stat.rfind(')')? + 1..];
    after_comm.split_whitespace().nth(19)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitize_keeps_docker_name_characters() {
        assert_eq!(sanitize("a b/c:d_e.f-g"), "a-b-c-d_e.f-g");
    }

    #[test]
    fn unique_tokens_differ() {
        assert_ne!(unique_token(), unique_token());
        assert_eq!(unique_token().len(), 12);
    }

    #[test]
    fn short_hash_is_stable_and_short() {
        assert_eq!(short_hash(b"x"), short_hash(b"x"));
        assert_ne!(short_hash(b"x"), short_hash(b"y"));
        assert_eq!(short_hash(b"x").len(), 12);
    }

    #[test]
    fn start_ticks_of_this_process_are_known() {
        assert!(process_start_ticks(std::process::id()).is_some());
    }

    #[test]
    fn workspace_root_is_found_from_a_member() {
        let member = Path::new(env!("CARGO_MANIFEST_DIR"));
        assert_eq!(workspace_root(member), member.parent().unwrap());
    }
}
