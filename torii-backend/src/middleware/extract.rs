//! The axum extractor for [`Auth`] (feature `axum`).

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use http::request::Parts;

use super::Unauthenticated;
use super::rejection::unauthorized;
use crate::verify::Auth;

/// Extracts the [`Auth`] that [`RequireAuthLayer`](super::RequireAuthLayer) verified.
///
/// A handler that takes `Auth` runs only for authenticated requests; one that takes
/// `Option<Auth>` also runs for requests an optional layer let through without a token.
impl<S: Send + Sync> FromRequestParts<S> for Auth {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        if let Some(auth) = parts.extensions.get::<Auth>() {
            return Ok(auth.clone());
        }
        if let Some(Unauthenticated(error)) = parts.extensions.get::<Unauthenticated>() {
            return Err(unauthorized::<axum::body::Body>(error));
        }
        Err(MissingAuthLayer.into_response())
    }
}

impl<S: Send + Sync> OptionalFromRequestParts<S> for Auth {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        Ok(parts.extensions.get::<Auth>().cloned())
    }
}

/// The route extracts `Auth` but no layer authenticated the request: no
/// [`RequireAuthLayer`](super::RequireAuthLayer) runs in front of it, or the layer's
/// [`skip`](super::RequireAuthLayer::skip) predicate excluded the request. A server bug,
/// answered with 500 (the message names both causes) rather than a request let through.
#[derive(Debug, Clone, Copy)]
pub struct MissingAuthLayer;

impl IntoResponse for MissingAuthLayer {
    fn into_response(self) -> Response {
        tracing::error!("{}", crate::verify::NOT_AUTHENTICATED_HERE);
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            crate::verify::NOT_AUTHENTICATED_HERE,
        )
            .into_response()
    }
}
