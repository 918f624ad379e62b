//! The code of a compose scenario: inside the scenario module, `pub mod services` with one unit
//! struct per service; beside the module (where the attribute's expressions resolve as written),
//! each service's `ContainerDef` impl, whose `spec()` is a chain of `ContainerSpec` builder calls,
//! and an `include_bytes!` per file read, so editing the compose file rebuilds the crate.

use std::time::Duration;

use proc_macro2::{Literal, TokenStream};
use quote::quote;
use syn::{Ident, Path};

use super::model::{EnvValue, HealthModel, HostPath, ImageModel, MountModel, ReadyModel, ServiceModel};
use super::{Compose, ComputedContext};

/// `pub mod services { pub struct Web; ... }`, to be placed inside the scenario module.
pub(crate) fn services_module(compose: &Compose) -> TokenStream {
    let structs = compose.services.iter().map(|service| {
        let ty = &service.ty;
        let doc = format!("Service `{}` of `{}`.", service.name, compose.written);
        quote! {
            #[doc = #doc]
            pub struct #ty;
        }
    });
    let doc = format!("The services of `{}`, one container type each.", compose.written);
    quote! {
        #[doc = #doc]
        pub mod services {
            #(#structs)*
        }
    }
}

/// The paths of the service types as seen from beside the scenario module.
pub(crate) fn paths(compose: &Compose, module: &Ident) -> Vec<Path> {
    compose
        .services
        .iter()
        .map(|service| {
            let ty = &service.ty;
            syn::parse_quote!(#module::services::#ty)
        })
        .collect()
}

/// `const _: &[u8] = include_bytes!("...")` for the compose file and its env files.
pub(crate) fn watch_files(compose: &Compose) -> TokenStream {
    let files = compose.watched.iter().map(|path| {
        let path = path.to_string_lossy();
        quote!(
            const _: &[u8] = include_bytes!(#path);
        )
    });
    quote!(#(#files)*)
}

/// The `ContainerDef` impls of the services, to be placed beside the scenario module. For an
/// invalid file they are stand-ins, so code naming the services adds no errors of its own.
pub(crate) fn impls(compose: &Compose, module: &Ident, krate: &Path, contexts: &[ComputedContext]) -> TokenStream {
    let private = quote!(#krate::__private);
    let impls = compose.services.iter().map(|service| {
        let ty = &service.ty;
        let name = &service.name;
        let (depends_on, spec) = if compose.valid {
            let context = contexts.iter().find(|c| c.service == service.name).map(|c| &c.expr);
            (service.depends_on.clone(), spec(service, context, &private))
        } else {
            (Vec::new(), quote!(#private::ContainerSpec::from_image(#name, "")))
        };
        quote! {
            impl #private::ContainerDef for #module::services::#ty {
                const NAME: &'static str = #name;
                const DEPENDS_ON: &'static [&'static str] = &[#(#depends_on),*];
                // The macro checked the dependencies against the file's services itself.
                type Dependencies = ();

                fn spec() -> #private::ContainerSpec {
                    #spec
                }
            }
        }
    });
    quote!(#(#impls)*)
}

fn spec(service: &ServiceModel, context: Option<&syn::Expr>, private: &TokenStream) -> TokenStream {
    let name = &service.name;
    let mut calls: Vec<TokenStream> = Vec::new();
    let constructor = match &service.image {
        ImageModel::Reference(reference) => quote!(#private::ContainerSpec::from_image(#name, #reference)),
        ImageModel::Build { context: folder, dockerfile, args } => {
            if let Some(dockerfile) = dockerfile {
                calls.push(quote!(.dockerfile(#dockerfile)));
            }
            calls.extend(args.iter().map(|(key, value)| quote!(.build_arg(#key, #value))));
            let folder = match context {
                Some(expr) => quote!(#expr),
                None => host_path(folder),
            };
            quote!(#private::ContainerSpec::from_build(#name, #folder))
        }
    };
    if let Some(command) = &service.command {
        calls.push(quote!(.cmd([#(#command),*])));
    }
    if let Some(entrypoint) = &service.entrypoint {
        calls.push(quote!(.entrypoint([#(#entrypoint),*])));
    }
    let mut from_host = Vec::new();
    for (key, value) in &service.env {
        match value {
            EnvValue::Value(value) => calls.push(quote!(.env(#key, #value))),
            EnvValue::FromHost => from_host.push(quote! {
                let spec = match ::std::env::var(#key) {
                    ::core::result::Result::Ok(value) => spec.env(#key, value),
                    ::core::result::Result::Err(_) => spec,
                };
            }),
        }
    }
    if let Some(dir) = &service.working_dir {
        calls.push(quote!(.working_dir(#dir)));
    }
    if let Some(user) = &service.user {
        calls.push(quote!(.user(#user)));
    }
    for port in &service.ports {
        let number = Literal::u16_unsuffixed(port.container);
        let mut published =
            if port.udp { quote!(#private::PortSpec::udp(#number)) } else { quote!(#private::PortSpec::tcp(#number)) };
        if let Some(ip) = &port.host_ip {
            published.extend(quote!(.host_ip(#ip)));
        }
        if let Some(host_port) = port.host_port {
            let host_port = Literal::u16_unsuffixed(host_port);
            published.extend(quote!(.host_port(#host_port)));
        }
        calls.push(quote!(.publish(#published)));
    }
    for mount in &service.mounts {
        let mount = match mount {
            MountModel::Volume { name, target, read_only } => {
                quote!(#private::Mount::Volume { name: #name.into(), target: #target.into(), read_only: #read_only })
            }
            MountModel::Bind { source, target, read_only } => {
                let source = host_path(source);
                quote!(#private::Mount::Bind { source: ::std::path::PathBuf::from(#source), target: #target.into(), read_only: #read_only })
            }
            MountModel::Tmpfs { target, options } => {
                quote!(#private::Mount::Tmpfs { target: #target.into(), options: #options.into() })
            }
        };
        calls.push(quote!(.mount(#mount)));
    }
    calls.extend(service.aliases.iter().map(|alias| quote!(.alias(#alias))));
    calls.extend(service.labels.iter().map(|(key, value)| quote!(.label(#key, #value))));
    if let Some(check) = &service.healthcheck {
        calls.push(healthcheck(check, private));
    }
    let readiness = match service.ready {
        ReadyModel::None => quote!(#private::Readiness::none()),
        ReadyModel::Port(port) => {
            let port = Literal::u16_unsuffixed(port);
            quote!(#private::Readiness::port(#port))
        }
        ReadyModel::Healthy => quote!(#private::Readiness::healthy()),
        ReadyModel::Completed => quote!(#private::Readiness::completed()),
    };
    calls.push(quote!(.ready(#readiness)));
    quote! {
        let spec = #constructor #(#calls)*;
        #(#from_host)*
        spec
    }
}

fn host_path(path: &HostPath) -> TokenStream {
    match path {
        HostPath::InCrate(relative) => quote!(concat!(env!("CARGO_MANIFEST_DIR"), "/", #relative)),
        HostPath::Absolute(path) => quote!(#path),
    }
}

fn healthcheck(check: &HealthModel, private: &TokenStream) -> TokenStream {
    let command = &check.command;
    let mut chain = quote!(#private::HealthCheck::cmd([#(#command),*]));
    for (method, value) in
        [("interval", check.interval), ("timeout", check.timeout), ("start_period", check.start_period)]
    {
        if let Some(value) = value {
            let method = Ident::new(method, proc_macro2::Span::call_site());
            let value = duration(value, private);
            chain.extend(quote!(.#method(#value)));
        }
    }
    if let Some(retries) = check.retries {
        let retries = Literal::u32_unsuffixed(retries);
        chain.extend(quote!(.retries(#retries)));
    }
    quote!(.healthcheck(#chain))
}

fn duration(duration: Duration, private: &TokenStream) -> TokenStream {
    let secs = Literal::u64_unsuffixed(duration.as_secs());
    let nanos = Literal::u32_unsuffixed(duration.subsec_nanos());
    quote!(#private::Duration::new(#secs, #nanos))
}
