//! jsonwebtoken as the oracle: a header and claims (split at the first 0xFF byte), signed with
//! the issuer's key, must be accepted by our verifier exactly when `jsonwebtoken::decode`
//! (configured with the same rules) accepts it, except for the deliberate differences listed in
//! `tests/tests/suite/jsonwebtoken_oracle.rs`, each of which is checked here by what it is.
#![no_main]

use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

#[path = "signing_key.rs"]
mod signing_key;
use signing_key::SigningKey;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::EcdsaKeyPair;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use libfuzzer_sys::fuzz_target;
use torii_backend::fuzzing::{AUDIENCE, ISSUER, KeySetInput, token_verdict};
use torii_backend::verify::AuthErrorKind;

struct Issuer {
    key: EcdsaKeyPair,
    keys: KeySetInput<'static>,
    oracle_key: DecodingKey,
    validation: Validation,
}

fn issuer() -> &'static Issuer {
    static ISSUER_KEYS: OnceLock<Issuer> = OnceLock::new();
    ISSUER_KEYS.get_or_init(|| {
        let SigningKey { key, x, y, jwks } = SigningKey::generate();
        let mut validation = Validation::new(Algorithm::ES256);
        validation.leeway = 30;
        validation.validate_nbf = true;
        validation.set_audience(&[AUDIENCE]);
        validation.set_issuer(&[ISSUER]);
        validation.set_required_spec_claims(&["exp", "iss", "sub", "aud"]);
        Issuer {
            keys: KeySetInput::read(jwks.as_bytes()),
            oracle_key: DecodingKey::from_ec_components(&x, &y).expect("an EC key"),
            validation,
            key,
        }
    })
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

type Members = Vec<(String, serde_json::Value)>;

/// An object's members in order, duplicates kept (`serde_json::Map` keeps the last of each).
fn members(json: &[u8]) -> Option<Members> {
    struct InOrder(Members);
    impl<'de> serde::Deserialize<'de> for InOrder {
        fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            struct Visitor;
            impl<'de> serde::de::Visitor<'de> for Visitor {
                type Value = InOrder;
                fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    f.write_str("an object")
                }
                fn visit_map<A: serde::de::MapAccess<'de>>(
                    self,
                    mut map: A,
                ) -> Result<InOrder, A::Error> {
                    let mut members = Vec::new();
                    while let Some(member) = map.next_entry()? {
                        members.push(member);
                    }
                    Ok(InOrder(members))
                }
            }
            deserializer.deserialize_map(Visitor)
        }
    }
    serde_json::from_slice::<InOrder>(json)
        .ok()
        .map(|InOrder(members)| members)
}

fn get<'a>(members: &'a Members, name: &str) -> Option<&'a serde_json::Value> {
    members
        .iter()
        .rev()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value)
}

fn has_duplicates(members: &Members) -> bool {
    members
        .iter()
        .enumerate()
        .any(|(i, (key, _))| members[..i].iter().any(|(earlier, _)| earlier == key))
}

fn non_empty_string(value: Option<&serde_json::Value>) -> bool {
    value
        .and_then(serde_json::Value::as_str)
        .is_some_and(|text| !text.is_empty())
}

