//! The scenarios and tests linked into this binary (collected through `inventory`), and the
//! libtest names of the tests: `<module path without the crate>::<fn>`.

use std::collections::HashMap;

use crate::declare::{ScenarioRegistration, TestRegistration};

/// One test with its scenario and its libtest name.
pub(crate) struct CatalogTest {
    pub test: &'static TestRegistration,
    pub scenario: &'static ScenarioRegistration,
    pub trial_name: String,
}

pub(crate) struct Catalog {
    pub scenarios: Vec<&'static ScenarioRegistration>,
    pub tests: Vec<CatalogTest>,
}

impl Catalog {
    pub fn collect() -> Result<Catalog, String> {
        let scenarios: Vec<&'static ScenarioRegistration> =
            inventory::iter::<ScenarioRegistration>.into_iter().collect();
        let mut by_path: HashMap<&str, &'static ScenarioRegistration> = HashMap::new();
        let mut by_name: HashMap<&str, &str> = HashMap::new();
        for scenario in &scenarios {
            by_path.insert(scenario.module_path, scenario);
            // Names become labels and container names: two modules of one name would share containers.
            if let Some(other) = by_name.insert(scenario.name, scenario.module_path) {
                return Err(format!(
                    "two scenarios are named `{}` ({other} and {}): rename one module",
                    scenario.name, scenario.module_path
                ));
            }
        }
        let mut tests = Vec::new();
        for test in inventory::iter::<TestRegistration> {
            let scenario = by_path.get(test.module_path).copied().ok_or_else(|| {
                format!("test `{}` of `{}` belongs to no registered scenario", test.name, test.module_path)
            })?;
            tests.push(CatalogTest { test, scenario, trial_name: trial_name(test.module_path, test.name) });
        }
        tests.sort_by(|a, b| a.trial_name.cmp(&b.trial_name));
        Ok(Catalog { scenarios, tests })
    }
}

/// `my_crate::checkout` + `health` -> `checkout::health`, as libtest names tests.
pub(crate) fn trial_name(module_path: &str, test: &str) -> String {
    match module_path.split_once("::") {
        Some((_crate, rest)) => format!("{rest}::{test}"),
        None => test.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn trial_names_leave_out_the_crate() {
        assert_eq!(super::trial_name("examples::checkout", "health"), "checkout::health");
        assert_eq!(super::trial_name("x::a::b", "t"), "a::b::t");
    }
}
