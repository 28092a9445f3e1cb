//! Tower middleware (feature `tower`): [`RequireAuthLayer`] and the service it makes,
//! [`RequireAuth`], for axum, tonic, hyper and any tower stack; with feature `axum`, an
//! extractor for [`Auth`](crate::verify::Auth) and `Option<Auth>`.

#[cfg(feature = "axum")]
mod extract;
mod layer;
mod rejection;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use http::{Request, Response};
use tower_service::Service;

pub use layer::RequireAuthLayer;
pub use rejection::{JsonRejection, Rejection};

#[cfg(feature = "axum")]
pub use extract::MissingAuthLayer;

use crate::verify::{AuthError, AuthErrorKind, count_refusal};

/// Marks a request that [`RequireAuthLayer::optional`] let through without a token, with the
/// layer's own refusal (which names the verifier's token sources) for an `Auth` extractor.
#[derive(Debug, Clone)]
pub(crate) struct Unauthenticated(pub(crate) AuthError);

/// The service made by [`RequireAuthLayer`].
#[derive(Clone)]
pub struct RequireAuth<S, R> {
    inner: S,
    layer: RequireAuthLayer<R>,
}

impl<S, R, ReqBody, ResBody> Service<Request<ReqBody>> for RequireAuth<S, R>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    R: Rejection<ResBody>,
    ReqBody: Send + 'static,
    ResBody: 'static,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        // The clone takes over the readiness of `self.inner`; `self` keeps a fresh clone.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let layer = self.layer.clone();
        Box::pin(async move {
            let (mut parts, body) = request.into_parts();
            if layer.skip.as_ref().is_some_and(|skip| skip(&parts)) {
                return inner.call(Request::from_parts(parts, body)).await;
            }
            let token = match layer.verifier.find_token(&parts.headers) {
                Ok(token) => token,
                Err(error) if layer.optional && error.kind() == AuthErrorKind::MissingToken => {
                    parts.extensions.insert(Unauthenticated(error));
                    return inner.call(Request::from_parts(parts, body)).await;
                }
                Err(error) => {
                    count_refusal(&error);
                    return Ok(reject(&layer, error));
                }
            };
            match layer.verifier.verify(&token).await {
                Ok(auth) => {
                    parts.extensions.insert(auth);
                    inner.call(Request::from_parts(parts, body)).await
                }
                Err(error) => Ok(reject(&layer, error)),
            }
        })
    }
}

fn reject<R: Rejection<B>, B>(layer: &RequireAuthLayer<R>, error: AuthError) -> Response<B> {
    tracing::debug!(kind = %error.kind(), "request refused: {error}");
    layer.rejection.reject(error)
}

impl<S, R> fmt::Debug for RequireAuth<S, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequireAuth")
            .field("layer", &self.layer)
            .finish_non_exhaustive()
    }
}
