//! Which engine to use, in the order the docker CLI and testcontainers look: `DOCKER_HOST`; the
//! docker context named by `DOCKER_CONTEXT`, else the `currentContext` of `config.json`; then the
//! sockets engines listen on by default (Docker, rootless Docker, Docker Desktop, colima, Podman).
//!
//! What the user configured must answer: a configured endpoint that does not is an error naming
//! where it came from, never a reason to try another engine. Only the default sockets are tried
//! one after another. Resolution is pure (environment and files in, a decision out), so it is
//! tested without an engine; connecting is `Engine::connect`.

use std::path::Path;

use super::context;
use super::endpoint::Endpoint;
use crate::base::error::Error;

/// Overrides the publish address of the engine found here (`SCENARIO_DOCKER_HOSTS` entries take
/// `?publish=` instead).
pub const PUBLISH_ADDRESS_VAR: &str = "SCENARIO_PUBLISH_ADDRESS";

/// What discovery looked at, and what it decided.
#[derive(Debug)]
pub struct Discovery {
    /// One line per place looked at, in order (logged at debug, shown by `cargo scenario doctor`).
    pub steps: Vec<String>,
    /// What discovery decided.
    pub outcome: Outcome,
}

/// The engine (or engines to try) that discovery settled on, or why it could not.
#[derive(Debug)]
pub enum Outcome {
    /// The user named this engine (`DOCKER_HOST`, a context): it must answer.
    Configured(Endpoint),
    /// Sockets that exist, in the order to try them: the first that answers is the engine.
    Sockets(Vec<Endpoint>),
    /// The configuration cannot be used (a missing context, an unreadable config.json).
    Broken(Error),
}

/// The sockets engines listen on when nothing is configured, in the order they are tried, with
/// the name of the engine each belongs to. `home` and `runtime` are `$HOME`, `$XDG_RUNTIME_DIR`.
fn default_sockets(default_socket: &str, home: Option<&str>, runtime: Option<&str>) -> Vec<(&'static str, String)> {
    let mut sockets = vec![("the default socket", default_socket.to_string())];
    let under = |dir: Option<&str>, rel: &str| dir.map(|d| format!("unix://{}", Path::new(d).join(rel).display()));
    sockets.extend(under(runtime, "docker.sock").map(|s| ("rootless Docker", s)));
    sockets.extend(under(home, ".docker/run/docker.sock").map(|s| ("Docker Desktop", s)));
    sockets.extend(under(home, ".docker/desktop/docker.sock").map(|s| ("Docker Desktop", s)));
    sockets.extend(under(home, ".colima/default/docker.sock").map(|s| ("colima", s)));
    sockets.extend(under(runtime, "podman/podman.sock").map(|s| ("rootless Podman", s)));
    sockets.push(("Podman", "unix:///run/podman/podman.sock".to_string()));
    sockets
}

/// Discovery for this process: its environment, the real default socket.
pub fn discover() -> Discovery {
    discover_with(&|key| std::env::var(key).ok().filter(|v| !v.is_empty()), super::DEFAULT_ENDPOINT)
}

/// Discovery from `var` (environment lookup, empty values as unset) and the default socket.
pub fn discover_with(var: &dyn Fn(&str) -> Option<String>, default_socket: &str) -> Discovery {
    let mut steps = Vec::new();
    let mut outcome = resolve(var, default_socket, &mut steps);
    if let Some(publish) = var(PUBLISH_ADDRESS_VAR) {
        let set = |endpoint: &mut Endpoint| endpoint.publish = Some(publish.clone());
        match &mut outcome {
            Outcome::Configured(endpoint) => set(endpoint),
            Outcome::Sockets(sockets) => sockets.iter_mut().for_each(set),
            Outcome::Broken(_) => {}
        }
        steps.push(format!("{PUBLISH_ADDRESS_VAR}={publish}: published ports are bound and reached there"));
    }
    Discovery { steps, outcome }
}

