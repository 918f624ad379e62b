//! A compose value as the generated code gets it: known when the crate compiles, or written
//! with interpolation (`${VAR:-default}`) and resolved when the scenario starts, carrying the
//! file and line it was written at so that a missing variable is named where it is used.

use super::keys::{interpolation, Site};

#[derive(Clone, Debug, PartialEq)]
pub(super) enum Text {
    /// The value itself (`$$` already turned into `$`).
    Literal(String),
    /// The value as written, and where (`compose/app.yml:12`).
    Variable { raw: String, at: String },
}

impl Text {
    /// The value when it is known at compile time.
    pub fn literal(&self) -> Option<&str> {
        match self {
            Text::Literal(value) => Some(value),
            Text::Variable { .. } => None,
        }
    }
}

/// `command` or `entrypoint`: words known at compile time, or a line written with interpolation,
/// which is interpolated and then split at the start, as compose does (so a value with spaces
/// makes several words, and an empty one none).
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Words {
    List(Vec<Text>),
    Line { raw: String, at: String },
}

/// Where each interpolated value of the scenario's files was written.
#[derive(Default)]
pub(super) struct Sites {
    /// The file as shown in messages, and the sites found in it, in the order the files were read.
    files: Vec<(String, Vec<Site>)>,
}

impl Sites {
    pub fn add(&mut self, file: &str, sites: Vec<Site>) {
        self.files.push((file.to_string(), sites));
    }

    /// `raw` as a value: literal unless it interpolates.
    pub fn text(&self, raw: &str) -> Text {
        if interpolation(raw).is_none() {
            return Text::Literal(unescape(raw));
        }
        Text::Variable { raw: raw.to_string(), at: self.at(raw) }
    }

    /// `raw` where compile time needs its value (a port number, a path inside the container):
    /// an interpolation there is an error naming `what` and where it is.
    pub fn fixed(&self, raw: &str, what: &str) -> Result<String, String> {
        match self.text(raw) {
            Text::Literal(value) => Ok(value),
            Text::Variable { at, .. } => Err(format!(
                "{what} `{raw}` ({at}) uses interpolation, but it is decided when the crate compiles; \
                 write the value itself"
            )),
        }
    }

    /// The file and line of a value: the latest file (overrides win) that has it, exactly or
    /// as part of a longer entry (`KEY=${VAR}` of a list-form `environment`).
    fn at(&self, raw: &str) -> String {
        let find = |matches: &dyn Fn(&Site) -> bool| {
            self.files.iter().rev().find_map(|(file, sites)| {
                sites.iter().find(|site| matches(site)).map(|site| format!("{file}:{}", site.line))
            })
        };
        find(&|site| site.raw == raw)
            .or_else(|| find(&|site| site.raw.contains(raw)))
            .unwrap_or_else(|| self.files.first().map_or_else(String::new, |(file, _)| file.clone()))
    }
}

/// Compose's escape for a literal `$`.
pub(super) fn unescape(text: &str) -> String {
    text.replace("$$", "$")
}

/// `text` split at each `separator` that is not inside a `${...}` (whose defaults may hold one).
pub(super) fn split_outside(text: &str, separator: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0usize, 0);
    let bytes = text.as_bytes();
    for (i, c) in text.char_indices() {
        match c {
            '{' if i > 0 && bytes[i - 1] == b'$' => depth += 1,
            '}' if depth > 0 => depth -= 1,
            c if c == separator && depth == 0 => {
                parts.push(&text[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sites() -> Sites {
        let mut sites = Sites::default();
        sites.add("a.yml", vec![Site { raw: "${TAG}".into(), line: 3 }, Site { raw: "A=${X}".into(), line: 5 }]);
        sites.add("b.yml", vec![Site { raw: "${TAG}".into(), line: 9 }]);
        sites
    }

    #[test]
    fn values_carry_the_latest_file_and_line_that_has_them() {
        let sites = sites();
        assert_eq!(sites.text("${TAG}"), Text::Variable { raw: "${TAG}".into(), at: "b.yml:9".into() });
        assert_eq!(sites.text("${X}"), Text::Variable { raw: "${X}".into(), at: "a.yml:5".into() });
        assert_eq!(sites.text("5$$"), Text::Literal("5$".into()));
        assert!(sites
            .fixed("${TAG}", "the container port")
            .unwrap_err()
            .contains("the container port `${TAG}` (b.yml:9) uses interpolation"));
    }

    #[test]
    fn splitting_passes_over_interpolations() {
        assert_eq!(split_outside("${PORT:-5432}:5432", ':'), ["${PORT:-5432}", "5432"]);
        assert_eq!(split_outside("${D:-${E:-./x}}:/data:ro", ':'), ["${D:-${E:-./x}}", "/data", "ro"]);
        assert_eq!(split_outside("a:b", ':'), ["a", "b"]);
    }
}
