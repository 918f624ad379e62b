//! One engine to connect to: its address in `DOCKER_HOST` syntax, the TLS material that goes with
//! it, where its published ports are bound and reached, and where the choice came from (quoted in
//! every error about it).
//!
//! An entry of `SCENARIO_DOCKER_HOSTS` (and the argument of `Engine::connect_to`) is an address
//! (`unix:///path`, `tcp://host:port`) or a docker context's name, optionally followed by
//! `?tls=DIR` (a folder with ca.pem, cert.pem, key.pem) and `&publish=ADDR` (the address published
//! ports are bound and reached on).

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use super::context;
use crate::base::error::Error;

/// Where published ports go on an engine of this machine: its loopback only.
pub const LOOPBACK: &str = "127.0.0.1";
/// Where published ports go on a remote engine: all of that host's addresses, so that this
/// machine reaches them on the address it reaches the engine on.
pub const ALL_ADDRESSES: &str = "0.0.0.0";

/// An engine endpoint, resolved: no context name left in it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    /// `unix:///path`, `tcp://host:port` (or `http://`, `https://`).
    pub host: String,
    /// The folder with `ca.pem` (the engine's CA) and `cert.pem`/`key.pem` (this client's).
    pub tls: Option<PathBuf>,
    /// Overrides the address published ports are bound and reached on.
    pub publish: Option<String>,
    /// Where this endpoint came from ("DOCKER_HOST", "docker context `x` (DOCKER_CONTEXT)").
    pub origin: String,
}

impl Endpoint {
    /// An endpoint at `host` without TLS or a publish override; `origin` says where it came from.
    pub fn new(host: impl Into<String>, origin: impl Into<String>) -> Endpoint {
        Endpoint { host: host.into(), tls: None, publish: None, origin: origin.into() }
    }

    /// Reads one entry (an address or a context name, with options); `var` looks up the
    /// environment (DOCKER_TLS_VERIFY, DOCKER_CERT_PATH, DOCKER_CONFIG, HOME).
    pub fn parse_entry(entry: &str, origin: &str, var: &dyn Fn(&str) -> Option<String>) -> Result<Endpoint, Error> {
        let config = |reason: String| Error::EngineConfig { origin: origin.to_string(), reason };
        let (base, options) = entry.split_once('?').unwrap_or((entry, ""));
        let mut endpoint = if base.contains("://") {
            let mut endpoint = Endpoint::new(base, origin);
            endpoint.tls = tls_from_env(base, var);
            endpoint
        } else if base.is_empty() {
            return Err(config(format!("`{entry}` names neither an address nor a docker context")));
        } else {
            from_context(base, origin, var)?
        };
        for option in options.split('&').filter(|o| !o.is_empty()) {
            match option.split_once('=') {
                Some(("tls", dir)) if !dir.is_empty() => endpoint.tls = Some(PathBuf::from(dir)),
                Some(("publish", addr)) if addr.parse::<IpAddr>().is_ok() => endpoint.publish = Some(addr.to_string()),
                _ => {
                    return Err(config(format!(
                        "unknown option `{option}` in `{entry}`: expected `tls=DIR` (a folder with ca.pem, cert.pem, \
                         key.pem) or `publish=IP` (the address published ports are bound and reached on)"
                    )))
                }
            }
        }
        Ok(endpoint)
    }

    /// The entry that connects to this endpoint again (in another process: the reaper).
    pub fn canonical(&self) -> String {
        let mut options = Vec::new();
        if let Some(tls) = &self.tls {
            options.push(format!("tls={}", tls.display()));
        }
        if let Some(publish) = &self.publish {
            options.push(format!("publish={publish}"));
        }
        if options.is_empty() {
            self.host.clone()
        } else {
            format!("{}?{}", self.host, options.join("&"))
        }
    }

    /// `unix`, `tcp`, `ssh`, ...: what comes before `://`.
    pub fn scheme(&self) -> &str {
        self.host.split_once("://").map_or("", |(scheme, _)| scheme)
    }

