//! Proof that a kept-alive container was seen ready and has run without interruption since.
//!
//! When a reusable container passes its readiness strategy, its start time and restart count
//! are written to a small file named after its id, in this user's runtime folder. A later run
//! that finds the container with the same start time and restart count knows it has been up all
//! along, so a log strategy does not replay the log (whose ready line may have rotated out of
//! it, and whose replay costs time in proportion to its size); one whose start time or restart
//! count moved was restarted behind our back and is stale. No record (another machine, another
//! user) leaves the strategy to prove readiness as it always did.

use std::path::PathBuf;

/// How a container has lived: when the engine last started it, and how often it restarted it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Life {
    pub started_at: String,
    pub restarts: i64,
}

/// What the record says about a container found running.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Proof {
    /// Seen ready, and not started again since.
    Proven,
    /// Seen ready before, but started again since: whatever it did meanwhile is unknown.
    Restarted,
    /// Never seen ready from this machine.
    Unknown,
}

/// Records older than this are removed when a new one is written: their containers are long gone.
const RECORD_LIFETIME: std::time::Duration = std::time::Duration::from_secs(30 * 24 * 3600);

/// The life of an inspected container. The start time is read through the engine's JSON so the
/// runtime builds whatever date feature of bollard (none, `time`, `chrono`) the build turned on;
/// only the state is turned back into JSON, not the whole answer (mounts, config, networks).
pub(crate) fn life_of(inspected: &bollard::models::ContainerInspectResponse) -> Option<Life> {
    let state = serde_json::to_value(inspected.state.as_ref()?).ok()?;
    Some(Life {
        started_at: state.get("StartedAt")?.as_str()?.to_string(),
        restarts: inspected.restart_count.unwrap_or(0),
    })
}

fn folder() -> PathBuf {
    crate::base::paths::runtime_dir().join("ready")
}

fn text(life: &Life) -> String {
    format!("{} {}\n", life.started_at, life.restarts)
}

/// Writes the record for `container_id`. Failing to write only costs the next run a replay.
pub(crate) fn record(container_id: &str, life: &Life) {
    let dir = folder();
    if crate::base::paths::create_private_dir(&crate::base::paths::runtime_dir()).is_err()
        || std::fs::create_dir_all(&dir).is_err()
    {
        return;
    }
    let path = dir.join(container_id);
    if std::fs::read_to_string(&path).is_ok_and(|known| known == text(life)) {
        return;
    }
    // Written aside and renamed: a concurrent reader sees the old record or the whole new one.
    let aside = dir.join(format!(".{container_id}.{}", std::process::id()));
    if std::fs::write(&aside, text(life)).is_ok() {
        let _ = std::fs::rename(&aside, &path);
    }
    forget_old_records(&dir);
}

/// What the record of `container_id` says about a container living `life` now.
pub(crate) fn check(container_id: &str, life: &Life) -> Proof {
    match std::fs::read_to_string(folder().join(container_id)) {
        Ok(known) if known == text(life) => Proof::Proven,
        Ok(_) => Proof::Restarted,
        Err(_) => Proof::Unknown,
    }
}

fn forget_old_records(dir: &std::path::Path) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let old = entry.metadata().and_then(|m| m.modified()).ok().and_then(|t| t.elapsed().ok());
        if old.is_some_and(|age| age > RECORD_LIFETIME) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_life_is_read_from_the_engines_answer() {
        let inspected: bollard::models::ContainerInspectResponse = serde_json::from_value(serde_json::json!({
            "Id": "abc",
            "RestartCount": 2,
            "State": {"Running": true, "StartedAt": "2026-11-30T16:20:01.123456789Z"}
        }))
        .unwrap();
        let life = life_of(&inspected).unwrap();
        assert_eq!(life.restarts, 2);
        assert!(life.started_at.starts_with("2026-11-30T16:20:01.123456789"), "{}", life.started_at);
    }

    #[test]
    fn a_record_proves_the_same_life_and_tells_a_restart() {
        let id = format!("proof-test-{}", std::process::id());
        let life = Life { started_at: "2026-11-30T16:20:01Z".into(), restarts: 0 };
        assert_eq!(check(&id, &life), Proof::Unknown);
        record(&id, &life);
        assert_eq!(check(&id, &life), Proof::Proven);
        let again = Life { started_at: "2026-11-30T17:00:00Z".into(), restarts: 0 };
        assert_eq!(check(&id, &again), Proof::Restarted);
        assert_eq!(check(&id, &Life { restarts: 1, ..life.clone() }), Proof::Restarted);
        let _ = std::fs::remove_file(folder().join(&id));
    }
}
