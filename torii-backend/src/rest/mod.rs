//! The REST runtime under the generated Backend API client.
//!
//! Users call the generated surface (`Client`, `client.users().update(id)...`); this module holds
//! what configures it and what it returns: [`ClientBuilder`], [`RetryPolicy`], [`SecretKey`], the
//! error types ([`ApiError`], [`TransportError`], [`DecodeError`]), the pagination streams
//! ([`Items`], [`Pages`]), the value an unlisted enum value is kept in ([`UnknownValue`]) and the
//! traits that say what builder methods accept ([`IntoPathArg`], [`IntoJsonObject`]).
//!
//! # Defaults
//!
//! - API URL `https://api.torii.so`; `https` is required except on loopback hosts.
//! - 30 s per attempt, 10 s to connect; redirects are not followed.
//! - Up to 3 attempts with jittered backoff, for the failures and methods listed on
//!   [`RetryPolicy`]: POST and PATCH are only retried when the server provably did not act.
//! - Each request is one `tracing` span, `torii.request`, with the operation, method, path
//!   template, status, attempts and duration; no header, body or id is recorded.
//! - The secret key is sent as `Authorization: Bearer …`, marked sensitive, and never shown by
//!   `Debug` or `Display`.

// The modules are crate-visible so that `__private` can re-export what generated code needs;
// users reach only what is re-exported below.
pub(crate) mod args;
mod error;
pub(crate) mod paginate;
pub(crate) mod request;
mod retry;
#[cfg(feature = "verify")]
mod revocation;
mod secret;
pub(crate) mod transport;
pub(crate) mod tristate;
pub(crate) mod unknown;

/// An error answer with `body`, as the client reads one (for the fuzz targets).
#[cfg(fuzzing)]
pub(crate) fn fuzz_error_body(body: &[u8]) {
    let operation = crate::Operation::GetUser.spec();
    let mut headers = http::HeaderMap::new();
    if let Ok(value) =
        http::HeaderValue::from_bytes(body.get(..body.len().min(32)).unwrap_or_default())
    {
        headers.insert(http::header::RETRY_AFTER, value);
    }
    let error = ApiError::from_response(
        operation,
        "/",
        http::StatusCode::BAD_REQUEST,
        &headers,
        body,
    );
    let _ = (error.to_string(), error.retry_after());
}

pub use args::{IntoJsonObject, IntoPathArg};
pub use error::{ApiError, DecodeError, TransportError};
pub use paginate::{Items, Pages};
pub use retry::RetryPolicy;
pub use secret::SecretKey;
pub use transport::{ClientBuilder, DEFAULT_API_URL, DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT};
pub use unknown::UnknownValue;