    /// The host part of a TCP endpoint (`10.0.0.2`, `builder.internal`, `fd00::1`).
    pub fn tcp_host(&self) -> Option<&str> {
        let rest = self.host.split_once("://").filter(|(s, _)| matches!(*s, "tcp" | "http" | "https"))?.1;
        let authority = rest.split('/').next().unwrap_or(rest);
        let host = match authority.rsplit_once(':') {
            Some((host, _port)) if !host.contains(':') || host.ends_with(']') => host,
            _ => authority,
        };
        Some(host.trim_start_matches('[').trim_end_matches(']'))
    }

    /// An engine of this machine: a socket, or TCP on the loopback. Its containers' own
    /// addresses may be routable from here; a remote engine's are another host's.
    pub fn is_local(&self) -> bool {
        match self.tcp_host() {
            None => true,
            Some(host) => {
                host.is_empty() || host == "localhost" || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
            }
        }
    }

    /// The address published ports are bound to on the engine's host.
    pub fn publish_ip(&self) -> &str {
        match &self.publish {
            Some(addr) => addr,
            None if self.is_local() => LOOPBACK,
            None => ALL_ADDRESSES,
        }
    }

    /// The host this process reaches published ports on.
    pub fn port_host(&self) -> String {
        let wildcard = |a: &str| a.parse::<IpAddr>().is_ok_and(|ip| ip.is_unspecified());
        match &self.publish {
            Some(addr) if !wildcard(addr) => addr.clone(),
            _ if self.is_local() => LOOPBACK.to_string(),
            _ => self.tcp_host().unwrap_or(LOOPBACK).to_string(),
        }
    }

    /// What the user reads: the address, and where it came from.
    pub fn describe(&self) -> String {
        format!("{} (from {})", self.host, self.origin)
    }
}

/// `DOCKER_TLS_VERIFY` (any non-empty value, as for the docker CLI) on a TCP address means TLS
/// with the material in `DOCKER_CERT_PATH`, else in the config folder. `DOCKER_TLS` (TLS without
/// verification, for the CLI) is TLS too, but verified: plain HTTP to a TLS port only fails later
/// and less clearly, and the engine's certificate is never taken on trust.
fn tls_from_env(host: &str, var: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    let tcp = host.starts_with("tcp://") || host.starts_with("https://");
    if !tcp || (var("DOCKER_TLS_VERIFY").is_none() && var("DOCKER_TLS").is_none()) {
        return None;
    }
    var("DOCKER_CERT_PATH").map(PathBuf::from).or_else(|| context::config_dir(var))
}

/// The endpoint of docker context `name` (`default` is `DOCKER_HOST` or the default socket).
pub(crate) fn from_context(name: &str, origin: &str, var: &dyn Fn(&str) -> Option<String>) -> Result<Endpoint, Error> {
    let origin = format!("docker context `{name}` ({origin})");
    let config = |reason: String| Error::EngineConfig { origin: origin.clone(), reason };
    if name == context::DEFAULT_CONTEXT {
        return Ok(match var("DOCKER_HOST") {
            Some(host) => Endpoint { tls: tls_from_env(&host, var), ..Endpoint::new(host, origin) },
            None => Endpoint::new(super::DEFAULT_ENDPOINT, origin),
        });
    }
    let dir = context::config_dir(var).ok_or_else(|| config("neither DOCKER_CONFIG nor HOME is set".into()))?;
    let stored = context::read_context(&dir, name).map_err(config)?;
    if stored.skip_tls_verify {
        return Err(config(format!(
            "it skips TLS verification ({}), which scenario never does; give the context the engine's CA: \
             `docker context update {name} --docker host={},ca=CA.pem,cert=CERT.pem,key=KEY.pem`",
            stored.meta.display(),
            stored.host
        )));
    }
    Ok(Endpoint { tls: stored.tls, ..Endpoint::new(stored.host, origin) })
}

