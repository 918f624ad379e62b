//! SIGINT and SIGTERM as a stream: the first one tears down, a second one (an impatient
//! Ctrl-C) exits at once and leaves what is left to the session's reaper.

use tokio::signal::unix::{signal, Signal, SignalKind};

/// The process's interrupts, from the moment this is made (the default action, exit, is off
/// from then on: tokio's handler stays installed).
pub(super) struct Interrupts {
    interrupt: Signal,
    terminate: Signal,
}

impl Interrupts {
    /// `None` if the handlers cannot be installed (then the default action stays).
    pub(super) fn listen() -> Option<Interrupts> {
        Some(Interrupts {
            interrupt: signal(SignalKind::interrupt()).ok()?,
            terminate: signal(SignalKind::terminate()).ok()?,
        })
    }

    /// Resolves at the next SIGINT or SIGTERM.
    pub(super) async fn next(&mut self) {
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
        }
    }
}
