//! `volumes` (named volumes, bind mounts, tmpfs in the long form) and `tmpfs`.

use std::collections::BTreeSet;

use super::super::file::{StringOrList, VolumeEntry};
use super::super::text::{split_outside, unescape, Sites, Text};
use super::{HostPath, Location, MountModel};

/// The service's mounts: each of `volumes` checked against the declared volumes, then `tmpfs`.
pub(super) fn mounts(
    volumes: Option<&Vec<VolumeEntry>>,
    tmpfs: Option<&StringOrList>,
    location: &Location,
    declared: &BTreeSet<String>,
    sites: &Sites,
    problem: &mut impl FnMut(String),
) -> Vec<MountModel> {
    let mut mounts = Vec::new();
    for entry in volumes.into_iter().flatten() {
        match mount(entry, location, declared, sites) {
            Ok(m) => mounts.push(m),
            Err(e) => problem(e),
        }
    }
    for target in tmpfs.into_iter().flat_map(StringOrList::list) {
        let target = unescape(&target);
        let (path, options) = target.split_once(':').unwrap_or((&target, ""));
        if path.starts_with('/') {
            mounts.push(MountModel::Tmpfs { target: path.into(), options: options.into() });
        } else {
            problem(format!("tmpfs `{target}` is not an absolute path in the container"));
        }
    }
    mounts
}

fn mount(
    entry: &VolumeEntry,
    location: &Location,
    declared: &BTreeSet<String>,
    sites: &Sites,
) -> Result<MountModel, String> {
    let named = |name: &str, target: String, read_only: bool| {
        if declared.contains(name) {
            Ok(MountModel::Volume { name: name.to_string(), target, read_only })
        } else {
            Err(format!("volume `{name}` is not declared under the top-level `volumes`"))
        }
    };
    // An interpolated source (`${DATA_DIR:-./data}`) is taken for a host path.
    let bind = |source: &str, target: String, read_only: bool| {
        if source.starts_with('~') {
            return Err(format!(
                "bind mount `{source}`: `~` is not expanded; write the path relative to the compose file"
            ));
        }
        let source = match sites.text(source) {
            Text::Literal(path) => location.resolve(&path),
            Text::Variable { raw, at } => HostPath::Variable { raw, at, folder: Box::new(location.folder()) },
        };
        Ok(MountModel::Bind { source, target, read_only })
    };
    match entry {
        VolumeEntry::Short(text) => {
            let parts = split_outside(text, ':');
            let (source, target, mode) = match parts.as_slice() {
                [target] => {
                    return Err(format!(
                        "`{target}` is an anonymous volume; name it (`data:{target}`) and declare it under the \
                         top-level `volumes`"
                    ))
                }
                [source, target] => (*source, *target, "rw"),
                [source, target, mode] => (*source, *target, *mode),
                _ => return Err(format!("volume `{text}` is not `SOURCE:TARGET[:MODE]`")),
            };
            let read_only = match mode {
                "ro" => true,
                "rw" => false,
                other => return Err(format!("volume `{text}`: mode `{other}` is not supported; use ro or rw")),
            };
            let target = sites.fixed(target, "the target of a volume")?;
            if !target.starts_with('/') {
                return Err(format!("volume `{text}`: the target must be an absolute path in the container"));
            }
            if source.starts_with(['.', '/', '~', '$']) {
                bind(source, target, read_only)
            } else {
                named(&sites.fixed(source, "a volume name")?, target, read_only)
            }
        }
        VolumeEntry::Long { kind, source, target, read_only, tmpfs } => {
            let read_only = read_only.unwrap_or(false);
            let target = sites.fixed(target, "the target of a volume")?;
            if tmpfs.is_some() && kind != "tmpfs" {
                return Err(format!("volume `{target}`: `tmpfs` options belong to `type: tmpfs`"));
            }
            match (kind.as_str(), source.as_deref()) {
                ("volume", Some(source)) => named(&sites.fixed(source, "a volume name")?, target, read_only),
                ("volume", None) => {
                    Err(format!("volume `{target}` is anonymous; give it a `source` declared under `volumes`"))
                }
                ("bind", Some(source)) => bind(source, target, read_only),
                ("bind", None) => Err(format!("bind mount `{target}` has no `source`")),
                ("tmpfs", _) => Ok(MountModel::Tmpfs {
                    target,
                    options: tmpfs.as_ref().map(|t| format!("size={}", t.size.0)).unwrap_or_default(),
                }),
                (other, _) => Err(format!("volume type `{other}` is not supported; use volume, bind or tmpfs")),
            }
        }
    }
}
