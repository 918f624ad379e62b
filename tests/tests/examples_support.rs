//! Unit tests of the examples library's helpers. They live here, not in the library, so that
//! every test target of the examples package is a scenario harness and `cargo test -p examples
//! -- --reuse` reaches no libtest binary that would reject the flag.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use examples::{try_weblog_context, WEBLOG_DOCKERFILE};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("examples-lib-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(dir.join("target/debug")).unwrap();
    fs::write(dir.join("target/CACHEDIR.TAG"), "Signature: 8a477f597d28d172789f06886806bc55").unwrap();
    dir
}

#[test]
fn context_is_made_once_and_refreshed_on_change() {
    let root = scratch("context");
    let binary = root.join("target/debug/weblog");
    // Not an ELF file: strip fails and the helper falls back to a plain copy.
    fs::write(&binary, b"first build").unwrap();

    let dir = try_weblog_context(binary.to_str().unwrap()).unwrap();
    assert_eq!(dir, root.join("target/scenario-contexts/weblog").canonicalize().unwrap());
    assert_eq!(fs::read_to_string(dir.join("Dockerfile")).unwrap(), WEBLOG_DOCKERFILE);
    assert_eq!(fs::read(dir.join("weblog")).unwrap(), b"first build");
    assert_eq!(fs::metadata(dir.join("weblog")).unwrap().permissions().mode() & 0o777, 0o755);
    let mut names: Vec<_> = fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
    names.sort();
    assert_eq!(names, ["Dockerfile", "weblog"], "nothing else in the context");

    // Unchanged binary: the context's files are not touched.
    let installed = fs::metadata(dir.join("weblog")).unwrap().modified().unwrap();
    let dockerfile = fs::metadata(dir.join("Dockerfile")).unwrap().modified().unwrap();
    std::thread::sleep(Duration::from_millis(20));
    try_weblog_context(&binary).unwrap();
    assert_eq!(fs::metadata(dir.join("weblog")).unwrap().modified().unwrap(), installed);
    assert_eq!(fs::metadata(dir.join("Dockerfile")).unwrap().modified().unwrap(), dockerfile);

    // Rebuilt with the same bytes (new mtime): compared, still not rewritten.
    fs::write(&binary, b"first build").unwrap();
    fs::File::options()
        .write(true)
        .open(&binary)
        .unwrap()
        .set_modified(SystemTime::now() + Duration::from_secs(5))
        .unwrap();
    try_weblog_context(&binary).unwrap();
    assert_eq!(fs::metadata(dir.join("weblog")).unwrap().modified().unwrap(), installed);

    // A different build replaces it.
    fs::write(&binary, b"second build!").unwrap();
    try_weblog_context(&binary).unwrap();
    assert_eq!(fs::read(dir.join("weblog")).unwrap(), b"second build!");

    let leftovers: Vec<_> = fs::read_dir(root.join("target/scenario-contexts"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "staged files left behind: {leftovers:?}");
    fs::remove_dir_all(&root).unwrap();
}

#[test]
fn missing_binary_is_an_error() {
    let root = scratch("missing");
    assert!(try_weblog_context(root.join("target/debug/weblog")).is_err());
    fs::remove_dir_all(&root).unwrap();
}
