//! Finding the token of a request: [`HeaderSource`], the `Authorization` parsing rules, and the
//! other places a token may come from ([`TokenSource`]: a cookie, a header of your choice).

use std::collections::{BTreeMap, HashMap};
use std::hash::BuildHasher;

use http::HeaderMap;
use http::request::{Parts, Request};

use super::error::{AuthError, AuthErrorKind};

/// Something that holds request headers, for `authenticate_request`.
///
/// Implemented for `http::HeaderMap`, `http::Request<B>` and `http::request::Parts` (owned or
/// borrowed), for `HashMap` and `BTreeMap` of header names to values, for slices, arrays and
/// vectors of `(name, value)` pairs, and for any iterator of pairs wrapped in [`HeaderPairs`].
/// Header names are compared without regard to case.
pub trait HeaderSource {
    /// Calls `visit(i, value)` with the value of every header named `names[i]` (names compared
    /// without regard to case, all lowercase in `names`), in the order the headers come.
    fn visit_headers(self, names: &[&str], visit: &mut dyn FnMut(usize, &[u8]));
}

/// Any iterator of `(name, value)` pairs, as headers.
///
/// ```
/// use torii_backend::verify::{HeaderPairs, bearer_token};
///
/// let headers = vec![("x-request-id", "1"), ("authorization", "Bearer abc.def.ghi")];
/// assert_eq!(bearer_token(HeaderPairs(headers.into_iter())).unwrap(), "abc.def.ghi");
/// ```
#[derive(Debug, Clone)]
pub struct HeaderPairs<I>(pub I);

impl<I, K, V> HeaderSource for HeaderPairs<I>
where
    I: Iterator<Item = (K, V)>,
    K: AsRef<str>,
    V: AsRef<str>,
{
    fn visit_headers(self, names: &[&str], visit: &mut dyn FnMut(usize, &[u8])) {
        for (name, value) in self.0 {
            for (index, wanted) in names.iter().enumerate() {
                if name.as_ref().eq_ignore_ascii_case(wanted) {
                    visit(index, value.as_ref().as_bytes());
                }
            }
        }
    }
}

impl HeaderSource for &HeaderMap {
    fn visit_headers(self, names: &[&str], visit: &mut dyn FnMut(usize, &[u8])) {
        for (index, name) in names.iter().enumerate() {
            for value in self.get_all(*name) {
                visit(index, value.as_bytes());
            }
        }
    }
}

impl HeaderSource for HeaderMap {
    fn visit_headers(self, names: &[&str], visit: &mut dyn FnMut(usize, &[u8])) {
        (&self).visit_headers(names, visit);
    }
}

impl<B> HeaderSource for &Request<B> {
    fn visit_headers(self, names: &[&str], visit: &mut dyn FnMut(usize, &[u8])) {
        self.headers().visit_headers(names, visit);
    }
}

impl<B> HeaderSource for Request<B> {
    fn visit_headers(self, names: &[&str], visit: &mut dyn FnMut(usize, &[u8])) {
        self.headers().visit_headers(names, visit);
    }
}

impl HeaderSource for &Parts {
    fn visit_headers(self, names: &[&str], visit: &mut dyn FnMut(usize, &[u8])) {
        (&self.headers).visit_headers(names, visit);
    }
}

impl HeaderSource for Parts {
    fn visit_headers(self, names: &[&str], visit: &mut dyn FnMut(usize, &[u8])) {
        self.headers.visit_headers(names, visit);
    }
}

impl<K: AsRef<str>, V: AsRef<str>, S: BuildHasher> HeaderSource for &HashMap<K, V, S> {
    fn visit_headers(self, names: &[&str], visit: &mut dyn FnMut(usize, &[u8])) {
        HeaderPairs(self.iter()).visit_headers(names, visit);
    }
}

impl<K: AsRef<str>, V: AsRef<str>, S: BuildHasher> HeaderSource for HashMap<K, V, S> {
    fn visit_headers(self, names: &[&str], visit: &mut dyn FnMut(usize, &[u8])) {
        HeaderPairs(self.into_iter()).visit_headers(names, visit);
    }
}

impl<K: AsRef<str>, V: AsRef<str>> HeaderSource for &BTreeMap<K, V> {
    fn visit_headers(self, names: &[&str], visit: &mut dyn FnMut(usize, &[u8])) {
        HeaderPairs(self.iter()).visit_headers(names, visit);
    }
}

impl<K: AsRef<str>, V: AsRef<str>> HeaderSource for &[(K, V)] {
    fn visit_headers(self, names: &[&str], visit: &mut dyn FnMut(usize, &[u8])) {
        HeaderPairs(self.iter().map(|(k, v)| (k, v))).visit_headers(names, visit);
    }
}

impl<K: AsRef<str>, V: AsRef<str>, const N: usize> HeaderSource for [(K, V); N] {
    fn visit_headers(self, names: &[&str], visit: &mut dyn FnMut(usize, &[u8])) {
        HeaderPairs(self.into_iter()).visit_headers(names, visit);
    }
}

impl<K: AsRef<str>, V: AsRef<str>> HeaderSource for Vec<(K, V)> {
    fn visit_headers(self, names: &[&str], visit: &mut dyn FnMut(usize, &[u8])) {
        HeaderPairs(self.into_iter()).visit_headers(names, visit);
    }
}

