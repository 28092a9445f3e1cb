//! Why a token was not accepted.

use std::borrow::Cow;
use std::fmt;

use super::jwks::JwksFetchError;
use crate::error::ConfigError;

/// What failed, as a stable kind to match on.
///
/// The kinds are stable across releases; new ones may be added (the enum is `#[non_exhaustive]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AuthErrorKind {
    /// No `Authorization` header, or no token at all.
    MissingToken,
    /// An `Authorization` header that is not `Bearer <token>`, or more than one of them.
    InvalidAuthorizationHeader,
    /// The token is longer than the configured cap; it was not parsed.
    TokenTooLarge,
    /// The token is not a well-formed JWS compact token (three base64url parts of JSON).
    Malformed,
    /// The header names an algorithm other than ES256.
    UnsupportedAlgorithm,
    /// The header names no `kid`.
    MissingKeyId,
    /// The header has a `crit` member; no extension is understood, so none is accepted.
    CriticalHeader,
    /// No key of the issuer's key set has the token's `kid`, even after a refresh.
    UnknownKey,
    /// The signature does not verify with the issuer's key.
    BadSignature,
    /// `exp` is in the past (beyond the leeway).
    Expired,
    /// `nbf` or `iat` is in the future (beyond the leeway).
    NotYetValid,
    /// `iss` is not the configured issuer.
    IssuerMismatch,
    /// `aud` does not name a configured audience.
    AudienceMismatch,
    /// `azp` is not one of the configured authorized parties.
    AuthorizedPartyMismatch,
    /// A required claim (`sub`, `pid`, `iss`, `iat`, `exp`) is absent.
    MissingClaim,
    /// A claim has the wrong JSON type or an unusable value.
    InvalidClaim,
    /// The issuer's key set could not be fetched and no usable copy is cached.
    JwksUnavailable,
    /// The verifier for the issuer could not be built (an issuer URL that is not https, ...):
    /// the [`ConfigError`] is the error's source. Only the process-wide verifiers of
    /// [`verify_token`](crate::verify_token) and
    /// [`authenticate_request`](crate::authenticate_request) answer this; a
    /// [`VerifierBuilder`](super::VerifierBuilder) refuses its configuration with the
    /// [`ConfigError`] itself.
    Configuration,
}

impl AuthErrorKind {
    /// A short, stable, snake_case name for logs and metrics (`bad_signature`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MissingToken => "missing_token",
            Self::InvalidAuthorizationHeader => "invalid_authorization_header",
            Self::TokenTooLarge => "token_too_large",
            Self::Malformed => "malformed",
            Self::UnsupportedAlgorithm => "unsupported_algorithm",
            Self::MissingKeyId => "missing_key_id",
            Self::CriticalHeader => "critical_header",
            Self::UnknownKey => "unknown_key",
            Self::BadSignature => "bad_signature",
            Self::Expired => "expired",
            Self::NotYetValid => "not_yet_valid",
            Self::IssuerMismatch => "issuer_mismatch",
            Self::AudienceMismatch => "audience_mismatch",
            Self::AuthorizedPartyMismatch => "authorized_party_mismatch",
            Self::MissingClaim => "missing_claim",
            Self::InvalidClaim => "invalid_claim",
            Self::JwksUnavailable => "jwks_unavailable",
            Self::Configuration => "configuration",
        }
    }
}

impl fmt::Display for AuthErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A token that was not accepted, or a verifier that cannot work.
///
/// Match on [`AuthError::kind`]. The message says what failed in words; it never contains the
/// token, a key or a claim value taken from the token.
///
/// ```
/// use torii_backend::verify::{AuthErrorKind, Verifier};
///
/// # async fn example(verifier: Verifier, token: &str) {
/// match verifier.verify(token).await {
///     Ok(auth) => println!("user {}", auth.user_id),
///     Err(error) if error.kind() == AuthErrorKind::Expired => println!("ask the client to refresh"),
///     Err(error) => println!("rejected: {error}"),
/// }
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthError {
    kind: AuthErrorKind,
    message: Cow<'static, str>,
    source: Option<Cause>,
}

/// The 500 (and the error log) of an `Auth` extractor on a request no middleware authenticated:
/// a server bug with two possible causes, both named.
#[cfg(any(feature = "tower", feature = "actix"))]
pub(crate) const NOT_AUTHENTICATED_HERE: &str = "a handler extracts torii Auth, but no \
    authentication ran for this request: either no RequireAuth middleware wraps this route, or \
    its skip predicate excluded this request (a route that may be skipped takes Option<Auth>)";

/// What lies beneath an [`AuthError`], when something does.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Cause {
    Config(ConfigError),
    Fetch(JwksFetchError),
}

impl AuthError {
    pub(crate) fn new(kind: AuthErrorKind, message: impl Into<Cow<'static, str>>) -> Self {
        Self {
            kind,
            message: message.into(),
            source: None,
        }
    }

    /// A verifier that could not be built, for the process-wide verifiers.
    pub(crate) fn configuration(cause: ConfigError) -> Self {
        Self {
            kind: AuthErrorKind::Configuration,
            message: Cow::Borrowed("no verifier can be built for this issuer"),
            source: Some(Cause::Config(cause)),
        }
    }

    pub(crate) fn with_fetch_error(mut self, cause: JwksFetchError) -> Self {
        self.source = Some(Cause::Fetch(cause));
        self
    }

    /// What failed.
    pub fn kind(&self) -> AuthErrorKind {
        self.kind
    }

    /// What failed, in words.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The body the middleware (tower and actix alike) answers a refusal with:
    /// `{"error":{"code":"authentication_failed","kind":"expired","message":"..."}}`.
    #[cfg(any(feature = "tower", feature = "actix"))]
    pub(crate) fn rejection_body(&self) -> String {
        serde_json::json!({
            "error": {
                "code": "authentication_failed",
                "kind": self.kind.as_str(),
                "message": self.message(),
            }
        })
        .to_string()
    }

    /// The `WWW-Authenticate` challenge of a 401 for this error (RFC 6750 §3.1): `Bearer`
    /// alone when the request carried no credentials, `Bearer error="invalid_token"` when it
    /// carried some that were not accepted.
    #[cfg(any(feature = "tower", feature = "actix"))]
    pub(crate) fn challenge(&self) -> &'static str {
        if self.kind == AuthErrorKind::MissingToken {
            "Bearer"
        } else {
            "Bearer error=\"invalid_token\""
        }
    }

    /// Whether the token has expired ([`AuthErrorKind::Expired`]): the client can succeed by
    /// sending a fresh one, unlike a token that will never be accepted. A token that is not
    /// valid yet is [`AuthErrorKind::NotYetValid`], not this.
    pub fn is_expired(&self) -> bool {
        self.kind == AuthErrorKind::Expired
    }
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for AuthError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.source {
            Some(Cause::Config(cause)) => Some(cause),
            Some(Cause::Fetch(cause)) => Some(cause),
            None => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_have_stable_names() {
        assert_eq!(AuthErrorKind::BadSignature.as_str(), "bad_signature");
        assert_eq!(
            AuthErrorKind::JwksUnavailable.to_string(),
            "jwks_unavailable"
        );
    }

    #[test]
    fn display_is_the_message() {
        let error = AuthError::new(AuthErrorKind::Expired, "the token has expired");
        assert_eq!(error.to_string(), "the token has expired");
        assert!(error.is_expired());
    }
}
