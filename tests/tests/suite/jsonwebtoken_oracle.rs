//! jsonwebtoken as the oracle: over a corpus of valid tokens, every byte mutation of one, and
//! the header, claim and time cases of the adversarial suite, our verifier and
//! `jsonwebtoken::decode` (configured with the same rules) accept exactly the same ES256 tokens,
//! except where we refuse on purpose.
//!
//! # The deliberate differences, and why
//!
//! Each is a token jsonwebtoken may accept and we refuse (or, for the issuer, the other way):
//!
//! | difference | why |
//! | --- | --- |
//! | any `crit` header | no extension is understood, so none may be required (RFC 7515 4.1.11); jsonwebtoken parses `crit` but does not enforce it |
//! | `exp` / `nbf` / `iat` that are not numbers, are negative, or are fractions of 1e15 s or more | a string `exp` must not be skipped (the CVE-2026-25537 class); we refuse every non-number, and a time no clock reaches (year 31 million) is a forged or broken token, not a long-lived one |
//! | duplicate header members or claims | the parsers that read a JWT disagree on which duplicate wins; we refuse the ambiguity |
//! | no `kid` | keys are chosen by `kid` within the issuer's set, never guessed |
//! | `pid`, `iat` required, `iat` not in the future, `sub`/`pid` non-empty strings | Torii's required claims; jsonwebtoken knows only the registered ones |
//! | `iss` with or without one trailing slash | one issuer, however the slash is written; jsonwebtoken compares exactly |
//! | key filtering (`use`, `key_ops`, `alg`, private `d`) | we never verify with a key not meant for it; the corpus uses the issuer's own keys, so it does not arise here |

use std::time::{SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header, jwk::Jwk};
use torii_backend::serde_json::{self, Value};
use torii_backend::testing::MockTorii;
use torii_backend::verify::{AuthErrorKind, Verifier};

fn now() -> i64 {
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs();
    i64::try_from(seconds).expect("in range")
}

/// What we refuse on purpose that jsonwebtoken may accept, with the kind we refuse it with.
#[derive(Debug, Clone, Copy)]
enum Difference {
    Crit,
    NonNumericTime,
    Duplicate,
    NoKid,
    ToriiClaims,
}

impl Difference {
    fn kinds(self) -> &'static [AuthErrorKind] {
        match self {
            Self::Crit => &[AuthErrorKind::CriticalHeader],
            Self::NonNumericTime => &[AuthErrorKind::InvalidClaim],
            Self::Duplicate => &[AuthErrorKind::Malformed],
            Self::NoKid => &[AuthErrorKind::MissingKeyId],
            Self::ToriiClaims => &[
                AuthErrorKind::MissingClaim,
                AuthErrorKind::InvalidClaim,
                AuthErrorKind::NotYetValid,
            ],
        }
    }
}

struct Oracle {
    keys: Vec<(String, DecodingKey)>,
    validation: Validation,
}

impl Oracle {
    /// jsonwebtoken with our rules: ES256 only, the issuer, `exp` and `sub` required, `nbf`
    /// checked, 30 s of leeway, no audience.
    fn new(torii: &MockTorii) -> Self {
        let keys = torii.jwks()["keys"]
            .as_array()
            .expect("keys")
            .iter()
            .map(|jwk| {
                let kid = jwk["kid"].as_str().expect("kid").to_owned();
                let jwk: Jwk = serde_json::from_value(jwk.clone()).expect("a JWK");
                (kid, DecodingKey::from_jwk(&jwk).expect("an EC key"))
            })
            .collect();
        let mut validation = Validation::new(Algorithm::ES256);
        validation.leeway = 30;
        validation.validate_nbf = true;
        validation.validate_aud = false;
        validation.set_issuer(&[torii.issuer()]);
        validation.set_required_spec_claims(&["exp", "iss", "sub"]);
        Self { keys, validation }
    }

    fn accepts(&self, token: &str) -> bool {
        let Ok(header) = decode_header(token) else {
            return false;
        };
        // With no `kid` jsonwebtoken has no way to choose, so it is given the only key.
        let key = match &header.kid {
            Some(kid) => self.keys.iter().find(|(known, _)| known == kid),
            None => self.keys.first(),
        };
        key.is_some_and(|(_, key)| decode::<Value>(token, key, &self.validation).is_ok())
    }
}

