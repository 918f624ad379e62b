//! `memory = "256m"` and `cpus = 0.5`: the container's resource limits, checked here so that a
//! size the engine would refuse (or a typo) is a compile error on the literal.

use syn::{Expr, ExprLit, ExprUnary, Lit, UnOp};

use crate::args::{self, AttrArg};

/// The engine refuses memory limits below 6 MiB ("Minimum memory limit allowed is 6MB").
const MIN_MEMORY: i64 = 6 << 20;

/// The engine counts CPUs in billionths; below a hundredth nothing useful runs.
const MIN_CPUS: f64 = 0.01;

/// More CPUs than any machine this runs on has: a typo (`cpus = 50` for `0.50`).
const MAX_CPUS: f64 = 1024.0;

#[derive(Default)]
pub(super) struct Limits {
    /// Bytes.
    pub memory: Option<i64>,
    pub cpus: Option<f64>,
}

/// Parses `memory` or `cpus` (whichever `name` is) into `limits`.
pub(super) fn parse(limits: &mut Limits, name: &str, arg: &AttrArg) -> syn::Result<()> {
    match name {
        "memory" => {
            let usage = "a size with a unit, e.g. `memory = \"256m\"` (b, k, m, g)";
            let lit = args::lit_str(arg.assigned(usage)?, usage)?;
            let bytes = crate::compose::bytes(&lit.value()).map_err(|reason| syn::Error::new_spanned(&lit, reason))?;
            if bytes < MIN_MEMORY {
                return Err(syn::Error::new_spanned(
                    &lit,
                    format!("`memory = {:?}` is below the engine's minimum of 6m (6 MiB)", lit.value()),
                ));
            }
            limits.memory = Some(bytes);
        }
        _ => {
            let usage = "a number of CPUs, e.g. `cpus = 0.5` or `cpus = 2`";
            let expr = args::ungroup(arg.assigned(usage)?);
            let value = match expr {
                Expr::Lit(ExprLit { lit: Lit::Float(lit), .. }) => lit.base10_parse::<f64>()?,
                Expr::Lit(ExprLit { lit: Lit::Int(lit), .. }) => lit.base10_parse::<u32>()?.into(),
                Expr::Unary(ExprUnary { op: UnOp::Neg(_), .. }) => {
                    return Err(syn::Error::new_spanned(expr, "`cpus` must be more than zero"))
                }
                other => return Err(syn::Error::new_spanned(other, format!("expected {usage}"))),
            };
            if !(MIN_CPUS..=MAX_CPUS).contains(&value) {
                return Err(syn::Error::new_spanned(
                    expr,
                    format!("`cpus = {value}` is out of range: expected {MIN_CPUS} to {MAX_CPUS} CPUs"),
                ));
            }
            limits.cpus = Some(value);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use crate::container::container;

    fn expand(attr: proc_macro2::TokenStream) -> String {
        container(
            attr,
            quote!(
                struct Db;
            ),
        )
        .to_string()
    }

    #[test]
    fn limits_become_builder_calls() {
        let out = expand(quote!(image = "x", memory = "256m", cpus = 0.5));
        assert!(out.contains(". memory_limit (268435456)"), "{out}");
        assert!(out.contains(". cpus (0.5)"), "{out}");
        let out = expand(quote!(image = "x", cpus = 2));
        assert!(out.contains(". cpus (2.0)") && !out.contains("compile_error"), "{out}");
    }

    #[test]
    fn bad_limits_are_errors_on_the_value() {
        for (attr, expected) in [
            (quote!(image = "x", memory = "lots"), "is not a size"),
            (quote!(image = "x", memory = "1m"), "below the engine's minimum"),
            (quote!(image = "x", memory = ""), "is not a size"),
            (quote!(image = "x", memory = 256), "a size with a unit"),
            (quote!(image = "x", cpus = 0.0), "out of range"),
            (quote!(image = "x", cpus = -1), "more than zero"),
            (quote!(image = "x", cpus = 5000), "out of range"),
            (quote!(image = "x", cpus = "half"), "a number of CPUs"),
        ] {
            let out = expand(attr.clone());
            assert!(out.contains("compile_error") && out.contains(expected), "{attr}: {out}");
        }
    }
}
