//! Rust names for things the spec names: identifiers that are always valid, and the resource and
//! method names derived from tags and operationIds when the spec does not steer them.

use heck::{ToSnakeCase, ToUpperCamelCase};
use proc_macro2::{Ident, Span};

/// Words Rust reserves (2024 edition, strict and reserved); a field may still use most of them as
/// a raw identifier.
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "box", "break", "const", "continue", "crate", "do", "dyn", "else",
    "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let", "loop",
    "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref", "return", "self",
    "Self", "static", "struct", "super", "trait", "true", "try", "type", "typeof", "unsafe",
    "unsized", "use", "virtual", "where", "while", "yield", "abstract", "become",
];

/// Keywords that cannot be raw identifiers.
const NOT_RAW: &[&str] = &["crate", "self", "Self", "super"];

/// A valid identifier for `name`, or `None` when `name` cannot be one (empty, starts with a
/// digit, or holds characters outside `[A-Za-z0-9_]`).
pub(crate) fn ident(name: &str) -> Option<Ident> {
    let mut chars = name.chars();
    let first = chars.next()?;
    let valid = (first.is_ascii_alphabetic() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && name != "_";
    if !valid {
        return None;
    }
    Some(if NOT_RAW.contains(&name) {
        Ident::new(&format!("{name}_"), Span::call_site())
    } else if KEYWORDS.contains(&name) {
        Ident::new_raw(name, Span::call_site())
    } else {
        Ident::new(name, Span::call_site())
    })
}

/// `snake_case` form of a wire name (`firstName` → `first_name`).
pub(crate) fn snake(name: &str) -> String {
    name.to_snake_case()
}

/// `UpperCamelCase` form of a wire name (`server users` → `ServerUsers`).
pub(crate) fn pascal(name: &str) -> String {
    name.to_upper_camel_case()
}

/// The identifier of an enum variant for a wire value: `PENDING` → `Pending`, `en` → `En`,
/// `2fa` → `V2fa`.
pub(crate) fn variant(value: &str) -> String {
    let name = pascal(value);
    match name.chars().next() {
        Some(c) if c.is_ascii_digit() => format!("V{name}"),
        _ => name,
    }
}

/// The resource accessor derived from a tag: snake case, without the `server` prefix that Torii
/// puts on its secret-key plane tags (`Server Users` → `users`).
pub(crate) fn resource_from_tag(tag: &str) -> String {
    let name = snake(tag);
    match name.strip_prefix("server_") {
        Some(rest) if !rest.is_empty() => rest.to_owned(),
        _ => name,
    }
}

/// The method derived from an operationId: snake case, without trailing words that repeat the
/// resource noun (`updateUser` on `users` → `update`, `revokeAllSessions` on `sessions` →
/// `revoke_all`). An operationId made only of the noun keeps it.
pub(crate) fn method_from_operation_id(operation_id: &str, resource: &str) -> String {
    let mut words: Vec<String> = snake(operation_id).split('_').map(str::to_owned).collect();
    for noun in resource.split('_').rev() {
        let singular = noun.strip_suffix('s').unwrap_or(noun);
        match words.last() {
            Some(word) if words.len() > 1 && (word == noun || word == singular) => {
                words.pop();
            }
            _ => break,
        }
    }
    words.join("_")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_valid_or_refused() {
        assert_eq!(
            ident("first_name").map(|i| i.to_string()),
            Some("first_name".into())
        );
        assert_eq!(ident("type").map(|i| i.to_string()), Some("r#type".into()));
        assert_eq!(ident("self").map(|i| i.to_string()), Some("self_".into()));
        assert!(ident("").is_none());
        assert!(ident("_").is_none());
        assert!(ident("1abc").is_none());
        assert!(ident("a-b").is_none());
        assert!(ident("ünïcode").is_none());
    }

    #[test]
    fn variants() {
        assert_eq!(variant("PENDING"), "Pending");
        assert_eq!(variant("en"), "En");
        assert_eq!(variant("org:admin"), "OrgAdmin");
        assert_eq!(variant("2fa"), "V2fa");
    }

    #[test]
    fn resources_drop_the_server_prefix() {
        assert_eq!(resource_from_tag("Server Users"), "users");
        assert_eq!(resource_from_tag("Allowed Origins"), "allowed_origins");
        assert_eq!(resource_from_tag("Server"), "server");
    }

    #[test]
    fn methods_drop_the_resource_noun() {
        assert_eq!(method_from_operation_id("updateUser", "users"), "update");
        assert_eq!(method_from_operation_id("searchUsers", "users"), "search");
        assert_eq!(
            method_from_operation_id("revokeAllSessions", "sessions"),
            "revoke_all"
        );
        assert_eq!(
            method_from_operation_id("listUserOrganizations", "users"),
            "list_user_organizations"
        );
        assert_eq!(method_from_operation_id("list_1", "invitations"), "list_1");
        assert_eq!(method_from_operation_id("users", "users"), "users");
        assert_eq!(
            method_from_operation_id("setAllowedOrigins", "allowed_origins"),
            "set"
        );
    }
}
