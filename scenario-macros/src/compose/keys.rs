//! Which keys of a compose file scenario supports, checked on the YAML itself so that every
//! problem carries its line: a key outside the supported subset (never silently ignored; the
//! ones refused on purpose say why), and where each interpolated value (`${VAR}`, `$VAR`) is,
//! so that the start can name the file and line of a variable that is missing. `x-` extension
//! keys are allowed anywhere and their values are not read.
//!
//! serde_norway reports positions only with errors, so the walk stops at each problem and each
//! interpolation; it is repeated, passing over the stops already found, until the file is done.

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

/// A value that uses interpolation, as written, and its 1-based line.
#[derive(Debug, PartialEq)]
pub(super) struct Site {
    pub raw: String,
    pub line: usize,
}

/// What the walk found: problems, or a YAML error (syntax) that ended it.
pub(super) struct Walked {
    pub problems: Vec<Problem>,
    pub sites: Vec<Site>,
    pub yaml_error: Option<serde_norway::Error>,
    /// The file uses YAML merge keys (`<<: *anchor`), which the typed reading must apply.
    pub merges: bool,
}

/// How many problems one compile reports at most.
const MAX_PROBLEMS: usize = 20;

/// How many interpolated values one file may have (each costs a walk of the file).
const MAX_SITES: usize = 400;

#[cfg(test)]
pub(super) fn walk(text: &str) -> Walked {
    walk_allowing(text, &[])
}

