//! Identifier case conversions for generated names.

/// `HttpServer` -> `http_server`, `HTTPServer` -> `http_server`, `Db2` -> `db2`.
pub(crate) fn snake_case(ident: &str) -> String {
    let chars: Vec<char> = ident.trim_start_matches("r#").chars().collect();
    let mut out = String::with_capacity(chars.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() {
            let prev = i.checked_sub(1).map(|p| chars[p]);
            let next = chars.get(i + 1).copied();
            // A word starts at an upper-case letter after a lower-case one or a digit, or at the
            // last capital of an acronym that runs into a lower-case word (`HTTPServer`).
            let starts_word = match prev {
                Some(p) if p.is_lowercase() || p.is_ascii_digit() => true,
                Some(p) if p.is_uppercase() => next.is_some_and(|n| n.is_lowercase()),
                _ => false,
            };
            if starts_word && !out.ends_with('_') {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// `checkout_flow` -> `CheckoutFlow`.
pub(crate) fn upper_camel_case(ident: &str) -> String {
    ident
        .trim_start_matches("r#")
        .split('_')
        .filter(|word| !word.is_empty())
        .map(|word| {
            let mut chars = word.chars();
            let first = chars.next().map(|c| c.to_uppercase().collect::<String>()).unwrap_or_default();
            first + chars.as_str()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_splits_words_and_acronyms() {
        assert_eq!(snake_case("Db"), "db");
        assert_eq!(snake_case("WebApp"), "web_app");
        assert_eq!(snake_case("HTTPServer"), "http_server");
        assert_eq!(snake_case("PgBouncer2"), "pg_bouncer2");
        assert_eq!(snake_case("Redis2Cache"), "redis2_cache");
        assert_eq!(snake_case("already_snake"), "already_snake");
        assert_eq!(snake_case("API"), "api");
    }

    #[test]
    fn upper_camel_case_joins_words() {
        assert_eq!(upper_camel_case("checkout"), "Checkout");
        assert_eq!(upper_camel_case("checkout_flow"), "CheckoutFlow");
        assert_eq!(upper_camel_case("r#mod"), "Mod");
        assert_eq!(upper_camel_case("v2_api"), "V2Api");
    }
}
