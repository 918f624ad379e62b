//! The code of a valid `#[container]`: the struct as written and its `ContainerDef` impl, whose
//! `spec()` is a chain of `ContainerSpec` builder calls.

use std::time::Duration;

use proc_macro2::{Literal, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::{Ident, ItemStruct, Path};

use super::parse::{ReadyArgs, ReadyKind, Source};
use super::validate::{BuildDir, ContainerModel, HostPath, Image, MountSpec};
use crate::spans::respan;

pub(super) fn expand(model: &ContainerModel, item: &ItemStruct) -> TokenStream {
    let krate = &model.krate;
    let private = quote!(#krate::__private);
    let ident = &model.ident;
    let name = &model.name;
    let dependency_names = model.depends_on.iter().map(|dep| {
        // Spanned on the user's path: "`X: ContainerDef` is not satisfied" points at `X`.
        let container_def = respan(quote!(#private::ContainerDef), dep.span());
        quote_spanned!(dep.span()=> <#dep as #container_def>::NAME)
    });
    let dependencies = &model.depends_on;
    let spec = spec(model, &private);
    let post_start = hook(&model.post_start, "post_start", krate, &private);
    let prepare = hook(&model.prepare, "prepare", krate, &private);
    let drain = hook(&model.drain, "drain", krate, &private);
    let prestart = model.prestart.map(|n| {
        let n = Literal::usize_unsuffixed(n as usize);
        quote!(const PRESTART: usize = #n;)
    });
    quote! {
        #item

        impl #private::ContainerDef for #ident {
            const NAME: &'static str = #name;
            const DEPENDS_ON: &'static [&'static str] = &[#(#dependency_names),*];
            type Dependencies = (#(#dependencies,)*);
            #prestart

            fn spec() -> #private::ContainerSpec {
                #spec
            }

            #post_start
            #prepare
            #drain
        }
    }
}

/// A stand-in impl for an invalid declaration, so code naming the container does not add
/// errors of its own next to the real one.
pub(super) fn fallback(item: &ItemStruct, name: &str, krate: &Path) -> TokenStream {
    let ident = &item.ident;
    quote! {
        #item

        impl #krate::__private::ContainerDef for #ident {
            const NAME: &'static str = #name;
            const DEPENDS_ON: &'static [&'static str] = &[];
            type Dependencies = ();

            fn spec() -> #krate::__private::ContainerSpec {
                #krate::__private::ContainerSpec::from_image(#name, "")
            }
        }
    }
}

fn spec(model: &ContainerModel, private: &TokenStream) -> TokenStream {
    let name = quote!(<Self as #private::ContainerDef>::NAME);
    let mut calls: Vec<TokenStream> = Vec::new();
    let constructor = match &model.image {
        Image::Reference(Source::Literal(lit)) => quote!(#private::ContainerSpec::from_image(#name, #lit)),
        Image::Reference(Source::Computed(expr)) => {
            // Spanned on the expression: a value that is no `Into<String>` is reported there.
            let span = expr.span();
            let (from_image, name) = (respan(quote!(#private::ContainerSpec::from_image), span), respan(name, span));
            quote_spanned!(span=> #from_image(#name, #expr))
        }
        Image::Build { dir, dockerfile, args } => {
            if let Some(dockerfile) = dockerfile {
                calls.push(quote!(.dockerfile(#dockerfile)));
            }
            calls.extend(args.iter().map(|(key, value)| quote!(.build_arg(#key, #value))));
            let dir = match dir {
                BuildDir::InCrate(relative) => in_crate(relative),
                BuildDir::Absolute(path) => path.to_token_stream(),
                BuildDir::Computed(expr) => expr.to_token_stream(),
            };
            // Spanned on the folder: a value that is no `Into<PathBuf>` is reported there.
            let span = dir.span();
            let (from_build, name) = (respan(quote!(#private::ContainerSpec::from_build), span), respan(name, span));
            quote_spanned!(span=> #from_build(#name, #dir))
        }
    };
    if let Some(policy) = &model.pull {
        calls.push(quote!(.pull(#private::PullPolicy::#policy)));
    }
    if let Some(cmd) = &model.cmd {
        // An array holds one type: with a computed element every element becomes a `String`.
        let cmd: Vec<TokenStream> = if cmd.iter().any(|c| c.is_computed()) {
            cmd.iter().map(|c| c.to_string_expr(private)).map(|c| quote!(#private::string(#c))).collect()
        } else {
            cmd.iter().map(|c| c.to_string_expr(private)).collect()
        };
        calls.push(quote!(.cmd([#(#cmd),*])));
    }
    if let Some(entrypoint) = &model.entrypoint {
        calls.push(quote!(.entrypoint([#(#entrypoint),*])));
    }
    calls.extend(model.env.iter().map(|(key, value)| {
        let value = value.to_string_expr(private);
        quote!(.env(#key, #value))
    }));
    if let Some(dir) = &model.working_dir {
        calls.push(quote!(.working_dir(#dir)));
    }
    if let Some(user) = &model.user {
        calls.push(quote!(.user(#user)));
    }
    calls.extend(model.ports.iter().map(|&port| {
        let port = Literal::u16_unsuffixed(port);
        quote!(.port(#port))
    }));
    calls.extend(model.mounts.iter().map(|m| mount(m, private)));
    calls.extend(model.copies.iter().map(|c| super::copy::expand(c, private)));
    calls.extend(model.aliases.iter().map(|alias| quote!(.alias(#alias))));
    calls.extend(model.labels.iter().map(|(key, value)| {
        let value = value.to_string_expr(private);
        quote!(.label(#key, #value))
    }));
    if let Some(check) = &model.healthcheck {
        let cmd = &check.cmd;
        let interval = check.interval.as_ref().map(|i| {
            let interval = duration(i.value, private);
            quote!(.interval(#interval))
        });
        let retries = check.retries.as_ref().map(|r| {
            let retries = Literal::u32_unsuffixed(*r as u32);
            quote!(.retries(#retries))
        });
        calls.push(quote!(.healthcheck(#private::HealthCheck::cmd([#(#cmd),*]) #interval #retries)));
    }
    if let Some(ready) = &model.ready {
        let readiness = readiness(ready, private);
        calls.push(quote!(.ready(#readiness)));
    }
    if let Some(timeout) = model.stop_timeout {
        let timeout = duration(timeout, private);
        calls.push(quote!(.stop_timeout(#timeout)));
    }
    calls.push(super::limits::calls(&model.limits));
    quote!(#constructor #(#calls)*)
}

/// A path relative to the crate that declares the container, resolved where it is compiled.
fn in_crate(relative: &str) -> TokenStream {
    quote!(concat!(env!("CARGO_MANIFEST_DIR"), "/", #relative))
}

fn mount(mount: &MountSpec, private: &TokenStream) -> TokenStream {
    // `Mount`'s constructors make writable mounts; a read-only one is rebuilt from its parts.
    let read_only = |constructed: TokenStream, variant: TokenStream| {
        quote!(match #constructed {
            #private::Mount::#variant { source, target, .. } => #private::Mount::#variant { source, target, read_only: true },
            other => other,
        })
    };
    let mount = match mount {
        MountSpec::Volume { name, target, read_only: false } => quote!(#private::Mount::volume(#name, #target)),
        MountSpec::Volume { name, target, read_only: true } => {
            // `Volume` calls its source `name`.
            quote!(match #private::Mount::volume(#name, #target) {
                #private::Mount::Volume { name, target, .. } => #private::Mount::Volume { name, target, read_only: true },
                other => other,
            })
        }
        MountSpec::Bind { source, target, read_only: writable_or_not } => {
            let source = match source {
                HostPath::Absolute(path) => path.to_token_stream(),
                HostPath::InCrate(relative) => in_crate(relative),
            };
            let bind = quote!(#private::Mount::bind(#source, #target));
            if *writable_or_not {
                read_only(bind, quote!(Bind))
            } else {
                bind
            }
        }
        MountSpec::Tmpfs { target } => quote!(#private::Mount::tmpfs(#target)),
    };
    quote!(.mount(#mount))
}

fn readiness(ready: &ReadyArgs, private: &TokenStream) -> TokenStream {
    let readiness = quote!(#private::Readiness);
    let mut strategy = match &ready.kind {
        ReadyKind::None => quote!(#readiness::none()),
        ReadyKind::Log { text, times } => {
            let times = times.as_ref().map(|t| {
                let times = Literal::usize_unsuffixed(*t as usize);
                quote!(.times(#times))
            });
            quote!(#readiness::log(#text) #times)
        }
        ReadyKind::Port(port) => {
            let port = Literal::u16_unsuffixed(port.value);
            quote!(#readiness::port(#port))
        }
        ReadyKind::Http { port, path, status, body } => {
            let port = Literal::u16_unsuffixed(port.value);
            let status = status.as_ref().map(|s| {
                let status = Literal::u16_unsuffixed(*s as u16);
                quote!(.status(#status))
            });
            let body = body.as_ref().map(|text| quote!(.body_contains(#text)));
            quote!(#readiness::http(#port, #path) #status #body)
        }
        ReadyKind::All(parts) => {
            let parts = parts.iter().map(|part| self::readiness(part, private));
            quote!(#readiness::all([#(#parts),*]))
        }
        ReadyKind::Any(parts) => {
            let parts = parts.iter().map(|part| self::readiness(part, private));
            quote!(#readiness::any([#(#parts),*]))
        }
        ReadyKind::Healthy => quote!(#readiness::healthy()),
        ReadyKind::Exec { command, .. } => quote!(#readiness::exec([#(#command),*])),
    };
    if let Some(timeout) = &ready.timeout {
        let timeout = duration(timeout.value, private);
        strategy.extend(quote!(.timeout(#timeout)));
    }
    strategy
}

fn duration(duration: Duration, private: &TokenStream) -> TokenStream {
    let secs = Literal::u64_unsuffixed(duration.as_secs());
    let nanos = Literal::u32_unsuffixed(duration.subsec_nanos());
    quote!(#private::Duration::new(#secs, #nanos))
}

/// `fn post_start(c) -> HookFuture { Box::pin(user_fn(c)) }`, spanned on the user's path so a
/// wrong signature is reported there.
fn hook(path: &Option<Path>, method: &str, krate: &Path, private: &TokenStream) -> Option<TokenStream> {
    let path = path.as_ref()?;
    let method = Ident::new(method, path.span());
    let pin = respan(quote!(#private::Box::pin), path.span());
    let call = quote_spanned!(path.span()=> #pin(#path(container)));
    Some(quote! {
        fn #method(container: &#krate::Container<#krate::Ready>) -> #private::HookFuture<'_> {
            #call
        }
    })
}
