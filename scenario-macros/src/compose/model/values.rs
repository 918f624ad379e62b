//! Service names and their types, and the value forms compose accepts in several shapes:
//! command lines and `KEY=value` lists or maps.

use syn::Ident;

use super::super::file::{ListOrMap, StringOrList};
use super::super::text::{Sites, Text, Words};
use crate::case::upper_camel_case;

/// The type of a service in `services`: `web` -> `Web`, `redis-cache` -> `RedisCache`.
pub(super) fn type_name(service: &str) -> Ident {
    let words: String = service.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
    let camel = upper_camel_case(&words);
    match syn::parse_str::<Ident>(&camel) {
        Ok(ident) if !camel.is_empty() => ident,
        _ => Ident::new(&format!("Service{camel}"), proc_macro2::Span::call_site()),
    }
}

pub(super) fn is_valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/// `command` and `entrypoint`: a list as it is, a string split the way a shell splits words
/// (after interpolation, so at the start when it has variables).
pub(super) fn words(key: &str, value: &StringOrList, sites: &Sites, problem: &mut impl FnMut(String)) -> Option<Words> {
    match value {
        StringOrList::List(items) => Some(Words::List(items.iter().map(|s| sites.text(&s.0)).collect())),
        StringOrList::String(line) => match (shlex::split(line), sites.text(line)) {
            (Some(_), Text::Variable { raw, at }) => Some(Words::Line { raw, at }),
            (Some(words), Text::Literal(_)) => Some(Words::List(words.iter().map(|w| sites.text(w)).collect())),
            (None, _) => {
                problem(format!("`{key}` has unbalanced quotes: `{line}`"));
                None
            }
        },
    }
}

/// `["K=v", "K"]` or `{K: v, K: null}` as (key, value) pairs; a key alone has no value.
pub(super) fn pairs(
    key: &str,
    value: Option<&ListOrMap>,
    problem: &mut impl FnMut(String),
) -> Vec<(String, Option<String>)> {
    let pairs: Vec<(String, Option<String>)> = match value {
        None => Vec::new(),
        Some(ListOrMap::List(items)) => items
            .iter()
            .map(|item| match item.0.split_once('=') {
                Some((k, v)) => (k.to_string(), Some(v.to_string())),
                None => (item.0.clone(), None),
            })
            .collect(),
        Some(ListOrMap::Map(map)) => map.iter().map(|(k, v)| (k.clone(), v.as_ref().map(|v| v.0.clone()))).collect(),
    };
    pairs
        .into_iter()
        .filter(|(k, _)| {
            let empty = k.trim().is_empty();
            if empty {
                problem(format!("`{key}` has an entry without a name"));
            }
            !empty
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names_are_upper_camel_case() {
        assert_eq!(type_name("web").to_string(), "Web");
        assert_eq!(type_name("redis-cache").to_string(), "RedisCache");
        assert_eq!(type_name("db.primary_2").to_string(), "DbPrimary2");
        assert_eq!(type_name("2fa").to_string(), "Service2fa");
        assert_eq!(type_name("self").to_string(), "ServiceSelf");
    }
}
