//! Spans for errors about a whole item.

use proc_macro2::{Group, Span, TokenStream, TokenTree};
use quote::{quote, ToTokens};
use syn::Item;

/// The keyword and name of an item, so an error does not underline a whole body.
pub(crate) fn item_head(item: &Item) -> TokenStream {
    match item {
        Item::Enum(i) => {
            let (token, ident) = (&i.enum_token, &i.ident);
            quote!(#token #ident)
        }
        Item::Union(i) => {
            let (token, ident) = (&i.union_token, &i.ident);
            quote!(#token #ident)
        }
        Item::Fn(i) => {
            let (token, ident) = (&i.sig.fn_token, &i.sig.ident);
            quote!(#token #ident)
        }
        Item::Mod(i) => {
            let (token, ident) = (&i.mod_token, &i.ident);
            quote!(#token #ident)
        }
        Item::Trait(i) => {
            let (token, ident) = (&i.trait_token, &i.ident);
            quote!(#token #ident)
        }
        Item::Impl(i) => {
            let (token, ty) = (&i.impl_token, &i.self_ty);
            quote!(#token #ty)
        }
        Item::Type(i) => {
            let (token, ident) = (&i.type_token, &i.ident);
            quote!(#token #ident)
        }
        Item::Const(i) => {
            let (token, ident) = (&i.const_token, &i.ident);
            quote!(#token #ident)
        }
        Item::Static(i) => {
            let (token, ident) = (&i.static_token, &i.ident);
            quote!(#token #ident)
        }
        other => other.to_token_stream(),
    }
}

/// `tokens` with every span set to `span`. Generated paths (`::scenario_runtime::__private::..`)
/// otherwise carry the attribute's span, and an expression mixing them with the user's tokens
/// is reported on the whole attribute instead of the user's token.
pub(crate) fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut token| {
            if let TokenTree::Group(group) = &token {
                let mut respanned = Group::new(group.delimiter(), respan(group.stream(), span));
                respanned.set_span(span);
                token = TokenTree::Group(respanned);
            } else {
                token.set_span(span);
            }
            token
        })
        .collect()
}
