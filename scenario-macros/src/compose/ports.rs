//! Ports as compose writes them (`"8080"`, `"18080:8080"`, `"127.0.0.1:18080:8080/udp"`,
//! `"${PORT:-18080}:8080"`, the long form, `expose`): the container port is read at compile time
//! (it decides readiness); the host port and address may be interpolated at the start.

use super::file::PortEntry;
use super::text::{split_outside, Sites, Text};

#[derive(Debug, PartialEq)]
pub(super) struct PortModel {
    pub container: u16,
    pub udp: bool,
    pub host_ip: Option<Text>,
    /// A number, or written with interpolation (then resolved at the start).
    pub host_port: Option<Text>,
}

pub(super) fn port(entry: &PortEntry, sites: &Sites) -> Result<PortModel, String> {
    match entry {
        PortEntry::Long { target, published, host_ip, protocol } => {
            let udp = protocol_is_udp(protocol.as_deref().unwrap_or("tcp"))?;
            let host_port = published.as_ref().map(|p| host_port(&p.0, sites)).transpose()?.flatten();
            Ok(PortModel { container: *target, udp, host_ip: host_ip.as_deref().map(|ip| sites.text(ip)), host_port })
        }
        PortEntry::Short(text) => {
            let text = &text.0;
            let slashes = split_outside(text, '/');
            let (address, protocol) = match slashes.as_slice() {
                [address, protocol] => (*address, *protocol),
                _ => (text.as_str(), "tcp"),
            };
            let udp = protocol_is_udp(protocol)?;
            // `[::1]:8080:80`: an IPv6 host address in brackets.
            let (host_ip, rest) = match address.strip_prefix('[') {
                Some(bracketed) => {
                    let (ip, rest) = bracketed.split_once("]:").ok_or_else(|| format!("port `{text}` is malformed"))?;
                    (Some(ip.to_string()), rest)
                }
                None => (None, address),
            };
            let parts = split_outside(rest, ':');
            let (host_ip, host, container) = match (host_ip, parts.as_slice()) {
                (None, [container]) => (None, None, *container),
                (ip, [host, container]) => (ip, Some(*host), *container),
                (None, [ip, host, container]) => (Some(ip.to_string()), Some(*host), *container),
                _ => return Err(format!("port `{text}` is not `[HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL]`")),
            };
            let container = container_port(&sites.fixed(container, "the container port")?, text)?;
            let host_port = host.map(|h| host_port(h, sites)).transpose()?.flatten();
            let host_ip = host_ip.filter(|ip| !ip.is_empty()).map(|ip| sites.text(&ip));
            Ok(PortModel { container, udp, host_ip, host_port })
        }
    }
}

fn protocol_is_udp(protocol: &str) -> Result<bool, String> {
    match protocol {
        "tcp" => Ok(false),
        "udp" => Ok(true),
        other => Err(format!("port protocol `{other}` is not supported; use tcp or udp")),
    }
}

fn container_port(text: &str, whole: &str) -> Result<u16, String> {
    if text.contains('-') {
        return Err(format!("port `{whole}`: port ranges are not supported; list each port"));
    }
    match text.parse::<u16>() {
        Ok(port) if port > 0 => Ok(port),
        _ => Err(format!("port `{whole}`: `{text}` is not a port number")),
    }
}

/// A host port: empty means one the engine picks; an interpolated one is resolved at the start.
fn host_port(text: &str, sites: &Sites) -> Result<Option<Text>, String> {
    match sites.text(text) {
        Text::Literal(number) if number.is_empty() => Ok(None),
        Text::Literal(number) => container_port(&number, text).map(|_| Some(Text::Literal(number))),
        variable => Ok(Some(variable)),
    }
}

pub(super) fn exposed_port(text: &str) -> Result<(u16, bool), String> {
    let (port, protocol) = text.split_once('/').unwrap_or((text, "tcp"));
    Ok((container_port(port, text)?, protocol_is_udp(protocol)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compose::file;

    #[test]
    fn short_ports_take_every_form() {
        let sites = Sites::default();
        let short = |s: &str| port(&PortEntry::Short(file::Scalar(s.into())), &sites);
        let lit = |s: &str| Some(Text::Literal(s.into()));
        assert_eq!(short("8080").unwrap(), PortModel { container: 8080, udp: false, host_ip: None, host_port: None });
        assert_eq!(short("18080:80").unwrap().host_port, lit("18080"));
        let full = short("127.0.0.1:18080:80/udp").unwrap();
        assert_eq!((full.host_ip, full.host_port, full.udp), (lit("127.0.0.1"), lit("18080"), true));
        assert_eq!(short("[::1]:5000:5000").unwrap().host_ip, lit("::1"));
        assert_eq!(short("127.0.0.1::80").unwrap().host_port, None);
        assert!(short("3000-3005").unwrap_err().contains("ranges"));
        assert!(short("80/sctp").unwrap_err().contains("sctp"));
        assert!(short("a:b:c:d").is_err());
        let variable = short("${PG_PORT:-5432}:5432").unwrap();
        assert_eq!(variable.container, 5432);
        assert!(matches!(variable.host_port, Some(Text::Variable { ref raw, .. }) if raw == "${PG_PORT:-5432}"));
        assert!(short("8080:${INNER}").unwrap_err().contains("decided when the crate compiles"));
    }
}
