//! The host ports the engine assigned to a started container's published ports.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr, ToSocketAddrs};

use crate::base::error::{Error, Result};
use crate::spec::Protocol;

/// Published container ports (by port and protocol) and the host address and port for each.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PublishedPorts {
    host: String,
    ports: BTreeMap<(u16, Protocol), u16>,
}

impl PublishedPorts {
    /// Reads the bindings of an inspected container. Bindings on a wildcard address are reached
    /// on `engine_host`; bindings on a specific address on that address.
    pub(crate) fn from_inspect(engine_host: &str, bindings: Option<&bollard::models::PortMap>) -> PublishedPorts {
        let mut ports = BTreeMap::new();
        let mut host = engine_host.to_string();
        for (key, binds) in bindings.into_iter().flatten() {
            let Some((port, proto)) = parse_port_key(key) else { continue };
            let Some(bind) = binds.as_ref().and_then(|b| b.first()) else { continue };
            let Some(host_port) = bind.host_port.as_deref().and_then(|p| p.parse().ok()) else { continue };
            if let Some(ip) = bind.host_ip.as_deref() {
                if !ip.is_empty() && ip != "0.0.0.0" && ip != "::" && engine_host == "127.0.0.1" {
                    host = ip.to_string();
                }
            }
            ports.insert((port, proto), host_port);
        }
        PublishedPorts { host, ports }
    }

    /// The host the ports are reached on.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The host port of a TCP container port.
    pub fn tcp(&self, container: &str, port: u16) -> Result<u16> {
        self.get(container, port, Protocol::Tcp)
    }

    /// The host port of a container port of `protocol`; `container` names the container in the
    /// [`Error::PortNotExposed`] returned when the port is not published.
    pub fn get(&self, container: &str, port: u16, protocol: Protocol) -> Result<u16> {
        self.ports.get(&(port, protocol)).copied().ok_or_else(|| Error::PortNotExposed {
            container: container.to_string(),
            port: format!("{port}/{}", protocol.as_str()),
            published: self.describe(),
        })
    }

    pub(crate) fn socket_addr(&self, container: &str, port: u16) -> Result<SocketAddr> {
        let host_port = self.tcp(container, port)?;
        if let Ok(ip) = self.host.parse::<IpAddr>() {
            return Ok(SocketAddr::new(ip, host_port));
        }
        (self.host.as_str(), host_port).to_socket_addrs().ok().and_then(|mut addrs| addrs.next()).ok_or_else(|| {
            Error::Unusable {
                container: container.to_string(),
                reason: format!("the engine host `{}` does not resolve", self.host),
            }
        })
    }

    fn describe(&self) -> String {
        if self.ports.is_empty() {
            return "no ports".into();
        }
        self.ports
            .iter()
            .map(|((port, proto), host)| format!("{port}/{} -> {}:{host}", proto.as_str(), self.host))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn parse_port_key(key: &str) -> Option<(u16, Protocol)> {
    let (port, proto) = key.split_once('/').unwrap_or((key, "tcp"));
    let proto = match proto {
        "tcp" => Protocol::Tcp,
        "udp" => Protocol::Udp,
        _ => return None,
    };
    Some((port.parse().ok()?, proto))
}

#[cfg(test)]
mod tests {
    use super::*;
    use bollard::models::PortBinding;
    use std::collections::HashMap;

    #[test]
    fn bindings_are_read_and_unknown_ports_named_in_the_error() {
        let map = HashMap::from([
            (
                "5432/tcp".to_string(),
                Some(vec![PortBinding { host_ip: Some("127.0.0.1".into()), host_port: Some("49153".into()) }]),
            ),
            ("9/udp".to_string(), None),
        ]);
        let ports = PublishedPorts::from_inspect("127.0.0.1", Some(&map));
        assert_eq!(ports.tcp("db", 5432).unwrap(), 49153);
        let err = ports.tcp("db", 80).unwrap_err().to_string();
        assert!(err.contains("`db`") && err.contains("80/tcp") && err.contains("5432/tcp -> 127.0.0.1:49153"), "{err}");
    }
}
