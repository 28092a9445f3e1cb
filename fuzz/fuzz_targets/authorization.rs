//! `Authorization` header parsing, as `authenticate_request` reads it from header pairs.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    torii_backend::fuzzing::authorization_headers(input);
});
