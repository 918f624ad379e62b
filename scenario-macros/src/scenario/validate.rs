//! The rules of `#[scenario]`: an inline module, a non-empty list of distinct containers, and
//! test functions the harness can call (`async`, no parameters or one `&Env`).

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::{Attribute, FnArg, Ident, Item, ItemFn, ItemMod, Path, PathArguments, Type};

use super::parse::ScenarioArgs;
use crate::case::upper_camel_case;
use crate::errors::Errors;
use crate::spans::item_head;

pub(super) struct ScenarioModel {
    pub krate: Path,
    /// The module's name, which is the scenario's.
    pub name: String,
    /// `<Module>Scenario`, the type the module's `Env` and container impls are keyed by.
    pub marker: Ident,
    pub containers: Vec<Path>,
    /// The `[...]` of `containers`, where compile-time checks of the list report.
    pub containers_span: Span,
    pub tests: Vec<TestFn>,
    pub instances: Option<u32>,
    /// Items a compose file adds (its `services` module and their impls).
    pub generated: Generated,
}

/// Code generated for the containers themselves (a compose scenario's services): what goes
/// inside the scenario module and what goes beside it.
#[derive(Default)]
pub(super) struct Generated {
    pub in_module: TokenStream,
    pub beside: TokenStream,
}

/// The containers of a compose scenario: its service types, the span of the file's path, and
/// whether the file checked out.
pub(super) struct ComposeContainers {
    pub paths: Vec<Path>,
    pub span: Span,
    pub valid: bool,
}

pub(super) struct TestFn {
    pub ident: Ident,
    pub ignored: bool,
    /// `#[exclusive]`: runs on an instance no other test uses meanwhile.
    pub exclusive: bool,
    /// `#[cfg]`s of the function, repeated on its registration.
    pub cfgs: Vec<Attribute>,
    pub takes_env: bool,
    /// Where a return type that is not a test result is reported.
    pub output_span: Span,
}

/// The item must be an inline module.
pub(super) fn target(item: &Item) -> syn::Result<&ItemMod> {
    match item {
        Item::Mod(module) if module.content.is_some() => Ok(module),
        Item::Mod(module) => Err(syn::Error::new_spanned(
            item_head(item),
            format!(
                "`#[scenario]` needs the module's tests inline: write `mod {} {{ ... }}`, not `mod {};`",
                module.ident, module.ident
            ),
        )),
        other => Err(syn::Error::new_spanned(
            item_head(other),
            "`#[scenario]` goes on a module of tests: `#[scenario(containers = [Db])] mod checkout { ... }`",
        )),
    }
}

pub(super) fn marker(module: &ItemMod) -> Ident {
    Ident::new(&format!("{}Scenario", upper_camel_case(&module.ident.to_string())), module.ident.span())
}

pub(super) fn krate(args: &ScenarioArgs) -> Path {
    args.krate.as_ref().map(|k| k.value.clone()).unwrap_or_else(|| syn::parse_quote!(::scenario_runtime))
}

/// The listed containers without repeats (for the stand-in expansion after an error).
pub(super) fn distinct_containers(args: &ScenarioArgs) -> Vec<Path> {
    let mut distinct: Vec<Path> = Vec::new();
    for path in args.containers.iter().flat_map(|c| &c.value.paths) {
        if !distinct.iter().any(|seen| same_path(seen, path)) {
            distinct.push(path.clone());
        }
    }
    distinct
}

fn same_path(a: &Path, b: &Path) -> bool {
    a.to_token_stream().to_string() == b.to_token_stream().to_string()
}

/// Checks everything; `None` if anything (here or in `errors` already) is wrong.
pub(super) fn validate(
    args: ScenarioArgs,
    module: &ItemMod,
    attr: &TokenStream,
    compose: Option<&ComposeContainers>,
    errors: &mut Errors,
) -> Option<ScenarioModel> {
    let tests = tests(module, errors);
    if args.unparsed {
        return None;
    }
    if let (Some(containers), true) = (&args.containers, args.seen.contains(&"compose")) {
        errors.spanned(
            &containers.key,
            "`containers` and `compose` exclude each other: the compose file's services are the scenario's containers",
        );
        return None;
    }
    if let (Some(contexts), false) = (&args.build_contexts, args.seen.contains(&"compose")) {
        errors
            .spanned(&contexts.key, "`build_context` sets build folders of compose services: add `compose = \"...\"`");
    }
    if let Some(compose) = compose {
        if !compose.valid || !errors.is_empty() {
            return None;
        }
        return Some(model(&args, module, compose.paths.clone(), compose.span, tests));
    }
    let Some(containers) = &args.containers else {
        let compose_seen = args.seen.contains(&"compose") || args.misspelled.contains(&"compose");
        if !args.seen.contains(&"containers") && !args.misspelled.contains(&"containers") && !compose_seen {
            let message = "a scenario needs its containers: `#[scenario(containers = [Db, Web])]`";
            match attr.is_empty() {
                true => errors.push(syn::Error::new(Span::call_site(), message)),
                false => errors.spanned(attr, message),
            }
        }
        return None;
    };
    let list = &containers.value;
    if list.paths.is_empty() {
        errors.spanned(&list.expr, "a scenario needs at least one container: `containers = [Db]`");
    }
    let mut seen: Vec<&Path> = Vec::new();
    for path in &list.paths {
        if seen.iter().any(|s| same_path(s, path)) {
            errors.spanned(path, format!("`{}` is listed twice", path.to_token_stream()));
        }
        seen.push(path);
    }
    if !errors.is_empty() {
        return None;
    }
    Some(model(&args, module, list.paths.clone(), syn::spanned::Spanned::span(&list.expr), tests))
}

