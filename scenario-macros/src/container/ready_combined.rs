//! `ready = all(port(5432), log("ready"))` and `any(...)`: readiness made of parts, each parsed
//! like a `ready = ...` of its own (with its own `timeout`).

use syn::{Expr, ExprCall};

use super::parse::{ready, ReadyArgs, ReadyKind};
use crate::args;
use crate::errors::Errors;

/// `Some` when `expr` is `all(...)` or `any(...)`; the parts' errors are all reported.
pub(super) fn parse(expr: &Expr) -> Option<syn::Result<ReadyArgs>> {
    let Expr::Call(ExprCall { func, args: parts, .. }) = args::ungroup(expr) else { return None };
    let Expr::Path(path) = args::ungroup(func) else { return None };
    let combinator = path.path.get_ident()?.to_string();
    if combinator != "all" && combinator != "any" {
        return None;
    }
    if parts.is_empty() {
        let message = format!(
            "`{combinator}()` needs at least one readiness part, e.g. `{combinator}(port(5432), log(\"ready\"))`"
        );
        return Some(Err(syn::Error::new_spanned(expr, message)));
    }
    let mut errors = Errors::default();
    let mut parsed = Vec::new();
    for part in parts {
        if let Expr::Assign(assign) = args::ungroup(part) {
            errors.spanned(
                assign,
                format!(
                    "`{combinator}` takes readiness parts only; each part has its own timeout, e.g. \
                     `{combinator}(port(5432, timeout = \"10s\"), log(\"ready\"))`"
                ),
            );
            continue;
        }
        if let Some(part) = errors.ok(ready(part)) {
            parsed.push(part);
        }
    }
    Some(errors.finish().map(|()| {
        let kind = if combinator == "all" { ReadyKind::All(parsed) } else { ReadyKind::Any(parsed) };
        ReadyArgs { kind, timeout: None }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(tokens: &str) -> Option<syn::Result<ReadyArgs>> {
        parse(&syn::parse_str(tokens).unwrap())
    }

    #[test]
    fn parts_parse_like_single_strategies() {
        let all = parsed(r#"all(port(5432, timeout = "5s"), log("up"))"#).unwrap().unwrap();
        assert!(matches!(&all.kind, ReadyKind::All(parts) if parts.len() == 2 && parts[0].timeout.is_some()));
        assert!(matches!(
            parsed(r#"any(healthy, http(80, "/", body = "ok"))"#).unwrap().unwrap().kind,
            ReadyKind::Any(_)
        ));
        assert!(parsed(r#"log("x")"#).is_none());
    }

    #[test]
    fn misuse_is_named() {
        let empty = parsed("all()").unwrap().err().unwrap().to_string();
        assert!(empty.contains("`all()` needs at least one readiness part"), "{empty}");
        let errors = parsed(r#"any(lgo("x"), port(0), timeout = "1s")"#).unwrap().err().unwrap();
        let messages: Vec<String> = errors.into_iter().map(|e| e.to_string()).collect();
        assert_eq!(messages.len(), 3, "{messages:?}");
        assert!(messages[2].contains("each part has its own timeout"), "{messages:?}");
    }
}
