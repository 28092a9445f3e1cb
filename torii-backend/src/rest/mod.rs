//! The REST runtime under the generated Backend API client.
//!
//! Users call the generated surface (`Client`, `client.users().update(id)...`); this module holds
//! what it runs on and what it returns: [`Transport`] (HTTP, authentication, decoding),
//! [`ClientBuilder`], [`SecretKey`], the error types, and the traits that decide what builder
//! methods accept ([`IntoPathArg`], [`IntoJsonObject`]).
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

mod args;
mod error;
mod paginate;
mod request;
mod retry;
mod secret;
mod transport;
pub mod tristate;

/// An error answer with `body`, as the client reads one (for the fuzz targets).
#[cfg(fuzzing)]
pub(crate) fn fuzz_error_body(body: &[u8]) {
    let info = error::RequestInfo {
        method: http::Method::GET,
        operation: "getUser",
        path_template: "/api/server/v1/users/{userId}",
    };
    let mut headers = http::HeaderMap::new();
    if let Ok(value) =
        http::HeaderValue::from_bytes(body.get(..body.len().min(32)).unwrap_or_default())
    {
        headers.insert(http::header::RETRY_AFTER, value);
    }
    let error = ApiError::from_response(&info, "/", http::StatusCode::BAD_REQUEST, &headers, body);
    let _ = (error.to_string(), error.retry_after());
}

pub use args::{IntoJsonObject, IntoPathArg, JsonObject, PathArg, QueryValue, defer};
pub use error::{ApiError, DecodeError, TransportError};
pub use paginate::{Items, Pages, Paginated, collect_items};
pub use request::Request;
pub use retry::RetryPolicy;
pub use secret::SecretKey;
pub use transport::{
    ClientBuilder, DEFAULT_API_URL, DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT, Transport,
};
