//! `#[container(...)]`: parse the arguments, validate them with the struct, expand to the struct
//! and its `ContainerDef` impl.

mod audit;
mod computed;
mod copy;
mod expand;
mod limits;
mod lower;
mod parse;
mod ready_combined;
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

#[cfg(test)]
mod tests {
    use quote::quote;

    use super::container;

    #[test]
    fn expands_to_the_struct_and_its_container_def() {
        let out = container(
            quote!(image = "busybox:1.35", ports = [80]),
            quote!(
                pub struct Web;
            ),
        )
        .to_string();
        assert!(out.contains("pub struct Web ;"), "{out}");
        assert!(out.contains("ContainerDef for Web"), "{out}");
        assert!(out.contains("\"web\""), "{out}");
        assert!(!out.contains("compile_error"), "{out}");
    }

    #[test]
    fn a_pull_policy_becomes_the_runtimes_variant_and_a_wrong_one_lists_the_accepted() {
        let out = container(
            quote!(image = "busybox:1.35", pull = "always"),
            quote!(
                pub struct Web;
            ),
        )
        .to_string();
        assert!(out.contains(". pull (:: scenario_runtime :: __private :: PullPolicy :: Always)"), "{out}");
        let out = container(
            quote!(image = "busybox:1.35", pull = "sometimes"),
            quote!(
                pub struct Web;
            ),
        )
        .to_string();
        assert!(out.contains("`sometimes` is not a pull policy"), "{out}");
        assert!(out.contains("`missing`") && out.contains("`always`") && out.contains("`never`"), "{out}");
    }

    #[test]
    fn an_invalid_declaration_keeps_the_struct_with_a_stand_in_impl() {
        let out = container(
            quote!(imgae = "x", ports = [0]),
            quote!(
                pub struct Db;
            ),
        )
        .to_string();
        assert!(out.contains("pub struct Db ;"), "{out}");
        assert!(out.contains("ContainerDef for Db"), "{out}");
        assert_eq!(out.matches("compile_error").count(), 2, "{out}");
    }

    #[test]
    fn a_non_struct_is_emitted_unchanged_beside_the_error() {
        let out = container(
            quote!(image = "x"),
            quote!(
                enum Db {
                    A,
                }
            ),
        )
        .to_string();
        assert!(out.starts_with("enum Db {"), "{out}");
        assert!(out.contains("compile_error"), "{out}");
        assert!(!out.contains("ContainerDef"), "{out}");
    }
}
