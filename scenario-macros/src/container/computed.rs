//! Values of `env(...)`, `cmd = [...]` and `labels(...)`: a string literal (checked here, as
//! before) or a Rust expression of a string-like type (a const, `env!`/`concat!`, a function
//! call) computed when the spec is built, so it is part of the spec hash like a literal.

use syn::{Expr, ExprLit, Lit, LitStr};

use crate::args::{self, ArgKey, ArgList, ArgValue, AttrArg};

#[derive(Clone)]
pub(super) enum StrValue {
    Literal(LitStr),
    Computed(Expr),
}

fn value(expr: &Expr, what: &str) -> syn::Result<StrValue> {
    match args::ungroup(expr) {
        Expr::Lit(ExprLit { lit: Lit::Str(lit), .. }) => Ok(StrValue::Literal(lit.clone())),
        computed @ (Expr::Call(_)
        | Expr::MethodCall(_)
        | Expr::Path(_)
        | Expr::Macro(_)
        | Expr::Block(_)
        | Expr::Reference(_)
        | Expr::Field(_)) => Ok(StrValue::Computed(computed.clone())),
        other => Err(syn::Error::new_spanned(other, format!("expected {what}"))),
    }
}

const VALUE: &str = "a string or an expression giving one (a const, `env!(..)`, a function call)";

/// `[a, b, ...]` of string values.
pub(super) fn values(arg: &AttrArg, example: &str) -> syn::Result<Vec<StrValue>> {
    let usage = format!("an array of strings, e.g. `{example}`");
    args::array(arg.assigned(&usage)?, &usage, |element| value(element, VALUE))
}

/// `key = value` entries of a nested list, string keys allowed.
pub(super) fn pairs(list: &ArgList) -> syn::Result<Vec<(ArgKey, StrValue)>> {
    let mut errors = crate::errors::Errors::default();
    let mut pairs = Vec::new();
    for entry in list {
        let key = match &entry.key {
            ArgKey::Ident(ident) => ArgKey::Ident(ident.clone()),
            ArgKey::Str(lit) => ArgKey::Str(lit.clone()),
        };
        let parsed = match &entry.value {
            ArgValue::Assign(_, expr) => value(expr, &format!("{VALUE}: `{} = \"...\"`", key.name())),
            _ => Err(syn::Error::new_spanned(entry, format!("expected `{} = \"value\"`", key.name()))),
        };
        if let Some(parsed) = errors.ok(parsed) {
            pairs.push((key, parsed));
        }
    }
    errors.finish().map(|()| pairs)
}
