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
//! - 30 s per request, 10 s to connect; redirects are not followed.
//! - The secret key is sent as `Authorization: Bearer …`, marked sensitive, and never shown by
//!   `Debug` or `Display`.

mod args;
mod error;
mod request;
mod secret;
mod transport;
pub mod tristate;

pub use args::{IntoJsonObject, IntoPathArg, JsonObject, PathArg, QueryValue, defer};
pub use error::{ApiError, DecodeError, TransportError};
pub use request::Request;
pub use secret::SecretKey;
pub use transport::{
    ClientBuilder, DEFAULT_API_URL, DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT, Transport,
};
