//! The argument syntax both attributes share: comma-separated `key = value`, `key(nested, ...)`
//! and bare `key`, where a key is an identifier (keywords such as `crate` included) or, in
//! nested lists, a string (`labels("team.name" = "x")`). Values are Rust expressions that each
//! macro interprets per key; the helpers here turn them into literals with precise errors.

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{token, Expr, ExprLit, Ident, Lit, LitInt, LitStr, Path, Token};

use crate::errors::collect_all;

pub(crate) type ArgList = Punctuated<AttrArg, Token![,]>;

/// The whole argument list of an attribute.
pub(crate) struct AttrArgs(pub ArgList);

impl Parse for AttrArgs {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        ArgList::parse_terminated(input).map(AttrArgs)
    }
}

/// A value together with the key that set it (the span for errors about the key as a whole).
pub(crate) struct Keyed<T> {
    pub key: Ident,
    pub value: T,
}

pub(crate) struct AttrArg {
    pub key: ArgKey,
    pub value: ArgValue,
}

pub(crate) enum ArgKey {
    Ident(Ident),
    Str(LitStr),
}

pub(crate) enum ArgValue {
    /// `healthy`
    Flag,
    /// `image = "postgres:16"`
    Assign(Token![=], Expr),
    /// `env(KEY = "value")`
    List(token::Paren, ArgList),
}

impl Parse for AttrArg {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let key = if input.peek(LitStr) {
            ArgKey::Str(input.parse()?)
        } else {
            ArgKey::Ident(
                input
                    .call(Ident::parse_any)
                    .map_err(|e| syn::Error::new(e.span(), "expected a key, e.g. `image = \"postgres:16\"`"))?,
            )
        };
        let value = if input.peek(Token![=]) {
            ArgValue::Assign(input.parse()?, input.parse()?)
        } else if input.peek(token::Paren) {
            let content;
            let paren = syn::parenthesized!(content in input);
            ArgValue::List(paren, ArgList::parse_terminated(&content)?)
        } else {
            ArgValue::Flag
        };
        Ok(AttrArg { key, value })
    }
}

impl ToTokens for ArgKey {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        match self {
            ArgKey::Ident(ident) => ident.to_tokens(tokens),
            ArgKey::Str(lit) => lit.to_tokens(tokens),
        }
    }
}

impl ToTokens for AttrArg {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        self.key.to_tokens(tokens);
        match &self.value {
            ArgValue::Flag => {}
            ArgValue::Assign(eq, expr) => {
                eq.to_tokens(tokens);
                expr.to_tokens(tokens);
            }
            ArgValue::List(paren, list) => paren.surround(tokens, |tokens| list.to_tokens(tokens)),
        }
    }
}

impl ArgKey {
    /// The key as written, without `r#`.
    pub(crate) fn name(&self) -> String {
        match self {
            ArgKey::Ident(ident) => ident.unraw().to_string(),
            ArgKey::Str(lit) => lit.value(),
        }
    }
}

impl AttrArg {
    /// An identifier key; a string key is only allowed where `string_keys` says so.
    pub(crate) fn ident_key(&self) -> syn::Result<&Ident> {
        match &self.key {
            ArgKey::Ident(ident) => Ok(ident),
            ArgKey::Str(lit) => Err(syn::Error::new_spanned(lit, "expected a key name, not a string")),
        }
    }

    /// The value of `key = value`; `usage` shows the expected form in the error.
    pub(crate) fn assigned(&self, usage: &str) -> syn::Result<&Expr> {
        match &self.value {
            ArgValue::Assign(_, expr) => Ok(expr),
            _ => Err(self.usage_error(usage)),
        }
    }

    /// The entries of `key(a = "..", ...)`.
    pub(crate) fn list(&self, usage: &str) -> syn::Result<&ArgList> {
        match &self.value {
            ArgValue::List(_, list) => Ok(list),
            _ => Err(self.usage_error(usage)),
        }
    }

    pub(crate) fn usage_error(&self, usage: &str) -> syn::Error {
        syn::Error::new_spanned(self, format!("`{}` expects {usage}", self.key.name()))
    }
}

/// Looks through the invisible groups that `macro_rules!` wraps around `$e:expr`.
pub(crate) fn ungroup(mut expr: &Expr) -> &Expr {
    while let Expr::Group(group) = expr {
        expr = &group.expr;
    }
    expr
}

pub(crate) fn lit_str(expr: &Expr, what: &str) -> syn::Result<LitStr> {
    match ungroup(expr) {
        Expr::Lit(ExprLit { lit: Lit::Str(lit), .. }) => Ok(lit.clone()),
        other => Err(syn::Error::new_spanned(other, format!("expected {what}"))),
    }
}

