//! The code of a valid `#[scenario]`. Inside the module: the scenario's marker type, the `Env`
//! alias tests take, and one registration per test. Beside the module (where the container
//! paths resolve as the user wrote them): the `InScenario` impls, the compile-time checks of
//! dependencies, and the scenario's registration.

use proc_macro2::{Literal, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Ident, Item, ItemMod, Path};

use super::validate::{strip_test_attributes, Generated, ScenarioModel, TestFn};
use crate::spans::respan;

pub(super) fn expand(model: &ScenarioModel, mut module: ItemMod) -> TokenStream {
    let private = private(&model.krate);
    strip_test_attributes(&mut module, true);
    let registrations = model.tests.iter().map(|test| test_registration(test, &model.marker, &private));
    let (_, items) = module.content.as_mut().expect("validated as an inline module");
    items.extend(scenario_items(&model.name, &model.marker, &private));
    items.push(Item::Verbatim(model.generated.in_module.clone()));
    items.extend(registrations.map(Item::Verbatim));

    let module_ident = &module.ident;
    let marker = &model.marker;
    let scenario: Path = syn::parse_quote!(#module_ident::#marker);
    let name = &model.name;
    let memberships = memberships(&model.containers, &scenario, &private);
    let dependency_checks = model.containers.iter().map(|container| {
        // Spanned on the listed container whose `depends_on` names a type outside the scenario.
        let check = respan(quote!(#private::assert_dependencies_in::<#scenario,), container.span());
        quote_spanned!(container.span()=> #check #container>();)
    });
    let count = Literal::usize_unsuffixed(model.containers.len());
    let entries = model.containers.iter().map(|container| {
        // Through the scenario's membership, so a listed type that is no container is reported
        // once (at its `InScenario` impl), not again by every use of it here.
        let entry = respan(quote!(#scenario::__entry::<), container.span());
        quote_spanned!(container.span()=> #entry #container>())
    });
    let cycle_check = cycle_check(model, &private);
    let instances = match model.instances {
        Some(n) => quote!(::core::option::Option::Some(#n)),
        None => quote!(::core::option::Option::None),
    };
    let generated = &model.generated.beside;
    // A scenario without tests only declares types (tests of the runtime use those under
    // libtest); one with tests would silently run none of them there.
    let harness_check = if model.tests.is_empty() {
        TokenStream::new()
    } else {
        crate::harness_check::expand(module_ident.span(), &module_ident.to_string())
    };
    quote! {
        #module

        #harness_check

        #generated

        #memberships

        const _: () = {
            const CONTAINERS: [#private::ContainerEntry; #count] = [#(#entries),*];

            #(#dependency_checks)*

            #cycle_check

            #private::inventory::submit! {
                #private::ScenarioRegistration {
                    name: #name,
                    module_path: concat!(module_path!(), "::", #name),
                    containers: &CONTAINERS,
                    instances: #instances,
                }
            }
        };
    }
}

/// The module as written with its tests unregistered, the marker type, `Env` and the container
/// memberships: after an error, code in and around the module still type-checks.
pub(super) fn fallback(
    module: &mut ItemMod,
    marker: &Ident,
    containers: &[Path],
    krate: &Path,
    generated: &Generated,
) -> TokenStream {
    let private = private(krate);
    strip_test_attributes(module, false);
    let name = module.ident.to_string();
    if let Some((_, items)) = module.content.as_mut() {
        items.extend(scenario_items(&name, marker, &private));
        items.push(Item::Verbatim(generated.in_module.clone()));
    }
    let module_ident = &module.ident;
    let memberships = memberships(containers, &syn::parse_quote!(#module_ident::#marker), &private);
    let beside = &generated.beside;
    quote!(#module #beside #memberships)
}

fn private(krate: &Path) -> TokenStream {
    quote!(#krate::__private)
}

fn scenario_items(name: &str, marker: &Ident, private: &TokenStream) -> Vec<Item> {
    let doc = format!("The scenario `{name}`: the type its environment and containers are keyed by.");
    vec![
        syn::parse_quote! {
            #[doc = #doc]
            pub struct #marker;
        },
        syn::parse_quote! {
            impl #private::ScenarioDef for #marker {
                const NAME: &'static str = #name;
            }
        },
        syn::parse_quote! {
            impl #marker {
                /// The entry of a container of this scenario, for the scenario's registration.
                #[doc(hidden)]
                pub const fn __entry<C: #private::InScenario<Self>>() -> #private::ContainerEntry {
                    #private::ContainerEntry::of::<C>()
                }
            }
        },
        syn::parse_quote! {
            /// The running environment of this scenario, as its tests receive it.
            #[allow(dead_code)]
            pub type Env = #private::Env<#marker>;
        },
    ]
}

fn memberships(containers: &[Path], scenario: &Path, private: &TokenStream) -> TokenStream {
    let impls = containers.iter().map(|container| {
        // Spanned on the listed path: a type that is no container is reported there.
        let in_scenario = respan(quote!(#private::InScenario<#scenario>), container.span());
        quote_spanned!(container.span()=> impl #in_scenario for #container {})
    });
    quote!(#(#impls)*)
}

fn test_registration(test: &TestFn, marker: &Ident, private: &TokenStream) -> TokenStream {
    let TestFn { ident, ignored, exclusive, cfgs, takes_env, output_span } = test;
    let name = ident.to_string();
    let call = if *takes_env { quote!(#ident(&env).await) } else { quote!(#ident().await) };
    // Spanned on the return type, so "must return `()` or `Result<(), E>`" points there.
    let result = respan(quote!(#private::IntoTestResult::into_test_result(#call)), *output_span);
    quote! {
        #(#cfgs)*
        const _: () = {
            fn __scenario_test(env: #private::ErasedEnv) -> #private::TestFuture {
                #private::Box::pin(async move {
                    let env = #private::Env::<#marker>::__from_erased(env);
                    let _ = &env;
                    #result
                })
            }
            #private::inventory::submit! {
                #private::TestRegistration {
                    module_path: module_path!(),
                    name: #name,
                    ignored: #ignored,
                    exclusive: #exclusive,
                    run: __scenario_test,
                }
            }
        };
    }
}

/// A const evaluation of the runtime's dependency check over `CONTAINERS` (names and
/// `depends_on`) that fails compilation on a dependency cycle, naming its containers, or on two
/// containers with one name.
fn cycle_check(model: &ScenarioModel, private: &TokenStream) -> TokenStream {
    let count = Literal::usize_unsuffixed(model.containers.len());
    let scenario = &model.name;
    // Spanned on the list: the evaluation error is reported there.
    let check = quote_spanned!(model.containers_span=> check(&CONTAINERS););
    quote! {
        const _: () = {
            struct Message;

            impl Message {
                // The failed evaluation is the compile error.
                const fn fail(text: &str) -> ! {
                    panic!("{}", text)
                }
            }

            const fn check(containers: &[#private::ContainerEntry]) {
                let verdict = #private::check_dependencies(#scenario, containers, &mut [#private::Visit::NEW; #count]);
                if let ::core::option::Option::Some(text) = verdict.problem() {
                    Message::fail(text);
                }
            }

            #check
        };
    }
}
