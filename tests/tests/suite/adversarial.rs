//! Tokens and key sets made by an attacker, each refused with the `AuthError` kind that names
//! what is wrong. SECURITY.md points here for every JWT attack class it lists.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_lc_rs::hmac;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use torii_backend::serde_json::{Value, json};
use torii_backend::testing::MockTorii;
use torii_backend::verify::{AuthErrorKind, Verifier};
use torii_tests::capture::{Canned, CaptureServer};

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs()
}

/// The claims of a valid token for `torii`, as JSON text with `extra` members spliced in.
fn claims_with(torii: &MockTorii, extra: &str) -> String {
    let now = now();
    format!(
        r#"{{"iss":"{}","sub":"user_1","pid":"env_1","iat":{now},"exp":{}{extra}}}"#,
        torii.issuer(),
        now + 300
    )
}

fn header(torii: &MockTorii, extra: &str) -> String {
    let kid = torii.current_kid().expect("kid");
    format!(r#"{{"alg":"ES256","typ":"JWT","kid":"{kid}"{extra}}}"#)
}

fn replace_signature(token: &str, signature: &[u8]) -> String {
    let (signing_input, _) = token.rsplit_once('.').expect("three parts");
    format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature))
}

/// `r ‖ s` as an ASN.1 DER sequence, the other common encoding of an ECDSA signature.
fn der(raw: &[u8]) -> Vec<u8> {
    let integer = |half: &[u8]| {
        let trimmed: Vec<u8> = half.iter().copied().skip_while(|b| *b == 0).collect();
        let mut bytes = if trimmed.first().is_some_and(|b| b & 0x80 != 0) {
            vec![0]
        } else {
            Vec::new()
        };
        bytes.extend(trimmed);
        let mut out = vec![0x02, u8::try_from(bytes.len()).expect("short")];
        out.extend(bytes);
        out
    };
    let body = [integer(&raw[..32]), integer(&raw[32..])].concat();
    let mut out = vec![0x30, u8::try_from(body.len()).expect("short")];
    out.extend(body);
    out
}

