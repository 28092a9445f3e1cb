//! The verifier's readers of untrusted bytes, for the fuzz targets (see `crate::fuzzing`).

use super::auth::{Auth, RawClaims};
use super::claims::Claims;
use super::error::AuthErrorKind;
use super::headers::{HeaderPairs, bearer_token};
use super::jwks::KeySet;
use super::token::{ClaimRules, UnverifiedToken};

/// The issuer the token target checks claims against.
pub const ISSUER: &str = "https://issuer.example";

/// Reads `document` as a key set.
pub fn jwks(document: &[u8]) {
    if let Ok(keys) = KeySet::from_json(document) {
        let _ = (keys.len(), keys.skipped(), format!("{keys:?}"));
    }
}

/// The audience the token target requires.
pub const AUDIENCE: &str = "api";

/// Runs every check a verifier makes on `token`, with `keys` as the issuer's key set and `now`
/// as the time; returns whether it was accepted.
pub fn token(token: &str, keys: &KeySetInput<'_>, now: u64) -> bool {
    token_verdict(token, keys, now).is_ok()
}

/// [`token`], with the kind of a refusal: the issuer [`ISSUER`], the audience [`AUDIENCE`],
/// 30 s of leeway.
///
/// # Errors
///
/// The kind the verifier refuses `token` with.
pub fn token_verdict(token: &str, keys: &KeySetInput<'_>, now: u64) -> Result<(), AuthErrorKind> {
    let rules = ClaimRules {
        issuer: ISSUER.to_owned(),
        audiences: Some(vec![AUDIENCE.to_owned()]),
        authorized_parties: None,
        leeway_seconds: 30,
    };
    let unverified = UnverifiedToken::parse(token, 8 * 1024).map_err(|error| error.kind())?;
    let key = keys
        .0
        .get(unverified.kid())
        .ok_or(AuthErrorKind::UnknownKey)?;
    let payload = unverified
        .verify_signature(key)
        .map_err(|error| error.kind())?;
    let raw = RawClaims::new(payload);
    let auth = Claims::parse(raw.json())
        .and_then(|claims| {
            let times = rules.check(&claims, now)?;
            Auth::from_claims(&claims, times, &raw, ISSUER)
        })
        .map_err(|error| error.kind())?;
    // What the verifier accepted, serde_json reads as the same map: the raw claims, built on
    // first use, never lose a claim.
    let as_map = serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(raw.json());
    #[allow(clippy::panic, reason = "a finding for the fuzzer")]
    if as_map.as_ref().ok() != Some(auth.raw_claims.as_map()) {
        panic!("accepted claims that do not read as a map: {as_map:?}");
    }
    Ok(())
}

/// A key set read once, for [`token`].
#[derive(Debug)]
pub struct KeySetInput<'a>(KeySet, std::marker::PhantomData<&'a ()>);

impl KeySetInput<'_> {
    /// The key set of `document`, empty when it is not one.
    pub fn read(document: &[u8]) -> Self {
        Self(
            KeySet::from_json(document).unwrap_or_default(),
            std::marker::PhantomData,
        )
    }
}

/// Reads `Authorization` from header pairs split out of `input`, as `authenticate_request`
/// does.
pub fn authorization_headers(input: &[u8]) {
    let text = String::from_utf8_lossy(input);
    let pairs: Vec<(&str, &str)> = text
        .split('\n')
        .filter_map(|line| line.split_once(':'))
        .collect();
    let _ = bearer_token(HeaderPairs(pairs.iter().copied()));
    let _ = bearer_token(pairs.as_slice());
}
