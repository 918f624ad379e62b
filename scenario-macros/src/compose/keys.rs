//! Which keys of a compose file scenario supports, checked on the YAML itself so that every
//! problem carries its line: a key outside the supported subset (never silently ignored) and
//! compose's variable interpolation (`${VAR}`, `$VAR`), which would need the environment of a
//! `docker compose up` that never happens. `x-` extension keys are allowed anywhere and their
//! values are not read.
//!
//! serde_yaml reports positions only with errors, so the walk stops at the first problem; it
//! is repeated, skipping the problems already found, until the file is clean.

use std::cell::RefCell;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::suggest;

/// One problem, with its 1-based line and column.
#[derive(Debug, PartialEq)]
pub(super) struct Problem {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// What the walk found: problems, or a YAML error (syntax) that ended it.
pub(super) struct Walked {
    pub problems: Vec<Problem>,
    pub yaml_error: Option<serde_yaml::Error>,
    /// The file uses YAML merge keys (`<<: *anchor`), which the typed reading must apply.
    pub merges: bool,
}

/// How many problems one compile reports at most.
const MAX_PROBLEMS: usize = 20;

pub(super) fn walk(text: &str) -> Walked {
    let mut problems = Vec::new();
    let mut merges = false;
    loop {
        let state = State {
            skip: problems.len(),
            seen: RefCell::new(0),
            found: RefCell::new(None),
            merges: RefCell::new(false),
        };
        let result = Node { shape: &TOP, path: String::new(), state: &state }
            .deserialize(serde_yaml::Deserializer::from_str(text));
        merges |= *state.merges.borrow();
        match (result, state.found.into_inner()) {
            (Ok(()), _) => return Walked { problems, yaml_error: None, merges },
            (Err(error), Some(message)) => {
                let (line, column) = error.location().map_or((0, 0), |l| (l.line(), l.column()));
                problems.push(Problem { line, column, message });
                if problems.len() == MAX_PROBLEMS {
                    return Walked { problems, yaml_error: None, merges };
                }
            }
            (Err(error), None) => return Walked { problems, yaml_error: Some(error), merges },
        }
    }
}

/// The keys a mapping may have, and the shape of lists in that place.
pub(super) struct Shape {
    keys: Keys,
    items: Option<&'static Shape>,
}

enum Keys {
    /// These keys only (`what` names the place in messages, e.g. "a service").
    Fixed { what: &'static str, keys: &'static [(&'static str, &'static Shape)] },
    /// Any key (service names, variables), each value of this shape.
    Free(&'static Shape),
    /// Not read at all (extensions).
    Ignored,
}

/// A value whose strings are checked for interpolation, whatever its form.
static VALUE: Shape = Shape { keys: Keys::Free(&VALUE), items: Some(&VALUE) };
static EXTENSION: Shape = Shape { keys: Keys::Ignored, items: None };

static TOP: Shape = Shape {
    keys: Keys::Fixed {
        what: "the top level",
        keys: &[
            ("version", &VALUE),
            ("name", &VALUE),
            ("services", &SERVICES),
            ("volumes", &VOLUMES),
            ("networks", &NETWORKS),
        ],
    },
    items: None,
};
static SERVICES: Shape = Shape { keys: Keys::Free(&SERVICE), items: None };
pub(super) static SERVICE_KEYS: &[(&str, &Shape)] = &[
    ("image", &VALUE),
    ("build", &BUILD),
    ("command", &VALUE),
    ("entrypoint", &VALUE),
    ("environment", &VALUE),
    ("env_file", &VALUE),
    ("ports", &PORTS),
    ("expose", &VALUE),
    ("depends_on", &DEPENDS_ON),
    ("healthcheck", &HEALTHCHECK),
    ("volumes", &SERVICE_VOLUMES),
    ("tmpfs", &VALUE),
    ("networks", &SERVICE_NETWORKS),
    ("working_dir", &VALUE),
    ("user", &VALUE),
    ("labels", &VALUE),
];
static SERVICE: Shape = Shape { keys: Keys::Fixed { what: "a service", keys: SERVICE_KEYS }, items: None };
static BUILD: Shape = Shape {
    keys: Keys::Fixed { what: "`build`", keys: &[("context", &VALUE), ("dockerfile", &VALUE), ("args", &VALUE)] },
    items: None,
};
static PORTS: Shape = Shape { keys: Keys::Free(&VALUE), items: Some(&PORT) };
static PORT: Shape = Shape {
    keys: Keys::Fixed {
        what: "a port",
        keys: &[("target", &VALUE), ("published", &VALUE), ("host_ip", &VALUE), ("protocol", &VALUE)],
    },
    items: Some(&VALUE),
};
static DEPENDS_ON: Shape = Shape { keys: Keys::Free(&DEPENDENCY), items: Some(&VALUE) };
static DEPENDENCY: Shape =
    Shape { keys: Keys::Fixed { what: "a `depends_on` entry", keys: &[("condition", &VALUE)] }, items: None };
static HEALTHCHECK: Shape = Shape {
    keys: Keys::Fixed {
        what: "`healthcheck`",
        keys: &[
            ("test", &VALUE),
            ("interval", &VALUE),
            ("timeout", &VALUE),
            ("retries", &VALUE),
            ("start_period", &VALUE),
            ("disable", &VALUE),
        ],
    },
    items: None,
};
static SERVICE_VOLUMES: Shape = Shape { keys: Keys::Free(&VALUE), items: Some(&SERVICE_VOLUME) };
static SERVICE_VOLUME: Shape = Shape {
    keys: Keys::Fixed {
        what: "a volume",
        keys: &[("type", &VALUE), ("source", &VALUE), ("target", &VALUE), ("read_only", &VALUE), ("tmpfs", &TMPFS)],
    },
    items: Some(&VALUE),
};
static TMPFS: Shape = Shape { keys: Keys::Fixed { what: "`tmpfs` options", keys: &[("size", &VALUE)] }, items: None };
static SERVICE_NETWORKS: Shape = Shape { keys: Keys::Free(&SERVICE_NETWORK), items: Some(&VALUE) };
static SERVICE_NETWORK: Shape =
    Shape { keys: Keys::Fixed { what: "a service's network", keys: &[("aliases", &VALUE)] }, items: None };
static VOLUMES: Shape = Shape { keys: Keys::Free(&VOLUME), items: None };
static VOLUME: Shape = Shape { keys: Keys::Fixed { what: "a top-level volume", keys: &[] }, items: None };
static NETWORKS: Shape = Shape { keys: Keys::Free(&NETWORK), items: None };
static NETWORK: Shape =
    Shape { keys: Keys::Fixed { what: "a top-level network", keys: &[("driver", &VALUE)] }, items: None };

struct State {
    /// Problems already reported by earlier walks: passed over this time.
    skip: usize,
    seen: RefCell<usize>,
    found: RefCell<Option<String>>,
    merges: RefCell<bool>,
}

impl State {
    /// A problem: the walk stops here unless it was reported before.
    fn problem<E: de::Error>(&self, message: impl FnOnce() -> String) -> Result<(), E> {
        let mut seen = self.seen.borrow_mut();
        *seen += 1;
        if *seen <= self.skip {
            return Ok(());
        }
        *self.found.borrow_mut() = Some(message());
        Err(E::custom("scenario: unsupported compose"))
    }
}

struct Node<'s> {
    shape: &'static Shape,
    path: String,
    state: &'s State,
}

impl<'de> DeserializeSeed<'de> for Node<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        if matches!(self.shape.keys, Keys::Ignored) {
            return deserializer.deserialize_ignored_any(de::IgnoredAny).map(drop);
        }
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Node<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a compose file")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        if let Some(variable) = interpolation(v) {
            let path = self.path;
            return self.state.problem(|| {
                format!(
                    "`{path}` uses variable interpolation (`{variable}`), which scenario does not support: \
                     write the value itself, or `$$` for a literal `$`"
                )
            });
        }
        Ok(())
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let items = self.shape.items.unwrap_or(&VALUE);
        let mut index = 0;
        while seq
            .next_element_seed(Node { shape: items, path: format!("{}[{index}]", self.path), state: self.state })?
            .is_some()
        {
            index += 1;
        }
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key_seed(Key { shape: self.shape, path: &self.path, state: self.state })? {
            let path = if self.path.is_empty() { key.name.clone() } else { format!("{}.{}", self.path, key.name) };
            let shape = match key.value {
                // `<<: *defaults` merges a mapping (or a list of them) into this one.
                KeyValue::Merge => {
                    *self.state.merges.borrow_mut() = true;
                    map.next_value_seed(Merge { shape: self.shape, path, state: self.state })?;
                    continue;
                }
                KeyValue::Shape(shape) => shape,
            };
            map.next_value_seed(Node { shape, path, state: self.state })?;
        }
        Ok(())
    }
}

