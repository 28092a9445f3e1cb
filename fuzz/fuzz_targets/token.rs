//! The whole token path against a fixed key set: the input is either a token as it is, or a
//! header and claims (split at the first 0xFF byte) that the target signs with the set's key,
//! so that inputs also reach the claim checks behind the signature.
#![no_main]

use std::sync::OnceLock;

#[path = "signing_key.rs"]
mod signing_key;
use signing_key::SigningKey;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::EcdsaKeyPair;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use libfuzzer_sys::fuzz_target;
use torii_backend::fuzzing::{KeySetInput, token};

struct Issuer {
    key: EcdsaKeyPair,
    keys: KeySetInput<'static>,
}

fn issuer() -> &'static Issuer {
    static ISSUER: OnceLock<Issuer> = OnceLock::new();
    ISSUER.get_or_init(|| {
        let SigningKey { key, jwks, .. } = SigningKey::generate();
        Issuer {
            keys: KeySetInput::read(jwks.as_bytes()),
            key,
        }
    })
}

const NOW: u64 = 1_800_000_000;

fuzz_target!(|input: &[u8]| {
    let issuer = issuer();
    match input.iter().position(|byte| *byte == 0xFF) {
        None => {
            if let Ok(text) = std::str::from_utf8(input) {
                token(text, &issuer.keys, NOW);
            }
        }
        Some(split) => {
            let (header, claims) = (&input[..split], &input[split + 1..]);
            let signing_input = format!(
                "{}.{}",
                URL_SAFE_NO_PAD.encode(header),
                URL_SAFE_NO_PAD.encode(claims)
            );
            let signature = issuer
                .key
                .sign(&SystemRandom::new(), signing_input.as_bytes())
                .expect("signing");
            let signed = format!(
                "{signing_input}.{}",
                URL_SAFE_NO_PAD.encode(signature.as_ref())
            );
            token(&signed, &issuer.keys, NOW);
        }
    }
});
