//! Compose's merge rules, for several files (`compose = ["a.yml", "b.yml"]`, an override file
//! beside the main one), `extends` and `include`: the later file's mappings merge into the
//! earlier's key by key, its scalars replace; of sequences, `command`, `entrypoint` and
//! `healthcheck.test` are replaced, key=value lists (`environment`, `labels`, `build.args`,
//! `extra_hosts`) merge by key, mounts (`volumes`, `secrets`, `configs`) by their target, and
//! the other lists (`ports`, `expose`, `cap_add`, `profiles`, ...) gather the entries of both.

use serde_norway::{Mapping, Value};

use super::text::split_outside;

/// `over` merged into `base` (both whole compose files).
pub(super) fn files(base: Value, over: Value) -> Value {
    let (Value::Mapping(mut base), Value::Mapping(over)) = (base, over) else { return Value::Null };
    for (key, value) in over {
        let merged = match (key.as_str(), base.remove(&key)) {
            (Some("services"), Some(Value::Mapping(mut services))) => {
                if let Value::Mapping(over_services) = value {
                    for (name, service) in over_services {
                        let merged = match services.remove(&name) {
                            Some(existing) => self::service(existing, service),
                            None => service,
                        };
                        services.insert(name, merged);
                    }
                }
                Value::Mapping(services)
            }
            (Some(_), Some(existing)) => mappings(existing, value),
            (_, _) => value,
        };
        base.insert(key, merged);
    }
    Value::Mapping(base)
}

/// `over` (a service) merged into `base`.
pub(super) fn service(base: Value, over: Value) -> Value {
    merge(base, over, "")
}

fn merge(base: Value, over: Value, key: &str) -> Value {
    match (base, over) {
        (Value::Mapping(base), Value::Mapping(over)) => Value::Mapping(merge_mappings(base, over, key)),
        (base, over) if is_keyed_list(key) && (is_sequence(&base) || is_sequence(&over)) => {
            Value::Mapping(merge_mappings(as_mapping(base), as_mapping(over), key))
        }
        (Value::Sequence(base), Value::Sequence(over)) => Value::Sequence(merge_sequences(base, over, key)),
        (Value::Sequence(base), over @ Value::Mapping(_)) if key == "depends_on" || key == "networks" => {
            merge(Value::Mapping(names_as_mapping(base)), over, key)
        }
        (base @ Value::Mapping(_), Value::Sequence(over)) if key == "depends_on" || key == "networks" => {
            merge(base, Value::Mapping(names_as_mapping(over)), key)
        }
        (_, over) => over,
    }
}

fn merge_mappings(mut base: Mapping, over: Mapping, parent: &str) -> Mapping {
    for (key, value) in over {
        let name = match key.as_str() {
            // Below `healthcheck`, `test` is replaced like `command`.
            Some("test") if parent == "healthcheck" => "command",
            Some(name) => name,
            None => "",
        };
        let merged = match base.remove(&key) {
            Some(existing) => merge(existing, value, name),
            None => value,
        };
        base.insert(key, merged);
    }
    base
}

fn mappings(base: Value, over: Value) -> Value {
    merge(base, over, "")
}

fn is_sequence(value: &Value) -> bool {
    matches!(value, Value::Sequence(_))
}

/// Lists of `KEY=value` that compose merges by key.
fn is_keyed_list(key: &str) -> bool {
    matches!(key, "environment" | "labels" | "args" | "extra_hosts")
}

/// `["A=1", "B"]` as `{A: "1", B: null}`; a mapping stays.
fn as_mapping(value: Value) -> Mapping {
    match value {
        Value::Mapping(mapping) => mapping,
        Value::Sequence(items) => items
            .into_iter()
            .map(|item| {
                let text = scalar_text(&item);
                // `extra_hosts` writes `host:ip` or `host=ip`.
                match text.split_once('=').or_else(|| text.split_once(':')) {
                    Some((k, v)) => (Value::String(k.to_string()), Value::String(v.to_string())),
                    None => (Value::String(text), Value::Null),
                }
            })
            .collect(),
        _ => Mapping::new(),
    }
}

/// `[db, cache]` as `{db: null, cache: null}` (`depends_on`, `networks`).
fn names_as_mapping(items: Vec<Value>) -> Mapping {
    items.into_iter().map(|item| (item, Value::Null)).collect()
}

fn merge_sequences(mut base: Vec<Value>, over: Vec<Value>, key: &str) -> Vec<Value> {
    match key {
        "command" | "entrypoint" => over,
        "volumes" | "secrets" | "configs" => {
            for item in over {
                let target = mount_target(&item, key);
                base.retain(|existing| target.is_none() || mount_target(existing, key) != target);
                base.push(item);
            }
            base
        }
        _ => {
            for item in over {
                if !base.contains(&item) {
                    base.push(item);
                }
            }
            base
        }
    }
}

/// Where a mount lands: a volume's target path, a secret's or config's target (or name).
fn mount_target(item: &Value, key: &str) -> Option<String> {
    match item {
        Value::String(short) if key == "volumes" => {
            let parts = split_outside(short, ':');
            Some(parts.get(1).unwrap_or(&parts[0]).to_string())
        }
        Value::String(name) => Some(name.clone()),
        Value::Mapping(long) => {
            let field = |name: &str| long.get(name).and_then(Value::as_str).map(str::to_string);
            field("target").or_else(|| field("source"))
        }
        _ => None,
    }
}

fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yaml(text: &str) -> Value {
        serde_norway::from_str(text).unwrap()
    }

    #[test]
    fn an_overlay_merges_by_compose_rules() {
        let base = yaml(
            "services:\n  web:\n    image: a\n    command: [serve, --slow]\n    environment: [A=1, B=2]\n    ports: ['8080']\n    volumes: ['data:/data', './conf:/etc/conf:ro']\n    healthcheck: {test: [CMD, x], interval: 1s}\n  db: {image: pg}\nvolumes: {data: {}}\n",
        );
        let over = yaml(
            "services:\n  web:\n    image: b\n    command: [serve]\n    environment: {B: three, C: '4'}\n    ports: ['9090']\n    volumes: ['./test-conf:/etc/conf']\n    healthcheck: {test: [CMD, y]}\n  extra: {image: e}\n",
        );
        let merged = files(base, over);
        let expected = yaml(
            "services:\n  web:\n    image: b\n    command: [serve]\n    environment: {A: '1', B: three, C: '4'}\n    ports: ['8080', '9090']\n    volumes: ['data:/data', './test-conf:/etc/conf']\n    healthcheck: {test: [CMD, y], interval: 1s}\n  db: {image: pg}\n  extra: {image: e}\nvolumes: {data: {}}\n",
        );
        assert_eq!(merged, expected);
    }

    #[test]
    fn depends_on_lists_and_maps_merge() {
        let merged = service(yaml("depends_on: [db]"), yaml("depends_on: {cache: {condition: service_healthy}}"));
        assert_eq!(merged, yaml("depends_on: {db: null, cache: {condition: service_healthy}}"));
    }
}
