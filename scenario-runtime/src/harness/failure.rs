//! The message of a failed test: the error, then the tail of each container's logs.

use std::any::Any;

use crate::declare::env::ErasedEnv;

/// Log lines quoted per container when a test fails.
const FAILURE_LOG_LINES: usize = 20;

pub(crate) async fn with_log_tails(message: String, env: &ErasedEnv) -> String {
    let mut names: Vec<_> = env.running().containers().keys().copied().collect();
    names.sort_unstable();
    let mut text = message;
    for name in names {
        let container = &env.running().containers()[name];
        text.push_str(&format!("\n--- last log lines of {name} ---\n{}", container.log_tail(FAILURE_LOG_LINES).await));
    }
    text
}

pub(crate) fn panic_message(payload: Box<dyn Any + Send>) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        format!("test panicked: {s}")
    } else if let Some(s) = payload.downcast_ref::<String>() {
        format!("test panicked: {s}")
    } else {
        "test panicked".to_string()
    }
}
