//! `profiles`: a service that names profiles starts only when one of them is active. Active
//! are the profiles of the attribute (`#[scenario(compose = ..., profiles = ["debug"])]`) and
//! of `COMPOSE_PROFILES` as the crate is compiled (`*` activates all); the generated code reads
//! `COMPOSE_PROFILES` with `option_env!`, so cargo rebuilds the crate when it changes.

use std::collections::BTreeMap;

use super::file::{DependsOn, Service};

/// The active profiles: the attribute's and those of `COMPOSE_PROFILES` (comma-separated).
pub(super) fn active(attribute: &[String], compose_profiles: Option<&str>) -> Vec<String> {
    let from_env = compose_profiles.into_iter().flat_map(|list| list.split(',')).map(str::trim);
    attribute.iter().map(String::as_str).chain(from_env).filter(|p| !p.is_empty()).map(str::to_string).collect()
}

/// Removes the services whose profiles are all inactive; a remaining service that depends on
/// one of them is an error.
pub(super) fn apply(services: &mut BTreeMap<String, Option<Service>>, active: &[String], errors: &mut Vec<String>) {
    let all = active.iter().any(|p| p == "*");
    let inactive: BTreeMap<String, Vec<String>> = services
        .iter()
        .filter_map(|(name, service)| {
            let profiles = service.as_ref().and_then(|s| s.profiles.clone()).unwrap_or_default();
            let on = all || profiles.is_empty() || profiles.iter().any(|p| active.contains(p));
            (!on).then(|| (name.clone(), profiles))
        })
        .collect();
    services.retain(|name, _| !inactive.contains_key(name));
    for (name, service) in services.iter() {
        let dependencies: Vec<&String> = match service.as_ref().and_then(|s| s.depends_on.as_ref()) {
            Some(DependsOn::List(list)) => list.iter().collect(),
            Some(DependsOn::Map(map)) => map.keys().collect(),
            None => Vec::new(),
        };
        for dependency in dependencies {
            if let Some(profiles) = inactive.get(dependency) {
                errors.push(format!(
                    "service `{name}` depends on `{dependency}`, whose profiles ({}) are not active; activate one \
                     with `profiles = [...]` in the attribute or COMPOSE_PROFILES",
                    profiles.join(", ")
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn services(text: &str) -> BTreeMap<String, Option<Service>> {
        serde_norway::from_str(text).unwrap()
    }

    #[test]
    fn services_of_inactive_profiles_are_left_out() {
        let text = "web: {image: a}\ndebug: {image: b, profiles: [debug]}\nseed: {image: c, profiles: [test, seed]}\n";
        let mut errors = Vec::new();
        let mut none = services(text);
        apply(&mut none, &active(&[], None), &mut errors);
        assert_eq!(none.keys().collect::<Vec<_>>(), ["web"]);
        let mut some = services(text);
        apply(&mut some, &active(&["seed".into()], Some("debug, other")), &mut errors);
        assert_eq!(some.keys().collect::<Vec<_>>(), ["debug", "seed", "web"]);
        let mut all = services(text);
        apply(&mut all, &active(&[], Some("*")), &mut errors);
        assert_eq!(all.len(), 3);
        assert!(errors.is_empty());
    }

    #[test]
    fn depending_on_an_inactive_service_is_an_error() {
        let mut errors = Vec::new();
        apply(
            &mut services("web: {image: a, depends_on: [tools]}\ntools: {image: b, profiles: [dev]}\n"),
            &[],
            &mut errors,
        );
        assert_eq!(errors.len(), 1);
        assert!(errors[0].contains("`web` depends on `tools`, whose profiles (dev) are not active"), "{}", errors[0]);
    }
}
