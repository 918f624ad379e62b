//! Compose's variable interpolation, as `docker compose` applies it to a compose file's values:
//! `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?message}`, `${VAR?message}`,
//! `${VAR:+alternative}`, `${VAR+alternative}` and `$$` for a literal `$`. Defaults,
//! alternatives and messages may themselves hold interpolations (`${A:-${B}}`).
//!
//! Pure logic: the caller says where values come from (`lookup`).

use std::fmt;

/// Why a value could not be interpolated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InterpolationError {
    /// `${VAR:?message}` or `${VAR?message}` with the variable missing (or empty, for `:?`).
    Required {
        /// The variable's name.
        variable: String,
        /// The message after `?`, empty if none was written.
        message: String,
    },
    /// Text that is not an interpolation compose understands (`${}`, `${A`, `$-`).
    Syntax {
        /// What is wrong, naming the text.
        reason: String,
    },
}

impl fmt::Display for InterpolationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InterpolationError::Required { variable, message } if message.is_empty() => {
                write!(f, "required variable `{variable}` is not set")
            }
            InterpolationError::Required { variable, message } => {
                write!(f, "required variable `{variable}` is not set: {message}")
            }
            InterpolationError::Syntax { reason } => f.write_str(reason),
        }
    }
}

/// `text` with every interpolation replaced by its value from `lookup` (`None` = unset).
/// An unset variable without a default becomes the empty string, as compose does.
pub fn interpolate(text: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Result<String, InterpolationError> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
        } else if let Some(inside) = after.strip_prefix('{') {
            let end = closing_brace(inside).ok_or_else(|| syntax(format!("`${{` without its `}}` in `{text}`")))?;
            out.push_str(&braced(&inside[..end], lookup)?);
            rest = &inside[end + 1..];
        } else {
            let name_len = name_length(after);
            if name_len == 0 {
                return Err(syntax(format!(
                    "`$` not followed by a variable name in `{text}` (write `$$` for a literal `$`)"
                )));
            }
            out.push_str(&lookup(&after[..name_len]).unwrap_or_default());
            rest = &after[name_len..];
        }
    }
    out.push_str(rest);
    Ok(out)
}

fn syntax(reason: String) -> InterpolationError {
    InterpolationError::Syntax { reason }
}

/// The index of the `}` that closes a `${`, counting nested `${...}` in defaults.
fn closing_brace(inside: &str) -> Option<usize> {
    let bytes = inside.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'$' if bytes.get(i + 1) == Some(&b'$') => i += 1,
            b'$' if bytes.get(i + 1) == Some(&b'{') => {
                depth += 1;
                i += 1;
            }
            b'}' if depth == 0 => return Some(i),
            b'}' => depth -= 1,
            _ => {}
        }
        i += 1;
    }
    None
}

fn name_length(text: &str) -> usize {
    let mut chars = text.char_indices();
    match chars.next() {
        Some((_, c)) if c.is_ascii_alphabetic() || c == '_' => {}
        _ => return 0,
    }
    chars.find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '_')).map_or(text.len(), |(i, _)| i)
}