pub(crate) fn lit_int(expr: &Expr, what: &str) -> syn::Result<LitInt> {
    match ungroup(expr) {
        Expr::Lit(ExprLit { lit: Lit::Int(lit), .. }) => Ok(lit.clone()),
        other => Err(syn::Error::new_spanned(other, format!("expected {what}"))),
    }
}

/// The elements of `[a, b, ...]`, each checked by `element`; all bad elements are reported.
pub(crate) fn array<T>(expr: &Expr, what: &str, element: impl FnMut(&Expr) -> syn::Result<T>) -> syn::Result<Vec<T>> {
    match ungroup(expr) {
        Expr::Array(array) => collect_all(&array.elems, element),
        other => Err(syn::Error::new_spanned(other, format!("expected {what}"))),
    }
}

pub(crate) fn str_array(expr: &Expr, what: &str) -> syn::Result<Vec<LitStr>> {
    array(expr, what, |element| lit_str(element, "a string literal"))
}

/// A path such as `Db`, `super::cache::Cache` or `::my_runtime`.
pub(crate) fn path(expr: &Expr, what: &str) -> syn::Result<Path> {
    match ungroup(expr) {
        Expr::Path(path) if path.qself.is_none() && path.attrs.is_empty() => Ok(path.path.clone()),
        other => Err(syn::Error::new_spanned(other, format!("expected {what}"))),
    }
}

pub(crate) fn path_array(expr: &Expr, what: &str) -> syn::Result<Vec<Path>> {
    array(expr, what, |element| path(element, "a type path, e.g. `Db` or `super::Db`"))
}

/// `key = "value"` entries of a nested list; string keys allowed when `string_keys`.
pub(crate) fn string_pairs(list: &ArgList, string_keys: bool) -> syn::Result<Vec<(ArgKey, LitStr)>> {
    collect_all(list, |entry| {
        if let (ArgKey::Str(lit), false) = (&entry.key, string_keys) {
            return Err(syn::Error::new_spanned(lit, "expected a name, not a string"));
        }
        let value = match &entry.value {
            ArgValue::Assign(_, expr) => lit_str(expr, &format!("a string value: `{} = \"...\"`", entry.key.name()))?,
            _ => return Err(syn::Error::new_spanned(entry, format!("expected `{} = \"value\"`", entry.key.name()))),
        };
        let key = match &entry.key {
            ArgKey::Ident(ident) => ArgKey::Ident(ident.clone()),
            ArgKey::Str(lit) => ArgKey::Str(lit.clone()),
        };
        Ok((key, value))
    })
}

/// The known key an argument names, or `None` after reporting it: an unknown key (with the
/// closest known one suggested and remembered in `misspelled`, so no "missing" error is piled
/// on the typo's), or a key `seen` already.
pub(crate) fn known_key<'a>(
    arg: &'a AttrArg,
    keys: &[&'static str],
    seen: impl Fn(&str) -> bool,
    misspelled: &mut Vec<&'static str>,
    errors: &mut crate::errors::Errors,
) -> Option<(&'a Ident, &'static str)> {
    let key = errors.ok(arg.ident_key())?;
    let name = key.unraw().to_string();
    let Some(&known) = keys.iter().find(|&&k| k == name) else {
        errors.spanned(key, crate::suggest::unknown("key", &name, keys));
        misspelled.extend(crate::suggest::closest(&name, keys));
        return None;
    };
    if seen(known) {
        errors.spanned(key, format!("`{known}` is given twice; remove one of them"));
        return None;
    }
    Some((key, known))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(tokens: &str) -> syn::Result<AttrArgs> {
        syn::parse_str(tokens)
    }

    #[test]
    fn parses_the_three_forms_and_keyword_keys() {
        let args = parse(r#"image = "a", env(A = "1", "b.c" = "2"), healthy, crate = ::rt,"#).unwrap();
        let names: Vec<String> = args.0.iter().map(|a| a.key.name()).collect();
        assert_eq!(names, ["image", "env", "healthy", "crate"]);
        assert!(matches!(args.0[1].value, ArgValue::List(_, ref l) if l.len() == 2));
        assert!(matches!(args.0[2].value, ArgValue::Flag));
        assert!(path(args.0[3].assigned("").unwrap(), "").unwrap().leading_colon.is_some());
    }

    #[test]
    fn arrays_report_every_bad_element() {
        let expr: Expr = syn::parse_str(r#"["a", 1, "b", x]"#).unwrap();
        let error = str_array(&expr, "an array").unwrap_err();
        assert_eq!(error.into_iter().count(), 2);
    }

    #[test]
    fn string_keys_are_rejected_unless_allowed() {
        let args = parse(r#"env("a.b" = "1")"#).unwrap();
        let list = args.0[0].list("").unwrap();
        assert!(string_pairs(list, false).is_err());
        assert_eq!(string_pairs(list, true).unwrap()[0].0.name(), "a.b");
    }
}