/// Checks that the TLS folder has the engine's CA, naming the folder and origin if not.
pub(crate) fn require_ca(endpoint: &Endpoint, dir: &Path) -> Result<PathBuf, Error> {
    let ca = dir.join("ca.pem");
    if ca.is_file() {
        Ok(ca)
    } else {
        Err(Error::EngineConfig {
            origin: endpoint.origin.clone(),
            reason: format!(
                "TLS to {} needs the engine's CA certificate at {} (with cert.pem and key.pem beside it for \
                 client authentication; the engine's certificate is always verified); set DOCKER_CERT_PATH \
                 to the folder that has them",
                endpoint.host,
                ca.display()
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |key| pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())
    }

    #[test]
    fn a_local_engine_publishes_on_loopback_and_a_remote_one_on_its_host() {
        let local = Endpoint::new("unix:///var/run/docker.sock", "test");
        assert_eq!((local.publish_ip(), local.port_host().as_str()), ("127.0.0.1", "127.0.0.1"));
        let loopback_tcp = Endpoint::new("tcp://localhost:2375", "test");
        assert_eq!((loopback_tcp.publish_ip(), loopback_tcp.port_host().as_str()), ("127.0.0.1", "127.0.0.1"));
        let remote = Endpoint::new("tcp://10.1.2.3:2376", "test");
        assert_eq!((remote.publish_ip(), remote.port_host().as_str()), ("0.0.0.0", "10.1.2.3"));
        assert_eq!(Endpoint::new("tcp://[fd00::1]:2375", "t").port_host(), "fd00::1");
        assert_eq!(Endpoint::new("tcp://builder.internal", "t").port_host(), "builder.internal");
        assert!(Endpoint::new("tcp://[::1]:2375", "t").is_local());
    }

    #[test]
    fn publish_overrides_where_ports_are_bound_and_reached() {
        let narrowed = Endpoint::parse_entry("tcp://10.1.2.3:2376?publish=10.1.2.3", "t", &env(&[])).unwrap();
        assert_eq!((narrowed.publish_ip(), narrowed.port_host().as_str()), ("10.1.2.3", "10.1.2.3"));
        let all = Endpoint::parse_entry("tcp://10.1.2.3:2376?publish=0.0.0.0", "t", &env(&[])).unwrap();
        assert_eq!((all.publish_ip(), all.port_host().as_str()), ("0.0.0.0", "10.1.2.3"));
        let err = Endpoint::parse_entry("tcp://10.1.2.3:2376?publish=somewhere", "SCENARIO_DOCKER_HOSTS", &env(&[]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("SCENARIO_DOCKER_HOSTS") && err.contains("publish=somewhere"), "{err}");
    }

    #[test]
    fn tls_comes_from_docker_tls_verify_and_the_cert_path_or_the_config_folder() {
        let plain = Endpoint::parse_entry("tcp://10.1.2.3:2375", "t", &env(&[("DOCKER_CERT_PATH", "/c")])).unwrap();
        assert_eq!(plain.tls, None);
        let verify = env(&[("DOCKER_TLS_VERIFY", "1"), ("DOCKER_CERT_PATH", "/certs")]);
        assert_eq!(Endpoint::parse_entry("tcp://h:2376", "t", &verify).unwrap().tls, Some(PathBuf::from("/certs")));
        let config = env(&[("DOCKER_TLS_VERIFY", "1"), ("HOME", "/home/u")]);
        assert_eq!(
            Endpoint::parse_entry("tcp://h:2376", "t", &config).unwrap().tls,
            Some(PathBuf::from("/home/u/.docker"))
        );
        assert_eq!(Endpoint::parse_entry("unix:///s.sock", "t", &verify).unwrap().tls, None);
        let tls_only = env(&[("DOCKER_TLS", "1"), ("DOCKER_CERT_PATH", "/certs")]);
        assert_eq!(Endpoint::parse_entry("tcp://h:2376", "t", &tls_only).unwrap().tls, Some(PathBuf::from("/certs")));
    }

    #[test]
    fn the_canonical_entry_reads_back_as_the_same_endpoint() {
        let endpoint = Endpoint {
            tls: Some(PathBuf::from("/certs/engine 2")),
            publish: Some("10.0.0.2".into()),
            ..Endpoint::new("tcp://10.0.0.2:2376", "t")
        };
        let again = Endpoint::parse_entry(&endpoint.canonical(), "t", &env(&[])).unwrap();
        assert_eq!(again, endpoint);
        assert_eq!(Endpoint::new("unix:///a.sock", "t").canonical(), "unix:///a.sock");
    }

    #[test]
    fn the_default_context_is_docker_host_or_the_default_socket() {
        let from_host = from_context("default", "x", &env(&[("DOCKER_HOST", "tcp://h:1")])).unwrap();
        assert_eq!(from_host.host, "tcp://h:1");
        assert_eq!(from_context("default", "x", &env(&[])).unwrap().host, super::super::DEFAULT_ENDPOINT);
    }
}
