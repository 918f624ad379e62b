//! Misconfigurations the runtime (or the engine) would reject when the container starts, caught
//! here instead, on the literal at fault: empty programs and texts, a relative working folder,
//! a pre-start pool over a named volume, aliases given twice.

use syn::LitStr;

use super::parse::{ContainerArgs, ReadyKind};
use crate::errors::Errors;

pub(super) fn check(args: &ContainerArgs, errors: &mut Errors) {
    if let Some(cmd) = &args.cmd {
        // A computed program is known only at run time; a literal one is checked here.
        if let Some(super::computed::StrValue::Literal(program)) = cmd.value.first() {
            empty_program(std::slice::from_ref(program), "the program of `cmd`", errors);
        }
    }
    if let Some(entrypoint) = &args.entrypoint {
        empty_program(&entrypoint.value, "the program of `entrypoint`", errors);
    }
    if let Some(check) = &args.healthcheck {
        empty_program(&check.value.cmd, "the healthcheck's program", errors);
    }
    if let Some(ready) = &args.ready {
        match &ready.value.kind {
            ReadyKind::Log { text, .. } if text.value().is_empty() => {
                errors.spanned(text, "the log line to wait for cannot be empty: it would match any line")
            }
            ReadyKind::Exec { command } => empty_program(command, "the readiness command's program", errors),
            _ => {}
        }
    }
    if let Some(dir) = &args.working_dir {
        if !dir.value.value().starts_with('/') {
            errors.spanned(&dir.value, "`working_dir` must be an absolute path in the container, e.g. \"/app\"");
        }
    }
    if let Some(user) = &args.user {
        if user.value.value().trim().is_empty() {
            errors
                .spanned(&user.value, "`user` cannot be empty: give a name or uid, e.g. \"postgres\" or \"1000:1000\"");
        }
    }
    if let Some(aliases) = &args.aliases {
        for (i, alias) in aliases.value.iter().enumerate() {
            if aliases.value[..i].iter().any(|earlier| earlier.value() == alias.value()) {
                errors.spanned(alias, format!("the alias `{}` is listed twice", alias.value()));
            }
        }
    }
    if let (Some(_), Some(volumes)) = (&args.prestart, &args.volumes) {
        for volume in volumes.value.iter().filter(|v| is_named_volume(&v.value())) {
            errors.spanned(
                volume,
                "a pre-start pool's containers cannot share a named volume (each would see the others' data); \
                 use a tmpfs, or remove `prestart`",
            );
        }
    }
}

fn empty_program(command: &[LitStr], what: &str, errors: &mut Errors) {
    if let Some(program) = command.first().filter(|p| p.value().trim().is_empty()) {
        errors.spanned(program, format!("{what} cannot be empty"));
    }
}

/// `name:/target`: a source without a slash is a volume's name (as `validate` reads it).
fn is_named_volume(written: &str) -> bool {
    written.split_once(':').is_some_and(|(source, _)| !source.is_empty() && !source.contains('/'))
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use crate::container::container;

    #[test]
    fn what_the_runtime_would_reject_is_a_compile_error_on_the_value() {
        for (attr, expected) in [
            (quote!(image = "x", cmd = [""]), "the program of `cmd` cannot be empty"),
            (quote!(image = "x", entrypoint = [" "]), "the program of `entrypoint` cannot be empty"),
            (quote!(image = "x", healthcheck(cmd = [""])), "the healthcheck's program cannot be empty"),
            (quote!(image = "x", ready = log("")), "cannot be empty: it would match any line"),
            (quote!(image = "x", ready = exec([""])), "the readiness command's program cannot be empty"),
            (quote!(image = "x", working_dir = ""), "`working_dir` must be an absolute path"),
            (quote!(image = "x", working_dir = "app"), "`working_dir` must be an absolute path"),
            (quote!(image = "x", user = ""), "`user` cannot be empty"),
            (quote!(image = "x", aliases = ["db", "db"]), "the alias `db` is listed twice"),
            (quote!(image = "x", prestart = 2, volumes = ["data:/data"]), "cannot share a named volume"),
        ] {
            let out = container(
                attr.clone(),
                quote!(
                    struct Db;
                ),
            )
            .to_string();
            assert!(out.contains("compile_error") && out.contains(expected), "{attr}: {out}");
        }
    }

    #[test]
    fn empty_values_that_mean_something_stay_allowed() {
        for attr in [
            quote!(image = "x", env(A = ""), labels(team = "")),
            quote!(image = "x", cmd = ["sh", "-c", ""]),
            quote!(image = "x", prestart = 2, volumes = ["/host:/data:ro"], tmpfs = ["/t"]),
        ] {
            let out = container(
                attr.clone(),
                quote!(
                    struct Db;
                ),
            )
            .to_string();
            assert!(!out.contains("compile_error"), "{attr}: {out}");
        }
    }
}
