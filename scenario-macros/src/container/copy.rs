//! `copy = ["src:/target", ...]`: files or folders of the crate copied into the container before
//! it starts. The source must exist when the crate compiles; its content is read at run time, so
//! an edited file needs no rebuild to reach the container (and makes a kept one stale).

use std::path::{Path, PathBuf};

use syn::LitStr;

use super::validate::HostPath;
use crate::errors::Errors;

pub(super) struct CopyArg {
    pub source: HostPath,
    pub target: String,
}

const USAGE: &str =
    "write \"path/in/crate:/target/in/container\", e.g. \"sql/init.sql:/docker-entrypoint-initdb.d/init.sql\"";

/// Checks every `copy` element: two parts, an absolute target, a source that exists (relative
/// to the crate's `Cargo.toml` folder, or absolute).
pub(super) fn check(copies: Option<&Vec<LitStr>>, errors: &mut Errors) -> Vec<CopyArg> {
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from);
    let mut checked = Vec::new();
    for lit in copies.into_iter().flatten() {
        match parse(&lit.value(), manifest_dir.as_deref()) {
            Ok(copy) => checked.push(copy),
            Err(message) => errors.spanned(lit, message),
        }
    }
    checked
}

fn parse(spec: &str, manifest_dir: Option<&Path>) -> Result<CopyArg, String> {
    let Some((source, target)) = spec.rsplit_once(':') else {
        return Err(format!("`{spec}` is not a copy: {USAGE}"));
    };
    if source.is_empty() {
        return Err(format!("`{spec}` has no source: {USAGE}"));
    }
    if !target.starts_with('/') {
        return Err(format!("the copy target `{target}` must be an absolute path in the container"));
    }
    let source = if source.starts_with('/') {
        HostPath::Absolute(source.to_string())
    } else {
        HostPath::InCrate(source.strip_prefix("./").unwrap_or(source).to_string())
    };
    let on_disk = match (&source, manifest_dir) {
        (HostPath::Absolute(path), _) => Some(PathBuf::from(path)),
        (HostPath::InCrate(relative), Some(dir)) => Some(dir.join(relative)),
        // Not under cargo: the run-time read reports a missing file instead.
        (HostPath::InCrate(_), None) => None,
    };
    if let Some(path) = on_disk.filter(|path| !path.exists()) {
        let origin = match &source {
            HostPath::InCrate(relative) => format!("`{relative}` (relative to the folder of the crate's Cargo.toml)"),
            HostPath::Absolute(path) => format!("`{path}`"),
        };
        return Err(format!("the copy source {origin} does not exist: looked for {}", path.display()));
    }
    Ok(CopyArg { source, target: target.to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(spec: &str) -> String {
        parse(spec, Some(Path::new(env!("CARGO_MANIFEST_DIR")))).err().expect("an error")
    }

    #[test]
    fn copies_name_a_crate_file_and_an_absolute_target() {
        let copy = parse("./src/lib.rs:/app/lib.rs", Some(Path::new(env!("CARGO_MANIFEST_DIR")))).unwrap();
        assert_eq!(copy.source, HostPath::InCrate("src/lib.rs".into()));
        assert_eq!(copy.target, "/app/lib.rs");
        assert!(error("src/lib.rs").contains("is not a copy"));
        assert!(error(":/x").contains("has no source"));
        assert!(error("src/lib.rs:app").contains("must be an absolute path"));
        let missing = error("sql/init.sql:/docker-entrypoint-initdb.d/init.sql");
        assert!(missing.contains("`sql/init.sql`") && missing.contains("does not exist"), "{missing}");
    }
}