fn model(
    args: &ScenarioArgs,
    module: &ItemMod,
    containers: Vec<Path>,
    containers_span: Span,
    tests: Vec<TestFn>,
) -> ScenarioModel {
    ScenarioModel {
        krate: krate(args),
        name: module.ident.to_string().trim_start_matches("r#").to_string(),
        marker: marker(module),
        containers,
        containers_span,
        tests,
        instances: args.instances.as_ref().map(|k| k.value),
        generated: Generated::default(),
    }
}

pub(super) fn is_test(attr: &Attribute) -> bool {
    attr.path().is_ident("test")
}

fn is_ignore(attr: &Attribute) -> bool {
    attr.path().is_ident("ignore")
}

fn is_exclusive(attr: &Attribute) -> bool {
    attr.path().is_ident("exclusive")
}

/// The module's `#[test]` functions, each checked.
fn tests(module: &ItemMod, errors: &mut Errors) -> Vec<TestFn> {
    let items = module.content.as_ref().map(|(_, items)| items.as_slice()).unwrap_or_default();
    items
        .iter()
        .filter_map(|item| match item {
            Item::Fn(function) if function.attrs.iter().any(is_test) => Some(function),
            _ => None,
        })
        .filter_map(|function| test(function, errors))
        .collect()
}

fn test(function: &ItemFn, errors: &mut Errors) -> Option<TestFn> {
    let before = errors.len();
    let sig = &function.sig;
    let head = {
        let (fn_token, ident) = (&sig.fn_token, &sig.ident);
        quote::quote!(#fn_token #ident)
    };
    if sig.asyncness.is_none() {
        errors.spanned(&head, "a scenario test must be `async fn`: it runs on the scenario's runtime");
    }
    if !sig.generics.params.is_empty() {
        errors.spanned(&sig.generics, "a scenario test cannot be generic");
    }
    for attr in function.attrs.iter().filter(|a| a.path().is_ident("should_panic")) {
        errors.spanned(attr, "`#[should_panic]` is not supported in a scenario test; return an error instead");
    }
    let usage = "a scenario test takes no parameters or one `env: &Env` (this scenario's environment)";
    let mut takes_env = false;
    for (index, input) in sig.inputs.iter().enumerate() {
        match input {
            FnArg::Typed(typed) if index == 0 && is_env_ref(&typed.ty) => takes_env = true,
            FnArg::Typed(typed) if index == 0 => errors.spanned(&typed.ty, usage),
            other => errors.spanned(other, usage),
        }
    }
    if errors.len() != before {
        return None;
    }
    let output_span = match &sig.output {
        syn::ReturnType::Default => sig.ident.span(),
        syn::ReturnType::Type(_, ty) => syn::spanned::Spanned::span(ty),
    };
    Some(TestFn {
        ident: sig.ident.clone(),
        ignored: function.attrs.iter().any(is_ignore),
        exclusive: function.attrs.iter().any(is_exclusive),
        cfgs: function.attrs.iter().filter(|a| a.path().is_ident("cfg")).cloned().collect(),
        takes_env,
        output_span,
    })
}

/// `&Env` (or a path ending in `Env`, such as `&self::Env`), without generic arguments.
fn is_env_ref(ty: &Type) -> bool {
    let Type::Reference(reference) = ty else { return false };
    let Type::Path(path) = &*reference.elem else { return false };
    reference.mutability.is_none()
        && path.qself.is_none()
        && path.path.segments.last().is_some_and(|s| s.ident == "Env" && matches!(s.arguments, PathArguments::None))
}

/// Removes `#[test]` and `#[ignore]` from the module's test functions (the harness runs them),
/// marking them used when no registration refers to them (the stand-in after an error).
pub(super) fn strip_test_attributes(module: &mut ItemMod, referenced: bool) {
    let Some((_, items)) = &mut module.content else { return };
    for item in items {
        let Item::Fn(function) = item else { continue };
        if !function.attrs.iter().any(is_test) {
            continue;
        }
        function.attrs.retain(|a| !is_test(a) && !is_ignore(a) && !is_exclusive(a));
        if !referenced {
            function.attrs.push(syn::parse_quote!(#[allow(dead_code)]));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checked(function: &str) -> (Option<TestFn>, Vec<String>) {
        let mut errors = Errors::default();
        let test = test(&syn::parse_str(function).unwrap(), &mut errors);
        let messages = errors.finish().err().map(|e| e.into_iter().map(|e| e.to_string()).collect());
        (test, messages.unwrap_or_default())
    }

    #[test]
    fn accepts_the_two_signatures() {
        let (test, errors) = checked("#[test] #[ignore] async fn t(env: &Env) -> TestResult { Ok(()) }");
        assert!(errors.is_empty());
        let test = test.unwrap();
        assert!(test.takes_env && test.ignored);
        let (test, _) = checked("#[test] async fn t() {}");
        assert!(!test.unwrap().takes_env);
    }

    #[test]
    fn reports_every_problem_of_a_test() {
        let (test, errors) = checked("#[test] #[should_panic] fn t<T>(env: &mut Env, x: u8) {}");
        assert!(test.is_none());
        assert_eq!(errors.len(), 5, "{errors:?}");
        assert!(errors[0].contains("must be `async fn`"));
    }

    #[test]
    fn env_parameter_must_be_a_shared_reference_to_env() {
        assert!(is_env_ref(&syn::parse_quote!(&Env)));
        assert!(is_env_ref(&syn::parse_quote!(&self::Env)));
        assert!(!is_env_ref(&syn::parse_quote!(Env)));
        assert!(!is_env_ref(&syn::parse_quote!(&mut Env)));
        assert!(!is_env_ref(&syn::parse_quote!(&Env<Self>)));
        assert!(!is_env_ref(&syn::parse_quote!(&Environment)));
    }
}
