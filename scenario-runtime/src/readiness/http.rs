//! The HTTP strategy: `GET path` through the published port until the status matches. Through
//! docker-proxy a refused backend shows up as a closed connection, which is simply not ready.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::target::{Backoff, LastSeen, ProbeEnd, ProbeTarget};
use crate::base::error::Result;
use crate::spec::readiness::StatusMatch;

/// One request may take this long before it counts as a failed attempt.
const ATTEMPT_LIMIT: Duration = Duration::from_secs(2);

pub(super) async fn wait_for_status(
    target: &ProbeTarget<'_>,
    port: u16,
    path: &str,
    status: StatusMatch,
    body: Option<&str>,
    seen: &LastSeen,
) -> Result<ProbeEnd> {
    let addr = target.ports.socket_addr(target.name, port)?;
    let mut backoff = Backoff::new();
    loop {
        let attempt = async {
            match body {
                None => get_status(addr, path).await.map(|code| (code, None)),
                Some(_) => get_with_body(addr, path).await.map(|(code, text)| (code, Some(text))),
            }
        };
        match tokio::time::timeout(ATTEMPT_LIMIT, attempt).await {
            Ok(Ok((code, text))) if status.accepts(code) => match (body, text) {
                (Some(wanted), Some(text)) if !text.contains(wanted) => {
                    seen.set(format!("GET {path} answered {code} without {wanted:?} in its body: {}", excerpt(&text)))
                }
                _ => return Ok(ProbeEnd::Ready),
            },
            Ok(Ok((code, _))) => seen.set(format!("GET {path} answered {code}")),
            Ok(Err(e)) => seen.set(format!("GET {path}: {e}")),
            Err(_) => seen.set(format!("GET {path}: no answer within {ATTEMPT_LIMIT:?}")),
        }
        backoff.pause().await;
    }
}

/// Sends one HTTP/1.1 GET and returns the status code of the answer.
pub(crate) async fn get_status(addr: SocketAddr, path: &str) -> std::io::Result<u16> {
    let mut stream = TcpStream::connect(addr).await?;
    let request =
        format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nUser-Agent: scenario-readiness\r\n\r\n");
    stream.write_all(request.as_bytes()).await?;
    let mut head = Vec::with_capacity(128);
    let mut buf = [0u8; 128];
    while !head.windows(2).any(|w| w == b"\r\n") {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "connection closed before a status line",
            ));
        }
        head.extend_from_slice(&buf[..n]);
    }
    parse_status_line(&head).ok_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("not an HTTP status line: {:?}", String::from_utf8_lossy(&head)),
        )
    })
}

/// The longest body read for a `body_contains` check; a readiness page is small.
const BODY_LIMIT: u64 = 1 << 20;

/// One HTTP/1.1 GET read to the end (the request asks the server to close): status and body.
async fn get_with_body(addr: SocketAddr, path: &str) -> std::io::Result<(u16, String)> {
    let mut stream = TcpStream::connect(addr).await?;
    let request =
        format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nUser-Agent: scenario-readiness\r\n\r\n");
    stream.write_all(request.as_bytes()).await?;
    let mut answer = Vec::new();
    stream.take(BODY_LIMIT).read_to_end(&mut answer).await?;
    let code = parse_status_line(&answer).ok_or_else(|| {
        std::io::Error::new(std::io::ErrorKind::InvalidData, "the answer does not start with an HTTP status line")
    })?;
    let body = match answer.windows(4).position(|w| w == b"\r\n\r\n") {
        Some(end) => String::from_utf8_lossy(&answer[end + 4..]).into_owned(),
        None => String::new(),
    };
    Ok((code, body))
}

/// The start of a body, on one line, for the timeout error.
fn excerpt(body: &str) -> String {
    let flat: String = body.split_whitespace().collect::<Vec<_>>().join(" ");
    match flat.char_indices().nth(80) {
        Some((cut, _)) => format!("{:?}...", &flat[..cut]),
        None => format!("{flat:?}"),
    }
}

fn parse_status_line(head: &[u8]) -> Option<u16> {
    let line = std::str::from_utf8(head).ok()?.lines().next()?;
    let mut parts = line.split_whitespace();
    parts.next().filter(|v| v.starts_with("HTTP/"))?;
    parts.next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::parse_status_line;

    #[test]
    fn status_lines_parse() {
        assert_eq!(parse_status_line(b"HTTP/1.1 204 No Content\r\n"), Some(204));
        assert_eq!(parse_status_line(b"HTTP/1.0 503 Service Unavailable\r\n"), Some(503));
        assert_eq!(parse_status_line(b"SSH-2.0-OpenSSH\r\n"), None);
    }
}
