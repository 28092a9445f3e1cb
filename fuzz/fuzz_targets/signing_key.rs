//! The issuer key the `token` and `oracle` targets sign with, made once per process.

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// A fresh P-256 key, its public point's `x` and `y` (base64url), and the JWKS document that
/// publishes it under `kid` `k1`.
pub struct SigningKey {
    pub key: EcdsaKeyPair,
    // Read by the oracle target only (this file is compiled into each target on its own).
    #[allow(dead_code)]
    pub x: String,
    #[allow(dead_code)]
    pub y: String,
    pub jwks: String,
}

impl SigningKey {
    pub fn generate() -> Self {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
            .expect("key generation");
        let key = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref())
            .expect("key");
        let point = key.public_key().as_ref();
        let (x, y) = (
            URL_SAFE_NO_PAD.encode(&point[1..33]),
            URL_SAFE_NO_PAD.encode(&point[33..65]),
        );
        let jwks =
            format!(r#"{{"keys":[{{"kty":"EC","crv":"P-256","kid":"k1","x":"{x}","y":"{y}"}}]}}"#);
        Self { key, x, y, jwks }
    }
}
