//! # torii-backend
//!
//! The Rust backend SDK for [Torii](https://torii.so), the hosted auth service.
//!
//! - **Backend API client** (feature `api`, on by default): [`Client`], generated at compile time
//!   from the Torii Backend API spec, so every operation is typed and misuse does not compile.
//!   PATCH fields are tri-state: `.first_name("Ada")` sets, `.clear_last_name()` sends `null`,
//!   and a field you do not touch is left out of the body.
//! - **Session verification** (feature `verify`, on by default): [`verify_token`],
//!   [`authenticate_request`] and [`Verifier`] check Torii session tokens locally; with features
//!   `tower` and `axum`, `middleware::RequireAuthLayer` and an extractor for [`Auth`]; with
//!   `actix`, the same for actix-web 4.
//! - **A mock Torii** (feature `testing`) for your own tests: `testing::MockTorii`.
//!
//! ```no_run
//! # #[cfg(feature = "api")]
//! # async fn example() -> Result<(), torii_backend::Error> {
//! let torii = torii_backend::Client::new("sk_test_…")?;
//! let user = torii
//!     .users()
//!     .update("01931a73-8b00-7000-8000-000000000000")
//!     .first_name("Ada")
//!     .clear_last_name()
//!     .send()
//!     .await?;
//! println!("{} is now {:?}", user.id, user.first_name);
//! # Ok(()) }
//! ```
//!
//! # Where things live
//!
//! The crate root holds the entry points: [`verify_token`], [`authenticate_request`],
//! [`Verifier`], [`Auth`], [`Client`] and the umbrella [`Error`] (with [`ConfigError`] and
//! [`InvalidArgument`], its branches shared by every part). Everything else has one home:
//!
//! | module | what it holds |
//! |---|---|
//! | [`verify`] | the verifier and its builder, [`verify::AuthError`] and its kinds, the key set and token cache settings and stats, the header sources |
//! | `middleware` (feature `tower`) | `RequireAuthLayer` for axum, tonic, hyper and any tower stack, and its rejections; with `axum`, the `Auth` extractors |
//! | `rest` (feature `api`) | what configures the client and what it returns: `ClientBuilder`, `RetryPolicy`, `SecretKey`, `ApiError`, `TransportError`, `DecodeError`, the pagination streams `Items` and `Pages` |
//! | `models`, `resources`, `builders` (feature `api`) | generated from the spec: one type per schema, one handle per resource, one request builder per operation |
//! | `Operation` (feature `api`) | the generated operation table: every operationId with its method, path template and the behaviours the spec states |
//! | `actix` (feature `actix`) | `RequireAuth` middleware and the `Auth` extractors for actix-web 4 |
//! | `testing` (feature `testing`) | `MockTorii`, an in-process Torii for your tests |
//!
//! # Features
//!
//! - `api` (default): the REST client, its models and `generate_api!`.
//! - `verify` (default): token verification, with no REST code when used alone.
//! - `tower`: the tower layer; `axum`: the `Auth` extractor (with `tower`).
//! - `actix`: actix-web 4 middleware and extractors.
//! - `metrics`: counters, a gauge and a histogram through the `metrics` facade (the README's
//!   "Metrics" lists them).
//! - `testing`: the mock Torii, for your tests (as a dev-dependency).

#![deny(missing_docs)]
#![deny(missing_debug_implementations)]
// No panic reachable from what callers, tokens, key sets or API responses contain: outside tests
// the library may not unwrap, expect, index out of bounds, or panic. The few `expect`s left are
// in the `testing` mock, each with a documented `# Panics` that cannot happen, and allowed
// one by one.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing,
        clippy::unreachable,
        clippy::todo,
        clippy::unimplemented
    )
)]
#![cfg_attr(docsrs, feature(doc_cfg))]

// Generated code names this crate `::torii_backend`, also when it is generated here.
extern crate self as torii_backend;

#[cfg(any(feature = "api", feature = "verify"))]
mod env;
mod error;
#[cfg(fuzzing)]
#[doc(hidden)]
pub mod fuzzing;
#[cfg(any(feature = "api", feature = "verify"))]
mod net;

