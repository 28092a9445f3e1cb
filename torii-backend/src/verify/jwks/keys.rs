//! A JSON Web Key Set read into the keys this verifier will use.
//!
//! The rules are ours, not the JWT library's (which ignores `use`, `key_ops` and `d`): a key is
//! usable only when `kty` is `EC`, `crv` is `P-256`, `alg` is absent or `ES256`, `use` is absent
//! or `sig`, `key_ops` is absent or contains `verify`, it has no private part (`d`), it has a
//! `kid`, and its point is on the curve. Other keys are skipped, not fatal: a set may hold keys
//! for other purposes. A `kid` that appears twice is ambiguous, and none of its keys is used.

use std::collections::HashMap;
use std::sync::Arc;

use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED, ParsedPublicKey};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};

/// A P-256 public key, parsed and checked to be on the curve once, when the key set is read;
/// verifying a token then costs the signature check alone.
pub(crate) struct VerificationKey {
    parsed: ParsedPublicKey,
    /// The uncompressed point `04 ‖ x ‖ y`, to recognise the same key in a refetched set.
    point: [u8; 65],
}

impl VerificationKey {
    /// The key of an uncompressed point, or `None` when the point is not on P-256.
    pub(crate) fn from_point(point: [u8; 65]) -> Option<Self> {
        let parsed = ParsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, point).ok()?;
        Some(Self { parsed, point })
    }

    /// Whether `signature` (r ‖ s, 64 bytes) is this key's ECDSA P-256 SHA-256 signature of
    /// `message`.
    pub(crate) fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        signature.len() == 64 && self.parsed.verify_sig(message, signature).is_ok()
    }

    /// The uncompressed point, which identifies the key across fetches of the set.
    pub(crate) fn point(&self) -> &[u8; 65] {
        &self.point
    }
}

impl std::fmt::Debug for VerificationKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("VerificationKey(P-256)")
    }
}

/// The usable keys of one key set, by `kid`.
#[derive(Clone, Default)]
pub(crate) struct KeySet {
    keys: HashMap<String, Arc<VerificationKey>>,
    skipped: usize,
}

impl KeySet {
    /// Reads a JWKS document (`{"keys": [...]}`).
    ///
    /// # Errors
    ///
    /// A description of the problem when the document is not a JSON object with a `keys` array.
    pub(crate) fn from_json(body: &[u8]) -> Result<Self, String> {
        let document: Value = serde_json::from_slice(body)
            .map_err(|error| format!("the key set is not JSON: {error}"))?;
        let keys = document
            .get("keys")
            .and_then(Value::as_array)
            .ok_or_else(|| "the key set has no `keys` array".to_owned())?;
        Ok(Self::from_keys(keys))
    }

    pub(crate) fn from_keys(keys: &[Value]) -> Self {
        let mut usable: HashMap<String, Option<Arc<VerificationKey>>> = HashMap::new();
        let mut skipped = 0;
        for key in keys {
            match key.as_object().and_then(usable_key) {
                Some((kid, key)) => {
                    // A repeated kid poisons the entry: which key was meant is ambiguous.
                    usable
                        .entry(kid)
                        .and_modify(|entry| {
                            skipped += 1;
                            *entry = None;
                        })
                        .or_insert(Some(Arc::new(key)));
                }
                None => skipped += 1,
            }
        }
        let keys = usable
            .into_iter()
            .filter_map(|(kid, key)| Some((kid, key?)))
            .collect();
        Self { keys, skipped }
    }

    /// The key with this `kid`.
    pub(crate) fn get(&self, kid: &str) -> Option<&Arc<VerificationKey>> {
        self.keys.get(kid)
    }

    /// How many usable keys the set has.
    pub(crate) fn len(&self) -> usize {
        self.keys.len()
    }

    /// How many keys of the document were skipped.
    pub(crate) fn skipped(&self) -> usize {
        self.skipped
    }
}

impl std::fmt::Debug for KeySet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut kids: Vec<&String> = self.keys.keys().collect();
        kids.sort();
        f.debug_struct("KeySet")
            .field("kids", &kids)
            .field("skipped", &self.skipped)
            .finish()
    }
}

