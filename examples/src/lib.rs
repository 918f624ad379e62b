//! Helpers for the example scenarios.
//!
//! [`weblog_context`] turns the `weblog` binary (src/bin/weblog.rs) that cargo builds for this
//! package's integration tests into a Dockerfile build context:
//!
//! ```ignore
//! let context = examples::weblog_context(env!("CARGO_BIN_EXE_weblog"));
//! // context = <target>/scenario-contexts/weblog/ holding Dockerfile and weblog
//! ```

pub mod checkout;
pub mod checks;
pub mod http;

use std::fs;
use std::io;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::UNIX_EPOCH;

/// The weblog image's Dockerfile (examples/images/weblog/Dockerfile), compiled in so the context
/// can be made without knowing where the sources are.
pub const WEBLOG_DOCKERFILE: &str = include_str!("../images/weblog/Dockerfile");

/// The `weblog` binary cargo builds next to the running test or bench executable
/// (`<target>/<profile>/weblog`; test and bench executables live in `<profile>/deps`).
pub fn weblog_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("the running executable has a path");
    let profile_dir = exe.parent().and_then(|deps| if deps.ends_with("deps") { deps.parent() } else { Some(deps) });
    profile_dir.map(|dir| dir.join("weblog")).unwrap_or_else(|| PathBuf::from("weblog"))
}

/// Makes (or refreshes) the weblog image's build context and returns its folder,
/// `<target>/scenario-contexts/weblog/`: the Dockerfile plus the binary at `binary`, named
/// `weblog`. In an integration test of this package pass `env!("CARGO_BIN_EXE_weblog")`.
///
/// Files are rewritten only when their content changes, so an unchanged binary keeps the
/// context's content hash (and thus the built image) as it was. The binary is copied with its
/// debug info stripped when `strip` is on the PATH (a debug build goes from ~55 MB to ~5 MB,
/// which the image build and the context hash read every time), else copied as is.
/// Safe to call from concurrent processes (nextest): every file is replaced by a rename.
///
/// The target dir is the ancestor of `binary` that holds cargo's `CACHEDIR.TAG`, else
/// `CARGO_TARGET_DIR` if absolute, else the folder two levels above the binary.
///
/// The binary is a normal host build, dynamically linked against glibc, and the image is
/// `debian:bookworm-slim` (glibc 2.36). On a machine whose glibc is newer than bookworm's the
/// binary will not start there (`GLIBC_2.xx not found`); build a static one instead and pass it:
///
/// ```text
/// RUSTFLAGS='-C target-feature=+crt-static' cargo build -p examples --bin weblog \
///     --target x86_64-unknown-linux-gnu
/// # then: weblog_context("target/x86_64-unknown-linux-gnu/debug/weblog")
/// ```
///
/// # Panics
/// If the binary cannot be read or the context cannot be written; [`try_weblog_context`]
/// returns the error instead.
pub fn weblog_context(binary: impl AsRef<Path>) -> PathBuf {
    let binary = binary.as_ref();
    try_weblog_context(binary).unwrap_or_else(|e| {
        panic!(
            "making the weblog build context from {}: {e} \
             (is it built? `cargo build -p examples --bin weblog`)",
            binary.display()
        )
    })
}

/// [`weblog_context`], returning errors.
pub fn try_weblog_context(binary: impl AsRef<Path>) -> io::Result<PathBuf> {
    let binary = binary.as_ref();
    let contexts = target_dir(binary).join("scenario-contexts");
    let dir = contexts.join("weblog");
    fs::create_dir_all(&dir)?;
    // Files are staged in `contexts`, outside the context folder, so its hash never sees them.
    write_if_changed(&dir.join("Dockerfile"), WEBLOG_DOCKERFILE.as_bytes(), 0o644, &contexts)?;
    install_binary(binary, &dir.join("weblog"), &contexts.join("weblog.source"), &contexts)?;
    Ok(dir)
}

/// Where cargo put `binary`: its target dir.
fn target_dir(binary: &Path) -> PathBuf {
    let binary = binary.canonicalize().unwrap_or_else(|_| binary.to_path_buf());
    if let Some(dir) = binary.ancestors().skip(1).find(|dir| dir.join("CACHEDIR.TAG").is_file()) {
        return dir.to_path_buf();
    }
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).filter(|d| d.is_absolute()) {
        return dir;
    }
    // <target>/<profile>/weblog
    binary.ancestors().nth(2).map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("target"))
}

/// Puts `source` (stripped if possible) at `dest`, unless `stamp` says this very source file
/// (path, size, mtime) was installed there already.
fn install_binary(source: &Path, dest: &Path, stamp: &Path, staging: &Path) -> io::Result<()> {
    let meta = fs::metadata(source)?;
    let mtime = meta.modified()?.duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    let identity = format!("{}\n{}\n{}\n", source.display(), meta.len(), mtime);
    if dest.is_file() && fs::read_to_string(stamp).is_ok_and(|s| s == identity) {
        return Ok(());
    }
    let staged = staged_name(staging);
    let result = (|| {
        let stripped = Command::new("strip")
            .arg("--strip-debug")
            .arg("-o")
            .arg(&staged)
            .arg(source)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !stripped {
            fs::copy(source, &staged)?;
        }
        let bytes = fs::read(&staged)?;
        write_if_changed(dest, &bytes, 0o755, staging)
    })();
    let _ = fs::remove_file(&staged);
    result?;
    replace(stamp, identity.as_bytes(), 0o644, staging)
}

/// Writes `bytes` to `path` unless it holds them already (with that mode).
fn write_if_changed(path: &Path, bytes: &[u8], mode: u32, staging: &Path) -> io::Result<()> {
    let same_mode = fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o7777 == mode);
    if same_mode && fs::read(path).is_ok_and(|current| current == bytes) {
        return Ok(());
    }
    replace(path, bytes, mode, staging)
}

/// Writes a temp file in `staging` (same file system) and renames it over `path`: readers (a
/// context being hashed, another process) see the old file or the new one, never half of one.
fn replace(path: &Path, bytes: &[u8], mode: u32, staging: &Path) -> io::Result<()> {
    let staged = staged_name(staging);
    let result = fs::write(&staged, bytes)
        .and_then(|()| fs::set_permissions(&staged, fs::Permissions::from_mode(mode)))
        .and_then(|()| fs::rename(&staged, path));
    if result.is_err() {
        let _ = fs::remove_file(&staged);
    }
    result
}

/// A file name in `staging`, unique per process and call.
fn staged_name(staging: &Path) -> PathBuf {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    staging.join(format!(".staged.{}.{n}.tmp", std::process::id()))
}