/// The walk, with `allowed` keys of the refused ones accepted (the attribute allowed them).
pub(super) fn walk_allowing(text: &str, allowed: &[&str]) -> Walked {
    let mut walked = Walked { problems: Vec::new(), sites: Vec::new(), yaml_error: None, merges: false };
    loop {
        let state = State {
            skip: walked.problems.len() + walked.sites.len(),
            seen: RefCell::new(0),
            found: RefCell::new(None),
            merges: RefCell::new(false),
            allowed,
        };
        let result = Node { shape: &TOP, path: String::new(), state: &state }
            .deserialize(serde_norway::Deserializer::from_str(text));
        walked.merges |= *state.merges.borrow();
        let location = |error: &serde_norway::Error| error.location().map_or((0, 0), |l| (l.line(), l.column()));
        match (result, state.found.into_inner()) {
            (Ok(()), _) => return walked,
            (Err(error), Some(Stop::Problem(message))) => {
                let (line, column) = location(&error);
                walked.problems.push(Problem { line, column, message });
                if walked.problems.len() == MAX_PROBLEMS {
                    return walked;
                }
            }
            (Err(error), Some(Stop::Site(raw))) => {
                walked.sites.push(Site { raw, line: location(&error).0 });
                if walked.sites.len() == MAX_SITES {
                    return walked;
                }
            }
            (Err(error), None) => {
                walked.yaml_error = Some(error);
                return walked;
            }
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
            ("secrets", &FILE_OBJECTS),
            ("configs", &FILE_OBJECTS),
            ("include", &INCLUDE),
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
    // Production keys, each handled as `extras` says.
    ("restart", &VALUE),
    ("container_name", &VALUE),
    ("hostname", &VALUE),
    ("logging", &EXTENSION),
    ("stop_grace_period", &VALUE),
    ("stop_signal", &VALUE),
    ("init", &VALUE),
    ("extra_hosts", &VALUE),
    ("shm_size", &VALUE),
    ("ulimits", &VALUE),
    ("cap_add", &VALUE),
    ("cap_drop", &VALUE),
    ("platform", &VALUE),
    ("pull_policy", &VALUE),
    ("mem_limit", &VALUE),
    ("cpus", &VALUE),
    ("deploy", &DEPLOY),
    ("secrets", &SERVICE_FILE_OBJECTS),
    ("configs", &SERVICE_FILE_OBJECTS),
    ("profiles", &VALUE),
    ("extends", &EXTENDS),
];

/// Keys refused on purpose, with the reason the message gives.
static REFUSED: &[(&str, &str)] = &[
    (
        "privileged",
        "a privileged container gets every device and capability of the host the tests run on; \
         add the capabilities it needs with `cap_add`, or `allow_privileged` to the attribute",
    ),
    (
        "network_mode",
        "each instance of a scenario runs on a network of its own, which `host`, `none`, `service:` \
         and `container:` would bypass (instances would share ports and names)",
    ),
    ("pid", "sharing the host's process namespace lets a test see and signal the machine's processes"),
    ("ipc", "sharing IPC namespaces across containers is not isolated per instance"),
    ("devices", "host devices are not isolated per instance"),
    ("volumes_from", "name the volume under the top-level `volumes` and mount it in both services"),
    (
        "links",
        "every service already reaches every other by its name on the instance's network; \
         give other names with `networks: {default: {aliases: [...]}}`",
    ),
    ("scale", "copies of a scenario come from `#[scenario(instances = N)]`, each isolated"),
];
static SERVICE: Shape = Shape { keys: Keys::Fixed { what: "a service", keys: SERVICE_KEYS }, items: None };
static BUILD: Shape = Shape {
    keys: Keys::Fixed { what: "`build`", keys: &[("context", &VALUE), ("dockerfile", &VALUE), ("args", &VALUE)] },
    items: None,
};
static DEPLOY: Shape =
    Shape { keys: Keys::Fixed { what: "`deploy`", keys: &[("resources", &RESOURCES)] }, items: None };
static RESOURCES: Shape = Shape {
    keys: Keys::Fixed { what: "`deploy.resources`", keys: &[("limits", &LIMITS), ("reservations", &EXTENSION)] },
    items: None,
};
static LIMITS: Shape = Shape {
    keys: Keys::Fixed {
        what: "`deploy.resources.limits`",
        keys: &[("cpus", &VALUE), ("memory", &VALUE), ("pids", &VALUE)],
    },
    items: None,
};
static SERVICE_FILE_OBJECTS: Shape = Shape { keys: Keys::Free(&VALUE), items: Some(&SERVICE_FILE_OBJECT) };
static SERVICE_FILE_OBJECT: Shape = Shape {
    keys: Keys::Fixed {
        what: "a secret or config of a service",
        keys: &[("source", &VALUE), ("target", &VALUE), ("uid", &VALUE), ("gid", &VALUE), ("mode", &VALUE)],
    },
    items: Some(&VALUE),
};
static FILE_OBJECTS: Shape = Shape { keys: Keys::Free(&FILE_OBJECT), items: None };
static FILE_OBJECT: Shape = Shape {
    keys: Keys::Fixed { what: "a top-level secret or config", keys: &[("file", &VALUE), ("name", &VALUE)] },
    items: None,
};
static EXTENDS: Shape =
    Shape { keys: Keys::Fixed { what: "`extends`", keys: &[("service", &VALUE), ("file", &VALUE)] }, items: None };
static INCLUDE: Shape = Shape { keys: Keys::Free(&VALUE), items: Some(&INCLUDE_ENTRY) };
static INCLUDE_ENTRY: Shape =
    Shape { keys: Keys::Fixed { what: "an `include` entry", keys: &[("path", &VALUE)] }, items: Some(&VALUE) };
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
static VOLUME: Shape = Shape {
    keys: Keys::Fixed { what: "a top-level volume", keys: &[("name", &VALUE), ("labels", &VALUE)] },
    items: None,
};
static NETWORKS: Shape = Shape { keys: Keys::Free(&NETWORK), items: None };
static NETWORK: Shape =
    Shape { keys: Keys::Fixed { what: "a top-level network", keys: &[("driver", &VALUE)] }, items: None };

struct State<'s> {
    /// Problems already reported by earlier walks: passed over this time.
    skip: usize,
    seen: RefCell<usize>,
    found: RefCell<Option<Stop>>,
    merges: RefCell<bool>,
    /// Refused keys the attribute allows.
    allowed: &'s [&'s str],
}

/// Why a walk stopped.
enum Stop {
    Problem(String),
    /// An interpolated value, as written.
    Site(String),
}

