//! Arbitrary bytes as the body of every Backend API answer, success and error.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    torii_backend::fuzzing::api_response(input);
});
