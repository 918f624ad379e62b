//! Env files as compose reads them (`.env` beside the compose file, and each service's
//! `env_file`): `KEY=value` lines, `#` comments, an optional `export `, and quoting that decides
//! interpolation: 'single' is literal, "double" takes `\n`, `\t`, `\"`, `\\` escapes and
//! interpolation, and an unquoted value is trimmed, loses a ` #comment` and is interpolated.
//!
//! Parsing only; the caller interpolates `Entry::raw` where `Entry::literal` is false.

/// One assignment of an env file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The variable's name.
    pub key: String,
    /// `None` for a line that is a name alone (`KEY`): taken from the environment if set there.
    pub raw: Option<String>,
    /// Single-quoted: no interpolation.
    pub literal: bool,
    /// 1-based, for messages.
    pub line: usize,
}

/// The entries of an env file's text, or the first malformed line.
pub fn parse(text: &str) -> Result<Vec<Entry>, String> {
    let mut entries = Vec::new();
    let mut lines = text.lines().enumerate();
    while let Some((index, line)) = lines.next() {
        let number = index + 1;
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let trimmed = trimmed.strip_prefix("export ").map_or(trimmed, str::trim_start);
        let Some((key, value)) = trimmed.split_once('=') else {
            check_key(trimmed, number)?;
            entries.push(Entry { key: trimmed.to_string(), raw: None, literal: false, line: number });
            continue;
        };
        let key = key.trim_end();
        check_key(key, number)?;
        let value = value.trim_start();
        let (raw, literal) = match value.chars().next() {
            Some(quote @ ('\'' | '"')) => {
                // A quoted value may run over several lines.
                let mut body = value[1..].to_string();
                let end = loop {
                    if let Some(end) = closing_quote(&body, quote) {
                        break end;
                    }
                    match lines.next() {
                        Some((_, more)) => {
                            body.push('\n');
                            body.push_str(more);
                        }
                        None => return Err(format!("line {number}: the value's {quote} is never closed")),
                    }
                };
                let inner = &body[..end];
                if quote == '\'' {
                    (inner.to_string(), true)
                } else {
                    (unescape_double(inner), false)
                }
            }
            _ => {
                let value = match value.find(" #") {
                    Some(comment) => &value[..comment],
                    None => value,
                };
                (value.trim_end().to_string(), false)
            }
        };
        entries.push(Entry { key: key.to_string(), raw: Some(raw), literal, line: number });
    }
    Ok(entries)
}

fn check_key(key: &str, line: usize) -> Result<(), String> {
    let valid = !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if valid {
        Ok(())
    } else {
        Err(format!("line {line}: `{key}` is not a variable name (expected `KEY=value`)"))
    }
}

fn closing_quote(body: &str, quote: char) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in body.char_indices() {
        match c {
            '\\' if quote == '"' && !escaped => escaped = true,
            c if c == quote && !escaped => return Some(i),
            _ => escaped = false,
        }
    }
    None
}

fn unescape_double(inner: &str) -> String {
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some(other @ ('"' | '\\')) => out.push(other),
            Some('$') => out.push_str("$$"),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Entry {
        let mut entries = parse(text).unwrap();
        assert_eq!(entries.len(), 1, "{entries:?}");
        entries.remove(0)
    }

    #[test]
    fn comments_blank_lines_and_export_are_skipped() {
        let entries = parse("# a comment\n\nexport A=1\n  B = two  \n").unwrap();
        let pairs: Vec<(&str, Option<&str>, usize)> =
            entries.iter().map(|e| (e.key.as_str(), e.raw.as_deref(), e.line)).collect();
        assert_eq!(pairs, [("A", Some("1"), 3), ("B", Some("two"), 4)]);
    }

    #[test]
    fn quoting_decides_interpolation_and_escapes() {
        let single = one("A='${literal} # kept'");
        assert_eq!((single.raw.as_deref(), single.literal), (Some("${literal} # kept"), true));
        let double = one(r#"A="line\nnext \"q\" ${X}""#);
        assert_eq!((double.raw.as_deref(), double.literal), (Some("line\nnext \"q\" ${X}"), false));
        let unquoted = one("A=${X:-d} # a comment");
        assert_eq!((unquoted.raw.as_deref(), unquoted.literal), (Some("${X:-d}"), false));
        assert_eq!(one("A=a#b").raw.as_deref(), Some("a#b"), "a # inside a word is not a comment");
    }

    #[test]
    fn a_quoted_value_may_span_lines() {
        let entry = one("KEY=\"first\nsecond\"");
        assert_eq!(entry.raw.as_deref(), Some("first\nsecond"));
    }

    #[test]
    fn a_name_alone_passes_the_environment_through() {
        assert_eq!(one("HOME").raw, None);
    }

    #[test]
    fn malformed_lines_are_named() {
        assert!(parse("A=1\nnot a pair\n").unwrap_err().contains("line 2"));
        assert!(parse("A=\"never closed\n").unwrap_err().contains("never closed"));
    }
}
