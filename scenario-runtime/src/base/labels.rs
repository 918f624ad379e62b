//! The `dev.scenario.` labels every created resource carries, and the deterministic names
//! derived from the same identity. Users, scripts and our own tools filter on these keys.

use std::collections::HashMap;

use crate::base::identity::{sanitize, ProjectId, SessionId};

/// The prefix of every label key below.
pub const PREFIX: &str = "dev.scenario.";
/// Present (`true`) on everything this project creates; nothing without it is ever removed.
pub const MANAGED: &str = "dev.scenario.managed";
/// The [`SessionId`] of the run that created the resource.
pub const SESSION: &str = "dev.scenario.session";
/// The [`ProjectId`] of the checkout that created the resource.
pub const PROJECT: &str = "dev.scenario.project";
/// The (sanitised) name of the scenario the resource belongs to.
pub const SCENARIO: &str = "dev.scenario.scenario";
/// On containers: the container's name in its scenario, as declared.
pub const CONTAINER: &str = "dev.scenario.container";
/// The number of the scenario instance the resource belongs to.
pub const INSTANCE: &str = "dev.scenario.instance";
/// Hash of the effective container spec; a different hash means the container is stale.
pub const SPEC_HASH: &str = "dev.scenario.spec-hash";
/// On containers with copied files: JSON of target -> (short hash, origin) per copy, so a stale
/// container's status line can name the file that changed.
pub const COPIES: &str = "dev.scenario.copies";
/// `true` on containers kept alive on purpose for the next run; reapers leave them alone.
pub const REUSE: &str = "dev.scenario.reuse";
/// Where the container's image comes from (JSON of the spec's `ImageSource`), so tools can tell
/// whether the image was rebuilt since without the spec.
pub const IMAGE_SOURCE: &str = "dev.scenario.image-source";
/// On built images: the hash of the context they were built from.
pub const CONTEXT_HASH: &str = "dev.scenario.context-hash";
/// On built images: which build context (folder and Dockerfile, hashed) they were built from,
/// so a context's superseded images can be found and removed.
pub const BUILD_CONTEXT: &str = "dev.scenario.build-context";
/// On built images: the context folder, for people reading `cargo scenario ls`.
pub const BUILD_CONTEXT_DIR: &str = "dev.scenario.build-context-dir";
/// On pre-started pool containers: the pool they belong to (`<container>-<spec hash>`). Labels
/// cannot change after creation, so whether one is still unclaimed is told by its name.
pub const POOL: &str = "dev.scenario.pool";
/// On spare networks (kept empty between scopes, see `primitives::spare_network`): the owner
/// (this user on this machine, hashed) whose scopes may borrow them.
pub const SPARE_NETWORK: &str = "dev.scenario.spare-network";
/// `true` on containers handed to one test as its own (`Env::fresh`), pooled or started directly.
pub const FRESH: &str = "dev.scenario.fresh";

/// Where a set of containers belongs: one instance of one scenario, in one session of one project.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ScopeIds {
    /// The test run.
    pub session: SessionId,
    /// The checkout.
    pub project: ProjectId,
    /// The scenario's name, sanitised for use in names.
    pub scenario: String,
    /// Which instance of the scenario, from 0.
    pub instance: u32,
    /// Reusable scopes outlive their session, so their names leave the session out.
    pub reusable: bool,
}

impl ScopeIds {
    /// Instance 0 of `scenario`, not reusable; `scenario` is sanitised for use in names.
    pub fn new(session: SessionId, project: ProjectId, scenario: &str) -> ScopeIds {
        ScopeIds { session, project, scenario: sanitize(scenario), instance: 0, reusable: false }
    }

    /// Sets the instance number.
    pub fn instance(mut self, instance: u32) -> ScopeIds {
        self.instance = instance;
        self
    }

    /// Sets whether the scope is reusable (outlives its session).
    pub fn reusable(mut self, reusable: bool) -> ScopeIds {
        self.reusable = reusable;
        self
    }

