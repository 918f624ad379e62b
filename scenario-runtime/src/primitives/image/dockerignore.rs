//! Docker's `.dockerignore` language, as the engine's own client reads and matches it
//! (moby's `ignorefile` and `patternmatcher`), not gitignore's: a pattern is a Go
//! `filepath.Match` glob plus `**`, matched against the whole slash path from the context root,
//! and a path is also matched when one of its parent folders is; the last matching pattern
//! wins, `!` making it an exception. No maintained crate implements these rules (the gitignore
//! crates anchor, negate and treat `dir/` differently), so they live here, tested against the
//! pattern tables of Docker's own matcher tests.

use regex::Regex;

/// The patterns of an ignore file, one a line: a UTF-8 BOM is dropped, lines starting with `#`
/// are comments, whitespace around a pattern (and after `!`) is trimmed, each pattern is
/// cleaned like a path and a leading `/` removed (`/a` and `a` are the same).
pub(crate) fn read_ignore_file(text: &str) -> Vec<String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut patterns = Vec::new();
    for line in text.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.starts_with('#') {
            continue;
        }
        let mut pattern = line.trim();
        if pattern.is_empty() {
            continue;
        }
        let exception = pattern.starts_with('!');
        if exception {
            pattern = pattern[1..].trim();
        }
        let mut cleaned = String::new();
        if !pattern.is_empty() {
            cleaned = clean_path(pattern);
            if cleaned.len() > 1 && cleaned.starts_with('/') {
                cleaned.remove(0);
            }
        }
        patterns.push(if exception { format!("!{cleaned}") } else { cleaned });
    }
    patterns
}

/// Go's `path.Clean`: the shortest equivalent path (no `.`, no `x/..`, no doubled or trailing
/// slash); `.` for an empty result.
pub(crate) fn clean_path(path: &str) -> String {
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|last| *last != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_string(),
        (false, false) => joined,
    }
}

/// A list of patterns, ready to match slash paths relative to the context root.
#[derive(Debug)]
pub(crate) struct PatternMatcher {
    patterns: Vec<Pattern>,
    has_exceptions: bool,
}

#[derive(Debug)]
pub(crate) struct Pattern {
    /// The cleaned pattern, without its `!`.
    text: String,
    exception: bool,
    how: MatchKind,
}

/// How a pattern is compared: most are plain strings; only those with wildcards or escapes
/// need a regular expression (the same split Docker makes, which also decides what `**` means
/// at either end).
#[derive(Debug)]
enum MatchKind {
    Exact,
    /// `prefix**`: the path starts with the part before `**`.
    Prefix,
    /// `**suffix`: the path ends with the part after `**` (or is it, without its leading `/`).
    Suffix,
    Regex(Regex),
}

/// Per pattern, whether it matched the parent folder: carried down a walk so a path is matched
/// against its ancestors without re-matching them.
#[derive(Clone, Debug, Default)]
pub(crate) struct ParentMatches(Vec<bool>);

impl PatternMatcher {
    /// Compiles `patterns` (as `read_ignore_file` returns them); a malformed one is named.
    pub(crate) fn new<S: AsRef<str>>(patterns: &[S]) -> Result<PatternMatcher, String> {
        let mut compiled = Vec::new();
        let mut has_exceptions = false;
        for raw in patterns {
            let trimmed = raw.as_ref().trim();
            if trimmed.is_empty() {
                continue;
            }
            let mut text = clean_path(trimmed);
            let exception = text.starts_with('!');
            if exception {
                if text.len() == 1 {
                    return Err("illegal exception pattern: \"!\"".into());
                }
                text.remove(0);
                has_exceptions = true;
            }
            check_glob_syntax(&text).map_err(|why| format!("pattern `{}`: {why}", raw.as_ref()))?;
            let how = compile(&text).map_err(|why| format!("pattern `{}`: {why}", raw.as_ref()))?;
            compiled.push(Pattern { text, exception, how });
        }
        Ok(PatternMatcher { patterns: compiled, has_exceptions })
    }

    pub(crate) fn has_exceptions(&self) -> bool {
        self.has_exceptions
    }

    /// The exception patterns (without their `!`).
    pub(crate) fn exceptions(&self) -> impl Iterator<Item = &str> {
        self.patterns.iter().filter(|p| p.exception).map(|p| p.text.as_str())
    }

