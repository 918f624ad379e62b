//! Errors of engine calls: a hung engine or one that went away gets an error of its own, so the
//! classification of bollard's errors (`timeout::fault_of`) lives beside the client.

use crate::base::error::{error_chain, EngineError, Error};

impl Error {
    /// A failed engine call; a hung engine or one that went away gets an error of its own.
    pub(crate) fn engine(operation: &'static str, subject: impl Into<String>, source: bollard::errors::Error) -> Self {
        use super::timeout::{fault_of, reported, Fault};
        let (subject, engine) = (subject.into(), crate::base::error::UNNAMED_ENGINE.to_string());
        match fault_of(&source) {
            Some(Fault::Hung) => Error::EngineTimeout { operation, subject, engine, after: reported() },
            Some(Fault::Gone) => Error::EngineGone { operation, subject, engine, reason: error_chain(&source) },
            None => Error::Engine { operation, subject, source: EngineError::new(source) },
        }
    }
}
