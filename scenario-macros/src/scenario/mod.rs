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
    let (containers, compose, generated) = match &args.compose {
        Some(file) => {
            let (containers, generated, compose) = compose(&file.value, &args, &module.ident, &krate, &mut errors);
            (containers, Some(compose), generated)
        }
        None => (validate::distinct_containers(&args), None, validate::Generated::default()),
    };
    match validate::validate(args, module, &attr, compose.as_ref(), &mut errors) {
        Some(mut model) if errors.is_empty() => {
            model.generated = generated;
            expand::expand(&model, module.clone())
        }
        _ => {
            let mut tokens = expand::fallback(&mut module.clone(), &marker, &containers, &krate, &generated);
            tokens.extend(errors.into_compile_errors());
            tokens
        }
    }
}

/// Reads the compose files: the service types (as containers), their generated code, and how
/// the files checked out.
fn compose(
    files: &parse::ComposeFiles,
    args: &parse::ScenarioArgs,
    module: &syn::Ident,
    krate: &syn::Path,
    errors: &mut Errors,
) -> (Vec<syn::Path>, validate::Generated, validate::ComposeContainers) {
    let contexts = args.build_contexts.as_ref().map_or(&[][..], |c| c.value.as_slice());
    let compose_args = crate::compose::ComposeArgs {
        expr: &files.expr,
        files: &files.files,
        contexts,
        instances: args.instances.as_ref().map(|i| i.value),
        profiles: args.profiles.as_ref().map_or(&[][..], |p| p.value.as_slice()),
        remap_ports: args.remap_ports,
        keep_restart: args.keep_restart,
        allow_privileged: args.allow_privileged,
    };
    let loaded = crate::compose::load(&compose_args, errors);
    let paths = crate::compose::paths(&loaded, module);
    let mut beside = crate::compose::impls(&loaded, module, krate, contexts);
    beside.extend(crate::compose::watch_files(&loaded));
    let generated = validate::Generated { in_module: crate::compose::services_module(&loaded), beside };
    let span = syn::spanned::Spanned::span(&files.expr);
    let containers = validate::ComposeContainers { paths: paths.clone(), span, valid: loaded.valid };
    (paths, generated, containers)
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use super::scenario;

    #[test]
    fn registers_tests_and_removes_their_test_attribute() {
        let module = quote!(
            mod checkout_flow {
                #[test]
                #[ignore]
                async fn works(env: &Env) {}
            }
        );
        let out = scenario(quote!(containers = [Db]), module).to_string();
        assert!(out.contains("pub struct CheckoutFlowScenario"), "{out}");
        assert!(out.contains("TestRegistration"), "{out}");
        assert!(out.contains("ignored : true"), "{out}");
        assert!(!out.contains("# [ignore]"), "{out}");
        // The one `#[test]` left is the check that fails a libtest build of the target.
        assert_eq!(out.matches("# [test]").count(), 1, "{out}");
        assert!(out.contains("# [test] fn __scenario_needs_its_harness_checkout_flow"), "{out}");
    }

    #[test]
    fn an_invalid_scenario_keeps_the_module_without_registrations() {
        let module = quote!(
            mod checkout {
                #[test]
                fn not_async() {}
            }
        );
        let out = scenario(quote!(containers = [Db, Db]), module).to_string();
        assert!(out.contains("mod checkout"), "{out}");
        assert!(out.contains("pub type Env"), "{out}");
        assert!(!out.contains("TestRegistration") && !out.contains("# [test]"), "{out}");
        assert_eq!(out.matches("compile_error").count(), 2, "{out}");
    }
}
