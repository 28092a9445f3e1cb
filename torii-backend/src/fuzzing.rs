//! Entry points for the fuzz targets in `fuzz/`, compiled only with `--cfg fuzzing` (which
//! `cargo fuzz` sets): the code that reads untrusted bytes, without the network in between, so
//! that a fuzzer gets through millions of inputs. Not an API.

#[cfg(feature = "verify")]
pub use crate::verify::fuzzing::{
    AUDIENCE, ISSUER, KeySetInput, authorization_headers, jwks, token, token_verdict,
};

/// Reads `body` as the success answer of every operation of the table (each through the
/// decoder the client uses, which builds the JSON path of a failure) and as an error answer.
#[cfg(feature = "api")]
pub fn api_response(body: &[u8]) {
    for operation in crate::Operation::ALL {
        if let Err(crate::Error::Decode(error)) = operation.decode_response(body) {
            // What a `DecodeError` reports must be buildable for any input too.
            let _ = (error.to_string(), error.json_path().len());
        }
    }
    crate::rest::fuzz_error_body(body);
}
