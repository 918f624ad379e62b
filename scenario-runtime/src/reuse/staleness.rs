//! Whether a kept-alive container can serve this run, as a typed decision with its reason.

use std::fmt;

/// What the runtime concluded about one container of a reused scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Staleness {
    /// No container of that name exists: start one.
    Missing,
    /// It exists but does not run (exited, dead, created, paused).
    Stopped {
        /// The engine's state word (`exited`, `created`, ...).
        state: String,
    },
    /// Its healthcheck reports unhealthy.
    Unhealthy,
    /// The image it runs is not what its reference or build context resolves to now.
    ImageRebuilt {
        /// The image id the container runs.
        running: String,
        /// The image id it would run now.
        current: String,
    },
    /// It runs an older image of its reference: with pull policy `always`, the tag moved in the
    /// registry (or was re-tagged on the engine).
    ImageUpdated {
        /// The image id the container runs.
        running: String,
        /// The image id the reference names now.
        current: String,
    },
    /// The spec hash label differs: env, cmd, ports, mounts, copied files ... changed.
    /// `copies` names the copied files that changed, when those are what changed.
    SpecChanged {
        /// The container's spec hash label.
        running: String,
        /// The spec hash of this run.
        current: String,
        /// The copies that changed, were added or were dropped, one line each.
        copies: Vec<String>,
    },
    /// It was seen ready, then started again behind our back (a crash and a restart policy, a
    /// `docker restart`): whatever state it had is gone or unknown.
    RestartedSinceReady,
    /// A container it depends on is being recreated.
    DependencyRecreated {
        /// The dependency's name in the scenario.
        dependency: String,
    },
    /// Up to date: attach to it.
    Reusable,
}

impl Staleness {
    /// Whether the container can be attached to as it is ([`Staleness::Reusable`]).
    pub fn is_reusable(&self) -> bool {
        matches!(self, Staleness::Reusable)
    }
}

impl fmt::Display for Staleness {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Staleness::Missing => write!(f, "missing"),
            Staleness::Stopped { state } => write!(f, "{state}"),
            Staleness::Unhealthy => write!(f, "unhealthy"),
            Staleness::ImageRebuilt { .. } => write!(f, "image rebuilt"),
            Staleness::ImageUpdated { .. } => write!(f, "image updated"),
            Staleness::SpecChanged { copies, .. } if !copies.is_empty() => {
                write!(f, "config changed: {}", copies.join(", "))
            }
            Staleness::SpecChanged { .. } => write!(f, "config changed"),
            Staleness::RestartedSinceReady => write!(f, "restarted since it was ready"),
            Staleness::DependencyRecreated { dependency } => write!(f, "{dependency} restarted"),
            Staleness::Reusable => write!(f, "up to date"),
        }
    }
}

pub use crate::primitives::found::{ContainerState, Found};

/// The decision for one container, before dependencies are taken into account.
pub fn decide(found: Option<&Found>, current_image_id: &str, current_spec_hash: &str) -> Staleness {
    let Some(found) = found else { return Staleness::Missing };
    if found.state != ContainerState::Running {
        return Staleness::Stopped { state: found.state.to_string() };
    }
    if found.unhealthy {
        return Staleness::Unhealthy;
    }
    if found.image_id != current_image_id {
        return Staleness::ImageRebuilt { running: found.image_id.clone(), current: current_image_id.to_string() };
    }
    if found.spec_hash != current_spec_hash {
        return Staleness::SpecChanged {
            running: found.spec_hash.clone(),
            current: current_spec_hash.to_string(),
            copies: Vec::new(),
        };
    }
    Staleness::Reusable
}

/// `decide`'s answer for a container whose image comes from a reference, not a build context:
/// another image id means the reference now names an updated image.
pub fn for_reference(staleness: Staleness) -> Staleness {
    match staleness {
        Staleness::ImageRebuilt { running, current } => Staleness::ImageUpdated { running, current },
        other => other,
    }
}

/// `decide` for a container that runs to completion (`Readiness::completed()`, a one-shot job
/// such as a migration): one that exited with code 0 has done its work and is reusable as it
/// is (when its image and spec are current); any other exit is stale like a stopped service.
pub fn decide_completed(found: Option<&Found>, current_image_id: &str, current_spec_hash: &str) -> Staleness {
    match found {
        Some(done) if done.state == ContainerState::Exited && done.exit_code == Some(0) => {
            let as_if_running = Found { state: ContainerState::Running, ..done.clone() };
            decide(Some(&as_if_running), current_image_id, current_spec_hash)
        }
        _ => decide(found, current_image_id, current_spec_hash),
    }
}