impl State<'_> {
    /// A problem: the walk stops here unless it was reported before.
    fn problem<E: de::Error>(&self, message: impl FnOnce() -> String) -> Result<(), E> {
        self.stop(|| Stop::Problem(message()))
    }

    fn stop<E: de::Error>(&self, stop: impl FnOnce() -> Stop) -> Result<(), E> {
        let mut seen = self.seen.borrow_mut();
        *seen += 1;
        if *seen <= self.skip {
            return Ok(());
        }
        *self.found.borrow_mut() = Some(stop());
        Err(E::custom("scenario: stop"))
    }
}

struct Node<'s> {
    shape: &'static Shape,
    path: String,
    state: &'s State<'s>,
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
        if interpolation(v).is_some() {
            return self.state.stop(|| Stop::Site(v.to_string()));
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
    state: &'s State<'s>,
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
    state: &'s State<'s>,
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
                None if *what == "a service" && self.state.allowed.contains(&key) => checked(&VALUE),
                None if *what == "a service" && REFUSED.iter().any(|(name, _)| *name == key) => {
                    let reason = REFUSED.iter().find(|(name, _)| *name == key).map_or("", |(_, r)| *r);
                    let path = self.path;
                    self.state.problem(|| format!("`{key}` in `{path}` is refused: {reason}"))?;
                    checked(&EXTENSION)
                }
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
pub(super) fn interpolation(text: &str) -> Option<&str> {
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
        let text = "services:\n  web:\n    image: busybox\n    privileged: true\n    enviroment: {}\n    x-note: {anything: 1}\n    sysctls: {}\nswarm: {}\n";
        let walked = walk(text);
        assert!(walked.yaml_error.is_none());
        let found: Vec<(usize, &str)> = walked.problems.iter().map(|p| (p.line, p.message.as_str())).collect();
        assert_eq!(found.len(), 4, "{found:?}");
        assert_eq!(found[0].0, 4);
        assert!(
            found[0].1.contains("`privileged` in `services.web` is refused: a privileged container"),
            "{}",
            found[0].1
        );
        assert_eq!(found[1].0, 5);
        assert!(found[1].1.contains("did you mean `environment`"), "{}", found[1].1);
        assert_eq!(found[2].0, 7);
        assert!(found[2].1.contains("`sysctls` in a service (`services.web`) is not supported"), "{}", found[2].1);
        assert_eq!(found[3].0, 8);
    }

    #[test]
    fn merged_mappings_are_checked_too() {
        let text = "x-base: &base\n  links: [db]\nservices:\n  web:\n    <<: *base\n    image: busybox\n";
        let walked = walk(text);
        assert!(walked.merges);
        assert_eq!(walked.problems.len(), 1);
        assert!(walked.problems[0].message.contains("`links`"));
    }

    #[test]
    fn every_interpolated_value_is_found_with_its_line() {
        let text =
            "services:\n  web:\n    image: \"busybox:${TAG}\"\n    environment:\n      - A=$$B\n      - C=${C:-x}\n";
        let walked = walk(text);
        assert!(walked.problems.is_empty());
        let sites: Vec<(&str, usize)> = walked.sites.iter().map(|s| (s.raw.as_str(), s.line)).collect();
        assert_eq!(sites, [("busybox:${TAG}", 3), ("C=${C:-x}", 6)]);
    }

    #[test]
    fn interpolations_reached_through_anchors_are_found() {
        let walked = walk("x-base: &base\n  image: \"busybox:${TAG}\"\nservices:\n  web:\n    <<: *base\n");
        assert!(walked.problems.is_empty(), "{:?}", walked.problems);
        assert!(walked.sites.iter().any(|s| s.raw == "busybox:${TAG}"), "{:?}", walked.sites);
    }

    #[test]
    fn a_syntax_error_ends_the_walk() {
        let walked = walk("services:\n  web: [\n");
        assert!(walked.yaml_error.unwrap().to_string().contains("line"));
    }
}
