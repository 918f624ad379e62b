//! The result types of tests and hooks, and the conversions that let a test return `()` or any
//! `Result<(), E>` with a displayable error.

use std::future::Future;
use std::pin::Pin;

/// Any error a test or hook can fail with.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// What a scenario test returns: `Ok(())` passes, an error fails with its message.
pub type TestResult = Result<(), BoxError>;

/// What a hook returns.
pub type HookResult = Result<(), BoxError>;

/// A boxed hook future borrowing the container it runs against.
pub type HookFuture<'a> = Pin<Box<dyn Future<Output = HookResult> + Send + 'a>>;

/// Return types a scenario test may have.
#[diagnostic::on_unimplemented(
    message = "a scenario test must return `()` or `Result<(), E>`, not `{Self}`",
    note = "use `TestResult` (`Result<(), BoxError>`) to fail with any error via `?`"
)]
pub trait IntoTestResult {
    /// The test's outcome as a [`TestResult`].
    fn into_test_result(self) -> TestResult;
}

impl IntoTestResult for () {
    fn into_test_result(self) -> TestResult {
        Ok(())
    }
}

impl<E: Into<BoxError>> IntoTestResult for Result<(), E> {
    fn into_test_result(self) -> TestResult {
        self.map_err(Into::into)
    }
}
