//! Reuse across runs: find the kept-alive containers of a scope (one inspect each, all at once),
//! decide per container whether it is stale (and why), and recreate exactly the stale ones and
//! their dependents.

mod staleness;
mod survey;

pub use staleness::{decide, decide_completed, for_reference, name_changed_copies, propagate, Found, Staleness};
pub use survey::{survey, Surveyed};
