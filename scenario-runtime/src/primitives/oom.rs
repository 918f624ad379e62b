//! A container the kernel killed for exceeding its memory limit: reported as that, with the
//! limit, instead of as a bare exit code 137 (which a `kill -9` gives too).

use crate::base::error::Error;
use crate::engine::Engine;

/// The OOM-kill error for container `id`, if the engine says the kernel OOM-killed it
/// (`State.OOMKilled`); `None` when it did not, or the engine cannot say.
pub(crate) async fn oom_killed(engine: &Engine, id: &str, name: &str, when: &'static str) -> Option<Error> {
    let inspected = engine.docker().inspect_container(id, None).await.ok()?;
    if !inspected.state.as_ref().and_then(|s| s.oom_killed).unwrap_or(false) {
        return None;
    }
    let limit = inspected.host_config.and_then(|h| h.memory).filter(|m| *m > 0);
    Some(Error::OomKilled {
        container: name.to_string(),
        when,
        limit: limit.map_or_else(|| "no limit of its own (the machine ran out)".into(), describe_bytes),
        log_tail: super::logs::log_tail(engine, id, super::logs::ERROR_LOG_LINES).await,
    })
}

/// `268435456` as `256 MiB (268435456 bytes)`.
fn describe_bytes(bytes: i64) -> String {
    const MIB: i64 = 1 << 20;
    if bytes % MIB == 0 {
        format!("{} MiB", bytes / MIB)
    } else {
        format!("{bytes} bytes")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn limits_read_as_mebibytes_where_they_are_whole() {
        assert_eq!(super::describe_bytes(256 << 20), "256 MiB");
        assert_eq!(super::describe_bytes(6_000_001), "6000001 bytes");
    }
}
