//! Values of `env(...)`, `cmd = [...]` and `labels(...)`: a string literal (checked here, as
//! before) or a Rust expression of a string-like type (a const, `env!`/`concat!`, a function
//! call) computed when the spec is built, so it is part of the spec hash like a literal.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Expr, ExprLit, Lit, LitStr};

use crate::args::{self, ArgKey, ArgList, ArgValue, AttrArg};

#[derive(Clone)]
pub(super) enum StrValue {
    Literal(LitStr),
    Computed(Expr),
}

impl StrValue {
    pub fn is_computed(&self) -> bool {
        matches!(self, StrValue::Computed(_))
    }
}

impl StrValue {
    /// The value as a string expression: a computed one through `__private::string`, spanned on
    /// the expression, so a value that is no string is reported there.
    pub fn to_string_expr(&self, private: &TokenStream) -> TokenStream {
        match self {
            StrValue::Literal(lit) => quote!(#lit),
            StrValue::Computed(expr) => {
                let string = crate::spans::respan(quote!(#private::string), expr.span());
                quote_spanned!(expr.span()=> #string(#expr))
            }
        }
    }
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
