//! Files into and out of a container through the engine's archive API (a tar per transfer), so
//! copies work on remote engines too: the spec's copies are uploaded between create and start,
//! and `copy_from` downloads a path of a running container.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use futures_util::TryStreamExt;

use crate::base::error::{Error, Result};
use crate::engine::Engine;
use crate::spec::copy_in::CopyIn;

/// One tar holding every copy, rooted at `/`: the engine creates missing parent folders and leaves
/// existing ones as they are (no header is written for them).
pub(crate) fn archive(copies: &[CopyIn]) -> std::io::Result<Vec<u8>> {
    let mtime = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let mut builder = tar::Builder::new(Vec::new());
    for copy in copies {
        let base = copy.target.trim_start_matches('/').trim_end_matches('/');
        for entry in copy.entries.iter() {
            let path = if entry.relative.is_empty() { base.to_string() } else { format!("{base}/{}", entry.relative) };
            let mut header = tar::Header::new_gnu();
            header.set_mode(copy.file_mode(entry));
            header.set_mtime(mtime);
            let owner = copy.owner.unwrap_or(crate::spec::copy_in::Owner { uid: 0, gid: 0 });
            header.set_uid(owner.uid);
            header.set_gid(owner.gid);
            match &entry.bytes {
                Some(bytes) => {
                    header.set_entry_type(tar::EntryType::Regular);
                    header.set_size(bytes.len() as u64);
                    builder.append_data(&mut header, &path, bytes.as_slice())?;
                }
                None => {
                    header.set_entry_type(tar::EntryType::Directory);
                    header.set_size(0);
                    builder.append_data(&mut header, format!("{path}/"), std::io::empty())?;
                }
            }
        }
    }
    builder.into_inner()
}

/// Uploads the spec's copies into the created (not yet started) container `id`.
pub(crate) async fn upload(engine: &Engine, id: &str, name: &str, copies: &[CopyIn]) -> Result<()> {
    if copies.is_empty() {
        return Ok(());
    }
    let targets = || copies.iter().map(|c| c.target.as_str()).collect::<Vec<_>>().join(", ");
    let failed =
        |reason: String| Error::Copy { container: name.to_string(), path: targets(), direction: "into", reason };
    let archive = archive(copies).map_err(|e| failed(format!("could not pack the files: {e}")))?;
    let options = bollard::query_parameters::UploadToContainerOptionsBuilder::new().path("/").build();
    engine
        .docker()
        .upload_to_container(id, Some(options), bollard::body_full(archive.into()))
        .await
        .map_err(|e| failed(format!("the engine refused the upload: {e}")))
}

fn failed_out(container: &str, path: &str, reason: String) -> Error {
    Error::Copy { container: container.to_string(), path: path.to_string(), direction: "out of", reason }
}

/// The tar the engine sends for `path` of container `id`.
async fn download(engine: &Engine, id: &str, name: &str, path: &str) -> Result<Vec<u8>> {
    let options = bollard::query_parameters::DownloadFromContainerOptionsBuilder::new().path(path).build();
    let chunks: Vec<_> =
        engine.docker().download_from_container(id, Some(options)).try_collect().await.map_err(|e| {
            match crate::base::error::status_of(&e) {
                Some(404) => failed_out(name, path, "no such file or folder in the container".into()),
                _ => failed_out(name, path, format!("the engine refused: {e}")),
            }
        })?;
    Ok(chunks.concat())
}

/// The bytes of the file `path` in container `id`.
pub(crate) async fn file_bytes(engine: &Engine, id: &str, name: &str, path: &str) -> Result<Vec<u8>> {
    let tar = download(engine, id, name, path).await?;
    let not_a_file = |why: String| failed_out(name, path, why);
    let mut archive = tar::Archive::new(tar.as_slice());
    let mut entries = archive.entries().map_err(|e| not_a_file(format!("unreadable archive: {e}")))?;
    let Some(first) = entries.next() else {
        return Err(not_a_file("the engine sent an empty archive".into()));
    };
    let mut first = first.map_err(|e| not_a_file(format!("unreadable archive: {e}")))?;
    if first.header().entry_type() != tar::EntryType::Regular {
        return Err(not_a_file("it is not a regular file (use `copy_from_to` for folders and links)".into()));
    }
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut first, &mut bytes).map_err(|e| not_a_file(format!("unreadable archive: {e}")))?;
    Ok(bytes)
}

/// Unpacks `path` of container `id` (a file or a folder) into `host_dir`; returns where it went
/// (`host_dir/<last component of path>`).
pub(crate) async fn to_host(engine: &Engine, id: &str, name: &str, path: &str, host_dir: &Path) -> Result<PathBuf> {
    let tar = download(engine, id, name, path).await?;
    let failed =
        |e: std::io::Error| failed_out(name, path, format!("could not unpack into {}: {e}", host_dir.display()));
    std::fs::create_dir_all(host_dir).map_err(failed)?;
    // `unpack` keeps every entry inside `host_dir` (no `..` or absolute paths escape it).
    tar::Archive::new(tar.as_slice()).unpack(host_dir).map_err(failed)?;
    let last = path.trim_end_matches('/').rsplit('/').next().unwrap_or_default();
    Ok(host_dir.join(last))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_archive_holds_each_copy_under_its_target_with_mode_and_owner() {
        let copies = [CopyIn::bytes("select 1;", "/docker-entrypoint-initdb.d/init.sql").mode(0o600).owner(70, 71)];
        let tar = archive(&copies).unwrap();
        let mut archive = tar::Archive::new(tar.as_slice());
        let entries: Vec<(String, u32, u64, u64)> = archive
            .entries()
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                let h = e.header();
                (e.path().unwrap().display().to_string(), h.mode().unwrap(), h.uid().unwrap(), h.gid().unwrap())
            })
            .collect();
        assert_eq!(entries, [("docker-entrypoint-initdb.d/init.sql".to_string(), 0o600, 70, 71)]);
    }
}
