//! The port strategy. docker-proxy accepts on the published host port before anything in the
//! container listens, so a connect there proves nothing. The probe connects to the container's
//! own address where that is routable (a refusal is then the container's), and otherwise holds a
//! connection to the published port: the proxy closes it at once when its backend refuses.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;

use super::target::{Backoff, LastSeen, ProbeEnd, ProbeTarget};
use crate::base::error::Result;

/// A container address that neither accepts nor refuses within this is not routable from here.
const DIRECT_CONNECT_LIMIT: Duration = Duration::from_millis(250);
/// How long a connection through the proxy must stay open to count as accepted by the service.
const PROXY_HOLD: Duration = Duration::from_millis(150);

pub(super) async fn wait_for_port(target: &ProbeTarget<'_>, port: u16, seen: &LastSeen) -> Result<ProbeEnd> {
    let published = target.ports.socket_addr(target.name, port)?;
    // `SCENARIO_PORT_PROBE=proxy` judges through the published port only (for engines whose
    // container addresses are routable but not the path the tests will take).
    let proxy_only = std::env::var("SCENARIO_PORT_PROBE").is_ok_and(|v| v == "proxy");
    // A remote engine's container addresses are another host's: one may even collide with a
    // local container's address and answer for it.
    let local = target.engine.target().is_local();
    let mut direct = target.ip.filter(|_| !proxy_only && local).map(|ip| SocketAddr::new(ip, port));
    let mut backoff = Backoff::new();
    loop {
        if let Some(addr) = direct {
            match tokio::time::timeout(DIRECT_CONNECT_LIMIT, TcpStream::connect(addr)).await {
                Ok(Ok(_stream)) => return Ok(ProbeEnd::Ready),
                Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
                    seen.set(format!("{addr} refused the connection"));
                }
                // Unroutable (another host's engine, a VM): judge through the published port.
                _ => {
                    direct = None;
                    continue;
                }
            }
        } else if published_port_holds(published, seen).await {
            return Ok(ProbeEnd::Ready);
        }
        backoff.pause().await;
    }
}

/// True when a connection to the published port is held open or greeted by the service.
pub(super) async fn published_port_holds(addr: SocketAddr, seen: &LastSeen) -> bool {
    let mut stream = match TcpStream::connect(addr).await {
        Ok(stream) => stream,
        Err(e) => {
            seen.set(format!("connect to {addr}: {e}"));
            return false;
        }
    };
    let mut byte = [0u8; 1];
    match tokio::time::timeout(PROXY_HOLD, stream.read(&mut byte)).await {
        Err(_still_open) => true,
        Ok(Ok(n)) if n > 0 => true,
        Ok(Ok(_closed)) => {
            seen.set(format!("{addr} accepted and closed at once (nothing listens behind it)"));
            false
        }
        Ok(Err(e)) => {
            seen.set(format!("{addr}: {e}"));
            false
        }
    }
}
