//! Where a request's session token may come from, tried in order: [`TokenSource`].

use super::error::{AuthError, AuthErrorKind};
use super::headers::{HeaderSource, bearer_token, parse_bearer};

/// One place a request may carry its session token; see
/// [`VerifierBuilder::token_sources`](super::VerifierBuilder::token_sources).
///
/// ```
/// use torii_backend::verify::{TokenSource, Verifier};
///
/// let verifier = Verifier::builder("https://auth.example.com")
///     // A cookie is sent by the browser on cross-site requests too: `azp` is the CSRF defence.
///     .authorized_parties(["https://app.example.com"])
///     .token_sources([
///         TokenSource::Authorization,
///         TokenSource::Cookie("__session".into()),
///         TokenSource::Header("x-session-token".into()),
///     ])
///     .build()?;
/// # let _ = verifier; Ok::<(), torii_backend::ConfigError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TokenSource {
    /// `Authorization: Bearer <token>` (the default, and the only source by default).
    Authorization,
    /// The cookie of this name (`__session`), from any `Cookie` header of the request.
    Cookie(String),
    /// The whole value of the header of this name (`x-session-token`).
    Header(String),
}

impl TokenSource {
    /// The header this source reads, lowercase.
    fn header_name(&self) -> String {
        match self {
            Self::Authorization => "authorization".to_owned(),
            Self::Cookie(_) => "cookie".to_owned(),
            Self::Header(name) => name.to_ascii_lowercase(),
        }
    }

    fn describe(&self) -> String {
        match self {
            Self::Authorization => "the Authorization header".to_owned(),
            Self::Cookie(name) => format!("the `{name}` cookie"),
            Self::Header(name) => format!("the `{name}` header"),
        }
    }
}

/// The token of `headers`, from the first of `sources` the request carries.
///
/// A source that is there but unusable (an `Authorization` header that is not `Bearer`, a
/// header or cookie given twice with different values) is an error rather than a reason to try
/// the next one: a request should not be accepted on one token while it carries another.
///
/// # Errors
///
/// [`AuthErrorKind::MissingToken`] when no source is there;
/// [`AuthErrorKind::InvalidAuthorizationHeader`] when the first one there is unusable.
/// Counts `error`, a request refused before its token reached a verifier (no token, an unusable
/// header), as a verification with that outcome (feature `metrics`), so that the commonest 401s
/// are on the dashboard too. A request that an optional middleware lets through is no refusal
/// and is not counted.
pub(crate) fn count_refusal(error: &AuthError) {
    #[cfg(feature = "metrics")]
    crate::observe::verification(Err(error.kind()));
    #[cfg(not(feature = "metrics"))]
    let _ = error;
}

pub(crate) fn find_token(
    headers: impl HeaderSource,
    sources: &[TokenSource],
) -> Result<String, AuthError> {
    // The default, on the hot path of every request: no allocation beyond the token.
    if let [TokenSource::Authorization] = sources {
        return bearer_token(headers);
    }
    let names: Vec<String> = sources.iter().map(TokenSource::header_name).collect();
    let name_refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let mut found: Vec<Option<Result<String, AuthError>>> = vec![None; sources.len()];
    headers.visit_headers(&name_refs, &mut |index, value| {
        let (Some(source), Some(slot)) = (sources.get(index), found.get_mut(index)) else {
            return;
        };
        let read = match source {
            TokenSource::Authorization => Some(parse_bearer(value).map(str::to_owned)),
            TokenSource::Cookie(name) => cookie(value, name).map(Ok),
            TokenSource::Header(_) => Some(
                std::str::from_utf8(value)
                    .map(|text| text.trim().to_owned())
                    .map_err(|_| unusable(source, "is not text")),
            ),
        };
        let Some(read) = read else {
            return;
        };
        *slot = Some(match slot.take() {
            None => read,
            // The same token twice is one token; two different ones are ambiguous.
            Some(Ok(first)) if read.as_ref().is_ok_and(|again| *again == first) => Ok(first),
            Some(Err(error)) => Err(error),
            Some(Ok(_)) => Err(unusable(source, "is given more than once")),
        });
    });
    found
        .into_iter()
        .flatten()
        .find(|result| !matches!(result, Ok(token) if token.is_empty()))
        .unwrap_or_else(|| {
            let places: Vec<String> = sources.iter().map(TokenSource::describe).collect();
            Err(AuthError::new(
                AuthErrorKind::MissingToken,
                format!(
                    "the request carries no session token (looked in {})",
                    places.join(", ")
                ),
            ))
        })
}