    /// Whether `path` is excluded: by a pattern matching it or one of its parent folders, and
    /// not by a later exception.
    pub(crate) fn matches_or_parent_matches(&self, path: &str) -> bool {
        let parents = parent_prefixes(path);
        let mut matched = false;
        for pattern in &self.patterns {
            if pattern.exception != matched {
                continue;
            }
            let hit = pattern.matches(path) || parents.iter().any(|parent| pattern.matches(parent));
            if hit {
                matched = !pattern.exception;
            }
        }
        matched
    }

    /// Docker's older check, which compares only the parent prefix with as many parts as the
    /// pattern has. The client still uses it to decide whether the Dockerfile and
    /// `.dockerignore` need an exception to be sent, so it is kept for exactly that.
    pub(crate) fn matches_single_parent(&self, path: &str) -> bool {
        let path = clean_path(path);
        if path == "." {
            return false;
        }
        let parent = match path.rfind('/') {
            Some(at) => &path[..at],
            None => ".",
        };
        let parent_parts: Vec<&str> = parent.split('/').collect();
        let mut matched = false;
        for pattern in &self.patterns {
            if pattern.exception != matched {
                continue;
            }
            let mut hit = pattern.matches(&path);
            let pattern_parts = pattern.text.split('/').count();
            if !hit && parent != "." && pattern_parts <= parent_parts.len() {
                hit = pattern.matches(&parent_parts[..pattern_parts].join("/"));
            }
            if hit {
                matched = !pattern.exception;
            }
        }
        matched
    }

    /// Whether `path` is excluded, given what its parent folder's call returned (the walk's
    /// form, which Docker's archiver uses): a pattern that matched the parent matches the child.
    pub(crate) fn matches_with_parent(&self, path: &str, parent: &ParentMatches) -> (bool, ParentMatches) {
        let mut matched = false;
        let mut mine = vec![false; self.patterns.len()];
        for (i, pattern) in self.patterns.iter().enumerate() {
            let mut hit = parent.0.get(i).copied().unwrap_or(false);
            if !hit {
                if pattern.exception != matched {
                    continue;
                }
                hit = pattern.matches(path);
                if !hit && parent.0.is_empty() {
                    hit = parent_prefixes(path).iter().any(|p| pattern.matches(p));
                }
            }
            mine[i] = hit;
            if hit {
                matched = !pattern.exception;
            }
        }
        (matched, ParentMatches(mine))
    }
}

/// `a`, `a/b` for `a/b/c`.
fn parent_prefixes(path: &str) -> Vec<&str> {
    path.match_indices('/').map(|(at, _)| &path[..at]).collect()
}

impl Pattern {
    fn matches(&self, path: &str) -> bool {
        match &self.how {
            MatchKind::Exact => path == self.text,
            MatchKind::Prefix => path.starts_with(&self.text[..self.text.len() - 2]),
            MatchKind::Suffix => {
                let suffix = &self.text[2..];
                path.ends_with(suffix) || suffix.strip_prefix('/').is_some_and(|rest| path == rest)
            }
            MatchKind::Regex(re) => re.is_match(path),
        }
    }
}

/// Characters that mean something to a regular expression but nothing to a glob.
fn regex_only_meta(c: char) -> bool {
    matches!(c, '.' | '+' | '(' | ')' | '|' | '{' | '}' | '$')
}

/// Translates a glob into how it is matched: `*` and `?` stop at `/`, `**` spans folders
/// (`**/` also none), `\` escapes, `[...]` is a character class.
fn compile(pattern: &str) -> Result<MatchKind, String> {
    #[derive(PartialEq)]
    enum Kind {
        Exact,
        Prefix,
        Suffix,
        Regex,
    }
    let mut re = String::from("^");
    let mut kind = Kind::Exact;
    let mut chars = pattern.chars().peekable();
    let mut first = true;
    while let Some(c) = chars.next() {
        match c {
            '*' if chars.peek() == Some(&'*') => {
                chars.next();
                if chars.peek() == Some(&'/') {
                    chars.next();
                }
                if chars.peek().is_none() {
                    if kind == Kind::Exact {
                        kind = Kind::Prefix;
                    } else {
                        re.push_str(".*");
                        kind = Kind::Regex;
                    }
                } else {
                    re.push_str("(.*/)?");
                    kind = Kind::Regex;
                }
                if first {
                    kind = Kind::Suffix;
                }
            }
            '*' => {
                re.push_str("[^/]*");
                kind = Kind::Regex;
            }
            '?' => {
                re.push_str("[^/]");
                kind = Kind::Regex;
            }
            '\\' => match chars.next() {
                Some(escaped) => {
                    re.push('\\');
                    re.push(escaped);
                    kind = Kind::Regex;
                }
                None => re.push_str("\\\\"),
            },
            '[' | ']' => {
                re.push(c);
                kind = Kind::Regex;
            }
            c if regex_only_meta(c) => {
                re.push('\\');
                re.push(c);
            }
            c => re.push(c),
        }
        first = false;
    }
    Ok(match kind {
        Kind::Exact => MatchKind::Exact,
        Kind::Prefix => MatchKind::Prefix,
        Kind::Suffix => MatchKind::Suffix,
        Kind::Regex => {
            re.push('$');
            MatchKind::Regex(Regex::new(&re).map_err(|e| format!("not a valid pattern ({e})"))?)
        }
    })
}

