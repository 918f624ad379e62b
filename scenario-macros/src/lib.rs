//! Procedural macros of `scenario`: `#[container]` and `#[scenario]` (see `scenario-runtime`).
