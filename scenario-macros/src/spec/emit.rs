//! A spec as code: the body of `ContainerDef::spec()`, a chain of `ContainerSpec` builder calls
//! (builders only: the spec types' fields are the runtime's own). A compose spec is built with
//! the project's variables at hand (`vars`), which `vars.finish(spec)` checks were all resolved.

use std::time::Duration;

use proc_macro2::{Literal, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;

use super::model::{
    CopyIn, HealthCheck, HostPath, HostPort, Image, Mount, Port, Readiness, ReadyKind, Restart, Spec, Value, Words,
};
use crate::spans::respan;

/// The body of `fn spec() -> ContainerSpec`, inside the container's `ContainerDef` impl.
pub(super) fn spec_body(spec: &Spec, private: &TokenStream) -> TokenStream {
    let emit = Emit { private };
    let mut chain = Chain::new(emit.constructor(&spec.image));
    if let Image::Build { dockerfile, args, .. } = &spec.image {
        if let Some(dockerfile) = dockerfile {
            let dockerfile = emit.value(dockerfile);
            chain.push(quote!(.dockerfile(#dockerfile)));
        }
        for (key, value) in args {
            let value = emit.value(value);
            chain.push(quote!(.build_arg(#key, #value)));
        }
    }
    if let Some(policy) = &spec.pull {
        chain.push(quote!(.pull(#private::PullPolicy::#policy)));
    }
    if let Some(cmd) = &spec.cmd {
        let cmd = emit.words(cmd);
        chain.push(quote!(.cmd(#cmd)));
    }
    if let Some(entrypoint) = &spec.entrypoint {
        let entrypoint = emit.words(entrypoint);
        chain.push(quote!(.entrypoint(#entrypoint)));
    }
    // Env files first: `env` wins over them.
    for path in &spec.env_files {
        let path = emit.host_path(path);
        chain.then(quote!(let spec = vars.env_file(spec, #path);));
    }
    for (key, value) in &spec.env {
        let value = emit.value(value);
        chain.push(quote!(.env(#key, #value)));
    }
    if let Some(dir) = &spec.working_dir {
        let dir = emit.value(dir);
        chain.push(quote!(.working_dir(#dir)));
    }
    if let Some(user) = &spec.user {
        let user = emit.value(user);
        chain.push(quote!(.user(#user)));
    }
    for port in &spec.ports {
        chain.push(emit.port(port));
    }
    for mount in &spec.mounts {
        let mount = emit.mount(mount);
        chain.push(quote!(.mount(#mount)));
    }
    for copy in &spec.copies {
        chain.push(emit.copy(copy));
    }
    for alias in &spec.aliases {
        let alias = emit.value(alias);
        chain.push(quote!(.alias(#alias)));
    }
    for (key, value) in &spec.labels {
        let value = emit.value(value);
        chain.push(quote!(.label(#key, #value)));
    }
    if let Some(check) = &spec.healthcheck {
        let check = emit.healthcheck(check);
        chain.push(quote!(.healthcheck(#check)));
    }
    for call in emit.run_options(spec) {
        chain.push(call);
    }
    if let Some(ready) = &spec.ready {
        let ready = emit.readiness(ready);
        chain.push(quote!(.ready(#ready)));
    }
    for key in &spec.env_from_host {
        chain.then(quote! {
            let spec = match ::std::env::var(#key) {
                ::core::result::Result::Ok(value) => spec.env(#key, value),
                ::core::result::Result::Err(_) => spec,
            };
        });
    }
    let variables = spec.variables.as_ref().map(|folder| emit.host_path(folder));
    chain.finish(variables, private)
}

/// The builder chain, broken into `let spec = ...;` statements where a step is no method call
/// (an env file read, a variable from the test process).
struct Chain {
    statements: Vec<TokenStream>,
    expr: TokenStream,
    /// `expr` is the bare `spec` of the last statement, with no call on it yet.
    bare: bool,
}

impl Chain {
    fn new(constructor: TokenStream) -> Chain {
        Chain { statements: Vec::new(), expr: constructor, bare: false }
    }

    fn push(&mut self, call: TokenStream) {
        self.expr.extend(call);
        self.bare = false;
    }

    fn then(&mut self, statement: TokenStream) {
        if !self.bare {
            let expr = std::mem::replace(&mut self.expr, quote!(spec));
            self.statements.push(quote!(let spec = #expr;));
            self.bare = true;
        }
        self.statements.push(statement);
    }

    fn finish(mut self, variables: Option<TokenStream>, private: &TokenStream) -> TokenStream {
        let Some(folder) = variables else {
            let (statements, expr) = (self.statements, self.expr);
            return quote!(#(#statements)* #expr);
        };
        // `vars.finish` takes `vars`, so the chain that borrows it is a statement before.
        if !self.bare {
            let expr = std::mem::replace(&mut self.expr, quote!(spec));
            self.statements.push(quote!(let spec = #expr;));
        }
        let statements = self.statements;
        quote! {
            let vars = #private::ComposeVariables::load(#folder);
            #(#statements)*
            vars.finish(spec)
        }
    }
}

struct Emit<'a> {
    private: &'a TokenStream,
}

impl Emit<'_> {
    fn constructor(&self, image: &Image) -> TokenStream {
        let private = self.private;
        let name = quote!(<Self as #private::ContainerDef>::NAME);
        let (constructor, argument) = match image {
            // As written: `from_image` takes any `impl Into<String>` itself.
            Image::Reference(Value::Computed(expr)) => (quote!(from_image), expr.to_token_stream()),
            Image::Reference(reference) => (quote!(from_image), self.value(reference)),
            Image::Build { context, .. } => (quote!(from_build), self.host_path(context)),
        };
        // Spanned on a computed image or folder: a value of the wrong type is reported there.
        let span = argument.span();
        let (constructor, name) = (respan(quote!(#private::ContainerSpec::#constructor), span), respan(name, span));
        quote_spanned!(span=> #constructor(#name, #argument))
    }

    /// A value where an `impl Into<String>` goes.
    fn value(&self, value: &Value) -> TokenStream {
        match value {
            Value::Literal(lit) => lit.to_token_stream(),
            Value::Computed(expr) => {
                // Spanned on the expression, so a value that is no string is reported there.
                let private = self.private;
                let string = respan(quote!(#private::string), expr.span());
                quote_spanned!(expr.span()=> #string(#expr))
            }
            Value::Interpolated { raw, at } => quote!(vars.text(#raw, #at)),
        }
    }

    /// Values as an array, whose elements share one type: literals as they are, or else every
    /// element as a `String`.
    fn array(&self, values: &[Value]) -> TokenStream {
        let private = self.private;
        let elements = values.iter().map(|value| match value {
            Value::Literal(lit) if values.iter().all(|v| matches!(v, Value::Literal(_))) => lit.to_token_stream(),
            Value::Literal(lit) => quote!(#private::string(#lit)),
            other => self.value(other),
        });
        quote!([#(#elements),*])
    }

    fn words(&self, words: &Words) -> TokenStream {
        match words {
            Words::List(values) => self.array(values),
            Words::Interpolated { raw, at } => quote!(vars.words(#raw, #at)),
        }
    }

    /// A path where an `impl Into<PathBuf>` goes.
    fn host_path(&self, path: &HostPath) -> TokenStream {
        match path {
            HostPath::InCrate(relative) => quote!(concat!(env!("CARGO_MANIFEST_DIR"), "/", #relative)),
            HostPath::Absolute(path) => quote!(#path),
            HostPath::Computed(expr) => expr.to_token_stream(),
            HostPath::Interpolated { raw, at, folder } => {
                let folder = self.host_path(folder);
                quote!(vars.path(#raw, #folder, #at))
            }
        }
    }

    fn port(&self, port: &Port) -> TokenStream {
        let private = self.private;
        let number = Literal::u16_unsuffixed(port.container);
        if !port.udp && port.host_ip.is_none() && port.host_port.is_none() {
            return quote!(.port(#number));
        }
        let mut published =
            if port.udp { quote!(#private::PortSpec::udp(#number)) } else { quote!(#private::PortSpec::tcp(#number)) };
        if let Some(ip) = &port.host_ip {
            let ip = self.value(ip);
            published.extend(quote!(.host_ip(#ip)));
        }
        match &port.host_port {
            Some(HostPort::Fixed(host_port)) => {
                let host_port = Literal::u16_unsuffixed(*host_port);
                published.extend(quote!(.host_port(#host_port)));
            }
            Some(HostPort::Interpolated { raw, at }) => published = quote!(vars.host_port(#published, #raw, #at)),
            None => {}
        }
        quote!(.publish(#published))
    }

    fn mount(&self, mount: &Mount) -> TokenStream {
        let private = self.private;
        match mount {
            Mount::Volume { name, target, read_only: false } => quote!(#private::Mount::volume(#name, #target)),
            Mount::Volume { name, target, read_only: true } => {
                quote!(#private::Mount::volume_read_only(#name, #target))
            }
            Mount::Bind { source, target, read_only } => {
                let source = self.host_path(source);
                if *read_only {
                    quote!(#private::Mount::bind_read_only(#source, #target))
                } else {
                    quote!(#private::Mount::bind(#source, #target))
                }
            }
            Mount::Tmpfs { target, options } if options.is_empty() => quote!(#private::Mount::tmpfs(#target)),
            Mount::Tmpfs { target, options } => quote!(#private::Mount::tmpfs_with_options(#target, #options)),
        }
    }

    /// `.copy(CopyIn::...)`: a file or a folder, whichever the source is at run time.
    fn copy(&self, copy: &CopyIn) -> TokenStream {
        let (private, target) = (self.private, &copy.target);
        match &copy.source {
            HostPath::InCrate(relative) => {
                quote!(.copy(#private::CopyIn::in_crate(env!("CARGO_MANIFEST_DIR"), #relative, #target)))
            }
            other => {
                let source = self.host_path(other);
                quote!(.copy(#private::CopyIn::path(#source, #target)))
            }
        }
    }

    fn healthcheck(&self, check: &HealthCheck) -> TokenStream {
        let private = self.private;
        let command = self.array(&check.command);
        let mut chain = quote!(#private::HealthCheck::cmd(#command));
        for (method, value) in [
            (quote!(interval), check.interval),
            (quote!(timeout), check.timeout),
            (quote!(start_period), check.start_period),
        ] {
            if let Some(value) = value {
                let value = self.duration(value);
                chain.extend(quote!(.#method(#value)));
            }
        }
        if let Some(retries) = check.retries {
            let retries = Literal::u32_unsuffixed(retries);
            chain.extend(quote!(.retries(#retries)));
        }
        chain
    }

    /// The process settings: restart, init, signals, hosts, limits.
    fn run_options(&self, spec: &Spec) -> Vec<TokenStream> {
        let private = self.private;
        let mut calls = Vec::new();
        if let Some(restart) = spec.restart {
            let restart = match restart {
                Restart::Always => quote!(#private::Restart::Always),
                Restart::UnlessStopped => quote!(#private::Restart::UnlessStopped),
                Restart::OnFailure(n) => quote!(#private::Restart::OnFailure(#n)),
            };
            calls.push(quote!(.restart(#restart)));
        }
        if spec.init {
            calls.push(quote!(.init()));
        }
        if spec.privileged {
            calls.push(quote!(.privileged()));
        }
        if let Some(signal) = &spec.stop_signal {
            let signal = self.value(signal);
            calls.push(quote!(.stop_signal(#signal)));
        }
        if let Some(timeout) = spec.stop_timeout {
            let timeout = self.duration(timeout);
            calls.push(quote!(.stop_timeout(#timeout)));
        }
        for (host, address) in &spec.extra_hosts {
            let address = self.value(address);
            calls.push(quote!(.extra_host(#host, #address)));
        }
        if let Some(size) = spec.shm_size {
            let size = Literal::i64_unsuffixed(size);
            calls.push(quote!(.shm_size(#size)));
        }
        for (name, soft, hard) in &spec.ulimits {
            let (soft, hard) = (Literal::i64_unsuffixed(*soft), Literal::i64_unsuffixed(*hard));
            calls.push(quote!(.ulimit(#name, #soft, #hard)));
        }
        calls.extend(spec.cap_add.iter().map(|cap| quote!(.cap_add(#cap))));
        calls.extend(spec.cap_drop.iter().map(|cap| quote!(.cap_drop(#cap))));
        if let Some(memory) = spec.memory {
            let memory = Literal::i64_unsuffixed(memory);
            calls.push(quote!(.memory_limit(#memory)));
        }
        if let Some(cpus) = spec.cpus {
            let cpus = Literal::f64_unsuffixed(cpus);
            calls.push(quote!(.cpus(#cpus)));
        }
        calls
    }

    fn readiness(&self, ready: &Readiness) -> TokenStream {
        let private = self.private;
        let readiness = quote!(#private::Readiness);
        let mut strategy = match &ready.kind {
            ReadyKind::None => quote!(#readiness::none()),
            ReadyKind::Log { text, times } => {
                let text = self.value(text);
                let times = times.map(|times| {
                    let times = Literal::usize_unsuffixed(times);
                    quote!(.times(#times))
                });
                quote!(#readiness::log(#text) #times)
            }
            ReadyKind::Port(port) => {
                let port = Literal::u16_unsuffixed(*port);
                quote!(#readiness::port(#port))
            }
            ReadyKind::Http { port, path, status, body } => {
                let port = Literal::u16_unsuffixed(*port);
                let path = self.value(path);
                let status = status.map(|status| {
                    let status = Literal::u16_unsuffixed(status);
                    quote!(.status(#status))
                });
                let body = body.as_ref().map(|text| {
                    let text = self.value(text);
                    quote!(.body_contains(#text))
                });
                quote!(#readiness::http(#port, #path) #status #body)
            }
            ReadyKind::Healthy => quote!(#readiness::healthy()),
            ReadyKind::Completed => quote!(#readiness::completed()),
            ReadyKind::Exec(command) => {
                let command = self.array(command);
                quote!(#readiness::exec(#command))
            }
            ReadyKind::All(parts) => {
                let parts = parts.iter().map(|part| self.readiness(part));
                quote!(#readiness::all([#(#parts),*]))
            }
            ReadyKind::Any(parts) => {
                let parts = parts.iter().map(|part| self.readiness(part));
                quote!(#readiness::any([#(#parts),*]))
            }
        };
        if let Some(timeout) = ready.timeout {
            let timeout = self.duration(timeout);
            strategy.extend(quote!(.timeout(#timeout)));
        }
        strategy
    }

    fn duration(&self, duration: Duration) -> TokenStream {
        let private = self.private;
        let secs = Literal::u64_unsuffixed(duration.as_secs());
        let nanos = Literal::u32_unsuffixed(duration.subsec_nanos());
        quote!(#private::Duration::new(#secs, #nanos))
    }
}
