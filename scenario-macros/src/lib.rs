//! Procedural macros of `scenario`: `#[container]` and `#[scenario]` (see `scenario-runtime`).

use proc_macro::TokenStream;

/// Declares a container type (placeholder until the macro lands).
#[proc_macro_attribute]
pub fn container(_args: TokenStream, item: TokenStream) -> TokenStream {
    item
}

/// Declares a scenario test module (placeholder until the macro lands).
#[proc_macro_attribute]
pub fn scenario(_args: TokenStream, item: TokenStream) -> TokenStream {
    item
}
