//! Registry credentials found where the docker CLI finds them: `$DOCKER_CONFIG/config.json`
//! (default `~/.docker/config.json`), asking the credential helper that `credHelpers` names for
//! the registry or else `credsStore` names (`docker-credential-<name> get`, the server address
//! on stdin, JSON on stdout), else the registry's entry in `auths` (`auth` as base64
//! `user:password`, or `username`/`password`, or an identity token).

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use bollard::auth::DockerCredentials;
use serde_json::Value;

use super::reference::{auth_key_host, ImageRef};

/// The CLI's configuration folder and the `PATH` its credential helpers are found on.
#[derive(Clone, Debug)]
pub struct DockerConfig {
    dir: PathBuf,
    /// `None`: the process's own `PATH`.
    helper_path: Option<OsString>,
}

/// Credentials for one registry and where they came from (for errors: a refused login names
/// the place to fix).
#[derive(Clone, Debug, Default)]
pub struct RegistryLogin {
    /// What to log in with; `None` pulls anonymously.
    pub credentials: Option<DockerCredentials>,
    /// `auths of /home/me/.docker/config.json`, `credential helper docker-credential-pass`, ...
    pub source: String,
}

/// What a helper prints for `get`.
#[derive(serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
struct HelperAnswer {
    #[serde(default)]
    username: String,
    #[serde(default)]
    secret: String,
}

impl DockerConfig {
    /// Where the docker CLI looks: `DOCKER_CONFIG`, else `~/.docker`; helpers on this `PATH`.
    pub fn from_env() -> DockerConfig {
        let dir = std::env::var_os("DOCKER_CONFIG").filter(|d| !d.is_empty()).map(PathBuf::from).unwrap_or_else(|| {
            std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("/")).join(".docker")
        });
        DockerConfig { dir, helper_path: None }
    }

    /// The configuration in `dir` (what `DOCKER_CONFIG=dir` says to the CLI).
    pub fn at(dir: impl Into<PathBuf>) -> DockerConfig {
        DockerConfig { dir: dir.into(), helper_path: None }
    }

    /// Looks credential helpers up on `path` instead of the process's `PATH`.
    pub fn helper_path(mut self, path: impl Into<OsString>) -> DockerConfig {
        self.helper_path = Some(path.into());
        self
    }

    /// The configuration folder (holding `config.json`).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn file(&self) -> PathBuf {
        self.dir.join("config.json")
    }

    /// The login for `image`'s registry; `credentials` is `None` when nothing is stored (the
    /// pull is then anonymous, as the CLI's). An error says which file or helper failed.
    pub async fn login_for(&self, image: &ImageRef) -> Result<RegistryLogin, String> {
        let file = self.file();
        let text = match tokio::fs::read_to_string(&file).await {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(RegistryLogin { credentials: None, source: format!("no {}", file.display()) })
            }
            Err(e) => return Err(format!("cannot read {}: {e}", file.display())),
        };
        let config: Value =
            serde_json::from_str(&text).map_err(|e| format!("{} is not valid JSON: {e}", file.display()))?;
        let host = auth_key_host(image.auth_key());
        let by_host = |section: &str| -> Option<(String, Value)> {
            let entries = config.get(section)?.as_object()?;
            entries.get(image.auth_key()).map(|v| (image.auth_key().to_string(), v.clone())).or_else(|| {
                entries.iter().find(|(key, _)| auth_key_host(key) == host).map(|(k, v)| (k.clone(), v.clone()))
            })
        };
        let helper = by_host("credHelpers")
            .and_then(|(_, name)| name.as_str().map(|n| (n.to_string(), "credHelpers")))
            .or_else(|| config.get("credsStore").and_then(Value::as_str).map(|n| (n.to_string(), "credsStore")))
            .filter(|(name, _)| !name.is_empty());
        if let Some((name, section)) = helper {
            let credentials = self.ask_helper(&name, image.auth_key()).await.map_err(|e| {
                format!(
                    "the credential helper docker-credential-{name} (`{section}` in {}) failed: {e}",
                    file.display()
                )
            })?;
            return Ok(RegistryLogin { credentials, source: format!("credential helper docker-credential-{name}") });
        }
        let source = format!("`auths` of {}", file.display());
        let Some((key, entry)) = by_host("auths") else {
            return Ok(RegistryLogin { credentials: None, source: format!("no entry for {host} in {source}") });
        };
        let credentials = from_auths_entry(&entry).map_err(|e| format!("the entry `{key}` in {source}: {e}"))?;
        Ok(RegistryLogin { credentials, source })
    }

    /// `docker-credential-<name> get` with the server address on stdin, as the CLI runs it.
    async fn ask_helper(&self, name: &str, server: &str) -> Result<Option<DockerCredentials>, String> {
        use tokio::io::AsyncWriteExt;
        let program = format!("docker-credential-{name}");
        // A program name without a slash is looked up on the parent's PATH: resolve it on ours.
        let executable = match &self.helper_path {
            Some(path) => std::env::split_paths(path)
                .map(|dir| dir.join(&program))
                .find(|candidate| candidate.is_file())
                .ok_or_else(|| format!("cannot run {program}: it is not on the given PATH"))?,
            None => PathBuf::from(&program),
        };
        let mut command = tokio::process::Command::new(executable);
        command.arg("get").stdin(std::process::Stdio::piped()).stdout(std::process::Stdio::piped());
        command.stderr(std::process::Stdio::piped()).kill_on_drop(true);
        if let Some(path) = &self.helper_path {
            command.env("PATH", path);
        }
        let mut child = command.spawn().map_err(|e| format!("cannot run {program}: {e}"))?;
        if let Some(mut stdin) = child.stdin.take() {
            stdin.write_all(server.as_bytes()).await.map_err(|e| format!("cannot write to {program}: {e}"))?;
        }
        let output = child.wait_with_output().await.map_err(|e| format!("{program} did not finish: {e}"))?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        if !output.status.success() {
            // The helpers' own words for "nothing stored": the pull goes on without a login.
            if stdout.contains("credentials not found") {
                return Ok(None);
            }
            let stderr = String::from_utf8_lossy(&output.stderr);
            let said: Vec<&str> = [stdout.trim(), stderr.trim()].into_iter().filter(|s| !s.is_empty()).collect();
            return Err(format!("{} ({})", said.join("; "), output.status));
        }
        let answer: HelperAnswer =
            serde_json::from_str(&stdout).map_err(|e| format!("its answer is not the expected JSON: {e}"))?;
        Ok(Some(if answer.username == "<token>" {
            DockerCredentials {
                identitytoken: Some(answer.secret),
                serveraddress: Some(server.into()),
                ..Default::default()
            }
        } else {
            DockerCredentials {
                username: Some(answer.username),
                password: Some(answer.secret),
                serveraddress: Some(server.into()),
                ..Default::default()
            }
        }))
    }
}

