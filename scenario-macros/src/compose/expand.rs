//! The code of a compose scenario: inside the scenario module, `pub mod services` with one unit
//! struct per service; beside the module (where the attribute's expressions resolve as written),
//! each service's `ContainerDef` impl, whose `spec()` is a chain of `ContainerSpec` builder calls,
//! and an `include_bytes!` per file read, so editing a compose file rebuilds the crate.
//!
//! Values written with interpolation become calls on the runtime's `ComposeVariables`, made when
//! `spec()` runs (as the scenario starts): `vars.text(raw, "file:line")`; `vars.finish(spec)`
//! marks the spec invalid if a variable could not be resolved.

use std::time::Duration;

use proc_macro2::{Literal, TokenStream};
use quote::quote;
use syn::{Ident, Path};

use super::extras::{Extras, RestartModel};
use super::model::{EnvValue, HealthModel, HostPath, ImageModel, MountModel, ReadyModel, ServiceModel};
use super::text::{Text, Words};
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

/// `const _: &[u8] = include_bytes!("...")` for the compose files and their env files, and
/// `option_env!("COMPOSE_PROFILES")`, which the active profiles were read from: cargo rebuilds
/// the crate when any of them changes.
pub(crate) fn watch_files(compose: &Compose) -> TokenStream {
    let files = compose.watched.iter().map(|path| {
        let path = path.to_string_lossy();
        quote!(
            const _: &[u8] = include_bytes!(#path);
        )
    });
    quote! {
        #(#files)*
        const _: ::core::option::Option<&str> = ::core::option_env!("COMPOSE_PROFILES");
    }
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
            (service.depends_on.clone(), spec(service, context, &compose.folder, &private))
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

fn spec(service: &ServiceModel, context: Option<&syn::Expr>, folder: &HostPath, private: &TokenStream) -> TokenStream {
    let name = &service.name;
    let mut calls: Vec<TokenStream> = Vec::new();
    let constructor = match &service.image {
        ImageModel::Reference(reference) => {
            let reference = text(reference);
            quote!(#private::ContainerSpec::from_image(#name, #reference))
        }
        ImageModel::Build { context: build_folder, dockerfile, args } => {
            if let Some(dockerfile) = dockerfile {
                let dockerfile = text(dockerfile);
                calls.push(quote!(.dockerfile(#dockerfile)));
            }
            calls.extend(args.iter().map(|(key, value)| {
                let value = text(value);
                quote!(.build_arg(#key, #value))
            }));
            let build_folder = match context {
                Some(expr) => quote!(#expr),
                None => host_path(build_folder),
            };
            quote!(#private::ContainerSpec::from_build(#name, #build_folder))
        }
    };
    if let Some(command) = &service.command {
        let command = words(command);
        calls.push(quote!(.cmd(#command)));
    }
    if let Some(entrypoint) = &service.entrypoint {
        let entrypoint = words(entrypoint);
        calls.push(quote!(.entrypoint(#entrypoint)));
    }
    // Env files first: `environment` wins over them.
    let env_files = service.env_files.iter().map(|path| {
        let path = host_path(path);
        quote!(let spec = vars.env_file(spec, #path);)
    });
    let mut after_env_files: Vec<TokenStream> = Vec::new();
    let mut from_host = Vec::new();
    for (key, value) in &service.env {
        match value {
            EnvValue::Value(value) => {
                let value = text(value);
                after_env_files.push(quote!(.env(#key, #value)));
            }
            EnvValue::FromHost => from_host.push(quote! {
                let spec = match ::std::env::var(#key) {
                    ::core::result::Result::Ok(value) => spec.env(#key, value),
                    ::core::result::Result::Err(_) => spec,
                };
            }),
        }
    }
    if let Some(dir) = &service.working_dir {
        let dir = text(dir);
        after_env_files.push(quote!(.working_dir(#dir)));
    }
    if let Some(user) = &service.user {
        let user = text(user);
        after_env_files.push(quote!(.user(#user)));
    }
    for port in &service.ports {
        let number = Literal::u16_unsuffixed(port.container);
        let mut published =
            if port.udp { quote!(#private::PortSpec::udp(#number)) } else { quote!(#private::PortSpec::tcp(#number)) };
        if let Some(ip) = &port.host_ip {
            let ip = text(ip);
            published.extend(quote!(.host_ip(#ip)));
        }
        match &port.host_port {
            Some(Text::Literal(host_port)) => {
                let host_port = Literal::u16_unsuffixed(host_port.parse().expect("checked by the model"));
                published.extend(quote!(.host_port(#host_port)));
            }
            Some(Text::Variable { raw, at }) => published = quote!(vars.host_port(#published, #raw, #at)),
            None => {}
        }
        after_env_files.push(quote!(.publish(#published)));
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
        after_env_files.push(quote!(.mount(#mount)));
    }
    after_env_files.extend(service.aliases.iter().map(|alias| {
        let alias = text(alias);
        quote!(.alias(#alias))
    }));
    after_env_files.extend(service.labels.iter().map(|(key, value)| {
        let value = text(value);
        quote!(.label(#key, #value))
    }));
    if let Some(check) = &service.healthcheck {
        after_env_files.push(healthcheck(check, private));
    }
    after_env_files.extend(extras(&service.extras, private));
    let readiness = match service.ready {
        ReadyModel::None => quote!(#private::Readiness::none()),
        ReadyModel::Port(port) => {
            let port = Literal::u16_unsuffixed(port);
            quote!(#private::Readiness::port(#port))
        }
        ReadyModel::Healthy => quote!(#private::Readiness::healthy()),
        ReadyModel::Completed => quote!(#private::Readiness::completed()),
    };
    after_env_files.push(quote!(.ready(#readiness)));
    let folder = host_path(folder);
    quote! {
        let vars = #private::ComposeVariables::load(#folder);
        let spec = #constructor #(#calls)*;
        #(#env_files)*
        let spec = spec #(#after_env_files)*;
        #(#from_host)*
        vars.finish(spec)
    }
}

/// The builder calls of the production keys that apply to a test's container.
fn extras(extras: &Extras, private: &TokenStream) -> Vec<TokenStream> {
    let mut calls = Vec::new();
    if let Some(restart) = extras.restart {
        let restart = match restart {
            RestartModel::Always => quote!(#private::Restart::Always),
            RestartModel::UnlessStopped => quote!(#private::Restart::UnlessStopped),
            RestartModel::OnFailure(n) => quote!(#private::Restart::OnFailure(#n)),
        };
        calls.push(quote!(.restart(#restart)));
    }
    if let Some(policy) = extras.pull {
        let policy = proc_macro2::Ident::new(policy, proc_macro2::Span::call_site());
        calls.push(quote!(.pull(#private::PullPolicy::#policy)));
    }
    if extras.init {
        calls.push(quote!(.init()));
    }
    if extras.privileged {
        calls.push(quote!(.privileged()));
    }
    if let Some(signal) = &extras.stop_signal {
        let signal = text(signal);
        calls.push(quote!(.stop_signal(#signal)));
    }
    if let Some(period) = extras.stop_grace_period {
        let period = duration(period, private);
        calls.push(quote!(.stop_timeout(#period)));
    }
    for (host, address) in &extras.extra_hosts {
        let address = text(address);
        calls.push(quote!(.extra_host(#host, #address)));
    }
    if let Some(size) = extras.shm_size {
        let size = Literal::i64_unsuffixed(size);
        calls.push(quote!(.shm_size(#size)));
    }
    for (name, soft, hard) in &extras.ulimits {
        let (soft, hard) = (Literal::i64_unsuffixed(*soft), Literal::i64_unsuffixed(*hard));
        calls.push(quote!(.ulimit(#name, #soft, #hard)));
    }
    calls.extend(extras.cap_add.iter().map(|cap| quote!(.cap_add(#cap))));
    calls.extend(extras.cap_drop.iter().map(|cap| quote!(.cap_drop(#cap))));
    if let Some(memory) = extras.memory {
        let memory = Literal::i64_unsuffixed(memory);
        calls.push(quote!(.memory_limit(#memory)));
    }
    if let Some(cpus) = extras.cpus {
        let cpus = Literal::f64_unsuffixed(cpus);
        calls.push(quote!(.cpus(#cpus)));
    }
    calls
}

/// A value as an `impl Into<String>`: the literal, or the interpolation made at the start.
fn text(value: &Text) -> TokenStream {
    match value {
        Text::Literal(literal) => quote!(#literal),
        Text::Variable { raw, at } => quote!(vars.text(#raw, #at)),
    }
}

/// `command` or `entrypoint` as something `ContainerSpec::cmd` takes.
fn words(words: &Words) -> TokenStream {
    match words {
        Words::List(list) => {
            let list = list.iter().map(owned);
            quote!([#(#list),*])
        }
        Words::Line { raw, at } => quote!(vars.words(#raw, #at)),
    }
}

/// A value as a `String` (for arrays, whose elements share one type).
fn owned(value: &Text) -> TokenStream {
    match value {
        Text::Literal(literal) => quote!(::std::string::String::from(#literal)),
        variable => text(variable),
    }
}

fn host_path(path: &HostPath) -> TokenStream {
    match path {
        HostPath::InCrate(relative) => quote!(concat!(env!("CARGO_MANIFEST_DIR"), "/", #relative)),
        HostPath::Absolute(path) => quote!(#path),
        HostPath::Variable { raw, at, folder } => {
            let folder = host_path(folder);
            quote!(vars.path(#raw, #folder, #at))
        }
    }
}

fn healthcheck(check: &HealthModel, private: &TokenStream) -> TokenStream {
    let command = check.command.iter().map(owned);
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
