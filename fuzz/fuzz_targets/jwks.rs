//! Arbitrary bytes as the issuer's key set document.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    torii_backend::fuzzing::jwks(input);
});
