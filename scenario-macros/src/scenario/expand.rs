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

/// Longest message of a compile-time check; longer ones end in `...`.
const MESSAGE_CAPACITY: usize = 1024;

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

/// A const evaluation over the entries in `CONTAINERS` (names and `depends_on`) that fails
/// compilation on a dependency cycle, naming its containers, or on two containers with one name.
fn cycle_check(model: &ScenarioModel, private: &TokenStream) -> TokenStream {
    let count = Literal::usize_unsuffixed(model.containers.len());
    let capacity = Literal::usize_unsuffixed(MESSAGE_CAPACITY);
    let scenario = &model.name;
    // Spanned on the list: the evaluation error is reported there.
    let check = quote_spanned!(model.containers_span=> check(&CONTAINERS););
    quote! {
        const _: () = {
            const COUNT: usize = #count;
            const CAPACITY: usize = #capacity;
            const SCENARIO: &str = #scenario;

            const fn same(a: &str, b: &str) -> bool {
                let (a, b) = (a.as_bytes(), b.as_bytes());
                if a.len() != b.len() {
                    return false;
                }
                let mut i = 0;
                while i < a.len() {
                    if a[i] != b[i] {
                        return false;
                    }
                    i += 1;
                }
                true
            }

            // A const panic prints one `&str`, so the message is assembled in a fixed buffer.
            struct Message {
                bytes: [u8; CAPACITY],
                len: usize,
            }

            impl Message {
                const fn new() -> Message {
                    Message { bytes: [0; CAPACITY], len: 0 }
                }

                // Whole pieces only, so the buffer stays UTF-8; what does not fit becomes "...".
                const fn push(mut self, piece: &str) -> Message {
                    let piece = piece.as_bytes();
                    if self.len + piece.len() + 3 > CAPACITY {
                        if self.len + 3 <= CAPACITY && (self.len < 3 || self.bytes[self.len - 1] != b'.') {
                            self.bytes[self.len] = b'.';
                            self.bytes[self.len + 1] = b'.';
                            self.bytes[self.len + 2] = b'.';
                            self.len += 3;
                        }
                        return self;
                    }
                    let mut i = 0;
                    while i < piece.len() {
                        self.bytes[self.len + i] = piece[i];
                        i += 1;
                    }
                    self.len += piece.len();
                    self
                }

                const fn fail(self) -> ! {
                    let (text, _) = self.bytes.split_at(self.len);
                    match ::core::str::from_utf8(text) {
                        Ok(text) => panic!("{}", text),
                        Err(_) => panic!("a dependency cycle among the containers of this scenario"),
                    }
                }
            }

            const fn check(containers: &[#private::ContainerEntry; COUNT]) {
                let mut i = 0;
                while i < COUNT {
                    let mut j = i + 1;
                    while j < COUNT {
                        if same(containers[i].name, containers[j].name) {
                            Message::new()
                                .push("two containers of scenario `")
                                .push(SCENARIO)
                                .push("` are named `")
                                .push(containers[i].name)
                                .push("`; give one of them another `name = \"...\"`")
                                .fail();
                        }
                        j += 1;
                    }
                    i += 1;
                }

                // Depth-first search; `path` is the chain of dependencies being followed, so
                // reaching a container already on it closes a cycle.
                const NEW: u8 = 0;
                const ON_PATH: u8 = 1;
                const DONE: u8 = 2;
                let mut state = [NEW; COUNT];
                let mut path = [0usize; COUNT];
                let mut next_dependency = [0usize; COUNT];
                let mut root = 0;
                while root < COUNT {
                    if state[root] == NEW {
                        state[root] = ON_PATH;
                        path[0] = root;
                        next_dependency[0] = 0;
                        let mut depth = 1;
                        while depth > 0 {
                            let current = path[depth - 1];
                            let dependencies = containers[current].depends_on;
                            if next_dependency[depth - 1] == dependencies.len() {
                                state[current] = DONE;
                                depth -= 1;
                                continue;
                            }
                            let dependency = dependencies[next_dependency[depth - 1]];
                            next_dependency[depth - 1] += 1;
                            let mut target = 0;
                            while target < COUNT && !same(containers[target].name, dependency) {
                                target += 1;
                            }
                            // A dependency outside the scenario is `assert_dependencies_in`'s to report.
                            if target == COUNT {
                                continue;
                            }
                            if state[target] == ON_PATH {
                                let mut message = Message::new()
                                    .push("dependency cycle in scenario `")
                                    .push(SCENARIO)
                                    .push("`: ");
                                let mut step = 0;
                                while path[step] != target {
                                    step += 1;
                                }
                                while step < depth {
                                    message = message.push("`").push(containers[path[step]].name).push("` -> ");
                                    step += 1;
                                }
                                message
                                    .push("`")
                                    .push(containers[target].name)
                                    .push("`; remove one of these `depends_on`")
                                    .fail();
                            }
                            if state[target] == NEW {
                                state[target] = ON_PATH;
                                path[depth] = target;
                                next_dependency[depth] = 0;
                                depth += 1;
                            }
                        }
                    }
                    root += 1;
                }
            }

            #check
        };
    }
}
