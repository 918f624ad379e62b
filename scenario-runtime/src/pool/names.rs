//! Names and labels of pool containers. The engine's name uniqueness does the locking:
//!
//! - An unclaimed pool container is named after its slot: `<pool prefix>-<key>-<slot>`, with
//!   `slot < size`. Two processes filling the same slot collide on the name (409), so a pool
//!   never holds more than `size` unclaimed containers, however many processes fill it.
//! - Claiming renames it to `<pool prefix>-<key>-taken-<id>`: a name that depends only on the
//!   container, so every taker racing for one container asks for the same new name and the
//!   engine lets exactly one rename succeed (the others get 409, or 400 "same name"). The
//!   renamed container frees its slot name for the refill.
//!
//! The pool's scope is named `0pool`, so its network sorts before every scenario network of the
//! session: the engine keeps a container's gateway (and its published ports) on the network
//! that sorts first, so joining a scenario network is a plain connect rather than a gateway move
//! (measured: 47 ms against 127 ms). Ports are read again after the connect either way.

use crate::base::identity::{sanitize, ProjectId, SessionId};
use crate::base::labels::ScopeIds;
use crate::spec::ContainerSpec;

/// The scope name of the pool's network and containers.
pub(crate) const POOL_SCOPE: &str = "0pool";

/// One pool: the containers of one spec in one session of one project.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct PoolIds {
    pub ids: ScopeIds,
    /// The container's name in its scenarios (`cache`).
    pub container: String,
    /// `<container>-<spec hash>`: the value of the `dev.scenario.pool` label.
    pub key: String,
}

impl PoolIds {
    pub fn new(session: SessionId, project: ProjectId, spec: &ContainerSpec) -> PoolIds {
        let hash = spec.spec_hash();
        PoolIds {
            ids: ScopeIds::new(session, project, POOL_SCOPE),
            container: spec.name.clone(),
            key: format!("{}-{}", sanitize(&spec.name), &hash[..hash.len().min(8)]),
        }
    }

    fn prefix(&self) -> String {
        format!("{}-{}", self.ids.name_prefix(), self.key)
    }

    /// The name of the unclaimed container in `slot`.
    pub fn slot_name(&self, slot: usize) -> String {
        format!("{}-{slot}", self.prefix())
    }

    /// The slot of an unclaimed container's name (as listed, with or without the leading `/`).
    pub fn slot_of(&self, name: &str) -> Option<usize> {
        let name = name.strip_prefix('/').unwrap_or(name);
        let slot = name.strip_prefix(&self.prefix())?.strip_prefix('-')?;
        if slot.is_empty() || !slot.bytes().all(|b| b.is_ascii_digit()) || (slot.len() > 1 && slot.starts_with('0')) {
            return None;
        }
        slot.parse().ok()
    }

    /// The name a claimed container is renamed to: the same for every taker of that container.
    pub fn claimed_name(&self, id: &str) -> String {
        format!("{}-taken-{}", self.prefix(), &id[..id.len().min(12)])
    }

    /// Label filters (`key=value`) selecting this pool's containers, claimed or not.
    pub fn label_filters(&self) -> Vec<String> {
        vec![
            format!("{}=true", crate::base::labels::MANAGED),
            format!("{}={}", crate::base::labels::SESSION, self.ids.session),
            format!("{}={}", crate::base::labels::PROJECT, self.ids.project),
            format!("{}={}", crate::base::labels::POOL, self.key),
        ]
    }
}

/// The alias of a fresh container on its scenario network: `<container>-<8 hex>`, unique so that
/// fresh containers of concurrent tests (and the scenario's own container of that name) never
/// answer to one name.
pub(crate) fn fresh_alias(container: &str, unique: &str) -> String {
    format!("{}-{}", sanitize(container), &unique[..unique.len().min(8)])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool() -> PoolIds {
        let spec = ContainerSpec::from_image("cache", "busybox:1.35");
        PoolIds::new(SessionId::new("0123456789ab"), ProjectId::new("fedcba987654"), &spec)
    }

    #[test]
    fn slot_names_parse_back_and_nothing_else_does() {
        let pool = pool();
        assert!(pool.slot_name(3).starts_with("scn-fedcba98-0123456789ab-0pool-0-cache-"), "{}", pool.slot_name(3));
        assert_eq!(pool.slot_of(&pool.slot_name(3)), Some(3));
        assert_eq!(pool.slot_of(&format!("/{}", pool.slot_name(12))), Some(12));
        assert_eq!(pool.slot_of(&pool.claimed_name("abcdef0123456789")), None);
        assert_eq!(pool.slot_of(&format!("{}-03", pool.key)), None);
        assert_eq!(pool.slot_of("scn-fedcba98-0123456789ab-checkout-0-cache"), None);
    }

    #[test]
    fn the_claimed_name_depends_only_on_the_container() {
        let pool = pool();
        assert_eq!(pool.claimed_name("abcdef0123456789"), pool.claimed_name("abcdef0123456789"));
        assert!(pool.claimed_name("abcdef0123456789").ends_with("-taken-abcdef012345"));
    }

    #[test]
    fn another_spec_is_another_pool() {
        let other = ContainerSpec::from_image("cache", "busybox:1.35").env("A", "1");
        let other = PoolIds::new(SessionId::new("0123456789ab"), ProjectId::new("fedcba987654"), &other);
        assert_ne!(pool().key, other.key);
        assert!(other.key.starts_with("cache-"));
    }

    #[test]
    fn the_pool_network_sorts_before_scenario_networks() {
        let scenario = ScopeIds::new(SessionId::new("0123456789ab"), ProjectId::new("fedcba987654"), "a");
        assert!(pool().ids.network_name() < scenario.network_name());
    }

    #[test]
    fn aliases_keep_eight_digits_of_the_token() {
        assert_eq!(fresh_alias("my cache", "0123456789"), "my-cache-01234567");
    }
}
