//! Entry points for the fuzz targets in `fuzz/`, compiled only with `--cfg fuzzing` (which
//! `cargo fuzz` sets): the code that reads untrusted bytes, without the network in between, so
//! that a fuzzer gets through millions of inputs. Not an API.

#[cfg(feature = "verify")]
pub use crate::verify::fuzzing::{ISSUER, KeySetInput, authorization_headers, jwks, token};

/// Reads `body` as the answer of every operation (each response model, through the same
/// path-tracking decoder the client uses) and as an error answer.
#[cfg(feature = "api")]
pub fn api_response(body: &[u8]) {
    use crate::models::*;

    fn decode<T: serde::de::DeserializeOwned>(body: &[u8]) {
        let mut deserializer = serde_json::Deserializer::from_slice(body);
        let decoded: Result<T, _> = serde_path_to_error::deserialize(&mut deserializer);
        if let Err(error) = decoded {
            // The path is what a `DecodeError` reports: building it must not fail either.
            let _ = error.path().to_string();
        }
    }
    decode::<AllowedOriginsResponse>(body);
    decode::<ServerUserResponse>(body);
    decode::<ServerImpersonationTokenResponse>(body);
    decode::<UserPage>(body);
    decode::<UserOrganizationPage>(body);
    decode::<OrganizationPage>(body);
    decode::<OrganizationMemberPage>(body);
    decode::<InvitationPage>(body);
    decode::<EnvironmentInvitationResponse>(body);
    decode::<ServerOrganizationResponse>(body);
    decode::<ServerOrganizationMemberResponse>(body);
    decode::<Vec<UserSessionResponse>>(body);
    crate::rest::fuzz_error_body(body);
}