/// A `SpecChanged` decision with the copied files that differ from `found`'s record named, so
/// the status line says which file was edited.
pub fn name_changed_copies(staleness: Staleness, found: Option<&Found>, copies: &[crate::spec::CopyIn]) -> Staleness {
    match staleness {
        Staleness::SpecChanged { running, current, .. } => {
            let copies = crate::spec::copy_in::changed_copies(found.and_then(|f| f.copies.as_deref()), copies);
            Staleness::SpecChanged { running, current, copies }
        }
        other => other,
    }
}

/// Marks every container that depends (directly or not) on a stale one as stale too.
/// `depends_on(name)` lists a container's dependencies; `decisions` is in any order.
pub fn propagate<'a>(decisions: &mut [(&'a str, Staleness)], depends_on: impl Fn(&str) -> &'a [&'a str]) {
    loop {
        let stale: Vec<&str> = decisions.iter().filter(|(_, s)| !s.is_reusable()).map(|(n, _)| *n).collect();
        let mut changed = false;
        for (name, staleness) in decisions.iter_mut() {
            if staleness.is_reusable() {
                if let Some(dependency) = depends_on(name).iter().find(|d| stale.contains(d)) {
                    *staleness = Staleness::DependencyRecreated { dependency: dependency.to_string() };
                    changed = true;
                }
            }
        }
        if !changed {
            return;
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A running kept container as the survey reads it: id `c1`, image `sha256:a`, spec hash `h1`.
    pub(crate) fn running() -> Found {
        Found {
            id: "c1".into(),
            state: ContainerState::Running,
            unhealthy: false,
            exit_code: None,
            image_id: "sha256:a".into(),
            spec_hash: "h1".into(),
            copies: None,
        }
    }

    #[test]
    fn each_reason_is_told_apart() {
        assert_eq!(decide(None, "sha256:a", "h1"), Staleness::Missing);
        assert_eq!(decide(Some(&running()), "sha256:a", "h1"), Staleness::Reusable);
        let exited = Found { state: ContainerState::Exited, ..running() };
        assert_eq!(decide(Some(&exited), "sha256:a", "h1"), Staleness::Stopped { state: "exited".into() });
        let sick = Found { unhealthy: true, ..running() };
        assert_eq!(decide(Some(&sick), "sha256:a", "h1"), Staleness::Unhealthy);
        assert!(matches!(decide(Some(&running()), "sha256:b", "h1"), Staleness::ImageRebuilt { .. }));
        assert!(matches!(decide(Some(&running()), "sha256:a", "h2"), Staleness::SpecChanged { .. }));
        let updated = for_reference(decide(Some(&running()), "sha256:b", "h1"));
        assert_eq!(updated, Staleness::ImageUpdated { running: "sha256:a".into(), current: "sha256:b".into() });
        assert_eq!(updated.to_string(), "image updated");
    }

    #[test]
    fn a_job_that_exited_zero_is_done_not_stopped() {
        let done = Found { state: ContainerState::Exited, exit_code: Some(0), ..running() };
        assert_eq!(decide_completed(Some(&done), "sha256:a", "h1"), Staleness::Reusable);
        assert!(matches!(decide_completed(Some(&done), "sha256:a", "h2"), Staleness::SpecChanged { .. }));
        let failed = Found { exit_code: Some(1), ..done.clone() };
        assert_eq!(decide_completed(Some(&failed), "sha256:a", "h1"), Staleness::Stopped { state: "exited".into() });
        assert_eq!(decide(Some(&done), "sha256:a", "h1"), Staleness::Stopped { state: "exited".into() });
    }

    #[test]
    fn dependents_of_stale_containers_are_stale_transitively() {
        let mut decisions = vec![
            ("web", Staleness::Reusable),
            ("worker", Staleness::Reusable),
            ("db", Staleness::ImageRebuilt { running: "a".into(), current: "b".into() }),
            ("cache", Staleness::Reusable),
        ];
        propagate(&mut decisions, |name| match name {
            "web" => &["db"],
            "worker" => &["web", "cache"],
            _ => &[],
        });
        assert_eq!(decisions[0].1, Staleness::DependencyRecreated { dependency: "db".into() });
        assert_eq!(decisions[1].1, Staleness::DependencyRecreated { dependency: "web".into() });
        assert_eq!(decisions[3].1, Staleness::Reusable);
        assert_eq!(decisions[0].1.to_string(), "db restarted");
    }
}