#[tokio::test]
async fn attacks_on_the_token_are_refused_with_their_kind() {
    let torii = MockTorii::start().await.expect("mock");
    let verifier = torii.verifier();
    let valid = torii.token().sign();
    verifier
        .verify(&valid)
        .await
        .expect("the baseline verifies");
    let signature = URL_SAFE_NO_PAD
        .decode(valid.rsplit_once('.').expect("parts").1)
        .expect("base64url");

    // HS256 keyed with the issuer's public key: a correct HMAC, under the algorithm-confusion
    // attack that fooled libraries which let the token choose the algorithm.
    let public_key = torii.jwks()["keys"][0].to_string();
    let hs256_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header(&torii, "").replace("ES256", "HS256")),
        URL_SAFE_NO_PAD.encode(claims_with(&torii, ""))
    );
    let tag = hmac::sign(
        &hmac::Key::new(hmac::HMAC_SHA256, public_key.as_bytes()),
        hs256_input.as_bytes(),
    );
    let hs256 = format!("{hs256_input}.{}", URL_SAFE_NO_PAD.encode(tag.as_ref()));

    let nested = format!(r#","deep":{}1{}"#, "[".repeat(200), "]".repeat(200));
    let cases: Vec<(&str, String, AuthErrorKind)> = vec![
        // The algorithm
        // With no signature at all the token is not even a JWS: refused before its header.
        (
            "alg none, no signature",
            format!("{}.", valid.rsplit_once('.').expect("parts").0).replacen(
                valid.split('.').next().expect("header"),
                &URL_SAFE_NO_PAD.encode(r#"{"alg":"none","kid":"x"}"#),
                1,
            ),
            AuthErrorKind::Malformed,
        ),
        (
            "alg none, signed",
            torii.token().header("alg", "none").sign(),
            AuthErrorKind::UnsupportedAlgorithm,
        ),
        (
            "HS256 keyed with the public key",
            hs256,
            AuthErrorKind::UnsupportedAlgorithm,
        ),
        (
            "ES384 on a P-256 key",
            torii.token().header("alg", "ES384").sign(),
            AuthErrorKind::UnsupportedAlgorithm,
        ),
        (
            "RS256",
            torii.token().header("alg", "RS256").sign(),
            AuthErrorKind::UnsupportedAlgorithm,
        ),
        (
            "EdDSA",
            torii.token().header("alg", "EdDSA").sign(),
            AuthErrorKind::UnsupportedAlgorithm,
        ),
        (
            "alg in lower case",
            torii.token().header("alg", "es256").sign(),
            AuthErrorKind::UnsupportedAlgorithm,
        ),
        (
            "alg as an array",
            torii.token().header("alg", json!(["ES256"])).sign(),
            AuthErrorKind::UnsupportedAlgorithm,
        ),
        (
            "no alg",
            torii.token().header("alg", Value::Null).sign(),
            AuthErrorKind::UnsupportedAlgorithm,
        ),
        // crit, in every form
        (
            "crit naming a claim",
            torii.token().header("crit", json!(["exp"])).sign(),
            AuthErrorKind::CriticalHeader,
        ),
        (
            "crit empty",
            torii.token().header("crit", json!([])).sign(),
            AuthErrorKind::CriticalHeader,
        ),
        (
            "crit b64",
            torii
                .token()
                .header("crit", json!(["b64"]))
                .header("b64", false)
                .sign(),
            AuthErrorKind::CriticalHeader,
        ),
        (
            "crit as a string",
            torii.token().header("crit", "exp").sign(),
            AuthErrorKind::CriticalHeader,
        ),
        (
            "crit as an object",
            torii.token().header("crit", json!({})).sign(),
            AuthErrorKind::CriticalHeader,
        ),
        (
            "crit null",
            torii.sign_raw(&header(&torii, r#","crit":null"#), &claims_with(&torii, "")),
            AuthErrorKind::CriticalHeader,
        ),
        // Duplicate members: which copy wins differs between parsers
        (
            "alg twice, ES256 last",
            torii.sign_raw(
                &header(&torii, "").replacen(
                    r#""alg":"ES256""#,
                    r#""alg":"none","alg":"ES256""#,
                    1,
                ),
                &claims_with(&torii, ""),
            ),
            AuthErrorKind::Malformed,
        ),
        (
            "kid twice",
            torii.sign_raw(
                &header(&torii, r#","kid":"other""#),
                &claims_with(&torii, ""),
            ),
            AuthErrorKind::Malformed,
        ),
        (
            "exp twice",
            torii.sign_raw(
                &header(&torii, ""),
                &claims_with(&torii, &format!(r#","exp":{}"#, now() + 999_999)),
            ),
            AuthErrorKind::Malformed,
        ),
        (
            "sub twice",
            torii.sign_raw(
                &header(&torii, ""),
                &claims_with(&torii, r#","sub":"admin""#),
            ),
            AuthErrorKind::Malformed,
        ),
        // Shapes
        (
            "nested 200 deep",
            torii.sign_raw(&header(&torii, ""), &claims_with(&torii, &nested)),
            AuthErrorKind::Malformed,
        ),
        (
            "claims not an object",
            torii.sign_raw(&header(&torii, ""), "[1,2,3]"),
            AuthErrorKind::Malformed,
        ),
        (
            "claims not JSON",
            torii.sign_raw(&header(&torii, ""), "{\"sub\":"),
            AuthErrorKind::Malformed,
        ),
        (
            "header not JSON",
            torii.sign_raw("{alg:ES256}", &claims_with(&torii, "")),
            AuthErrorKind::Malformed,
        ),
        (
            "four segments",
            format!("{valid}.e30"),
            AuthErrorKind::Malformed,
        ),
        (
            "padded base64",
            valid.replacen('.', "=.", 1),
            AuthErrorKind::Malformed,
        ),
        (
            "header in the standard base64 alphabet",
            format!("+{}", &valid[1..]),
            AuthErrorKind::Malformed,
        ),
        (
            "signature with padding",
            format!("{valid}=="),
            AuthErrorKind::BadSignature,
        ),
        (
            "oversized token",
            torii.token().claim("padding", "x".repeat(9000)).sign(),
            AuthErrorKind::TokenTooLarge,
        ),
        (
            "a megabyte of claims",
            torii.token().claim("padding", "x".repeat(1 << 20)).sign(),
            AuthErrorKind::TokenTooLarge,
        ),
        // Signatures
        (
            "psychic signature, r = s = 0",
            replace_signature(&valid, &[0; 64]),
            AuthErrorKind::BadSignature,
        ),
        (
            "r = s = n (the group order)",
            replace_signature(&valid, &[&ORDER[..], &ORDER[..]].concat()),
            AuthErrorKind::BadSignature,
        ),
        (
            "DER-encoded signature",
            replace_signature(&valid, &der(&signature)),
            AuthErrorKind::BadSignature,
        ),
        (
            "signature with a byte flipped",
            replace_signature(&valid, &{
                let mut s = signature.clone();
                s[5] ^= 1;
                s
            }),
            AuthErrorKind::BadSignature,
        ),
        (
            "signature truncated",
            replace_signature(&valid, &signature[..63]),
            AuthErrorKind::BadSignature,
        ),
        (
            "signature with a byte more",
            replace_signature(&valid, &[&signature[..], &[0]].concat()),
            AuthErrorKind::BadSignature,
        ),
        (
            "no signature",
            valid
                .rsplit_once('.')
                .map(|(input, _)| format!("{input}."))
                .expect("parts"),
            AuthErrorKind::Malformed,
        ),
        // Time claims
        (
            "exp as a string",
            torii.token().claim("exp", (now() + 300).to_string()).sign(),
            AuthErrorKind::InvalidClaim,
        ),
        (
            "exp negative",
            torii.token().claim("exp", -1).sign(),
            AuthErrorKind::InvalidClaim,
        ),
        (
            "exp 1e20",
            torii.token().claim("exp", 1e20).sign(),
            AuthErrorKind::InvalidClaim,
        ),
        (
            "exp true",
            torii.token().claim("exp", true).sign(),
            AuthErrorKind::InvalidClaim,
        ),
        (
            "exp a float in the past",
            torii
                .token()
                .claim("exp", (now() - 120) as f64 + 0.5)
                .sign(),
            AuthErrorKind::Expired,
        ),
        (
            "nbf as a string",
            torii.token().claim("nbf", now().to_string()).sign(),
            AuthErrorKind::InvalidClaim,
        ),
        (
            "iat missing",
            torii.token().without("iat").sign(),
            AuthErrorKind::MissingClaim,
        ),
        (
            "iat in the future",
            torii.token().claim("iat", now() + 120).sign(),
            AuthErrorKind::NotYetValid,
        ),
        // The issuer, with every near miss
        (
            "issuer with a suffix",
            torii
                .token()
                .issuer(format!("{}.evil.example", torii.issuer()))
                .sign(),
            AuthErrorKind::IssuerMismatch,
        ),
        (
            "issuer with a path",
            torii
                .token()
                .issuer(format!("{}/evil", torii.issuer()))
                .sign(),
            AuthErrorKind::IssuerMismatch,
        ),
        (
            "issuer with two slashes",
            torii.token().issuer(format!("{}//", torii.issuer())).sign(),
            AuthErrorKind::IssuerMismatch,
        ),
        (
            "issuer as a prefix",
            torii
                .token()
                .issuer(&torii.issuer()[..torii.issuer().len() - 1])
                .sign(),
            AuthErrorKind::IssuerMismatch,
        ),
        (
            "issuer in upper case",
            torii.token().issuer(torii.issuer().to_uppercase()).sign(),
            AuthErrorKind::IssuerMismatch,
        ),
        (
            "issuer with a space",
            torii.token().issuer(format!("{} ", torii.issuer())).sign(),
            AuthErrorKind::IssuerMismatch,
        ),
        (
            "issuer as an array",
            torii.token().claim("iss", json!([torii.issuer()])).sign(),
            AuthErrorKind::InvalidClaim,
        ),
        // Identity claims
        (
            "empty sub",
            torii.token().subject("").sign(),
            AuthErrorKind::InvalidClaim,
        ),
        (
            "sub a number",
            torii.token().claim("sub", 7).sign(),
            AuthErrorKind::InvalidClaim,
        ),
        (
            "no pid",
            torii.token().without("pid").sign(),
            AuthErrorKind::MissingClaim,
        ),
    ];
    let mut wrong = Vec::new();
    for (name, token, expected) in &cases {
        match verifier.verify(token).await {
            Ok(_) => wrong.push(format!("{name}: accepted")),
            Err(error) if error.kind() != *expected => {
                wrong.push(format!(
                    "{name}: {:?} ({error}), expected {expected:?}",
                    error.kind()
                ));
            }
            Err(error) => assert!(!error.to_string().contains(token.as_str()), "{name}"),
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // A float `exp` in the future is a valid NumericDate (RFC 7519).
    let float_exp = torii
        .token()
        .claim("exp", (now() + 300) as f64 + 0.25)
        .sign();
    verifier
        .verify(&float_exp)
        .await
        .expect("fractional seconds are allowed");
    // A trailing slash on the issuer is the same issuer.
    let slash = torii.token().issuer(format!("{}/", torii.issuer())).sign();
    verifier
        .verify(&slash)
        .await
        .expect("one trailing slash is normalised");
}

/// The order of the P-256 group.
const ORDER: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
];

#[tokio::test]
async fn times_beyond_any_clock_are_refused_not_a_panic() {
    let torii = MockTorii::start().await.expect("mock");
    let verifier = torii.verifier();
    for (claim, seconds) in [
        ("exp", u64::MAX),
        ("iat", u64::MAX - 1),
        ("exp", 10_u64.pow(15)),
    ] {
        let token = torii.token().claim(claim, seconds).sign();
        let error = verifier.verify(&token).await.expect_err(claim);
        assert_eq!(
            error.kind(),
            AuthErrorKind::InvalidClaim,
            "{claim}: {error}"
        );
    }
}

#[tokio::test]
async fn key_pointers_in_the_header_reach_nothing() {
    let torii = MockTorii::start().await.expect("mock");
    let attacker = MockTorii::start().await.expect("attacker");
    attacker.add_key("attacker-only");
    let verifier = torii.verifier();
    let pointers = |builder: torii_backend::testing::TokenBuilder| {
        builder
            .issuer(torii.issuer())
            .header("jku", attacker.jwks_url())
            .header("x5u", attacker.jwks_url())
            .header("jwk", attacker.jwks()["keys"][0].clone())
            .header(
                "x5c",
                json!(["MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA"]),
            )
    };
    // Signed by the attacker under a kid the issuer also has, and under one it does not.
    let colliding = pointers(attacker.token().kid("mock-key-1")).sign();
    let foreign = pointers(attacker.token().kid("attacker-only")).sign();
    assert_eq!(
        verifier
            .verify(&colliding)
            .await
            .expect_err("forged")
            .kind(),
        AuthErrorKind::BadSignature
    );
    assert_eq!(
        verifier.verify(&foreign).await.expect_err("forged").kind(),
        AuthErrorKind::UnknownKey
    );
    assert_eq!(
        attacker.jwks_fetches(),
        0,
        "nothing the header points at was fetched"
    );
}

/// A verifier whose key set is whatever `server` answers.
fn verifier_for(issuer: &str, server: &CaptureServer, max_jwks_bytes: usize) -> Verifier {
    Verifier::builder(issuer)
        .jwks_url(format!("{}/jwks.json", server.url()))
        .max_jwks_bytes(max_jwks_bytes)
        .build()
        .expect("verifier")
}

#[tokio::test]
async fn hostile_key_sets_are_survived() {
    let torii = MockTorii::start().await.expect("mock");
    let token = torii.token().expires_in(Duration::from_secs(3600)).sign();
    let good = torii.jwks()["keys"][0].clone();

    // A point not on the curve, under the kid the token names: the key is never used.
    let server = CaptureServer::start().await;
    let mut off_curve = good.clone();
    let y = off_curve["y"].as_str().expect("y").to_owned();
    let flipped = if y.starts_with('A') {
        y.replacen('A', "B", 1)
    } else {
        format!("A{}", &y[1..])
    };
    off_curve["y"] = json!(flipped);
    server.respond(Canned::json(200, &json!({"keys": [off_curve]})));
    let verifier = verifier_for(torii.issuer(), &server, 256 * 1024);
    assert_eq!(
        verifier
            .verify(&token)
            .await
            .expect_err("no usable key")
            .kind(),
        AuthErrorKind::UnknownKey
    );

    // 10,000 keys: over the default 256 KiB cap, the set is refused as a whole...
    let many: Vec<Value> = (0..10_000)
        .map(|n| {
            let mut key = good.clone();
            key["kid"] = json!(format!("k{n}"));
            key
        })
        .collect();
    let flood = json!({"keys": many});
    let server = CaptureServer::start().await;
    server.respond(Canned::json(200, &flood));
    let capped = verifier_for(torii.issuer(), &server, 256 * 1024);
    assert_eq!(
        capped
            .verify(&token)
            .await
            .expect_err("over the cap")
            .kind(),
        AuthErrorKind::JwksUnavailable
    );
    // ...and with the cap raised it is read, each key checked once, and the token's kid is
    // still the only one that matters.
    let server = CaptureServer::start().await;
    server.respond(Canned::json(200, &flood));
    let raised = verifier_for(torii.issuer(), &server, 4 << 20);
    assert_eq!(
        raised
            .verify(&token)
            .await
            .expect_err("its kid is not in the set")
            .kind(),
        AuthErrorKind::UnknownKey
    );
    assert_eq!(raised.jwks_stats().keys, 10_000);

    // The same kid twice with two keys: ambiguous, neither is used.
    let server = CaptureServer::start().await;
    let mut twin = torii.jwks()["keys"][0].clone();
    let other = MockTorii::start().await.expect("other");
    twin["x"] = other.jwks()["keys"][0]["x"].clone();
    twin["y"] = other.jwks()["keys"][0]["y"].clone();
    server.respond(Canned::json(200, &json!({"keys": [good, twin]})));
    let verifier = verifier_for(torii.issuer(), &server, 256 * 1024);
    assert_eq!(
        verifier
            .verify(&token)
            .await
            .expect_err("ambiguous kid")
            .kind(),
        AuthErrorKind::UnknownKey
    );
}