/// Whether `refusal` is one of the deliberate differences (the table in
/// `tests/tests/suite/jsonwebtoken_oracle.rs`), seen in the token's own header and claims.
fn deliberate(refusal: AuthErrorKind, header: &Members, claims: &Members, now: u64) -> bool {
    let time = |name| get(claims, name);
    // A NumericDate we read: a whole number of seconds, or a fraction in [0, 1e15).
    let number = |value: Option<&serde_json::Value>| {
        value.is_none_or(|v| match v.as_u64() {
            Some(seconds) => seconds < 1_000_000_000_000_000,
            None => v.as_f64().is_some_and(|f| (0.0..1e15).contains(&f)),
        })
    };
    match refusal {
        // `crit` in any form: no extension is understood, so none may be required.
        AuthErrorKind::CriticalHeader => get(header, "crit").is_some(),
        // Keys are chosen by `kid`, never guessed (jsonwebtoken is given the one key).
        AuthErrorKind::MissingKeyId => !non_empty_string(get(header, "kid")),
        AuthErrorKind::UnknownKey => get(header, "kid").and_then(|kid| kid.as_str()) != Some("k1"),
        // Duplicate members, which the JSON readers of a JWT disagree on.
        AuthErrorKind::Malformed => has_duplicates(header) || has_duplicates(claims),
        // Torii's own claims: `pid` and `iat` required.
        AuthErrorKind::MissingClaim => {
            get(claims, "pid").is_none_or(|v| v.is_null())
                || time("iat").is_none_or(|v| v.is_null())
        }
        // Times that are not non-negative numbers below 1e15 s; `sub` and `pid` non-empty strings.
        AuthErrorKind::InvalidClaim => {
            !number(time("exp"))
                || !number(time("nbf"))
                || !number(time("iat"))
                || !non_empty_string(get(claims, "sub"))
                || !non_empty_string(get(claims, "pid"))
        }
        // `iat` in the future beyond the leeway: jsonwebtoken does not check `iat`.
        AuthErrorKind::NotYetValid => time("iat")
            .and_then(serde_json::Value::as_f64)
            .is_some_and(|iat| iat > (now + 30) as f64),
        _ => false,
    }
}

fuzz_target!(|input: &[u8]| {
    let Some(split) = input.iter().position(|byte| *byte == 0xFF) else {
        return;
    };
    let issuer = issuer();
    // The input adds members to a token both accept (or, after 0xFE, replaces it): so the
    // fuzzer starts from acceptance and explores what each change does to each verifier.
    let before = now();
    let (header, claims) = match (&input[..split], &input[split + 1..]) {
        ([0xFE, header @ ..], claims) => (header.to_vec(), claims.to_vec()),
        (header, claims) => {
            let mut h = br#"{"alg":"ES256","typ":"JWT","kid":"k1""#.to_vec();
            h.extend_from_slice(header);
            h.push(b'}');
            let mut c = format!(
                r#"{{"iss":"{ISSUER}","sub":"user_1","pid":"env_1","aud":"{AUDIENCE}","iat":{before},"exp":{}"#,
                before + 300
            )
            .into_bytes();
            c.extend_from_slice(claims);
            c.push(b'}');
            (h, c)
        }
    };
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(&header),
        URL_SAFE_NO_PAD.encode(&claims)
    );
    let signature = issuer
        .key
        .sign(&SystemRandom::new(), signing_input.as_bytes())
        .expect("signing");
    let token = format!(
        "{signing_input}.{}",
        URL_SAFE_NO_PAD.encode(signature.as_ref())
    );
    // jsonwebtoken reads the clock itself: an input judged across a second boundary is skipped.
    let ours = token_verdict(&token, &issuer.keys, before);
    let oracle =
        jsonwebtoken::decode::<serde_json::Value>(&token, &issuer.oracle_key, &issuer.validation);
    if now() != before {
        return;
    }
    match (ours, oracle) {
        (Ok(()), Ok(_)) | (Err(_), Err(_)) => {}
        (Err(refusal), Ok(_)) => {
            let (header_members, claim_members) = (members(&header), members(&claims));
            let explained = header_members
                .zip(claim_members)
                .is_some_and(|(h, c)| deliberate(refusal, &h, &c, before));
            assert!(
                explained,
                "jsonwebtoken accepts what we refuse as {refusal:?}: {} / {}",
                String::from_utf8_lossy(&header),
                String::from_utf8_lossy(&claims)
            );
        }
        (Ok(()), Err(error)) => {
            // The one leniency of ours: `iss` with or without one trailing slash is one issuer.
            let slash = members(&claims).is_some_and(|c| {
                get(&c, "iss").and_then(|v| v.as_str()) == Some(&format!("{ISSUER}/"))
            });
            assert!(
                slash,
                "we accept what jsonwebtoken refuses ({error}): {} / {}",
                String::from_utf8_lossy(&header),
                String::from_utf8_lossy(&claims)
            );
        }
    }
});
