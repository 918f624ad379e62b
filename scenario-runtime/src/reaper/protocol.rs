//! The wire protocol, which is one line. On accepting a client the reaper writes
//! `scenario-reaper/1 <pid>\n`; a client counts as registered once it has read it. After that
//! the connection carries nothing: its closing (by exit, crash or SIGKILL, the kernel closes it)
//! is the message.

use std::io::Read;
use std::os::unix::net::UnixStream;
use std::time::Duration;

const HELLO: &str = "scenario-reaper/1";
/// Longer than any greeting: a peer sending more is not a reaper.
const MAX_LINE: usize = 64;

pub(crate) fn hello_line(pid: u32) -> String {
    format!("{HELLO} {pid}\n")
}

pub(crate) fn parse_hello(line: &str) -> Option<u32> {
    line.strip_suffix('\n')?.strip_prefix(HELLO)?.strip_prefix(' ')?.parse().ok()
}

/// Reads the greeting (byte by byte: nothing may be read past it) and returns the reaper's pid.
pub(crate) fn read_hello(stream: &UnixStream, timeout: Duration) -> std::io::Result<u32> {
    use std::io::{Error, ErrorKind};
    stream.set_read_timeout(Some(timeout))?;
    let mut line = Vec::with_capacity(MAX_LINE);
    let mut byte = [0u8; 1];
    while line.last() != Some(&b'\n') {
        if line.len() >= MAX_LINE {
            return Err(Error::new(ErrorKind::InvalidData, "the peer is not a scenario reaper"));
        }
        match (&*stream).read(&mut byte) {
            Ok(0) => return Err(Error::new(ErrorKind::UnexpectedEof, "the reaper closed the connection")),
            Ok(_) => line.push(byte[0]),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    stream.set_read_timeout(None)?;
    std::str::from_utf8(&line).ok().and_then(parse_hello).ok_or_else(|| {
        Error::new(ErrorKind::InvalidData, format!("unexpected greeting {:?}", String::from_utf8_lossy(&line)))
    })
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