/// The token of the single `Authorization: Bearer <token>` header in `headers`.
///
/// The scheme is matched without regard to case; spaces around the token are allowed, but not
/// inside it.
///
/// # Errors
///
/// [`AuthErrorKind::MissingToken`] when there is no `Authorization` header;
/// [`AuthErrorKind::InvalidAuthorizationHeader`] when there are several, or the one there is
/// not of the form `Bearer <token>`.
///
/// ```
/// use http::HeaderMap;
/// use torii_backend::verify::{AuthErrorKind, bearer_token};
///
/// let mut headers = HeaderMap::new();
/// headers.insert("authorization", "bearer abc.def.ghi".parse().unwrap());
/// assert_eq!(bearer_token(&headers).unwrap(), "abc.def.ghi");
/// assert_eq!(bearer_token(&HeaderMap::new()).unwrap_err().kind(), AuthErrorKind::MissingToken);
/// ```
pub fn bearer_token(headers: impl HeaderSource) -> Result<String, AuthError> {
    let mut found: Option<Result<String, AuthError>> = None;
    let mut count = 0_usize;
    headers.visit_headers(&["authorization"], &mut |_, value| {
        count += 1;
        if count == 1 {
            found = Some(parse_bearer(value).map(str::to_owned));
        }
    });
    match (count, found) {
        (0, _) | (_, None) => Err(AuthError::new(
            AuthErrorKind::MissingToken,
            "the request has no Authorization header",
        )),
        (1, Some(result)) => result,
        _ => Err(AuthError::new(
            AuthErrorKind::InvalidAuthorizationHeader,
            "the request has more than one Authorization header",
        )),
    }
}

/// The token of one `Authorization` value, `Bearer <token>`.
pub(crate) fn parse_bearer(value: &[u8]) -> Result<&str, AuthError> {
    let invalid = || {
        AuthError::new(
            AuthErrorKind::InvalidAuthorizationHeader,
            "the Authorization header is not of the form `Bearer <token>`",
        )
    };
    let value = std::str::from_utf8(value)
        .map_err(|_| invalid())?
        .trim_matches(' ');
    let (scheme, token) = value.split_once(' ').ok_or_else(invalid)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(invalid());
    }
    let token = token.trim_matches(' ');
    // RFC 6750 b64token characters; JWS compact tokens use a subset.
    let valid = token.bytes().all(|b| {
        b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/' | b'=')
    });
    if !valid {
        return Err(invalid());
    }
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(result: Result<String, AuthError>) -> AuthErrorKind {
        result.expect_err("should fail").kind()
    }

    #[test]
    fn scheme_is_case_insensitive_and_spaces_are_trimmed() {
        for value in [
            "Bearer a.b.c",
            "bearer a.b.c",
            "BEARER a.b.c",
            "Bearer   a.b.c  ",
            " Bearer a.b.c",
        ] {
            assert_eq!(
                bearer_token([("Authorization", value)]).expect(value),
                "a.b.c"
            );
        }
    }

    #[test]
    fn header_names_are_case_insensitive() {
        for name in [
            "authorization",
            "AUTHORIZATION",
            "Authorization",
            "aUtHoRiZaTiOn",
        ] {
            assert_eq!(bearer_token(vec![(name, "Bearer t")]).expect(name), "t");
        }
    }

    #[test]
    fn malformed_values() {
        for value in [
            "Basic dXNlcjpwYXNz",
            "Bearer",
            "Bearera.b.c",
            "Token a.b.c",
            "Bearer a b",
            "Bearer a\tb",
            "Bearer é",
        ] {
            let error = bearer_token([("authorization", value)]).expect_err(value);
            assert!(
                matches!(error.kind(), AuthErrorKind::InvalidAuthorizationHeader),
                "{value}: {error:?}"
            );
        }
        assert_eq!(
            kind(bearer_token([("authorization", "Bearer    ")])),
            AuthErrorKind::InvalidAuthorizationHeader
        );
    }

    #[test]
    fn missing_and_repeated_headers() {
        assert_eq!(
            kind(bearer_token([("x", "y")])),
            AuthErrorKind::MissingToken
        );
        let repeated = [("authorization", "Bearer a"), ("Authorization", "Bearer b")];
        assert_eq!(
            kind(bearer_token(repeated)),
            AuthErrorKind::InvalidAuthorizationHeader
        );
    }

    #[test]
    fn every_source_type() {
        let mut map = HeaderMap::new();
        map.insert("authorization", "Bearer t".parse().expect("header value"));
        assert_eq!(bearer_token(&map).expect("&HeaderMap"), "t");
        map.insert("x-other", "1".parse().expect("header value"));
        let request = Request::builder()
            .header("Authorization", "Bearer r")
            .body(())
            .expect("request");
        assert_eq!(bearer_token(&request).expect("&Request"), "r");
        let (parts, ()) = request.into_parts();
        assert_eq!(bearer_token(&parts).expect("&Parts"), "r");
        assert_eq!(bearer_token(parts).expect("Parts"), "r");
        let hash: HashMap<String, String> =
            [("Authorization".to_owned(), "Bearer h".to_owned())].into();
        assert_eq!(bearer_token(&hash).expect("&HashMap"), "h");
        assert_eq!(bearer_token(hash).expect("HashMap"), "h");
        let tree: BTreeMap<&str, &str> = [("authorization", "Bearer b")].into();
        assert_eq!(bearer_token(&tree).expect("&BTreeMap"), "b");
        let pairs = [("authorization".to_owned(), "Bearer s".to_owned())];
        assert_eq!(bearer_token(&pairs[..]).expect("slice"), "s");
        let iter = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()));
        assert_eq!(bearer_token(HeaderPairs(iter)).expect("iterator"), "s");
        assert_eq!(bearer_token(map).expect("HeaderMap"), "t");
    }

    #[test]
    fn non_utf8_values_are_invalid() {
        let mut map = HeaderMap::new();
        map.insert(
            "authorization",
            http::HeaderValue::from_bytes(b"Bearer \xff").expect("opaque"),
        );
        assert_eq!(
            kind(bearer_token(&map)),
            AuthErrorKind::InvalidAuthorizationHeader
        );
    }
}
