//! What a compose scenario resolves when it starts: compose's variable interpolation
//! (`interpolate`), env files (`env_file`) and the variables of one compose project
//! (`variables`), which the code `#[scenario(compose = ...)]` generates calls.

pub mod env_file;
pub mod interpolate;
pub mod variables;

pub use interpolate::{interpolate, InterpolationError};
pub use variables::Variables;
