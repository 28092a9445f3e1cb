//! JSON pointers (RFC 6901): how the generator names places in the spec, and reads the
//! `$ref`s that point into `components/schemas`.

/// The prefix of a reference to a component schema.
const SCHEMA_REF_PREFIX: &str = "#/components/schemas/";

/// Escapes one reference token (section 3: `~` is `~0`, `/` is `~1`).
pub(crate) fn escape_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Reads one escaped reference token back. `~1` is read before `~0`, so that `~01` stays `~1`.
pub(crate) fn unescape_token(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

/// `base` with `token` appended as one more reference token.
pub(crate) fn child(base: &str, token: &str) -> String {
    format!("{base}/{}", escape_token(token))
}

/// The component schema a `$ref` names (`#/components/schemas/User` → `User`), or `None` for a
/// reference that points anywhere else.
pub(crate) fn schema_ref_name(reference: &str) -> Option<String> {
    reference
        .strip_prefix(SCHEMA_REF_PREFIX)
        .map(unescape_token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_escape_and_unescape_as_the_rfc_says() {
        assert_eq!(child("/paths", "/users/{id}"), "/paths/~1users~1{id}");
        assert_eq!(child("", "a~b"), "/a~0b");
        for token in ["plain", "/a/b", "~", "~1", "~0/~1", ""] {
            assert_eq!(unescape_token(&escape_token(token)), token, "{token:?}");
        }
        // `~01` is an escaped `~1`, not `~` followed by an escaped `/`.
        assert_eq!(unescape_token("~01"), "~1");
    }

    #[test]
    fn only_component_schema_references_name_a_schema() {
        assert_eq!(
            schema_ref_name("#/components/schemas/User").as_deref(),
            Some("User")
        );
        assert_eq!(
            schema_ref_name("#/components/schemas/a~1b~0c").as_deref(),
            Some("a/b~c")
        );
        assert_eq!(schema_ref_name("#/components/responses/User"), None);
        assert_eq!(schema_ref_name("other.json#/User"), None);
    }
}