pub use error::{ConfigError, Error, InvalidArgument};

#[cfg(feature = "verify")]
#[cfg_attr(docsrs, doc(cfg(feature = "verify")))]
pub mod verify;

#[cfg(feature = "tower")]
#[cfg_attr(docsrs, doc(cfg(feature = "tower")))]
pub mod middleware;

#[cfg(feature = "actix")]
#[cfg_attr(docsrs, doc(cfg(feature = "actix")))]
pub mod actix;

#[cfg(feature = "metrics")]
mod observe;

#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod testing;

#[cfg(feature = "verify")]
pub use verify::{Auth, Verifier, authenticate_request, verify_token};

#[cfg(feature = "api")]
#[cfg_attr(docsrs, doc(cfg(feature = "api")))]
pub mod rest;

#[cfg(feature = "api")]
#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

#[cfg(feature = "api")]
pub use ::{chrono, serde_json, uuid};

/// The HTTP client the REST client runs on, re-exported so that a `reqwest::Client` given to
/// [`ClientBuilder::http_client`](rest::ClientBuilder::http_client) is of the same version.
#[cfg(feature = "api")]
pub use ::reqwest;

/// Generates a typed client from an OpenAPI document of the Torii Backend API family.
///
/// torii-backend uses it on its own `spec/server-v1.json` to make [`Client`]; you can use it on
/// another revision of the spec, or a spec of your own in the same style. The path is relative to
/// your crate's `CARGO_MANIFEST_DIR`, and `${NAME}` expands the environment variable `NAME` at
/// build time. Editing the document rebuilds your crate.
///
/// Invoke it in a module of its own; it emits `Client` and the modules `models`, `resources` and
/// `builders`. Your crate needs no dependency besides torii-backend.
///
/// ```no_run
/// mod my_api {
///     // Any spec of the family; here the one torii-backend itself is built from.
///     torii_backend::generate_api!("spec/server-v1.json");
/// }
///
/// # async fn example() -> Result<(), torii_backend::Error> {
/// let client = my_api::Client::new("sk_test_123")?;
/// client
///     .users()
///     .update("01931a73-8b00-7000-8000-000000000000")
///     .first_name("Ada")
///     .clear_last_name()
///     .await?;
/// # Ok(()) }
/// ```
///
/// Specs that use constructs the generator does not support fail to compile with an error that
/// names the JSON pointer and the operationId.
#[cfg(feature = "api")]
#[cfg_attr(docsrs, doc(cfg(feature = "api")))]
pub use torii_macros::generate_api;

#[cfg(feature = "api")]
generate_api!("spec/server-v1.json");

// The README's examples are compiled (and its `compile_fail` block checked) as doc tests.
#[cfg(all(
    doctest,
    feature = "api",
    feature = "axum",
    feature = "actix",
    feature = "testing"
))]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

/// A verify-only build has no REST client. Each case names the error it must fail with, so that
/// it cannot pass for another reason (a typo, a missing import):
///
/// ```compile_fail,E0433
/// let client = torii_backend::Client::new("sk_test_123");
/// ```
///
/// no models:
///
/// ```compile_fail,E0433
/// let locale = torii_backend::models::Locale::En;
/// ```
///
/// no `rest` module:
///
/// ```compile_fail,E0433
/// let policy = torii_backend::rest::RetryPolicy::disabled();
/// ```
///
/// and no `generate_api!`:
///
/// ```compile_fail,E0433
/// mod api {
///     torii_backend::generate_api!("spec/server-v1.json");
/// }
/// ```
///
/// while verification is there:
///
/// ```no_run
/// # async fn run(token: &str) -> Result<(), torii_backend::verify::AuthError> {
/// torii_backend::verify_token(token, "https://auth.example.com").await?;
/// # Ok(()) }
/// ```
#[cfg(all(doctest, feature = "verify", not(feature = "api")))]
struct VerifyOnlyBuild;
