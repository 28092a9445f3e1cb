//! Reading and checking a token, in the order that keeps untrusted input from reaching anything
//! that could be tricked: size, shape, header rules, key, signature, then claims.
//!
//! The signature is checked with aws-lc-rs ECDSA P-256 on a key parsed once per key set (the
//! primitive jsonwebtoken's aws-lc backend calls, without its per-token key parsing), and the
//! claims by hand: jsonwebtoken's `decode` would read the header and claims a second time and
//! apply its own claim rules, which treat a claim of the wrong JSON type as absent unless it is
//! listed as required. Here every time claim must be a number, always.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use serde::de::{Deserializer, IgnoredAny};
use serde_json::Value;

use super::claims::{Claims, Member, invalid, missing, numeric_date};
use super::error::{AuthError, AuthErrorKind};
use super::jwks::VerificationKey;

/// A token split into its parts, with its header checked. Nothing in it is trusted yet.
#[derive(Debug)]
pub(crate) struct UnverifiedToken<'a> {
    kid: String,
    signing_input: &'a str,
    payload: &'a str,
    signature: &'a str,
}

impl<'a> UnverifiedToken<'a> {
    /// Checks the size and shape of `token` and the rules of its header: ES256 only, a `kid`,
    /// no `crit`. Header members that point at keys (`jku`, `x5u`, `jwk`, `x5c`) are never read.
    pub(crate) fn parse(token: &'a str, max_len: usize) -> Result<Self, AuthError> {
        if token.len() > max_len {
            return Err(AuthError::new(
                AuthErrorKind::TokenTooLarge,
                format!("the token is longer than {max_len} bytes"),
            ));
        }
        let malformed = || {
            AuthError::new(
                AuthErrorKind::Malformed,
                "the token is not a well-formed JWT",
            )
        };
        let mut parts = token.split('.');
        let (Some(header), Some(payload), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(malformed());
        };
        if header.is_empty() || payload.is_empty() || signature.is_empty() {
            return Err(malformed());
        }
        // A header is small: decoded on the stack, read without building a map, its strings
        // borrowed. A member given twice makes it malformed rather than letting one copy win.
        let mut buffer = [0_u8; 1024];
        let decoded_header;
        let header_bytes = match URL_SAFE_NO_PAD.decode_slice(header, &mut buffer) {
            Ok(len) => buffer.get(..len).ok_or_else(malformed)?,
            Err(_) => {
                decoded_header = URL_SAFE_NO_PAD.decode(header).map_err(|_| malformed())?;
                &decoded_header[..]
            }
        };
        let header: Header<'_> = serde_json::from_slice(header_bytes).map_err(|_| malformed())?;
        if !matches!(header.alg, Some(Member::Text(alg)) if alg == "ES256") {
            return Err(AuthError::new(
                AuthErrorKind::UnsupportedAlgorithm,
                "the token is not signed with ES256, the only algorithm accepted",
            ));
        }
        if header.crit {
            return Err(AuthError::new(
                AuthErrorKind::CriticalHeader,
                "the token's header has a `crit` member; no critical extension is accepted",
            ));
        }
        let kid = match header.kid {
            Some(Member::Text(kid)) if !kid.is_empty() => kid.into_owned(),
            _ => {
                return Err(AuthError::new(
                    AuthErrorKind::MissingKeyId,
                    "the token's header names no key (`kid`)",
                ));
            }
        };
        let signing_input_len = token.len() - signature.len() - 1;
        Ok(Self {
            kid,
            signing_input: &token[..signing_input_len],
            payload,
            signature,
        })
    }

    /// The `kid` of the header.
    pub(crate) fn kid(&self) -> &str {
        &self.kid
    }

    /// The `kid` of the header, kept once the token is verified.
    pub(crate) fn into_kid(self) -> String {
        self.kid
    }