/// The `kid` and verification key of a JWK, when our rules allow it.
fn usable_key(jwk: &Map<String, Value>) -> Option<(String, VerificationKey)> {
    let text = |name: &str| jwk.get(name).and_then(Value::as_str);
    let absent_or = |name: &str, allowed: &str| match jwk.get(name) {
        None => true,
        Some(value) => value.as_str() == Some(allowed),
    };
    if text("kty") != Some("EC") || text("crv") != Some("P-256") || jwk.contains_key("d") {
        return None;
    }
    if !absent_or("alg", "ES256") || !absent_or("use", "sig") {
        return None;
    }
    match jwk.get("key_ops") {
        None => {}
        Some(Value::Array(ops)) if ops.iter().any(|op| op.as_str() == Some("verify")) => {}
        Some(_) => return None,
    }
    let kid = text("kid").filter(|kid| !kid.is_empty())?;
    let (x, y) = (text("x")?, text("y")?);
    let mut point = [0_u8; 65];
    point[0] = 0x04;
    for (text, range) in [(x, 1..33), (y, 33..65)] {
        // Canonical base64url of exactly 32 bytes: 43 characters, nothing else.
        if text.len() != 43 {
            return None;
        }
        let mut bytes = [0_u8; 33];
        let len = URL_SAFE_NO_PAD.decode_slice(text, &mut bytes).ok()?;
        point
            .get_mut(range)?
            .copy_from_slice(bytes.get(..len).filter(|b| b.len() == 32)?);
    }
    // Refuses points that are not on P-256 (invalid-curve attacks) once, at load.
    let key = VerificationKey::from_point(point)?;
    Some((kid.to_owned(), key))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const X: &str = "04N0xi21hshyvBp7I167sbE_bXqyqkAPfefdklMO7wY";
    const Y: &str = "UI8exy-C06a7DUnjIdENkxeFtHM4-l_41LqEw9nVgmw";

    fn key() -> Value {
        json!({"kty": "EC", "crv": "P-256", "x": X, "y": Y, "kid": "k1"})
    }

    fn usable(jwk: Value) -> bool {
        KeySet::from_keys(&[jwk]).get("k1").is_some()
    }

    #[test]
    fn a_plain_p256_key_is_usable() {
        assert!(usable(key()));
        let mut with_all = key();
        with_all["alg"] = json!("ES256");
        with_all["use"] = json!("sig");
        with_all["key_ops"] = json!(["verify"]);
        assert!(usable(with_all));
    }

    #[test]
    fn every_rule_removes_the_key() {
        let changes: &[(&str, Value)] = &[
            ("kty", json!("RSA")),
            ("crv", json!("P-384")),
            ("alg", json!("ES384")),
            ("alg", json!("HS256")),
            ("use", json!("enc")),
            ("key_ops", json!(["encrypt"])),
            ("key_ops", json!("verify")),
            ("d", json!("AAAA")),
            ("kid", json!("")),
            ("kid", json!(7)),
            ("x", json!("AAAA")),
            ("y", json!("UI8exy-C06a7DUnjIdENkxeFtHM4-l_41LqEw9nVgnw")),
            ("x", json!("04N0xi21hshyvBp7I167sbE_bXqyqkAPfefdklMO7wY=")),
        ];
        for (name, value) in changes {
            let mut jwk = key();
            jwk[*name] = value.clone();
            assert!(!usable(jwk), "{name} = {value}");
        }
        let mut no_kid = key();
        no_kid.as_object_mut().map(|k| k.remove("kid"));
        assert!(KeySet::from_keys(&[no_kid]).len() == 0);
    }

    #[test]
    fn other_keys_are_skipped_not_fatal() {
        let set = KeySet::from_json(
            json!({"keys": [{"kty": "RSA", "n": "x", "e": "AQAB", "kid": "r"}, key(), "junk"]})
                .to_string()
                .as_bytes(),
        )
        .expect("a key set");
        assert_eq!(set.len(), 1);
        assert_eq!(set.skipped(), 2);
    }

    #[test]
    fn a_duplicate_kid_is_ambiguous() {
        let set = KeySet::from_keys(&[key(), key()]);
        assert!(set.get("k1").is_none());
    }

    #[test]
    fn documents_that_are_not_key_sets() {
        for body in [&b"not json"[..], b"[]", b"{}", b"{\"keys\": {}}"] {
            assert!(
                KeySet::from_json(body).is_err(),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
    }
}
