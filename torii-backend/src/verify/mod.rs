//! Local verification of Torii session tokens (feature `verify`).
//!
//! A token is accepted only when all of this holds, checked in this order:
//!
//! 1. it is at most 8 KiB (configurable) and a JWS compact token;
//! 2. its header says `alg: ES256`, names a `kid`, and has no `crit` member (`jku`, `x5u`,
//!    `jwk` and `x5c` are never followed);
//! 3. the `kid` is in the configured issuer's key set, fetched from
//!    `{issuer}/_torii/.well-known/jwks.json` and cached per issuer (see [`CacheSettings`]);
//! 4. the signature verifies;
//! 5. `iss` is the configured issuer (a trailing slash ignored on both sides); `exp`, `iat` and
//!    (when present) `nbf` are numbers and hold within the leeway (30 s); `sub` and `pid` are
//!    non-empty strings; `aud` and `azp` match when configured.
//!
//! ```no_run
//! # async fn example(token: &str) -> Result<(), torii_backend::verify::AuthError> {
//! let auth = torii_backend::verify_token(token, "https://auth.example.com").await?;
//! println!("user {} in environment {}", auth.user_id, auth.environment_id);
//! # Ok(()) }
//! ```

mod auth;
mod claims;
mod clock;
mod error;
mod headers;
mod jwks;
mod sources;
mod token;
mod token_cache;
mod verifier;
mod verifiers;
#[cfg(test)]
mod wycheproof_tests;

use std::collections::HashMap;
use std::sync::{OnceLock, RwLock};

pub use auth::{ActiveOrganization, Actor, Auth, RawClaims};
#[cfg(any(feature = "tower", feature = "actix"))]
pub(crate) use error::NOT_AUTHENTICATED_HERE;
pub use error::{AuthError, AuthErrorKind};
pub use headers::{HeaderPairs, HeaderSource, bearer_token};
pub use jwks::{CacheSettings, JwksFetchError, JwksFetchErrorKind, JwksStats};
pub use sources::TokenSource;
#[cfg(any(feature = "tower", feature = "actix"))]
pub(crate) use sources::count_refusal;
pub use token_cache::{TokenCacheSettings, TokenCacheStats};
pub use verifier::{
    DEFAULT_HTTP_TIMEOUT, DEFAULT_LEEWAY, DEFAULT_MAX_JWKS_BYTES, DEFAULT_MAX_TOKEN_BYTES,
    Verifier, VerifierBuilder,
};
pub use verifiers::Verifiers;

#[cfg(all(test, feature = "testing"))]
mod cache_tests;
#[cfg(fuzzing)]
pub(crate) mod fuzzing;
#[cfg(all(test, feature = "testing"))]
mod token_cache_tests;
#[cfg(test)]
pub(crate) use jwks::KeySet;
#[cfg(test)]
pub(crate) use token::UnverifiedToken;

/// Verifies `token` against `issuer` with the process-wide verifier for that issuer (created
/// with the defaults on first use and kept for the life of the process).
///
/// # Errors
///
/// An [`AuthError`] whose kind says which check failed.
pub async fn verify_token(token: &str, issuer: &str) -> Result<Auth, AuthError> {
    shared_verifier(issuer)?.verify(token).await
}

/// Verifies the bearer token of a request's headers against `issuer`, with the process-wide
/// verifier for that issuer. `headers` is anything [`HeaderSource`] accepts: an
/// `http::HeaderMap`, `http::Request`, `http::request::Parts`, a map or a list of pairs.
///
/// # Errors
///
/// As [`Verifier::authenticate_request`].
///
/// ```no_run
/// # async fn example(request: http::Request<()>) -> Result<(), torii_backend::verify::AuthError> {
/// let auth = torii_backend::authenticate_request(&request, "https://auth.example.com").await?;
/// # let _ = auth; Ok(()) }
/// ```
pub async fn authenticate_request(
    headers: impl HeaderSource,
    issuer: &str,
) -> Result<Auth, AuthError> {
    let token = bearer_token(headers)?;
    shared_verifier(issuer)?.verify(&token).await
}

/// The process-wide verifier for `issuer`. Issuers come from the application's configuration,
/// never from tokens, so the map stays as small as the set of issuers the application trusts.
fn shared_verifier(issuer: &str) -> Result<Verifier, AuthError> {
    static VERIFIERS: OnceLock<RwLock<HashMap<String, Verifier>>> = OnceLock::new();
    let verifiers = VERIFIERS.get_or_init(Default::default);
    let key = verifier::normalize_issuer(issuer);
    if let Some(found) = verifiers
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .get(&key)
    {
        return Ok(found.clone());
    }
    let mut map = verifiers
        .write()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(found) = map.get(&key) {
        return Ok(found.clone());
    }
    let verifier = Verifier::new(key.clone()).map_err(AuthError::configuration)?;
    map.insert(key, verifier.clone());
    Ok(verifier)
}