    /// Checks the signature with `key` and returns the payload text.
    pub(crate) fn verify_signature(&self, key: &VerificationKey) -> Result<String, AuthError> {
        let bad = || {
            AuthError::new(
                AuthErrorKind::BadSignature,
                "the token's signature does not verify",
            )
        };
        // An ES256 signature is r‖s, 64 bytes: 86 base64url characters. Anything else (DER,
        // padding, extra bytes) is refused before it reaches the primitive.
        if self.signature.len() != 86 {
            return Err(bad());
        }
        let mut signature = [0_u8; 66];
        let len = URL_SAFE_NO_PAD
            .decode_slice(self.signature, &mut signature)
            .map_err(|_| bad())?;
        if len != 64 || !key.verify(self.signing_input.as_bytes(), &signature[..64]) {
            return Err(bad());
        }
        let malformed = |what| AuthError::new(AuthErrorKind::Malformed, what);
        let payload = URL_SAFE_NO_PAD
            .decode(self.payload)
            .map_err(|_| malformed("the token's payload is not base64url"))?;
        String::from_utf8(payload).map_err(|_| malformed("the token's payload is not UTF-8"))
    }
}

/// The header members the rules read; every other member is skipped unread.
#[derive(Deserialize)]
struct Header<'a> {
    #[serde(borrow)]
    alg: Option<Member<'a>>,
    #[serde(borrow)]
    kid: Option<Member<'a>>,
    /// Present at all, whatever its value (`"crit": null` included).
    #[serde(default, deserialize_with = "present")]
    crit: bool,
}

fn present<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    IgnoredAny::deserialize(deserializer).map(|_| true)
}

/// The times of claims that passed the checks, in Unix seconds.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CheckedTimes {
    pub(crate) issued_at: u64,
    pub(crate) expires_at: u64,
}

/// The rules for claims, from the verifier's configuration.
#[derive(Debug, Clone)]
pub(crate) struct ClaimRules {
    /// The configured issuer, without a trailing slash.
    pub(crate) issuer: String,
    pub(crate) audiences: Option<Vec<String>>,
    pub(crate) authorized_parties: Option<Vec<String>>,
    pub(crate) leeway_seconds: u64,
}