    /// The name prefix of this scope's resources: `scn-<project>[-<session>]-<scenario>-<instance>`
    /// (the project cut to 8 characters, the session as [`session_in_names`] writes it).
    /// Names are deterministic so that the engine's name uniqueness serialises racing creators.
    pub fn name_prefix(&self) -> String {
        let project = &self.project.as_str()[..self.project.as_str().len().min(8)];
        if self.reusable {
            format!("scn-{project}-{}-{}", self.scenario, self.instance)
        } else {
            format!("scn-{project}-{}-{}-{}", session_in_names(&self.session), self.scenario, self.instance)
        }
    }

    /// The engine name of the scope's container `container`: the name prefix, then `-<container>`.
    pub fn container_name(&self, container: &str) -> String {
        format!("{}-{}", self.name_prefix(), sanitize(container))
    }

    /// The name of the scope's network: the name prefix, then `-net`.
    pub fn network_name(&self) -> String {
        format!("{}-net", self.name_prefix())
    }

    /// The engine name of the scope's volume `volume`: the name prefix, then `-<volume>`.
    pub fn volume_name(&self, volume: &str) -> String {
        format!("{}-{}", self.name_prefix(), sanitize(volume))
    }

    /// The labels of every resource of this scope.
    pub fn labels(&self) -> HashMap<String, String> {
        let mut labels = HashMap::from([
            (MANAGED.to_string(), "true".to_string()),
            (SESSION.to_string(), self.session.to_string()),
            (PROJECT.to_string(), self.project.to_string()),
            (SCENARIO.to_string(), self.scenario.clone()),
            (INSTANCE.to_string(), self.instance.to_string()),
        ]);
        if self.reusable {
            labels.insert(REUSE.to_string(), "true".to_string());
        }
        labels
    }

    /// The labels that say a resource belongs to this scope: all of `labels()` except, in a
    /// reusable scope, the session (kept-alive resources outlive the run that created them).
    pub fn identity_labels(&self) -> HashMap<String, String> {
        let mut labels = self.labels();
        if self.reusable {
            labels.remove(SESSION);
        }
        labels
    }

    /// A label filter (`label=k=v` list) that selects exactly this scope's resources.
    pub fn label_filter(&self) -> HashMap<String, Vec<String>> {
        let mut wanted = vec![
            format!("{MANAGED}=true"),
            format!("{PROJECT}={}", self.project),
            format!("{SCENARIO}={}", self.scenario),
            format!("{INSTANCE}={}", self.instance),
        ];
        if !self.reusable {
            wanted.push(format!("{SESSION}={}", self.session));
        }
        HashMap::from([("label".to_string(), wanted)])
    }
}

/// The session as it stands in names: as is up to 12 characters (a generated id has 12), else
/// its first 6 and 6 of its hash. Sessions that differ only late (`ci-job-1`, `ci-job-2`, ...)
/// must not share names: a run's removal may still be under way when the next session starts.
pub fn session_in_names(session: &SessionId) -> String {
    let id = session.as_str();
    if id.len() <= 12 {
        return id.to_string();
    }
    let hash = crate::base::identity::short_hash(id.as_bytes());
    format!("{}{}", &id[..6], &hash[..6])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids() -> ScopeIds {
        ScopeIds::new(SessionId::new("0123456789ab"), ProjectId::new("fedcba987654"), "check out")
    }

    #[test]
    fn names_are_deterministic_and_session_scoped_unless_reusable() {
        assert_eq!(ids().container_name("db"), "scn-fedcba98-0123456789ab-check-out-0-db");
        assert_eq!(ids().reusable(true).instance(2).container_name("db"), "scn-fedcba98-check-out-2-db");
    }

    #[test]
    fn long_sessions_that_differ_late_get_names_of_their_own() {
        let name = |session: &str| session_in_names(&SessionId::new(session));
        assert_eq!(name("0123456789ab"), "0123456789ab");
        let (first, second) = (name("ci-pipeline-1"), name("ci-pipeline-2"));
        assert_ne!(first, second);
        assert!(first.starts_with("ci-pip") && first.len() == 12, "{first}");
    }

    #[test]
    fn labels_carry_the_managed_marker_and_identity() {
        let labels = ids().labels();
        assert_eq!(labels[MANAGED], "true");
        assert_eq!(labels[SESSION], "0123456789ab");
        assert_eq!(labels[SCENARIO], "check-out");
        assert!(!labels.contains_key(REUSE));
        assert_eq!(ids().reusable(true).labels()[REUSE], "true");
    }
}
