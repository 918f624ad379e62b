//! The one check of a scenario's dependency graph: a dependency cycle, and (for the build) two
//! containers with one name. `const fn`s, so that `#[scenario]` runs them when the test crate
//! compiles, from a `const` of a few lines per scenario, and launch runs the same search when a
//! scenario starts.

use super::ContainerEntry;

/// The longest message a build fails with; longer ones end in `...`.
const CAPACITY: usize = 1024;

const NEW: u8 = 0;
const ON_PATH: u8 = 1;
const DONE: u8 = 2;

/// Room for the search, one per container. A const fn cannot allocate, so the caller lends
/// it: `[Visit::NEW; N]` in a const, a `vec!` at run time.
#[derive(Clone, Copy, Debug)]
pub struct Visit {
    /// Of the container with this index: not seen, on the path being followed, or done.
    state: u8,
    /// The container at this depth of the path being followed.
    at: usize,
    /// Of the container at this depth: the index of the next dependency to follow.
    next: usize,
}

impl Visit {
    /// A container not visited yet.
    pub const NEW: Visit = Visit { state: NEW, at: 0, next: 0 };
}

/// A dependency cycle: its containers in order, each depending on the next and the last on
/// the first.
#[derive(Clone, Copy, Debug)]
pub struct Cycle<'a> {
    entries: &'a [ContainerEntry],
    path: &'a [Visit],
}

impl Cycle<'_> {
    #[allow(clippy::len_without_is_empty)] // a cycle has at least one container
    pub const fn len(&self) -> usize {
        self.path.len()
    }

    /// The name of the `i`th container of the cycle.
    pub const fn name(&self, i: usize) -> &'static str {
        self.entries[self.path[i].at].name
    }
}

/// The first dependency cycle among `entries` (depth first, in their order), if any.
/// Dependencies that are not among `entries` are passed over: the build reports them by type,
/// and launch before it searches.
///
/// # Panics
/// If `visits` is shorter than `entries`.
pub const fn find_cycle<'a>(entries: &'a [ContainerEntry], visits: &'a mut [Visit]) -> Option<Cycle<'a>> {
    let count = entries.len();
    let mut i = 0;
    while i < count {
        visits[i] = Visit::NEW;
        i += 1;
    }
    let mut root = 0;
    while root < count {
        if visits[root].state == NEW {
            visits[root].state = ON_PATH;
            visits[0].at = root;
            visits[0].next = 0;
            let mut depth = 1;
            while depth > 0 {
                let current = visits[depth - 1].at;
                let dependencies = entries[current].depends_on;
                if visits[depth - 1].next == dependencies.len() {
                    visits[current].state = DONE;
                    depth -= 1;
                    continue;
                }
                let dependency = dependencies[visits[depth - 1].next];
                visits[depth - 1].next += 1;
                let Some(target) = index_of(entries, dependency) else { continue };
                if visits[target].state == ON_PATH {
                    let mut start = 0;
                    while visits[start].at != target {
                        start += 1;
                    }
                    let visits: &'a [Visit] = visits;
                    let (_, from) = visits.split_at(start);
                    let (path, _) = from.split_at(depth - start);
                    return Some(Cycle { entries, path });
                }
                if visits[target].state == NEW {
                    visits[target].state = ON_PATH;
                    visits[depth].at = target;
                    visits[depth].next = 0;
                    depth += 1;
                }
            }
        }
        root += 1;
    }
    None
}

/// Two containers of one name: the indexes of the first such pair.
pub const fn same_name(entries: &[ContainerEntry]) -> Option<(usize, usize)> {
    let mut i = 0;
    while i < entries.len() {
        let mut j = i + 1;
        while j < entries.len() {
            if same(entries[i].name, entries[j].name) {
                return Some((i, j));
            }
            j += 1;
        }
        i += 1;
    }
    None
}

/// What `#[scenario]` checks when the test crate compiles: the message the build fails with,
/// if any.
pub const fn check(scenario: &str, entries: &[ContainerEntry], visits: &mut [Visit]) -> Verdict {
    if let Some((first, _)) = same_name(entries) {
        let message = Message::new()
            .push("two containers of scenario `")
            .push(scenario)
            .push("` are named `")
            .push(entries[first].name)
            .push("`; give one of them another `name = \"...\"`");
        return Verdict(Some(message));
    }
    let Some(cycle) = find_cycle(entries, visits) else { return Verdict(None) };
    let mut message = Message::new().push("dependency cycle in scenario `").push(scenario).push("`: ");
    let mut i = 0;
    while i < cycle.len() {
        message = message.push("`").push(cycle.name(i)).push("` -> ");
        i += 1;
    }
    Verdict(Some(message.push("`").push(cycle.name(0)).push("`; remove one of these `depends_on`")))
}

/// The outcome of [`check`].
pub struct Verdict(Option<Message>);

impl Verdict {
    /// Why the build fails, if it does.
    pub const fn problem(&self) -> Option<&str> {
        match &self.0 {
            Some(message) => Some(message.as_str()),
            None => None,
        }
    }
}

/// A message assembled in a fixed buffer: a const panic prints one `&str`.
struct Message {
    bytes: [u8; CAPACITY],
    len: usize,
}

impl Message {
    const fn new() -> Message {
        Message { bytes: [0; CAPACITY], len: 0 }
    }

    /// Whole pieces only, so the buffer stays UTF-8; what does not fit becomes "...".
    const fn push(mut self, piece: &str) -> Message {
        let piece = piece.as_bytes();
        if self.len + piece.len() + 3 > CAPACITY {
            if self.len + 3 <= CAPACITY && (self.len < 3 || self.bytes[self.len - 1] != b'.') {
                self.bytes[self.len] = b'.';
                self.bytes[self.len + 1] = b'.';
                self.bytes[self.len + 2] = b'.';
                self.len += 3;
            }
            return self;
        }
        let mut i = 0;
        while i < piece.len() {
            self.bytes[self.len + i] = piece[i];
            i += 1;
        }
        self.len += piece.len();
        self
    }

    const fn as_str(&self) -> &str {
        let (text, _) = self.bytes.split_at(self.len);
        match std::str::from_utf8(text) {
            Ok(text) => text,
            Err(_) => "a dependency cycle, or two containers of one name, in this scenario",
        }
    }
}

const fn index_of(entries: &[ContainerEntry], name: &str) -> Option<usize> {
    let mut i = 0;
    while i < entries.len() {
        if same(entries[i].name, name) {
            return Some(i);
        }
        i += 1;
    }
    None
}

const fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}