/// The inside of `${...}`: a name, then optionally an operator and its word.
fn braced(inside: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Result<String, InterpolationError> {
    let name_len = name_length(inside);
    if name_len == 0 {
        return Err(syntax(format!("`${{{inside}}}` does not start with a variable name")));
    }
    let (name, operation) = inside.split_at(name_len);
    let value = lookup(name);
    let set_and_not_empty = value.as_deref().is_some_and(|v| !v.is_empty());
    let word = |w: &str| interpolate(w, lookup);
    let operators: [(&str, Chooser); 6] = [
        (":-", |_, full| if full { Choice::Value } else { Choice::Word }),
        ("-", |set, _| if set { Choice::Value } else { Choice::Word }),
        (":?", |_, full| if full { Choice::Value } else { Choice::Fail }),
        ("?", |set, _| if set { Choice::Value } else { Choice::Fail }),
        (":+", |_, full| if full { Choice::Word } else { Choice::Empty }),
        ("+", |set, _| if set { Choice::Word } else { Choice::Empty }),
    ];
    if operation.is_empty() {
        return Ok(value.unwrap_or_default());
    }
    let Some((rest, choose)) =
        operators.iter().find_map(|(op, choose)| operation.strip_prefix(op).map(|r| (r, choose)))
    else {
        return Err(syntax(format!("`${{{inside}}}`: `{operation}` after the name is not one of :- - :? ? :+ +")));
    };
    match choose(value.is_some(), set_and_not_empty) {
        Choice::Value => Ok(value.unwrap_or_default()),
        Choice::Word => word(rest),
        Choice::Empty => Ok(String::new()),
        Choice::Fail => Err(InterpolationError::Required { variable: name.to_string(), message: word(rest)? }),
    }
}

/// Which value an operator gives, from (is set, is set and not empty).
type Chooser = fn(bool, bool) -> Choice;

enum Choice {
    Value,
    Word,
    Empty,
    Fail,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `SET=value`, `EMPTY=` and nothing else.
    fn env(name: &str) -> Option<String> {
        match name {
            "SET" => Some("value".into()),
            "EMPTY" => Some(String::new()),
            "NESTED" => Some("inner".into()),
            _ => None,
        }
    }

    fn run(text: &str) -> Result<String, InterpolationError> {
        interpolate(text, &env)
    }

    #[test]
    fn plain_text_and_dollar_dollar() {
        assert_eq!(run("no variables").unwrap(), "no variables");
        assert_eq!(run("price: 5$$").unwrap(), "price: 5$");
        assert_eq!(run("$$SET stays").unwrap(), "$SET stays");
        assert_eq!(run("$${SET}").unwrap(), "${SET}");
    }

    #[test]
    fn bare_and_braced_names() {
        assert_eq!(run("$SET/x").unwrap(), "value/x");
        assert_eq!(run("${SET}x").unwrap(), "valuex");
        assert_eq!(run("a${UNSET}b$UNSET").unwrap(), "ab", "an unset variable is empty");
        assert_eq!(run("$EMPTY|${EMPTY}").unwrap(), "|");
    }

    #[test]
    fn colon_dash_defaults_when_unset_or_empty() {
        assert_eq!(run("${SET:-d}").unwrap(), "value");
        assert_eq!(run("${EMPTY:-d}").unwrap(), "d");
        assert_eq!(run("${UNSET:-d}").unwrap(), "d");
        assert_eq!(run("${UNSET:-}").unwrap(), "");
        assert_eq!(run("${UNSET:-a b:c}").unwrap(), "a b:c");
    }

    #[test]
    fn dash_defaults_only_when_unset() {
        assert_eq!(run("${SET-d}").unwrap(), "value");
        assert_eq!(run("${EMPTY-d}").unwrap(), "");
        assert_eq!(run("${UNSET-d}").unwrap(), "d");
    }

    #[test]
    fn colon_question_requires_set_and_not_empty() {
        assert_eq!(run("${SET:?needed}").unwrap(), "value");
        let missing = InterpolationError::Required { variable: "EMPTY".into(), message: "needed".into() };
        assert_eq!(run("${EMPTY:?needed}").unwrap_err(), missing);
        assert_eq!(
            run("${UNSET:?set UNSET}").unwrap_err(),
            InterpolationError::Required { variable: "UNSET".into(), message: "set UNSET".into() }
        );
    }

    #[test]
    fn question_requires_set_only() {
        assert_eq!(run("${EMPTY?needed}").unwrap(), "");
        assert!(
            matches!(run("${UNSET?}"), Err(InterpolationError::Required { ref variable, .. }) if variable == "UNSET")
        );
    }

    #[test]
    fn plus_gives_the_alternative_when_set() {
        assert_eq!(run("${SET:+alt}").unwrap(), "alt");
        assert_eq!(run("${EMPTY:+alt}").unwrap(), "");
        assert_eq!(run("${UNSET:+alt}").unwrap(), "");
        assert_eq!(run("${EMPTY+alt}").unwrap(), "alt");
        assert_eq!(run("${UNSET+alt}").unwrap(), "");
    }

    #[test]
    fn words_are_interpolated_too() {
        assert_eq!(run("${UNSET:-${NESTED}}").unwrap(), "inner");
        assert_eq!(run("${UNSET:-${ALSO_UNSET:-deep}}!").unwrap(), "deep!");
        assert_eq!(run("${SET:+[$NESTED]}").unwrap(), "[inner]");
        assert_eq!(run("${UNSET:-$$}").unwrap(), "$");
    }

    #[test]
    fn malformed_text_is_a_syntax_error() {
        assert!(matches!(run("${SET"), Err(InterpolationError::Syntax { .. })));
        assert!(matches!(run("${}"), Err(InterpolationError::Syntax { .. })));
        assert!(matches!(run("${SET%x}"), Err(InterpolationError::Syntax { .. })));
        assert!(matches!(run("cost $5"), Err(InterpolationError::Syntax { .. })));
        assert!(matches!(run("end $"), Err(InterpolationError::Syntax { .. })));
    }
}
