//! `#[scenario(containers = [...])]` on an inline test module: parse the arguments, validate
//! them with the module and its tests, expand to the registrations and compile-time checks.

mod expand;
mod parse;
mod validate;

use proc_macro2::TokenStream;
use syn::Item;

use crate::errors::Errors;

pub(crate) fn scenario(attr: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let args = parse::parse(attr.clone(), &mut errors);
    // The item and the arguments are checked independently, so both kinds of error show at once.
    let parsed_item = errors.ok(syn::parse2::<Item>(item.clone()));
    let target = parsed_item.as_ref().and_then(|item| errors.ok(validate::target(item)));
    let Some(module) = target else {
        let mut tokens = item;
        tokens.extend(errors.into_compile_errors());
        return tokens;
    };
    let marker = validate::marker(module);
    let krate = validate::krate(&args);
    let containers = validate::distinct_containers(&args);
    match validate::validate(args, module, &attr, &mut errors) {
        Some(model) if errors.is_empty() => expand::expand(&model, module.clone()),
        _ => {
            let mut tokens = expand::fallback(&mut module.clone(), &marker, &containers, &krate);
            tokens.extend(errors.into_compile_errors());
            tokens
        }
    }
}
