//! ES256 signing keys for the mock issuer.

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

/// A P-256 key pair with a `kid`, and its PKCS#8 document, which a snapshot carries so that
/// tokens signed before a restart still verify after it.
pub(crate) struct SigningKey {
    kid: String,
    pair: EcdsaKeyPair,
    pkcs8: Vec<u8>,
}

impl SigningKey {
    /// A fresh random key.
    ///
    /// # Panics
    ///
    /// If the system random generator fails, which leaves no way to make a key.
    #[allow(clippy::expect_used)] // documented above; no key can be made without randomness
    pub(crate) fn generate(kid: impl Into<String>) -> Self {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
            .expect("the system random generator works");
        Self::from_pkcs8(kid, pkcs8.as_ref()).expect("a freshly generated PKCS#8 key parses")
    }

    /// The key in a PKCS#8 document, `None` when it is not a P-256 key pair.
    pub(crate) fn from_pkcs8(kid: impl Into<String>, pkcs8: &[u8]) -> Option<Self> {
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8).ok()?;
        Some(Self {
            kid: kid.into(),
            pair,
            pkcs8: pkcs8.to_vec(),
        })
    }

    /// The PKCS#8 document of the key pair: private key material.
    #[cfg_attr(not(feature = "api"), allow(dead_code))]
    pub(crate) fn pkcs8(&self) -> &[u8] {
        &self.pkcs8
    }

    pub(crate) fn kid(&self) -> &str {
        &self.kid
    }

    /// The public key as a JWK.
    pub(crate) fn public_jwk(&self) -> Value {
        let point = self.pair.public_key().as_ref();
        // Uncompressed point: 0x04 ‖ x ‖ y, 32 bytes each.
        let (x, y) = point
            .get(1..)
            .unwrap_or_default()
            .split_at(32.min(point.len() / 2));
        json!({
            "kty": "EC",
            "crv": "P-256",
            "alg": "ES256",
            "use": "sig",
            "kid": self.kid,
            "x": URL_SAFE_NO_PAD.encode(x),
            "y": URL_SAFE_NO_PAD.encode(y),
        })
    }

    /// `header.claims.signature`, signed with this key whatever the header says.
    ///
    /// # Panics
    ///
    /// If signing fails, which aws-lc-rs does only when its random generator fails.
    pub(crate) fn sign(&self, header: &Value, claims: &Value) -> String {
        self.sign_text(&header.to_string(), &claims.to_string())
    }

    /// As [`SigningKey::sign`], for header and claims given as they are to be encoded (which
    /// need not be valid JSON).
    #[allow(clippy::expect_used)] // signing fails only when the random generator does
    pub(crate) fn sign_text(&self, header: &str, claims: &str) -> String {
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header),
            URL_SAFE_NO_PAD.encode(claims)
        );
        let signature = self
            .pair
            .sign(&SystemRandom::new(), signing_input.as_bytes())
            .expect("ECDSA signing works");
        format!(
            "{signing_input}.{}",
            URL_SAFE_NO_PAD.encode(signature.as_ref())
        )
    }
}
