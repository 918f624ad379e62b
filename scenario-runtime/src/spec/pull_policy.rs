//! When an image reference is pulled: the policy a spec names, and `SCENARIO_PULL` overriding it
//! for a run. The pulling itself is `primitives::image::pull`'s.

/// The variable that overrides every container's pull policy for a run.
pub const PULL_ENV: &str = "SCENARIO_PULL";

/// When an image reference is pulled from its registry.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PullPolicy {
    /// Only when the engine does not have it (the default; compose's `missing`/`if_not_present`).
    #[default]
    Missing,
    /// Once per run, so a tag that moved in the registry is seen (a kept container running the
    /// old image is then stale: `Staleness::ImageUpdated`). Digest references are never re-pulled.
    Always,
    /// Never: the image must be on the engine.
    Never,
}

impl PullPolicy {
    /// The words `pull = "..."`, `SCENARIO_PULL` and compose's `pull_policy` accept.
    pub const NAMES: &'static [&'static str] = crate::base::settings::PULL_POLICY_WORDS;

    /// The policy one of [`PullPolicy::NAMES`] names; `None` for any other word.
    pub fn parse(word: &str) -> Option<PullPolicy> {
        match word {
            "missing" => Some(PullPolicy::Missing),
            "always" => Some(PullPolicy::Always),
            "never" => Some(PullPolicy::Never),
            _ => None,
        }
    }

    /// The policy's word, as [`PullPolicy::parse`] reads it.
    pub fn as_str(self) -> &'static str {
        match self {
            PullPolicy::Missing => "missing",
            PullPolicy::Always => "always",
            PullPolicy::Never => "never",
        }
    }

    /// Whether this is the default, [`PullPolicy::Missing`].
    pub fn is_default(&self) -> bool {
        *self == PullPolicy::Missing
    }

    /// The policy in force for this run: `SCENARIO_PULL` when set (checked by the settings table
    /// before the run starts), else `self`.
    pub fn for_run(self) -> PullPolicy {
        std::env::var(PULL_ENV)
            .ok()
            .and_then(|word| PullPolicy::parse(&word.trim().to_ascii_lowercase()))
            .unwrap_or(self)
    }
}

impl std::fmt::Display for PullPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
