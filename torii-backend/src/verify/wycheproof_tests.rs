//! The Wycheproof vectors in `../shared/reference/` (or `TORII_REFERENCE_DIR`) through the code
//! that verifies tokens: ES256 JWS cases give Wycheproof's verdict, every other algorithm is
//! refused, malformed or mismatched keys are never used, and the P1363 ECDSA vectors give their
//! verdict through the signature primitive the verifier calls.

use std::path::PathBuf;

use serde_json::Value;

use super::jwks::VerificationKey;
use super::{AuthErrorKind, KeySet, UnverifiedToken};

/// The reference file `name`, or `None` when the reference is absent outside CI.
fn reference(name: &str) -> Option<Value> {
    let dir = match std::env::var_os("TORII_REFERENCE_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/reference"),
    };
    let path = dir.join(name);
    match std::fs::read_to_string(&path) {
        Ok(text) => Some(serde_json::from_str(&text).expect("reference files are JSON")),
        Err(error) if std::env::var("CI").is_ok_and(|ci| ci == "true") => {
            panic!("{} is required under CI=true: {error}", path.display())
        }
        Err(_) => {
            eprintln!(
                "skipped: {} not found (set TORII_REFERENCE_DIR)",
                path.display()
            );
            None
        }
    }
}

/// Our verdict on a compact JWS against `keys`: the payload when accepted, the error kind when
/// refused.
fn verdict(jws: &Value, keys: &KeySet) -> Result<String, AuthErrorKind> {
    // JSON-serialized JWS are not tokens; the verifier only takes compact ones.
    let jws = jws.as_str().ok_or(AuthErrorKind::Malformed)?;
    let token = UnverifiedToken::parse(jws, 1 << 20).map_err(|e| e.kind())?;
    let key = keys.get(token.kid()).ok_or(AuthErrorKind::UnknownKey)?;
    token.verify_signature(key).map_err(|e| e.kind())
}

fn key_set(group: &Value) -> KeySet {
    let source = group.get("public").or_else(|| group.get("private"));
    match source {
        Some(Value::Object(object)) => match object.get("keys").and_then(Value::as_array) {
            Some(keys) => KeySet::from_keys(keys),
            None => KeySet::from_keys(&[Value::Object(object.clone())]),
        },
        _ => KeySet::default(),
    }
}

fn is_es256_group(group: &Value) -> bool {
    let public = &group["public"];
    public["kty"] == "EC" && public["crv"] == "P-256"
}

#[test]
fn json_web_signature_vectors() {
    let Some(file) = reference("json_web_signature_test.json") else {
        return;
    };
    let mut es256_cases = 0;
    let mut other_cases = 0;
    for group in file["testGroups"].as_array().expect("groups") {
        let keys = key_set(group);
        for case in group["tests"].as_array().expect("tests") {
            let id = &case["tcId"];
            let outcome = verdict(&case["jws"], &keys);
            if is_es256_group(group) {
                es256_cases += 1;
                let expected_valid = case["result"] == "valid";
                assert_eq!(
                    outcome.is_ok(),
                    expected_valid,
                    "tcId {id} ({}): {outcome:?}",
                    case["comment"]
                );
            } else {
                other_cases += 1;
                assert!(outcome.is_err(), "tcId {id}: only ES256 is accepted");
            }
        }
    }
    assert!(es256_cases >= 40, "ES256 cases: {es256_cases}");
    assert!(other_cases > 300, "other cases: {other_cases}");
}

#[test]
fn json_web_key_vectors() {
    let Some(file) = reference("json_web_key_test.json") else {
        return;
    };
    let mut cases = 0;
    for group in file["testGroups"].as_array().expect("groups") {
        let keys = key_set(group);
        for case in group["tests"].as_array().expect("tests") {
            cases += 1;
            let id = &case["tcId"];
            let outcome = verdict(&case["jws"], &keys);
            assert!(
                outcome.is_err(),
                "tcId {id} ({}) must be refused",
                case["comment"]
            );
            if case["result"] == "valid" {
                // Valid for a general JOSE library, but not ES256: refused for that reason.
                assert_eq!(
                    outcome,
                    Err(AuthErrorKind::UnsupportedAlgorithm),
                    "tcId {id}"
                );
            }
        }
    }
    assert_eq!(cases, 26);
}

fn hex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex"))
        .collect()
}

#[test]
fn ecdsa_p256_p1363_vectors_through_the_signature_primitive() {
    let Some(file) = reference("ecdsa_secp256r1_sha256_p1363_test.json") else {
        return;
    };
    let mut cases = 0;
    for group in file["testGroups"].as_array().expect("groups") {
        // The uncompressed point 04 ‖ x ‖ y, as a JWK's x and y would carry it.
        let point: [u8; 65] = hex(group["publicKey"]["uncompressed"]
            .as_str()
            .expect("uncompressed point"))
        .try_into()
        .expect("65 bytes");
        assert_eq!(point[0], 4);
        let key = VerificationKey::from_point(point).expect("a point on the curve");
        for case in group["tests"].as_array().expect("tests") {
            cases += 1;
            let message = hex(case["msg"].as_str().expect("msg"));
            let signature = hex(case["sig"].as_str().expect("sig"));
            let accepted = key.verify(&message, &signature);
            match case["result"].as_str() {
                Some("valid") => assert!(accepted, "tcId {} must verify", case["tcId"]),
                Some("invalid") => assert!(!accepted, "tcId {} must not verify", case["tcId"]),
                _ => {}
            }
        }
    }
    assert_eq!(cases, 262);
}
