//! The session's reaper as the taker of a landed scope's removal: the harness drains the logs,
//! hands the rest over, and reports (and exits) without waiting for the engine.

use futures_util::future::BoxFuture;

use crate::primitives::hand_off::ScopeRemoval;
use crate::reaper::ReaperLease;
use crate::scope::RemovalHandOff;

/// Hands removals to the reaper this lease is registered with.
#[derive(Debug)]
pub(crate) struct ToReaper(pub ReaperLease);

impl RemovalHandOff for ToReaper {
    fn hand_off<'a>(&'a self, removal: &'a ScopeRemoval) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(self.0.hand_over(removal))
    }
}
