//! The wire protocol, in lines. On accepting a client the reaper writes
//! `scenario-reaper/1 <pid>\n`; a client counts as registered once it has read it. The closing of
//! the connection (by exit, crash or SIGKILL, the kernel closes it) is the main message.
//!
//! A client may also hand the removal of a drained scope over: it writes
//! `hand-over <json of ScopeRemoval>\n` and reads `taken\n` (the reaper has registered it, and
//! greets no new client of the session before it is done) or `refused <why>\n`. A reaper that
//! does not answer is treated as refusing, and the client removes the scope itself.

use std::io::Read;
use std::os::unix::net::UnixStream;
use std::time::Duration;

use crate::primitives::hand_off::ScopeRemoval;

const HELLO: &str = "scenario-reaper/1";
/// Longer than any greeting: a peer sending more is not a reaper.
const MAX_LINE: usize = 64;
const HAND_OVER: &str = "hand-over ";
const TAKEN: &str = "taken";
const REFUSED: &str = "refused ";
/// Longer than any scope's removal (a few hundred bytes per container).
pub(crate) const MAX_REQUEST: usize = 1 << 20;

pub(crate) fn hello_line(pid: u32) -> String {
    format!("{HELLO} {pid}\n")
}

pub(crate) fn parse_hello(line: &str) -> Option<u32> {
    line.strip_suffix('\n')?.strip_prefix(HELLO)?.strip_prefix(' ')?.parse().ok()
}

/// The request that hands `removal` over.
pub(crate) fn hand_over_line(removal: &ScopeRemoval) -> String {
    let json = serde_json::to_string(removal).expect("a ScopeRemoval serialises");
    format!("{HAND_OVER}{json}\n")
}

/// A client's request line (without its newline).
pub(crate) fn parse_request(line: &str) -> Result<ScopeRemoval, String> {
    let json = line.strip_prefix(HAND_OVER).ok_or_else(|| format!("unknown request {:?}", truncated(line)))?;
    serde_json::from_str(json).map_err(|e| format!("unreadable hand-over: {e}"))
}

/// The reaper's answer to a request.
pub(crate) fn reply_line(outcome: &Result<(), String>) -> String {
    match outcome {
        Ok(()) => format!("{TAKEN}\n"),
        Err(why) => format!("{REFUSED}{}\n", why.replace('\n', " ")),
    }
}

/// The answer read back (without its newline): `Err` with the reaper's reason when refused.
pub(crate) fn parse_reply(line: &str) -> Result<(), String> {
    if line == TAKEN {
        return Ok(());
    }
    Err(line.strip_prefix(REFUSED).map_or_else(|| format!("unexpected answer {:?}", truncated(line)), String::from))
}

fn truncated(line: &str) -> &str {
    line.get(..line.len().min(80)).unwrap_or(line)
}

/// Reads the greeting and returns the reaper's pid.
pub(crate) fn read_hello(stream: &UnixStream, timeout: Duration) -> std::io::Result<u32> {
    use std::io::{Error, ErrorKind};
    let line = read_line(stream, timeout, MAX_LINE, "the peer is not a scenario reaper")?;
    parse_hello(&line)
        .ok_or_else(|| Error::new(ErrorKind::InvalidData, format!("unexpected greeting {:?}", truncated(&line))))
}

/// Reads one line, newline included, byte by byte (nothing may be read past it), within
/// `timeout`; longer than `max` is an error saying `too_long`.
pub(crate) fn read_line(stream: &UnixStream, timeout: Duration, max: usize, too_long: &str) -> std::io::Result<String> {
    use std::io::{Error, ErrorKind};
    stream.set_read_timeout(Some(timeout))?;
    let mut line = Vec::with_capacity(max.min(MAX_LINE));
    let mut byte = [0u8; 1];
    while line.last() != Some(&b'\n') {
        if line.len() >= max {
            return Err(Error::new(ErrorKind::InvalidData, too_long.to_string()));
        }
        match (&*stream).read(&mut byte) {
            Ok(0) => return Err(Error::new(ErrorKind::UnexpectedEof, "the reaper closed the connection")),
            Ok(_) => line.push(byte[0]),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    stream.set_read_timeout(None)?;
    Ok(String::from_utf8_lossy(&line).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_greeting_round_trips() {
        assert_eq!(parse_hello(&hello_line(4242)), Some(4242));
        assert_eq!(parse_hello("scenario-reaper/2 1\n"), None);
        assert_eq!(parse_hello("scenario-reaper/1 x\n"), None);
        assert_eq!(parse_hello("scenario-reaper/1 7"), None, "a line ends with a newline");
    }

    #[test]
    fn a_hand_over_round_trips_and_strangers_are_refused() {
        use crate::primitives::hand_off::ContainerRemoval;
        let removal = ScopeRemoval {
            containers: vec![ContainerRemoval { id: "abc".into(), name: "scn-x-web".into(), stop_timeout_ms: 2000 }],
            scope_labels: vec!["dev.scenario.scenario=x".into()],
        };
        let line = hand_over_line(&removal);
        assert!(line.ends_with('\n') && line.matches('\n').count() == 1, "{line:?}");
        assert_eq!(parse_request(line.trim_end_matches('\n')), Ok(removal));
        assert!(parse_request("remove everything").unwrap_err().contains("unknown request"));
        assert!(parse_request("hand-over {").unwrap_err().contains("unreadable"));
        assert_eq!(parse_reply(reply_line(&Ok(())).trim_end()), Ok(()));
        let refused = reply_line(&Err("engine\ngone".into()));
        assert_eq!(refused.matches('\n').count(), 1, "one line: {refused:?}");
        assert_eq!(parse_reply(refused.trim_end()), Err("engine gone".into()));
        assert!(parse_reply("scenario-reaper/1 7").unwrap_err().contains("unexpected answer"));
    }

    #[test]
    fn read_hello_stops_at_the_newline_and_rejects_strangers() {
        use std::io::Write;
        let (mut a, b) = UnixStream::pair().unwrap();
        a.write_all(b"scenario-reaper/1 12\nrest").unwrap();
        assert_eq!(read_hello(&b, Duration::from_secs(1)).unwrap(), 12);
        let (mut a, b) = UnixStream::pair().unwrap();
        a.write_all(&[b'x'; 100]).unwrap();
        assert!(read_hello(&b, Duration::from_secs(1)).is_err());
        let (a, b) = UnixStream::pair().unwrap();
        drop(a);
        assert_eq!(read_hello(&b, Duration::from_secs(1)).unwrap_err().kind(), std::io::ErrorKind::UnexpectedEof);
    }
}
