//! `#[container(...)]`: parse the arguments, validate them with the struct, expand to the struct
//! and its `ContainerDef` impl.

mod expand;
mod parse;
mod validate;

use proc_macro2::TokenStream;
use syn::Item;

use crate::errors::Errors;

pub(crate) fn container(attr: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let args = parse::parse(attr.clone(), &mut errors);
    // The item and the arguments are checked independently, so both kinds of error show at once.
    let parsed_item = errors.ok(syn::parse2::<Item>(item.clone()));
    let target = parsed_item.as_ref().and_then(|item| errors.ok(validate::target(item)));
    let Some(target) = target else {
        return with_errors(item, errors);
    };
    let name = validate::name(&args, &target.ident);
    let krate = validate::krate(&args);
    match validate::validate(args, target, &attr, &mut errors) {
        Some(model) if errors.is_empty() => expand::expand(&model, target),
        _ => with_errors(expand::fallback(target, &name, &krate), errors),
    }
}

fn with_errors(mut tokens: TokenStream, errors: Errors) -> TokenStream {
    tokens.extend(errors.into_compile_errors());
    tokens
}
