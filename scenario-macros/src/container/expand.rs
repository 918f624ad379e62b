//! The code of a valid `#[container]`: the struct as written and its `ContainerDef` impl, whose
//! `spec()` is the spec model's builder chain.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::{Ident, ItemStruct, Path};

use super::validate::ContainerModel;
use crate::spans::respan;
use crate::spec::{container_def, stand_in, ContainerDefModel};

pub(super) fn expand(model: &ContainerModel, item: &ItemStruct) -> TokenStream {
    let krate = &model.krate;
    let private = quote!(#krate::__private);
    let depends_on = model
        .depends_on
        .iter()
        .map(|dep| {
            // Spanned on the user's path: "`X: ContainerDef` is not satisfied" points at `X`.
            let container_def = respan(quote!(#private::ContainerDef), dep.span());
            quote_spanned!(dep.span()=> <#dep as #container_def>::NAME)
        })
        .collect();
    let hooks = [(&model.post_start, "post_start"), (&model.prepare, "prepare"), (&model.drain, "drain")]
        .into_iter()
        .filter_map(|(path, method)| path.as_ref().map(|path| hook(path, method, krate, &private)))
        .collect();
    let def = ContainerDefModel {
        private: &private,
        ty: model.ident.to_token_stream(),
        name: &model.name,
        depends_on,
        dependencies: model.depends_on.iter().map(ToTokens::to_token_stream).collect(),
        prestart: model.prestart,
        hooks,
    };
    let def = container_def(&def, &super::lower::spec(model));
    quote! {
        #item

        #def
    }
}

/// The struct with a stand-in impl, after an error.
pub(super) fn fallback(item: &ItemStruct, name: &str, krate: &Path) -> TokenStream {
    let stand_in = stand_in(&quote!(#krate::__private), &item.ident.to_token_stream(), name);
    quote! {
        #item

        #stand_in
    }
}

/// `fn post_start(c) -> HookFuture { Box::pin(user_fn(c)) }`, spanned on the user's path so a
/// wrong signature is reported there.
fn hook(path: &Path, method: &str, krate: &Path, private: &TokenStream) -> TokenStream {
    let method = Ident::new(method, path.span());
    let pin = respan(quote!(#private::Box::pin), path.span());
    let call = quote_spanned!(path.span()=> #pin(#path(container)));
    quote! {
        fn #method(container: &#krate::Container<#krate::Ready>) -> #private::HookFuture<'_> {
            #call
        }
    }
}