fn unusable(source: &TokenSource, problem: &str) -> AuthError {
    AuthError::new(
        AuthErrorKind::InvalidAuthorizationHeader,
        format!("{} {problem}", source.describe()),
    )
}

/// The value of the cookie `name` in one `Cookie` header (RFC 6265 section 4.2.1: pairs
/// separated by `;`, whitespace around them ignored, a value optionally in double quotes).
fn cookie(header: &[u8], name: &str) -> Option<String> {
    let header = std::str::from_utf8(header).ok()?;
    header.split(';').find_map(|pair| {
        let (key, value) = pair.split_once('=')?;
        if key.trim_matches([' ', '\t']) != name {
            return None;
        }
        let value = value.trim_matches([' ', '\t']);
        let value = value
            .strip_prefix('"')
            .and_then(|inner| inner.strip_suffix('"'))
            .unwrap_or(value);
        Some(value.to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sources() -> Vec<TokenSource> {
        vec![
            TokenSource::Authorization,
            TokenSource::Cookie("__session".into()),
            TokenSource::Header("x-session-token".into()),
        ]
    }

    fn token(headers: &[(&str, &str)]) -> Result<String, AuthErrorKind> {
        find_token(headers, &sources()).map_err(|error| error.kind())
    }

    #[test]
    fn sources_are_tried_in_order() {
        let all = [
            ("x-session-token", "from.the.header"),
            ("cookie", "__session=from.the.cookie"),
            ("authorization", "Bearer from.the.bearer"),
        ];
        assert_eq!(token(&all).as_deref(), Ok("from.the.bearer"));
        assert_eq!(token(&all[..2]).as_deref(), Ok("from.the.cookie"));
        assert_eq!(token(&all[..1]).as_deref(), Ok("from.the.header"));
        assert_eq!(
            token(&[("accept", "*/*")]),
            Err(AuthErrorKind::MissingToken)
        );
    }

    #[test]
    fn cookies_are_read_as_rfc_6265_writes_them() {
        for header in [
            "__session=a.b.c",
            "theme=dark; __session=a.b.c",
            "theme=dark;__session=a.b.c;lang=en",
            "  __session = a.b.c ",
            "__session=\"a.b.c\"",
            "\t__session=a.b.c\t; x=1",
        ] {
            assert_eq!(
                token(&[("Cookie", header)]).as_deref(),
                Ok("a.b.c"),
                "{header:?}"
            );
        }
        // Several Cookie headers, the session in the second.
        assert_eq!(
            token(&[("cookie", "theme=dark"), ("cookie", "__session=a.b.c")]).as_deref(),
            Ok("a.b.c")
        );
        // Names are exact: a prefix, another case or another cookie is not the session.
        for header in [
            "__session_old=a.b.c",
            "__Session=a.b.c",
            "session=a.b.c",
            "__session",
        ] {
            assert_eq!(
                token(&[("cookie", header)]),
                Err(AuthErrorKind::MissingToken),
                "{header:?}"
            );
        }
    }

    #[test]
    fn a_source_that_is_there_but_unusable_is_an_error_not_a_fallback() {
        assert_eq!(
            token(&[
                ("authorization", "Basic dXNlcg=="),
                ("cookie", "__session=a.b.c")
            ]),
            Err(AuthErrorKind::InvalidAuthorizationHeader)
        );
        assert_eq!(
            token(&[("cookie", "__session=a.b.c"), ("cookie", "__session=d.e.f")]),
            Err(AuthErrorKind::InvalidAuthorizationHeader)
        );
        assert_eq!(
            token(&[("x-session-token", "a.b.c"), ("x-session-token", "d.e.f")]),
            Err(AuthErrorKind::InvalidAuthorizationHeader)
        );
        // The same token twice is fine.
        assert_eq!(
            token(&[("cookie", "__session=a.b.c"), ("cookie", "__session=a.b.c")]).as_deref(),
            Ok("a.b.c")
        );
    }
}
