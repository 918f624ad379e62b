//! The docker CLI's configuration as far as choosing an engine goes: the config folder
//! (`$DOCKER_CONFIG`, else `~/.docker`), its `config.json`'s `currentContext`, and the context
//! store under it (`contexts/meta/<sha256 of the name>/meta.json`, TLS material in
//! `contexts/tls/<sha256 of the name>/docker/{ca,cert,key}.pem`), read the way the CLI writes it.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// The context that stands for "no context": `DOCKER_HOST` or the default socket.
pub(crate) const DEFAULT_CONTEXT: &str = "default";

/// One context's docker endpoint, as stored by `docker context create`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct StoredContext {
    pub host: String,
    /// The folder holding `ca.pem` (and `cert.pem`, `key.pem` for client authentication).
    pub tls: Option<PathBuf>,
    pub skip_tls_verify: bool,
    /// The meta.json it was read from, quoted in errors.
    pub meta: PathBuf,
}

/// The CLI's config folder: `$DOCKER_CONFIG`, else `$HOME/.docker`.
pub(crate) fn config_dir(var: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    match var("DOCKER_CONFIG") {
        Some(dir) => Some(PathBuf::from(dir)),
        None => var("HOME").map(|home| Path::new(&home).join(".docker")),
    }
}

/// `currentContext` of `config.json` in `dir`: `Ok(None)` when the file or the key is absent
/// (the CLI then uses the default context), an error naming the file when it cannot be read.
pub(crate) fn current_context(dir: &Path) -> Result<Option<String>, String> {
    let path = dir.join("config.json");
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    let config: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{} is not valid JSON: {e}", path.display()))?;
    Ok(config.get("currentContext").and_then(|c| c.as_str()).filter(|c| !c.is_empty()).map(String::from))
}

/// The folder name the store uses for a context: the hex SHA-256 of its name.
pub(crate) fn store_key(name: &str) -> String {
    Sha256::digest(name.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// Reads context `name` from the store under config folder `dir`.
pub(crate) fn read_context(dir: &Path, name: &str) -> Result<StoredContext, String> {
    let key = store_key(name);
    let meta = dir.join("contexts").join("meta").join(&key).join("meta.json");
    let text = match std::fs::read_to_string(&meta) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(format!(
                "there is no docker context `{name}` in {} (no {}); `docker context ls` lists the contexts",
                dir.display(),
                meta.display()
            ))
        }
        Err(e) => return Err(format!("cannot read {}: {e}", meta.display())),
    };
    let doc: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{} is not valid JSON: {e}", meta.display()))?;
    let docker = doc.pointer("/Endpoints/docker");
    let host = docker.and_then(|d| d.get("Host")).and_then(|h| h.as_str()).filter(|h| !h.is_empty());
    let Some(host) = host else {
        return Err(format!("docker context `{name}` ({}) has no docker endpoint Host", meta.display()));
    };
    let skip_tls_verify = docker.and_then(|d| d.get("SkipTLSVerify")).and_then(|s| s.as_bool()).unwrap_or(false);
    let tls = dir.join("contexts").join("tls").join(&key).join("docker");
    let tls = tls.join("ca.pem").exists().then_some(tls);
    Ok(StoredContext { host: host.to_string(), tls, skip_tls_verify, meta })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(tag: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("scn-ctx-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn the_store_key_is_the_sha256_of_the_name() {
        // The folder `docker context create remote` made (seen with docker CLI 28).
        assert_eq!(store_key("remote"), "b71199ebd070b36beab7317920c2c2f1d777df8d05e5527d8458fda57cb17a7a");
    }

    #[test]
    fn a_context_is_read_with_its_tls_folder_when_it_has_one() {
        let dir = temp_dir("read");
        let meta = dir.join("contexts/meta").join(store_key("remote"));
        std::fs::create_dir_all(&meta).unwrap();
        std::fs::write(
            meta.join("meta.json"),
            r#"{"Name":"remote","Metadata":{},"Endpoints":{"docker":{"Host":"tcp://10.9.9.9:2376","SkipTLSVerify":false}}}"#,
        )
        .unwrap();
        let read = read_context(&dir, "remote").unwrap();
        assert_eq!((read.host.as_str(), read.tls.as_ref(), read.skip_tls_verify), ("tcp://10.9.9.9:2376", None, false));

        let tls = dir.join("contexts/tls").join(store_key("remote")).join("docker");
        std::fs::create_dir_all(&tls).unwrap();
        std::fs::write(tls.join("ca.pem"), "x").unwrap();
        assert_eq!(read_context(&dir, "remote").unwrap().tls, Some(tls));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_missing_context_names_the_store_and_the_command_that_lists_them() {
        let dir = temp_dir("missing");
        let err = read_context(&dir, "nowhere").unwrap_err();
        assert!(
            err.contains("`nowhere`") && err.contains(&store_key("nowhere")) && err.contains("docker context ls"),
            "{err}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn current_context_is_optional_but_a_broken_config_is_an_error() {
        let dir = temp_dir("current");
        assert_eq!(current_context(&dir), Ok(None));
        std::fs::write(dir.join("config.json"), r#"{"auths":{}}"#).unwrap();
        assert_eq!(current_context(&dir), Ok(None));
        std::fs::write(dir.join("config.json"), r#"{"currentContext":"podman"}"#).unwrap();
        assert_eq!(current_context(&dir), Ok(Some("podman".to_string())));
        std::fs::write(dir.join("config.json"), "{not json").unwrap();
        assert!(current_context(&dir).unwrap_err().contains("config.json"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