impl ClaimRules {
    /// Checks the issuer, times, audience and authorized party of verified claims, and returns
    /// the times it read.
    pub(crate) fn check(&self, claims: &Claims<'_>, now: u64) -> Result<CheckedTimes, AuthError> {
        match &claims.iss {
            None | Some(Member::Null) => return Err(missing("iss")),
            Some(Member::Text(iss)) if iss.strip_suffix('/').unwrap_or(iss) == self.issuer => {}
            Some(Member::Text(_)) => {
                return Err(AuthError::new(
                    AuthErrorKind::IssuerMismatch,
                    "the token was issued by another issuer",
                ));
            }
            Some(_) => return Err(invalid("iss", "a string")),
        }

        let leeway = self.leeway_seconds;
        let exp = numeric_date(claims.exp.as_ref(), "exp")?.ok_or_else(|| missing("exp"))?;
        if exp.saturating_add(leeway) <= now {
            return Err(AuthError::new(
                AuthErrorKind::Expired,
                "the token has expired",
            ));
        }
        if let Some(nbf) = numeric_date(claims.nbf.as_ref(), "nbf")?
            && nbf > now.saturating_add(leeway)
        {
            return Err(AuthError::new(
                AuthErrorKind::NotYetValid,
                "the token is not valid yet (`nbf`)",
            ));
        }
        let iat = numeric_date(claims.iat.as_ref(), "iat")?.ok_or_else(|| missing("iat"))?;
        if iat > now.saturating_add(leeway) {
            return Err(AuthError::new(
                AuthErrorKind::NotYetValid,
                "the token was issued in the future (`iat`)",
            ));
        }

        if let Some(audiences) = &self.audiences {
            let matches = match &claims.aud {
                Some(Member::Text(aud)) => audiences.iter().any(|a| a == aud),
                Some(Member::Composite(Value::Array(auds))) => auds
                    .iter()
                    .filter_map(Value::as_str)
                    .any(|aud| audiences.iter().any(|a| a == aud)),
                _ => false,
            };
            if !matches {
                return Err(AuthError::new(
                    AuthErrorKind::AudienceMismatch,
                    "the token is not meant for this audience",
                ));
            }
        }
        if let Some(parties) = &self.authorized_parties {
            let azp = claims.azp.as_ref().and_then(Member::as_text);
            let matches = azp.is_some_and(|azp| parties.iter().any(|party| party == azp));
            if !matches {
                return Err(AuthError::new(
                    AuthErrorKind::AuthorizedPartyMismatch,
                    "the token was requested by a party that is not authorized (`azp`)",
                ));
            }
        }
        Ok(CheckedTimes {
            issued_at: iat,
            expires_at: exp,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn b64(value: &Value) -> String {
        URL_SAFE_NO_PAD.encode(value.to_string())
    }

    fn token(header: Value) -> String {
        format!(
            "{}.{}.{}",
            b64(&header),
            b64(&json!({})),
            URL_SAFE_NO_PAD.encode([0_u8; 64])
        )
    }

    fn parse_kind(token: &str) -> AuthErrorKind {
        UnverifiedToken::parse(token, 8192)
            .expect_err("rejected")
            .kind()
    }

    #[test]
    fn header_rules() {
        assert_eq!(
            UnverifiedToken::parse(&token(json!({"alg": "ES256", "kid": "k"})), 8192)
                .expect("ok")
                .kid(),
            "k"
        );
        for alg in [
            json!("none"),
            json!("HS256"),
            json!("RS256"),
            json!("ES384"),
            json!("es256"),
            json!(null),
            json!(["ES256"]),
        ] {
            assert_eq!(
                parse_kind(&token(json!({"alg": alg, "kid": "k"}))),
                AuthErrorKind::UnsupportedAlgorithm,
                "{alg}"
            );
        }
        assert_eq!(
            parse_kind(&token(json!({"kid": "k"}))),
            AuthErrorKind::UnsupportedAlgorithm
        );
        for kid in [json!(null), json!(""), json!(1)] {
            assert_eq!(
                parse_kind(&token(json!({"alg": "ES256", "kid": kid}))),
                AuthErrorKind::MissingKeyId
            );
        }
        assert_eq!(
            parse_kind(&token(json!({"alg": "ES256"}))),
            AuthErrorKind::MissingKeyId
        );
        for crit in [json!(["exp"]), json!([]), json!("b64"), json!(null)] {
            assert_eq!(
                parse_kind(&token(json!({"alg": "ES256", "kid": "k", "crit": crit}))),
                AuthErrorKind::CriticalHeader
            );
        }
    }

    #[test]
    fn shape_and_size() {
        for bad in [
            "", "a", "a.b", "a.b.c.d", ".b.c", "a..c", "a.b.", "!!!.b.c", "e30=.b.c",
        ] {
            assert_eq!(parse_kind(bad), AuthErrorKind::Malformed, "{bad}");
        }
        let long = token(json!({"alg": "ES256", "kid": "k", "pad": "x".repeat(9000)}));
        assert_eq!(parse_kind(&long), AuthErrorKind::TokenTooLarge);
    }

    fn rules() -> ClaimRules {
        ClaimRules {
            issuer: "https://issuer.example".into(),
            audiences: None,
            authorized_parties: None,
            leeway_seconds: 30,
        }
    }

    const NOW: u64 = 1_800_000_000;

    fn claims(extra: Value) -> String {
        let mut claims = json!({"iss": "https://issuer.example", "sub": "u", "pid": "p", "iat": NOW - 10, "exp": NOW + 60});
        for (k, v) in extra.as_object().into_iter().flatten() {
            claims[k] = v.clone();
        }
        claims.to_string()
    }

    fn check(rules: &ClaimRules, payload: &str) -> Result<CheckedTimes, AuthError> {
        rules.check(&Claims::parse(payload)?, NOW)
    }

    fn kind(rules: &ClaimRules, extra: Value) -> Option<AuthErrorKind> {
        check(rules, &claims(extra)).err().map(|e| e.kind())
    }

    #[test]
    fn issuer_is_exact_up_to_a_trailing_slash() {
        assert_eq!(kind(&rules(), json!({})), None);
        assert_eq!(
            kind(&rules(), json!({"iss": "https://issuer.example/"})),
            None
        );
        for other in [
            "https://issuer.example.evil",
            "https://issuer.exampl",
            "http://issuer.example",
            "https://evil/https://issuer.example",
            "https://issuer.example//",
        ] {
            assert_eq!(
                kind(&rules(), json!({"iss": other})),
                Some(AuthErrorKind::IssuerMismatch),
                "{other}"
            );
        }
        assert_eq!(
            kind(&rules(), json!({"iss": null})),
            Some(AuthErrorKind::MissingClaim)
        );
        assert_eq!(
            kind(&rules(), json!({"iss": 1})),
            Some(AuthErrorKind::InvalidClaim)
        );
    }

    #[test]
    fn times_with_leeway() {
        let r = rules();
        assert_eq!(
            kind(&r, json!({"exp": NOW - 29})),
            None,
            "inside the leeway"
        );
        assert_eq!(
            kind(&r, json!({"exp": NOW - 30})),
            Some(AuthErrorKind::Expired),
            "at the leeway edge"
        );
        assert_eq!(
            kind(&r, json!({"exp": "9999999999"})),
            Some(AuthErrorKind::InvalidClaim),
            "string exp"
        );
        assert_eq!(kind(&r, json!({"nbf": NOW + 30})), None);
        assert_eq!(
            kind(&r, json!({"nbf": NOW + 31})),
            Some(AuthErrorKind::NotYetValid)
        );
        assert_eq!(
            kind(&r, json!({"nbf": "0"})),
            Some(AuthErrorKind::InvalidClaim),
            "string nbf"
        );
        assert_eq!(
            kind(&r, json!({"iat": NOW + 31})),
            Some(AuthErrorKind::NotYetValid)
        );
        assert_eq!(kind(&r, json!({"iat": NOW + 30})), None);
        assert_eq!(
            kind(&r, json!({"iat": null})),
            Some(AuthErrorKind::InvalidClaim)
        );
        // Times no clock reaches are refused as integers and as fractions alike (a u64 `exp`
        // once reached `UNIX_EPOCH + secs`, which overflows: the oracle fuzz target found it).
        for (claim, seconds) in [
            ("exp", json!(u64::MAX)),
            ("exp", json!(1_000_000_000_000_000_u64)),
            ("exp", json!(1e15)),
            ("iat", json!(u64::MAX)),
            ("nbf", json!(u64::MAX)),
        ] {
            assert_eq!(
                kind(&r, json!({ claim: seconds })),
                Some(AuthErrorKind::InvalidClaim),
                "{claim}: {seconds}"
            );
        }
        assert_eq!(kind(&r, json!({"exp": 999_999_999_999_999_u64})), None);
    }

    #[test]
    fn audience_and_authorized_party_when_configured() {
        let mut r = rules();
        assert_eq!(
            kind(&r, json!({"aud": "anything"})),
            None,
            "audience is off unless configured"
        );
        r.audiences = Some(vec!["api".into()]);
        assert_eq!(kind(&r, json!({"aud": "api"})), None);
        assert_eq!(kind(&r, json!({"aud": ["x", "api"]})), None);
        assert_eq!(
            kind(&r, json!({"aud": "web"})),
            Some(AuthErrorKind::AudienceMismatch)
        );
        assert_eq!(kind(&r, json!({})), Some(AuthErrorKind::AudienceMismatch));
        r.authorized_parties = Some(vec!["https://app.example".into()]);
        assert_eq!(
            kind(&r, json!({"aud": "api", "azp": "https://app.example"})),
            None
        );
        assert_eq!(
            kind(&r, json!({"aud": "api", "azp": "https://evil.example"})),
            Some(AuthErrorKind::AuthorizedPartyMismatch)
        );
        assert_eq!(
            kind(&r, json!({"aud": "api"})),
            Some(AuthErrorKind::AuthorizedPartyMismatch)
        );
    }

    #[test]
    fn payload_must_be_an_object() {
        assert_eq!(
            check(&rules(), "[]").expect_err("array").kind(),
            AuthErrorKind::Malformed
        );
        assert_eq!(
            check(&rules(), "foo").expect_err("text").kind(),
            AuthErrorKind::Malformed
        );
    }
}