/// An `auths` entry: `auth` (base64 of `user:password`), or `username` and `password`, or
/// `identitytoken`; an empty entry (what `credsStore` leaves behind) is no login.
fn from_auths_entry(entry: &Value) -> Result<Option<DockerCredentials>, String> {
    let field = |name: &str| entry.get(name).and_then(Value::as_str).filter(|v| !v.is_empty()).map(str::to_string);
    let mut credentials = DockerCredentials {
        identitytoken: field("identitytoken"),
        registrytoken: field("registrytoken"),
        ..Default::default()
    };
    if let Some(auth) = field("auth") {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(auth.trim())
            .map_err(|e| format!("`auth` is not base64: {e}"))?;
        let decoded = String::from_utf8(decoded).map_err(|_| "`auth` is not UTF-8 text".to_string())?;
        let (user, password) = decoded.split_once(':').ok_or("`auth` is not base64 of `user:password`")?;
        credentials.username = Some(user.to_string());
        credentials.password = Some(password.to_string());
    } else {
        credentials.username = field("username");
        credentials.password = field("password");
    }
    let any =
        credentials.username.is_some() || credentials.identitytoken.is_some() || credentials.registrytoken.is_some();
    Ok(any.then_some(credentials))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_config(json: &str) -> (DockerConfig, PathBuf) {
        static COUNTER: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("scn-credentials-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("config.json"), json).unwrap();
        (DockerConfig::at(&dir), dir)
    }

    async fn login(json: &str, reference: &str) -> Result<RegistryLogin, String> {
        let (config, dir) = temp_config(json);
        let found = config.login_for(&ImageRef::parse(reference).unwrap()).await;
        std::fs::remove_dir_all(dir).unwrap();
        found
    }

    #[tokio::test]
    async fn auths_entries_are_found_by_the_registry_host() {
        // `dXNlcjpwYXNzd29yZA==` is `user:password`.
        let json = r#"{"auths": {"https://index.docker.io/v1/": {"auth": "dXNlcjpwYXNzd29yZA=="},
                                 "http://127.0.0.1:5000": {"username": "u", "password": "p"}}}"#;
        let hub = login(json, "busybox:1.35").await.unwrap().credentials.unwrap();
        assert_eq!((hub.username.as_deref(), hub.password.as_deref()), (Some("user"), Some("password")));
        let hub_alias = login(json, "index.docker.io/library/busybox").await.unwrap().credentials.unwrap();
        assert_eq!(hub_alias.username.as_deref(), Some("user"));
        let local = login(json, "127.0.0.1:5000/app:1").await.unwrap().credentials.unwrap();
        assert_eq!((local.username.as_deref(), local.password.as_deref()), (Some("u"), Some("p")));
        let other = login(json, "127.0.0.1:5001/app:1").await.unwrap();
        assert!(other.credentials.is_none() && other.source.contains("no entry for 127.0.0.1:5001"), "{other:?}");
    }

    #[tokio::test]
    async fn no_file_is_no_login_and_a_broken_entry_is_an_error_naming_it() {
        let config = DockerConfig::at("/nonexistent/scenario-docker-config");
        let found = config.login_for(&ImageRef::parse("app").unwrap()).await.unwrap();
        assert!(found.credentials.is_none());
        let err = login(r#"{"auths": {"127.0.0.1:5000": {"auth": "%%%"}}}"#, "127.0.0.1:5000/app").await.unwrap_err();
        assert!(err.contains("`127.0.0.1:5000`") && err.contains("base64"), "{err}");
        let err = login("{", "app").await.unwrap_err();
        assert!(err.contains("config.json is not valid JSON"), "{err}");
    }

    #[tokio::test]
    async fn a_missing_helper_is_an_error_naming_it_and_where_it_was_configured() {
        let err = login(r#"{"credHelpers": {"127.0.0.1:5000": "scenario-none"}}"#, "127.0.0.1:5000/app").await;
        let err = err.unwrap_err();
        assert!(err.contains("docker-credential-scenario-none") && err.contains("credHelpers"), "{err}");
    }
}
