//! "Did you mean ...?" for misspelled keys and readiness kinds.

/// Edit distance over chars: insertions, deletions, substitutions and swaps of neighbours
/// (optimal string alignment), since a swapped pair (`lgo`) is the most common typo.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    strsim::osa_distance(a, b)
}

/// The known word closest to `given`, if it is close enough to be a plausible typo.
pub(crate) fn closest<'a>(given: &str, known: &[&'a str]) -> Option<&'a str> {
    let given_lower = given.to_lowercase();
    known
        .iter()
        .map(|&candidate| (edit_distance(&given_lower, candidate), candidate))
        // A third of the word may be wrong (as rustc's own suggestions allow), at least one char.
        .filter(|&(distance, candidate)| distance <= (candidate.chars().count() / 3).max(1))
        .min_by_key(|&(distance, _)| distance)
        .map(|(_, candidate)| candidate)
}

/// "unknown key `imag`; did you mean `image`?" or, with no close match, the list of keys.
pub(crate) fn unknown(what: &str, given: &str, known: &[&str]) -> String {
    match closest(given, known) {
        Some(suggestion) => format!("unknown {what} `{given}`; did you mean `{suggestion}`?"),
        None => format!("unknown {what} `{given}`; expected one of: {}", known.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_insertions_deletions_substitutions() {
        assert_eq!(edit_distance("", ""), 0);
        assert_eq!(edit_distance("image", "image"), 0);
        assert_eq!(edit_distance("imag", "image"), 1);
        assert_eq!(edit_distance("imgae", "image"), 1);
        assert_eq!(edit_distance("lgo", "log"), 1);
        assert_eq!(edit_distance("port", "ports"), 1);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
    }

    #[test]
    fn closest_picks_a_plausible_typo_only() {
        let keys = ["image", "build", "ports", "env", "ready", "depends_on"];
        assert_eq!(closest("imag", &keys), Some("image"));
        assert_eq!(closest("port", &keys), Some("ports"));
        assert_eq!(closest("depend_on", &keys), Some("depends_on"));
        assert_eq!(closest("Image", &keys), Some("image"));
        assert_eq!(closest("volume_mounts", &keys), None);
        assert_eq!(closest("x", &keys), None);
    }

    #[test]
    fn unknown_lists_keys_without_a_close_match() {
        assert_eq!(unknown("key", "imag", &["image", "build"]), "unknown key `imag`; did you mean `image`?");
        assert_eq!(unknown("key", "zzz", &["image", "build"]), "unknown key `zzz`; expected one of: image, build");
    }
}
