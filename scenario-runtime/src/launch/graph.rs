//! The dependency graph of a scenario's containers, checked at run time too (the macros check it
//! at compile time; hand-built scenarios and compose files come through here).

use std::collections::HashMap;

use crate::base::error::{Error, Result};
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
    // Depth-first search with colours; the stack names the cycle when one is found.
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Active,
        Done,
    }
    fn visit<'a>(
        at: usize,
        entries: &'a [ContainerEntry],
        index: &HashMap<&str, usize>,
        marks: &mut [Mark],
        stack: &mut Vec<&'a str>,
    ) -> Result<()> {
        marks[at] = Mark::Active;
        stack.push(entries[at].name);
        for dep in entries[at].depends_on {
            let next = index[dep];
            match marks[next] {
                Mark::Active => {
                    let from = stack.iter().position(|n| n == dep).unwrap_or(0);
                    let mut cycle: Vec<&str> = stack[from..].to_vec();
                    cycle.push(dep);
                    return Err(Error::InvalidSpec {
                        container: entries[at].name.to_string(),
                        reason: format!("dependency cycle: {}", cycle.join(" -> ")),
                    });
                }
                Mark::New => visit(next, entries, index, marks, stack)?,
                Mark::Done => {}
            }
        }
        stack.pop();
        marks[at] = Mark::Done;
        Ok(())
    }
    let mut marks = vec![Mark::New; entries.len()];
    for start in 0..entries.len() {
        if marks[start] == Mark::New {
            visit(start, entries, &index, &mut marks, &mut Vec::new())?;
        }
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
