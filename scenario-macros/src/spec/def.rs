//! The `ContainerDef` impl of a container type, whose `spec()` is the emitted spec, and the
//! stand-in impl an invalid declaration gets.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use super::emit::spec_body;
use super::model::Spec;

/// What a `ContainerDef` impl says besides the spec.
pub(crate) struct ContainerDefModel<'a> {
    /// `__private` of the runtime.
    pub private: &'a TokenStream,
    /// The type, as seen where the impl goes.
    pub ty: TokenStream,
    pub name: &'a str,
    /// `DEPENDS_ON`: an expression giving each dependency's name.
    pub depends_on: Vec<TokenStream>,
    /// `Dependencies`: the dependencies' types, for the compile-time check that each is in the
    /// scenario too (empty where the macro checked the names itself).
    pub dependencies: Vec<TokenStream>,
    pub prestart: Option<u64>,
    /// `post_start`, `prepare` and `drain`, where given.
    pub hooks: TokenStream,
}

pub(crate) fn container_def(def: &ContainerDefModel, spec: &Spec) -> TokenStream {
    let ContainerDefModel { private, ty, name, depends_on, dependencies, prestart, hooks } = def;
    let prestart = prestart.map(|n| {
        let n = Literal::usize_unsuffixed(n as usize);
        quote!(const PRESTART: usize = #n;)
    });
    let body = spec_body(spec, private);
    quote! {
        impl #private::ContainerDef for #ty {
            const NAME: &'static str = #name;
            const DEPENDS_ON: &'static [&'static str] = &[#(#depends_on),*];
            type Dependencies = (#(#dependencies,)*);
            #prestart

            fn spec() -> #private::ContainerSpec {
                #body
            }

            #hooks
        }
    }
}

/// A stand-in impl for an invalid declaration, so code naming the container does not add
/// errors of its own next to the real one.
pub(crate) fn stand_in(private: &TokenStream, ty: &TokenStream, name: &str) -> TokenStream {
    quote! {
        impl #private::ContainerDef for #ty {
            const NAME: &'static str = #name;
            const DEPENDS_ON: &'static [&'static str] = &[];
            type Dependencies = ();

            fn spec() -> #private::ContainerSpec {
                #private::ContainerSpec::from_image(#name, "")
            }
        }
    }
}