/// The syntax checks of Go's `filepath.Match`, which Docker applies to every pattern: character
/// classes must be closed, non-empty, with complete ranges, and `\` must escape something.
fn check_glob_syntax(pattern: &str) -> Result<(), &'static str> {
    const BAD: &str = "malformed pattern (an unclosed or empty `[...]`, a `-` without a bound, or a trailing `\\`)";
    let chars: Vec<char> = pattern.chars().collect();
    let mut i = 0;
    // One class bound (`getEsc` in Go): a character, possibly escaped, that cannot end the pattern.
    let bound = |i: &mut usize| -> Result<(), &'static str> {
        match chars.get(*i) {
            None | Some('-') | Some(']') => return Err(BAD),
            Some('\\') => {
                *i += 1;
                if *i >= chars.len() {
                    return Err(BAD);
                }
            }
            Some(_) => {}
        }
        *i += 1;
        if *i >= chars.len() {
            return Err(BAD);
        }
        Ok(())
    };
    while i < chars.len() {
        match chars[i] {
            '\\' => {
                if i + 1 >= chars.len() {
                    return Err(BAD);
                }
                i += 2;
            }
            '[' => {
                i += 1;
                if chars.get(i) == Some(&'^') {
                    i += 1;
                }
                let mut ranges = 0;
                loop {
                    if chars.get(i) == Some(&']') && ranges > 0 {
                        i += 1;
                        break;
                    }
                    bound(&mut i)?;
                    if chars[i] == '-' {
                        i += 1;
                        bound(&mut i)?;
                    }
                    ranges += 1;
                }
            }
            _ => i += 1,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn single(pattern: &str) -> PatternMatcher {
        PatternMatcher::new(&[pattern]).unwrap_or_else(|e| panic!("{pattern}: {e}"))
    }

    /// Every way Docker's archiver can ask: with ancestors' results carried down a walk, with no
    /// parent information, and the one-shot check.
    fn excluded_all_ways(m: &PatternMatcher, path: &str) -> bool {
        let one_shot = m.matches_or_parent_matches(path);
        let mut carried = ParentMatches::default();
        for parent in parent_prefixes(path) {
            carried = m.matches_with_parent(parent, &carried).1;
        }
        let walked = m.matches_with_parent(path, &carried).0;
        let cold = m.matches_with_parent(path, &ParentMatches::default()).0;
        assert_eq!(one_shot, walked, "walked result differs for {path}");
        assert_eq!(one_shot, cold, "no-parent result differs for {path}");
        one_shot
    }

    /// The single-pattern table of Docker's matcher tests (`TestMatches`).
    #[test]
    fn dockers_pattern_table() {
        let table: &[(&str, &str, bool)] = &[
            ("**", "file", true),
            ("**", "file/", true),
            ("**/", "file", true),
            ("**/", "file/", true),
            ("**", "/", true),
            ("**/", "/", true),
            ("**", "dir/file", true),
            ("**/", "dir/file", true),
            ("**", "dir/file/", true),
            ("**/", "dir/file/", true),
            ("**/**", "dir/file", true),
            ("**/**", "dir/file/", true),
            ("dir/**", "dir/file", true),
            ("dir/**", "dir/file/", true),
            ("dir/**", "dir/dir2/file", true),
            ("dir/**", "dir/dir2/file/", true),
            ("**/dir", "dir", true),
            ("**/dir", "dir/file", true),
            ("**/dir2/*", "dir/dir2/file", true),
            ("**/dir2/*", "dir/dir2/file/", true),
            ("**/dir2/**", "dir/dir2/dir3/file", true),
            ("**/dir2/**", "dir/dir2/dir3/file/", true),
            ("**file", "file", true),
            ("**file", "dir/file", true),
            ("**/file", "dir/file", true),
            ("**file", "dir/dir/file", true),
            ("**/file", "dir/dir/file", true),
            ("**/file*", "dir/dir/file", true),
            ("**/file*", "dir/dir/file.txt", true),
            ("**/file*txt", "dir/dir/file.txt", true),
            ("**/file*.txt", "dir/dir/file.txt", true),
            ("**/file*.txt*", "dir/dir/file.txt", true),
            ("**/**/*.txt", "dir/dir/file.txt", true),
            ("**/**/*.txt2", "dir/dir/file.txt", false),
            ("**/*.txt", "file.txt", true),
            ("**/**/*.txt", "file.txt", true),
            ("a**/*.txt", "a/file.txt", true),
            ("a**/*.txt", "a/dir/file.txt", true),
            ("a**/*.txt", "a/dir/dir/file.txt", true),
            ("a/*.txt", "a/dir/file.txt", false),
            ("a/*.txt", "a/file.txt", true),
            ("a/*.txt**", "a/file.txt", true),
            ("a[b-d]e", "ae", false),
            ("a[b-d]e", "ace", true),
            ("a[b-d]e", "aae", false),
            ("a[^b-d]e", "aze", true),
            (".*", ".foo", true),
            (".*", "foo", false),
            ("abc.def", "abcdef", false),
            ("abc.def", "abc.def", true),
            ("abc.def", "abcZdef", false),
            ("abc?def", "abcZdef", true),
            ("abc?def", "abcdef", false),
            ("a\\\\", "a\\", true),
            ("**/foo/bar", "foo/bar", true),
            ("**/foo/bar", "dir/foo/bar", true),
            ("**/foo/bar", "dir/dir2/foo/bar", true),
            ("abc/**", "abc", false),
            ("abc/**", "abc/def", true),
            ("abc/**", "abc/def/ghi", true),
            ("**/.foo", ".foo", true),
            ("**/.foo", "bar.foo", false),
            ("a(b)c/def", "a(b)c/def", true),
            ("a(b)c/def", "a(b)c/xyz", false),
            ("a.|)$(}+{bc", "a.|)$(}+{bc", true),
            (
                "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl",
                "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl",
                true,
            ),
            ("dist/*.whl", "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", true),
            ("a\\*b", "a*b", true),
        ];
        for (pattern, path, want) in table {
            assert_eq!(excluded_all_ways(&single(pattern), path), *want, "pattern {pattern:?} path {path:?}");
        }
    }

    /// The multi-pattern table of the same tests: exceptions and their order.
    #[test]
    fn dockers_exception_table() {
        let whl = "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl";
        let table: &[(&[&str], &str, bool)] = &[
            (&["**", "!util/docker/web"], "util/docker/web/foo", false),
            (&["**", "!util/docker/web", "util/docker/web/foo"], "util/docker/web/foo", true),
            (&["**", "!dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl"], whl, false),
            (&["**", "!dist/*.whl"], whl, false),
            (&["!fileutils.go", "*.go"], "fileutils.go", true),
            (&["*.go", "!fileutils.go"], "fileutils.go", false),
            (&["docs", "!docs/README.md"], "docs/README.md", false),
            (&["docs/", "!docs/README.md"], "docs/README.md", false),
            (&["docs/*", "!docs/README.md"], "docs/README.md", false),
            (&["*"], "fileutils.go", true),
            (&["*.go"], "fileutils.go", true),
        ];
        for (patterns, path, want) in table {
            let m = PatternMatcher::new(patterns).unwrap();
            assert_eq!(excluded_all_ways(&m, path), *want, "patterns {patterns:?} path {path:?}");
        }
    }

    /// Go's `filepath.Match` table as Docker's tests run it (the single-parent check): results
    /// and which patterns are malformed.
    #[test]
    fn dockers_glob_table() {
        let table: &[(&str, &str, Option<bool>)] = &[
            ("abc", "abc", Some(true)),
            ("*", "abc", Some(true)),
            ("*c", "abc", Some(true)),
            ("a*", "a", Some(true)),
            ("a*", "abc", Some(true)),
            ("a*", "ab/c", Some(true)),
            ("a*/b", "abc/b", Some(true)),
            ("a*/b", "a/c/b", Some(false)),
            ("a*b*c*d*e*/f", "axbxcxdxe/f", Some(true)),
            ("a*b*c*d*e*/f", "axbxcxdxexxx/f", Some(true)),
            ("a*b*c*d*e*/f", "axbxcxdxe/xxx/f", Some(false)),
            ("a*b*c*d*e*/f", "axbxcxdxexxx/fff", Some(false)),
            ("a*b?c*x", "abxbbxdbxebxczzx", Some(true)),
            ("a*b?c*x", "abxbbxdbxebxczzy", Some(false)),
            ("ab[c]", "abc", Some(true)),
            ("ab[b-d]", "abc", Some(true)),
            ("ab[e-g]", "abc", Some(false)),
            ("ab[^c]", "abc", Some(false)),
            ("ab[^b-d]", "abc", Some(false)),
            ("ab[^e-g]", "abc", Some(true)),
            ("a\\*b", "a*b", Some(true)),
            ("a\\*b", "ab", Some(false)),
            ("a?b", "a☺b", Some(true)),
            ("a[^a]b", "a☺b", Some(true)),
            ("a???b", "a☺b", Some(false)),
            ("a[^a][^a][^a]b", "a☺b", Some(false)),
            ("[a-ζ]*", "α", Some(true)),
            ("*[a-ζ]", "A", Some(false)),
            ("a?b", "a/b", Some(false)),
            ("a*b", "a/b", Some(false)),
            ("[\\]a]", "]", Some(true)),
            ("[\\-]", "-", Some(true)),
            ("[x\\-]", "x", Some(true)),
            ("[x\\-]", "-", Some(true)),
            ("[x\\-]", "z", Some(false)),
            ("[\\-x]", "x", Some(true)),
            ("[\\-x]", "-", Some(true)),
            ("[\\-x]", "a", Some(false)),
            ("[]a]", "]", None),
            ("[-]", "-", None),
            ("[x-]", "x", None),
            ("[x-]", "-", None),
            ("[x-]", "z", None),
            ("[-x]", "x", None),
            ("[-x]", "-", None),
            ("[-x]", "a", None),
            ("\\", "a", None),
            ("[a-b-c]", "a", None),
            ("[", "a", None),
            ("[^", "a", None),
            ("[^bc", "a", None),
            ("a[", "a", None),
            ("a[", "ab", None),
            ("*x", "xxx", Some(true)),
        ];
        for (pattern, path, want) in table {
            match (PatternMatcher::new(&[pattern]), want) {
                (Ok(m), Some(want)) => {
                    assert_eq!(m.matches_single_parent(path), *want, "pattern {pattern:?} path {path:?}")
                }
                (Err(_), None) => {}
                (Ok(_), None) => panic!("pattern {pattern:?} should be rejected as malformed"),
                (Err(e), Some(_)) => panic!("pattern {pattern:?} rejected: {e}"),
            }
        }
    }

    /// Docker's pattern-cleaning tests and the matcher's edge cases around them.
    #[test]
    fn cleaning_and_edge_cases() {
        assert!(PatternMatcher::new(&["!"]).is_err(), "a lone `!` is an error");
        assert!(PatternMatcher::new(&["docs", "  !docs/README.md"]).unwrap().has_exceptions());
        assert!(PatternMatcher::new(&["docs", "!docs/README.md  "]).unwrap().has_exceptions());
        assert_eq!(PatternMatcher::new(&["docs", "config", ""]).unwrap().patterns.len(), 2);
        let none = PatternMatcher::new::<&str>(&[]).unwrap();
        assert!(!none.matches_single_parent("/any/path/there"));
        assert!(!single("*.go").matches_single_parent("."), "the context root is never excluded");
        // A class that Go's glob check accepts but that is no valid range: rejected here when
        // compiled, where Docker rejects it on first use; either way the build stops.
        assert!(PatternMatcher::new(&["[Local-Only]/"]).is_err());
    }

    #[test]
    fn ignore_files_read_as_docker_reads_them() {
        let text = "\u{feff}# a comment\n  \n*.log\r\n  /target/  \n! keep.log\n#not/a/pattern\n  # still a pattern\nsub/../x/./y//z\n!/abs\n";
        assert_eq!(
            read_ignore_file(text),
            ["*.log", "target", "!keep.log", "# still a pattern", "x/y/z", "!abs"].map(String::from)
        );
        assert_eq!(read_ignore_file("/\n"), ["/"], "a lone `/` stays");
        assert_eq!(clean_path("a/../../b"), "../b");
        assert_eq!(clean_path("/../a/"), "/a");
        assert_eq!(clean_path("./"), ".");
    }
}
