//! [`RequireAuthLayer`]: the tower layer that wraps a service in [`RequireAuth`].

use std::fmt;
use std::sync::Arc;

use http::request::Parts;
use tower_layer::Layer;

use super::RequireAuth;
use super::rejection::JsonRejection;
use crate::verify::Verifiers;

pub(crate) type SkipPredicate = Arc<dyn Fn(&Parts) -> bool + Send + Sync>;

/// Requires a verified Torii session token on every request of the wrapped service.
///
/// On success the request continues with the [`Auth`](crate::verify::Auth) in its extensions.
/// On failure the service is not called and the [`Rejection`](super::Rejection) answers (by default 401 with
/// `{"error":{"code":"authentication_failed","kind":"expired","message":"..."}}`).
///
/// ```
/// # #[cfg(feature = "axum")]
/// # fn app() -> Result<axum::Router, torii_backend::ConfigError> {
/// use axum::{Router, routing::get};
/// use torii_backend::middleware::RequireAuthLayer;
/// use torii_backend::verify::{Auth, Verifier};
///
/// let verifier = Verifier::new("https://auth.example.com")?;
/// let app = Router::new()
///     // With feature `axum`, `Auth` is an extractor (and `Option<Auth>` for optional routes).
///     .route("/me", get(|auth: Auth| async move { auth.user_id }))
///     .route("/healthz", get(|| async { "ok" }))
///     .layer(RequireAuthLayer::new(verifier).skip(|request| request.uri.path() == "/healthz"));
/// # Ok(app) }
/// ```
#[derive(Clone)]
pub struct RequireAuthLayer<R = JsonRejection> {
    pub(crate) verifier: Verifiers,
    pub(crate) rejection: R,
    pub(crate) skip: Option<SkipPredicate>,
    pub(crate) optional: bool,
}

impl RequireAuthLayer {
    /// A layer that verifies tokens with `verifier`, a [`Verifier`](crate::verify::Verifier) or a
    /// [`Verifiers`] set of several issuers, and answers failures with [`JsonRejection`].
    pub fn new(verifier: impl Into<Verifiers>) -> Self {
        Self {
            verifier: verifier.into(),
            rejection: JsonRejection,
            skip: None,
            optional: false,
        }
    }
}

impl<R> RequireAuthLayer<R> {
    /// Lets requests for which `predicate` is true through unchecked (health checks, CORS
    /// preflight, ...).
    pub fn skip(mut self, predicate: impl Fn(&Parts) -> bool + Send + Sync + 'static) -> Self {
        self.skip = Some(Arc::new(predicate));
        self
    }

    /// Lets requests that carry no token (in none of the verifier's token sources) through,
    /// unauthenticated (no `Auth` in their extensions). A token that is there must still be
    /// valid.
    pub fn optional(mut self) -> Self {
        self.optional = true;
        self
    }

    /// Answers failures with `rejection` instead.
    pub fn on_rejection<R2>(self, rejection: R2) -> RequireAuthLayer<R2> {
        RequireAuthLayer {
            verifier: self.verifier,
            rejection,
            skip: self.skip,
            optional: self.optional,
        }
    }
}

impl<S, R: Clone> Layer<S> for RequireAuthLayer<R> {
    type Service = RequireAuth<S, R>;

    fn layer(&self, inner: S) -> Self::Service {
        RequireAuth {
            inner,
            layer: self.clone(),
        }
    }
}

impl<R> fmt::Debug for RequireAuthLayer<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequireAuthLayer")
            .field("verifier", &self.verifier)
            .field("skip", &self.skip.is_some())
            .field("optional", &self.optional)
            .finish_non_exhaustive()
    }
}
