//! SIGINT and SIGTERM as a stream: the first one tears down, a second one (an impatient
//! Ctrl-C) exits at once and leaves what is left to the session's reaper.

/// The process's interrupts, from the moment this is made (the default action, exit, is off
/// from then on: tokio's handler stays installed).
pub(super) struct Interrupts {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl Interrupts {
    /// `None` if the handlers cannot be installed (then the default action stays).
    pub(super) fn listen() -> Option<Interrupts> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            Some(Interrupts {
                interrupt: signal(SignalKind::interrupt()).ok()?,
                terminate: signal(SignalKind::terminate()).ok()?,
            })
        }
        #[cfg(not(unix))]
        {
            Some(Interrupts {})
        }
    }

    /// Resolves at the next SIGINT or SIGTERM.
    pub(super) async fn next(&mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
        }
        #[cfg(not(unix))]
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}
