//! A Torii you can run in your own tests (feature `testing`): [`MockTorii`].
//!
//! It listens on 127.0.0.1 with a free port, serves the issuer's JWKS and OIDC discovery
//! documents, mints tokens with any claims, `kid` and times, rotates keys, counts key set
//! fetches, and breaks its JWKS endpoint on request ([`JwksFault`]).
//!
//! ```
//! use torii_backend::testing::MockTorii;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let torii = MockTorii::start().await.expect("loopback is available");
//! let token = torii.token().subject("user_1").claim("plan", "pro").sign();
//! let auth = torii.verifier().verify(&token).await.expect("a valid token");
//! assert_eq!(auth.user_id, "user_1");
//! # }
//! ```

#[cfg(feature = "api")]
mod backend;
mod issuer;
mod keys;
mod mock;
mod server;

#[cfg(feature = "api")]
pub use backend::{ApiFault, MockError, UserSeed};
pub use issuer::{JwksFault, TokenBuilder};
pub use mock::MockTorii;