fn resolve(var: &dyn Fn(&str) -> Option<String>, default_socket: &str, steps: &mut Vec<String>) -> Outcome {
    if let Some(host) = var("DOCKER_HOST") {
        steps.push(format!("DOCKER_HOST is set: {host}"));
        // DOCKER_HOST is an address, never a context name or options.
        if !host.contains("://") || host.contains('?') {
            return Outcome::Broken(Error::EngineConfig {
                origin: "DOCKER_HOST".into(),
                reason: format!("`{host}` is not an address like unix:///var/run/docker.sock or tcp://HOST:2376"),
            });
        }
        return match Endpoint::parse_entry(&host, "DOCKER_HOST", var) {
            Ok(endpoint) => Outcome::Configured(endpoint),
            Err(e) => Outcome::Broken(e),
        };
    }
    steps.push("DOCKER_HOST is not set".into());

    let context = match var("DOCKER_CONTEXT") {
        Some(name) => {
            steps.push(format!("DOCKER_CONTEXT is set: {name}"));
            Some((name, "DOCKER_CONTEXT".to_string()))
        }
        None => {
            steps.push("DOCKER_CONTEXT is not set".into());
            match context::config_dir(var) {
                None => {
                    steps.push("no docker config folder (neither DOCKER_CONFIG nor HOME is set)".into());
                    None
                }
                Some(dir) => match context::current_context(&dir) {
                    Ok(Some(name)) => {
                        let file = dir.join("config.json");
                        steps.push(format!("{} names currentContext {name}", file.display()));
                        Some((name, format!("currentContext in {}", file.display())))
                    }
                    Ok(None) => {
                        steps.push(format!("{} names no currentContext", dir.join("config.json").display()));
                        None
                    }
                    Err(reason) => {
                        return Outcome::Broken(Error::EngineConfig {
                            origin: "the docker CLI's config".into(),
                            reason,
                        })
                    }
                },
            }
        }
    };
    match context {
        Some((name, _)) if name == context::DEFAULT_CONTEXT => {
            steps.push("context `default` is the default socket".into());
        }
        Some((name, origin)) => {
            return match super::endpoint::from_context(&name, &origin, var) {
                Ok(endpoint) => {
                    let tls = endpoint.tls.as_ref().map(|d| format!(", TLS material in {}", d.display()));
                    steps.push(format!("context `{name}` is {}{}", endpoint.host, tls.unwrap_or_default()));
                    Outcome::Configured(endpoint)
                }
                Err(e) => Outcome::Broken(e),
            }
        }
        None => {}
    }

    let home = var("HOME");
    let runtime = var("XDG_RUNTIME_DIR");
    if runtime.is_none() {
        steps.push("XDG_RUNTIME_DIR is not set: no rootless Docker or rootless Podman socket to look for".into());
    }
    let mut found = Vec::new();
    for (engine, socket) in default_sockets(default_socket, home.as_deref(), runtime.as_deref()) {
        let path = socket.trim_start_matches("unix://");
        if Path::new(path).exists() {
            steps.push(format!("{engine} {path}: exists"));
            found.push(Endpoint::new(socket.clone(), engine));
        } else {
            steps.push(format!("{engine} {path}: absent"));
        }
    }
    Outcome::Sockets(found)
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    struct Sandbox(PathBuf);

    impl Sandbox {
        fn new(tag: &str) -> Sandbox {
            let dir = std::env::temp_dir().join(format!("scn-disc-{tag}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            Sandbox(dir)
        }

        fn path(&self, rel: &str) -> String {
            self.0.join(rel).display().to_string()
        }

        /// A file standing in for a socket: discovery only looks whether it exists.
        fn touch(&self, rel: &str) -> String {
            let path = self.0.join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, "").unwrap();
            format!("unix://{}", path.display())
        }

        fn context(&self, name: &str, host: &str, tls: bool) {
            let key = context::store_key(name);
            let meta = self.0.join(".docker/contexts/meta").join(&key);
            std::fs::create_dir_all(&meta).unwrap();
            let doc = serde_json::json!({"Name": name, "Metadata": {}, "Endpoints": {"docker": {"Host": host, "SkipTLSVerify": false}}});
            std::fs::write(meta.join("meta.json"), doc.to_string()).unwrap();
            if tls {
                let dir = self.0.join(".docker/contexts/tls").join(&key).join("docker");
                std::fs::create_dir_all(&dir).unwrap();
                std::fs::write(dir.join("ca.pem"), "").unwrap();
            }
        }

        fn discover(&self, vars: &[(&str, &str)]) -> Discovery {
            let mut all: Vec<(String, String)> = vec![("HOME".into(), self.path(""))];
            all.extend(vars.iter().map(|(k, v)| (k.to_string(), v.to_string())));
            let var = move |key: &str| all.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.clone());
            discover_with(&var, &format!("unix://{}", self.path("var/run/docker.sock")))
        }
    }

    impl Drop for Sandbox {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn configured(d: &Discovery) -> &Endpoint {
        match &d.outcome {
            Outcome::Configured(endpoint) => endpoint,
            other => panic!("expected a configured endpoint, got {other:?}; steps {:?}", d.steps),
        }
    }

    fn sockets(d: &Discovery) -> Vec<(String, String)> {
        match &d.outcome {
            Outcome::Sockets(found) => found.iter().map(|e| (e.origin.clone(), e.host.clone())).collect(),
            other => panic!("expected sockets, got {other:?}"),
        }
    }

    fn broken(d: &Discovery) -> String {
        match &d.outcome {
            Outcome::Broken(e) => e.to_string(),
            other => panic!("expected an error, got {other:?}"),
        }
    }

    #[test]
    fn docker_host_wins_over_contexts_and_sockets() {
        let s = Sandbox::new("host");
        s.touch("var/run/docker.sock");
        s.context("remote", "tcp://10.0.0.9:2376", true);
        let d = s.discover(&[("DOCKER_HOST", "tcp://10.0.0.2:2375"), ("DOCKER_CONTEXT", "remote")]);
        assert_eq!(configured(&d).host, "tcp://10.0.0.2:2375");
        assert_eq!(configured(&d).origin, "DOCKER_HOST");
    }

    #[test]
    fn docker_context_wins_over_the_config_files_current_context() {
        let s = Sandbox::new("ctxenv");
        s.context("a", "tcp://10.0.0.1:2376", true);
        s.context("b", "tcp://10.0.0.2:2376", false);
        std::fs::write(s.path(".docker/config.json"), r#"{"currentContext":"b"}"#).unwrap();
        let d = s.discover(&[("DOCKER_CONTEXT", "a")]);
        let endpoint = configured(&d);
        assert_eq!(endpoint.host, "tcp://10.0.0.1:2376");
        assert_eq!(
            endpoint.tls,
            Some(PathBuf::from(s.path(".docker/contexts/tls")).join(context::store_key("a")).join("docker"))
        );
        assert_eq!(endpoint.origin, "docker context `a` (DOCKER_CONTEXT)");

        let d = s.discover(&[]);
        assert_eq!((configured(&d).host.as_str(), configured(&d).tls.as_ref()), ("tcp://10.0.0.2:2376", None));
        assert!(configured(&d).origin.contains("currentContext in"), "{}", configured(&d).origin);
    }

    #[test]
    fn docker_config_moves_the_config_folder() {
        let s = Sandbox::new("cfg");
        s.context("c", "unix:///elsewhere.sock", false);
        std::fs::rename(s.path(".docker"), s.path("cfg")).unwrap();
        std::fs::write(s.path("cfg/config.json"), r#"{"currentContext":"c"}"#).unwrap();
        let config_dir = s.path("cfg");
        let d = s.discover(&[("DOCKER_CONFIG", &config_dir)]);
        assert_eq!(configured(&d).host, "unix:///elsewhere.sock");
    }

    #[test]
    fn a_context_that_does_not_exist_is_an_error_not_a_fall_through() {
        let s = Sandbox::new("noctx");
        s.touch("var/run/docker.sock");
        let err = broken(&s.discover(&[("DOCKER_CONTEXT", "gone")]));
        assert!(err.contains("docker context `gone` (DOCKER_CONTEXT)") && err.contains("docker context ls"), "{err}");
    }

    #[test]
    fn the_default_context_and_no_context_fall_to_the_sockets_in_order() {
        let s = Sandbox::new("sockets");
        let runtime = s.path("run/user/1000");
        let default = s.touch("var/run/docker.sock");
        let colima = s.touch(".colima/default/docker.sock");
        let podman = s.touch("run/user/1000/podman/podman.sock");
        let expected = vec![
            ("the default socket".to_string(), default),
            ("colima".to_string(), colima),
            ("rootless Podman".to_string(), podman),
        ];
        assert_eq!(sockets(&s.discover(&[("XDG_RUNTIME_DIR", &runtime)])), expected);
        assert_eq!(sockets(&s.discover(&[("XDG_RUNTIME_DIR", &runtime), ("DOCKER_CONTEXT", "default")])), expected);
        let d = s.discover(&[]);
        assert!(
            d.steps.iter().any(|step| step.starts_with("Docker Desktop") && step.ends_with("absent")),
            "{:?}",
            d.steps
        );
    }

    #[test]
    fn rootless_and_desktop_sockets_come_before_colima_and_podman() {
        let s = Sandbox::new("order");
        let runtime = s.path("xdg");
        let podman = s.touch("xdg/podman/podman.sock");
        let rootless = s.touch("xdg/docker.sock");
        let desktop = s.touch(".docker/desktop/docker.sock");
        let found: Vec<String> =
            sockets(&s.discover(&[("XDG_RUNTIME_DIR", &runtime)])).into_iter().map(|(_, h)| h).collect();
        assert_eq!(found, [rootless, desktop, podman]);
    }

    #[test]
    fn an_unreadable_config_is_an_error_naming_the_file() {
        let s = Sandbox::new("badcfg");
        std::fs::create_dir_all(s.path(".docker")).unwrap();
        std::fs::write(s.path(".docker/config.json"), "{").unwrap();
        let err = broken(&s.discover(&[]));
        assert!(err.contains(&s.path(".docker/config.json")), "{err}");
    }

    #[test]
    fn docker_host_must_be_an_address() {
        let s = Sandbox::new("badhost");
        let err = broken(&s.discover(&[("DOCKER_HOST", "some-context")]));
        assert!(err.contains("DOCKER_HOST") && err.contains("tcp://HOST:2376"), "{err}");
    }

    #[test]
    fn the_publish_address_applies_to_the_engine_found() {
        let s = Sandbox::new("publish");
        let d = s.discover(&[("DOCKER_HOST", "tcp://10.0.0.2:2375"), (PUBLISH_ADDRESS_VAR, "10.0.0.2")]);
        assert_eq!(configured(&d).publish_ip(), "10.0.0.2");
    }
}
