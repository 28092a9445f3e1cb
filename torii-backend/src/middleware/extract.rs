//! The axum extractor for [`Auth`] (feature `axum`).

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use http::request::Parts;

use super::Unauthenticated;
use super::rejection::unauthorized;
use crate::verify::{Auth, AuthError, AuthErrorKind};

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
        if parts.extensions.get::<Unauthenticated>().is_some() {
            let error = AuthError::new(
                AuthErrorKind::MissingToken,
                "the request has no Authorization header",
            );
            return Err(unauthorized::<axum::body::Body>(&error));
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

/// The route extracts `Auth` but no [`RequireAuthLayer`](super::RequireAuthLayer) runs in front
/// of it: a server bug, answered with 500 rather than a request let through.
#[derive(Debug, Clone, Copy)]
pub struct MissingAuthLayer;

impl IntoResponse for MissingAuthLayer {
    fn into_response(self) -> Response {
        tracing::error!(
            "a handler extracts torii Auth, but no RequireAuthLayer runs in front of it"
        );
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            "authentication is not configured for this route",
        )
            .into_response()
    }
}
