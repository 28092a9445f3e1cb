//! Why a token was not accepted.

use std::borrow::Cow;
use std::fmt;

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
    /// The verifier is misconfigured (an issuer or JWKS URL that is not https, ...).
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
}

impl AuthError {
    pub(crate) fn new(kind: AuthErrorKind, message: impl Into<Cow<'static, str>>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    /// What failed.
    pub fn kind(&self) -> AuthErrorKind {
        self.kind
    }

    /// What failed, in words.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Whether the caller could succeed by sending a fresh token (the token expired or is not
    /// valid yet), as opposed to a token that will never be accepted.
    pub fn is_expired(&self) -> bool {
        self.kind == AuthErrorKind::Expired
    }
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for AuthError {}

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
