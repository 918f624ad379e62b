//! The code of a compose scenario: inside the scenario module, `pub mod services` with one unit
//! struct per service; beside the module (where the attribute's expressions resolve as written),
//! each service's `ContainerDef` impl, whose `spec()` is the builder chain of the service's spec
//! (see `lower`), and an `include_bytes!` per file read, so editing a compose file rebuilds the
//! crate.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Ident, Path};

use super::{Compose, ComputedContext};
use crate::spec::{container_def, stand_in, ContainerDefModel};

/// `pub mod services { pub struct Web; ... }`, to be placed inside the scenario module.
pub(crate) fn services_module(compose: &Compose) -> TokenStream {
    let structs = compose.services.iter().map(|service| {
        let ty = &service.ty;
        let doc = format!("Service `{}` of `{}`.", service.name, compose.written);
        quote! {
            #[doc = #doc]
            pub struct #ty;
        }
    });
    let doc = format!("The services of `{}`, one container type each.", compose.written);
    quote! {
        #[doc = #doc]
        pub mod services {
            #(#structs)*
        }
    }
}

/// The paths of the service types as seen from beside the scenario module.
pub(crate) fn paths(compose: &Compose, module: &Ident) -> Vec<Path> {
    compose
        .services
        .iter()
        .map(|service| {
            let ty = &service.ty;
            syn::parse_quote!(#module::services::#ty)
        })
        .collect()
}

/// `const _: &[u8] = include_bytes!("...")` for the compose files and their env files, and
/// `option_env!("COMPOSE_PROFILES")`, which the active profiles were read from: cargo rebuilds
/// the crate when any of them changes.
pub(crate) fn watch_files(compose: &Compose) -> TokenStream {
    let files = compose.watched.iter().map(|path| {
        let path = path.to_string_lossy();
        quote!(
            const _: &[u8] = include_bytes!(#path);
        )
    });
    quote! {
        #(#files)*
        const _: ::core::option::Option<&str> = ::core::option_env!("COMPOSE_PROFILES");
    }
}

/// The `ContainerDef` impls of the services, to be placed beside the scenario module. For an
/// invalid file they are stand-ins, so code naming the services adds no errors of its own.
pub(crate) fn impls(compose: &Compose, module: &Ident, krate: &Path, contexts: &[ComputedContext]) -> TokenStream {
    let private = quote!(#krate::__private);
    let impls = compose.services.iter().map(|service| {
        let ty = &service.ty;
        let ty = quote!(#module::services::#ty);
        if !compose.valid {
            return stand_in(&private, &ty, &service.name);
        }
        let context = contexts.iter().find(|c| c.service == service.name).map(|c| &c.expr);
        let def = ContainerDefModel {
            private: &private,
            ty,
            name: &service.name,
            depends_on: service.depends_on.iter().map(|name| quote!(#name)).collect(),
            // The macro checked the dependencies against the file's services itself.
            dependencies: Vec::new(),
            prestart: None,
            hooks: TokenStream::new(),
        };
        container_def(&def, &super::lower::spec(service, context, &compose.folder))
    });
    quote!(#(#impls)*)
}