/// The corpus: each token, what it is, and the deliberate difference it exercises if any.
fn corpus(torii: &MockTorii) -> Vec<(String, String, Option<Difference>)> {
    let now = now();
    let issuer = torii.issuer();
    let kid = torii.current_kid().expect("kid");
    let header = format!(r#"{{"alg":"ES256","typ":"JWT","kid":"{kid}"}}"#);
    let claims = |extra: &str| {
        format!(
            r#"{{"iss":"{issuer}","sub":"user_1","pid":"env_1","iat":{now},"exp":{}{extra}}}"#,
            now + 300
        )
    };
    let mut cases: Vec<(String, String, Option<Difference>)> = vec![
        ("valid".into(), torii.token().sign(), None),
        (
            "valid, custom claims".into(),
            torii.token().claim("plan", "pro").sign(),
            None,
        ),
        (
            "expired 35 s ago".into(),
            torii.token().claim("exp", now - 35).sign(),
            None,
        ),
        (
            "expired 25 s ago (within the leeway)".into(),
            torii.token().claim("exp", now - 25).sign(),
            None,
        ),
        (
            "nbf 35 s ahead".into(),
            torii.token().claim("nbf", now + 35).sign(),
            None,
        ),
        (
            "nbf 25 s ahead (within the leeway)".into(),
            torii.token().claim("nbf", now + 25).sign(),
            None,
        ),
        (
            "another issuer".into(),
            torii.token().issuer("https://evil.example.com").sign(),
            None,
        ),
        (
            "an issuer that extends ours".into(),
            torii.token().issuer(format!("{issuer}x")).sign(),
            None,
        ),
        ("no exp".into(), torii.token().without("exp").sign(), None),
        ("no sub".into(), torii.token().without("sub").sign(), None),
        (
            "alg ES384".into(),
            torii.token().header("alg", "ES384").sign(),
            None,
        ),
        (
            "alg none".into(),
            torii.token().header("alg", "none").sign(),
            None,
        ),
        (
            "unknown kid".into(),
            torii.token().kid("not-a-key").sign(),
            None,
        ),
        // What we refuse on purpose.
        (
            "crit header".into(),
            torii
                .token()
                .header("crit", serde_json::json!(["exp"]))
                .sign(),
            Some(Difference::Crit),
        ),
        (
            "string exp".into(),
            torii.token().claim("exp", (now + 300).to_string()).sign(),
            Some(Difference::NonNumericTime),
        ),
        (
            "string nbf".into(),
            torii.token().claim("nbf", now.to_string()).sign(),
            Some(Difference::NonNumericTime),
        ),
        (
            "exp twice".into(),
            torii.sign_raw(&header, &claims(&format!(r#","exp":{}"#, now + 600))),
            Some(Difference::Duplicate),
        ),
        (
            "sub twice".into(),
            torii.sign_raw(&header, &claims(r#","sub":"user_2""#)),
            Some(Difference::Duplicate),
        ),
        (
            "kid twice".into(),
            torii.sign_raw(
                &format!(r#"{{"alg":"ES256","kid":"{kid}","kid":"{kid}"}}"#),
                &claims(""),
            ),
            Some(Difference::Duplicate),
        ),
        (
            "no kid".into(),
            torii.sign_raw(r#"{"alg":"ES256","typ":"JWT"}"#, &claims("")),
            Some(Difference::NoKid),
        ),
        (
            "no pid".into(),
            torii.token().without("pid").sign(),
            Some(Difference::ToriiClaims),
        ),
        (
            "no iat".into(),
            torii.token().without("iat").sign(),
            Some(Difference::ToriiClaims),
        ),
        (
            "iat an hour ahead".into(),
            torii.token().claim("iat", now + 3600).sign(),
            Some(Difference::ToriiClaims),
        ),
        (
            "empty sub".into(),
            torii.token().subject("").sign(),
            Some(Difference::ToriiClaims),
        ),
    ];
    // Every single-character change of a valid token: a header, payload or signature that was
    // not signed, or no longer parses, is refused by both.
    let valid = torii.token().sign();
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    for (position, byte) in valid.bytes().enumerate() {
        if byte == b'.' {
            continue;
        }
        let replacement = alphabet
            .iter()
            .copied()
            .find(|&candidate| {
                candidate != byte && (candidate as usize + position).is_multiple_of(7)
            })
            .unwrap_or(b'A');
        let mut mutated = valid.clone().into_bytes();
        mutated[position] = replacement;
        let mutated = String::from_utf8(mutated).expect("ASCII");
        if mutated != valid {
            cases.push((format!("byte {position} changed"), mutated, None));
        }
    }
    cases
}

#[tokio::test]
async fn both_verifiers_accept_exactly_the_same_tokens_but_for_the_listed_differences() {
    let torii = MockTorii::start().await.expect("mock");
    // The token cache off, so that every case is a full verification.
    let ours = Verifier::builder(torii.issuer())
        .token_cache(torii_backend::verify::TokenCacheSettings::disabled())
        .build()
        .expect("verifier");
    let oracle = Oracle::new(&torii);
    let cases = corpus(&torii);
    assert!(cases.len() > 300, "{} cases", cases.len());
    let mut accepted = 0;
    for (what, token, difference) in &cases {
        let verdict = ours.verify(token).await;
        match difference {
            None => {
                assert_eq!(
                    verdict.is_ok(),
                    oracle.accepts(token),
                    "{what}: we say {verdict:?}, jsonwebtoken the opposite"
                );
                accepted += usize::from(verdict.is_ok());
            }
            Some(difference) => {
                let kind = verdict.as_ref().map_err(|error| error.kind());
                assert!(
                    kind.is_err_and(|kind| difference.kinds().contains(&kind)),
                    "{what}: a deliberate difference ({difference:?}) we must refuse, got {kind:?}"
                );
            }
        }
    }
    assert!(
        accepted >= 4,
        "the corpus has tokens both accept ({accepted})"
    );
}

/// The one difference that goes the other way: an `iss` written with a trailing slash is the
/// same issuer to us, another string to jsonwebtoken.
#[tokio::test]
async fn a_trailing_slash_on_the_issuer_is_the_one_token_we_accept_and_jsonwebtoken_does_not() {
    let torii = MockTorii::start().await.expect("mock");
    let token = torii
        .token()
        .issuer(format!("{}/", torii.issuer().trim_end_matches('/')))
        .sign();
    torii
        .verifier()
        .verify(&token)
        .await
        .expect("the same issuer");
    assert!(
        !Oracle::new(&torii).accepts(&token),
        "jsonwebtoken compares exactly"
    );
}