/// The value of a merge key: a mapping of the enclosing shape, or a list of them.
struct Merge<'s> {
    shape: &'static Shape,
    path: String,
    state: &'s State,
}

impl<'de> DeserializeSeed<'de> for Merge<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Merge<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a mapping or a list of mappings to merge")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        Node { shape: self.shape, path: self.path, state: self.state }.visit_map(map)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(Node { shape: self.shape, path: self.path.clone(), state: self.state })?.is_some() {
        }
        Ok(())
    }
}

struct Key<'a, 's> {
    shape: &'static Shape,
    path: &'a str,
    state: &'s State,
}

struct CheckedKey {
    name: String,
    value: KeyValue,
}

enum KeyValue {
    Shape(&'static Shape),
    Merge,
}

impl<'de> DeserializeSeed<'de> for Key<'_, '_> {
    type Value = CheckedKey;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<CheckedKey, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Key<'_, '_> {
    type Value = CheckedKey;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a key")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<CheckedKey, E> {
        let checked = |shape| Ok(CheckedKey { name: key.to_string(), value: KeyValue::Shape(shape) });
        if key == "<<" {
            return Ok(CheckedKey { name: key.to_string(), value: KeyValue::Merge });
        }
        match &self.shape.keys {
            Keys::Free(shape) => checked(shape),
            Keys::Ignored => checked(&EXTENSION),
            Keys::Fixed { .. } if key.starts_with("x-") => checked(&EXTENSION),
            Keys::Fixed { what, keys } => match keys.iter().find(|(name, _)| *name == key) {
                Some((_, shape)) => checked(shape),
                None => {
                    let names: Vec<&str> = keys.iter().map(|(name, _)| *name).collect();
                    let place = match self.path {
                        "" => (*what).to_string(),
                        path => format!("{what} (`{path}`)"),
                    };
                    self.state.problem(|| unsupported(key, &place, &names))?;
                    checked(&EXTENSION)
                }
            },
        }
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<CheckedKey, E> {
        self.visit_str(&v.to_string())
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<CheckedKey, E> {
        self.visit_str(&v.to_string())
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<CheckedKey, E> {
        self.visit_str(&v.to_string())
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<CheckedKey, E> {
        self.visit_str(&v.to_string())
    }
}

fn unsupported(key: &str, place: &str, known: &[&str]) -> String {
    let subset = if known.is_empty() {
        "no keys are supported there".to_string()
    } else {
        format!("supported there: {}", known.join(", "))
    };
    match suggest::closest(key, known) {
        Some(close) => format!("unknown key `{key}` in {place}; did you mean `{close}`?"),
        None => format!("`{key}` in {place} is not supported by scenario's compose subset ({subset})"),
    }
}

/// The first interpolation in `text` (`${VAR}`, `$VAR`), or `None` when every `$` is `$$`.
fn interpolation(text: &str) -> Option<&str> {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'$' {
            if bytes.get(i + 1) == Some(&b'$') {
                i += 2;
                continue;
            }
            let rest = &text[i..];
            let end = if rest.starts_with("${") {
                rest.find('}').map_or(rest.len(), |e| e + 1)
            } else {
                1 + rest[1..].find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(rest.len() - 1)
            };
            return Some(&rest[..end]);
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interpolation_is_found_and_dollar_dollar_is_not() {
        assert_eq!(interpolation("postgres://${USER}:x@db"), Some("${USER}"));
        assert_eq!(interpolation("echo $HOME/x"), Some("$HOME"));
        assert_eq!(interpolation("pg_isready -U $$POSTGRES_USER"), None);
        assert_eq!(interpolation("price: 5$$"), None);
        assert_eq!(interpolation("plain"), None);
    }

    #[test]
    fn every_unsupported_key_is_found_with_its_line() {
        let text = "services:\n  web:\n    image: busybox\n    privileged: true\n    enviroment: {}\n    x-note: {anything: 1}\nconfigs: {}\n";
        let walked = walk(text);
        assert!(walked.yaml_error.is_none());
        let found: Vec<(usize, &str)> = walked.problems.iter().map(|p| (p.line, p.message.as_str())).collect();
        assert_eq!(found.len(), 3, "{found:?}");
        assert_eq!(found[0].0, 4);
        assert!(found[0].1.contains("`privileged` in a service (`services.web`) is not supported"), "{}", found[0].1);
        assert_eq!(found[1].0, 5);
        assert!(found[1].1.contains("did you mean `environment`"), "{}", found[1].1);
        assert_eq!(found[2].0, 7);
    }

    #[test]
    fn merged_mappings_are_checked_too() {
        let text = "x-base: &base\n  restart: always\nservices:\n  web:\n    <<: *base\n    image: busybox\n";
        let walked = walk(text);
        assert!(walked.merges);
        assert_eq!(walked.problems.len(), 1);
        assert!(walked.problems[0].message.contains("`restart`"));
    }

    #[test]
    fn interpolation_is_reported_where_it_is() {
        let walked = walk("services:\n  web:\n    image: \"busybox:${TAG}\"\n");
        assert_eq!(walked.problems.len(), 1);
        assert_eq!((walked.problems[0].line, walked.problems[0].column), (3, 12));
        assert!(walked.problems[0].message.contains("`services.web.image` uses variable interpolation (`${TAG}`)"));
    }

    #[test]
    fn a_syntax_error_ends_the_walk() {
        let walked = walk("services:\n  web: [\n");
        assert!(walked.yaml_error.unwrap().to_string().contains("line"));
    }
}
