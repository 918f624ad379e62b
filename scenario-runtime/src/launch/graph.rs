//! The dependency graph of a scenario's containers, checked at run time too (`#[scenario]` runs
//! the same cycle search at compile time; hand-built scenarios come through here).

use std::collections::HashMap;

use crate::base::error::{Error, Result};
use crate::declare::cycle::{find_cycle, Visit};
use crate::declare::ContainerEntry;

/// Checks that every dependency is a container of the scenario and that there is no cycle.
pub(crate) fn check(entries: &[ContainerEntry]) -> Result<()> {
    let index: HashMap<&str, usize> = entries.iter().enumerate().map(|(i, e)| (e.name, i)).collect();
    for entry in entries {
        if let Some(missing) = entry.depends_on.iter().find(|d| !index.contains_key(*d)) {
            return Err(Error::InvalidSpec {
                container: entry.name.to_string(),
                reason: format!("depends on `{missing}`, which is not a container of this scenario"),
            });
        }
    }
    let mut visits = vec![Visit::NEW; entries.len()];
    if let Some(cycle) = find_cycle(entries, &mut visits) {
        let names: Vec<&str> = (0..cycle.len()).chain([0]).map(|i| cycle.name(i)).collect();
        return Err(Error::InvalidSpec {
            // The container whose dependency closes the cycle.
            container: cycle.name(cycle.len() - 1).to_string(),
            reason: format!("dependency cycle: {}", names.join(" -> ")),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::{Container, Ready};
    use crate::declare::HookFuture;
    use crate::spec::ContainerSpec;

    fn noop(_: &Container<Ready>) -> HookFuture<'_> {
        Box::pin(async { Ok(()) })
    }

    fn entry(name: &'static str, depends_on: &'static [&'static str]) -> ContainerEntry {
        ContainerEntry {
            name,
            depends_on,
            prestart: 0,
            spec: || ContainerSpec::from_image("x", "x"),
            post_start: noop,
            prepare: noop,
            drain: noop,
        }
    }

    #[test]
    fn a_chain_is_fine() {
        check(&[entry("web", &["db"]), entry("db", &[]), entry("worker", &["db", "web"])]).unwrap();
    }

    #[test]
    fn a_missing_dependency_names_both() {
        let err = check(&[entry("web", &["db"])]).unwrap_err().to_string();
        assert!(err.contains("`web`") && err.contains("`db`"), "{err}");
    }

    #[test]
    fn a_cycle_is_named_in_order() {
        let err = check(&[entry("a", &["b"]), entry("b", &["c"]), entry("c", &["a"])]).unwrap_err().to_string();
        assert!(err.contains("a -> b -> c -> a"), "{err}");
    }
}
