//! What [`RequireAuth`](super::RequireAuth) answers when a request is not authenticated.

use http::{HeaderValue, Response, StatusCode, header};

use crate::verify::AuthError;

/// Turns a refused request's [`AuthError`] into the response to send.
///
/// The default, [`JsonRejection`], answers 401 with a JSON body. Any
/// `Fn(AuthError) -> Response<B>` is a rejection too, for stacks that need another shape (a
/// gRPC status for tonic, say).
pub trait Rejection<B>: Clone + Send + Sync + 'static {
    /// The response for `error`.
    fn reject(&self, error: AuthError) -> Response<B>;
}

impl<B, F> Rejection<B> for F
where
    F: Fn(AuthError) -> Response<B> + Clone + Send + Sync + 'static,
{
    fn reject(&self, error: AuthError) -> Response<B> {
        self(error)
    }
}

/// The default rejection: status 401, `content-type: application/json`,
/// `WWW-Authenticate: Bearer` for a request without credentials or
/// `Bearer error="invalid_token"` for one whose token was refused (RFC 6750), and the body
/// `{"error":{"code":"authentication_failed","kind":"expired","message":"..."}}`.
///
/// The message is the [`AuthError`]'s, which never contains the token.
#[derive(Debug, Clone, Copy, Default)]
pub struct JsonRejection;

impl<B: From<String>> Rejection<B> for JsonRejection {
    fn reject(&self, error: AuthError) -> Response<B> {
        unauthorized(&error)
    }
}

/// The default 401 response for `error`.
pub(crate) fn unauthorized<B: From<String>>(error: &AuthError) -> Response<B> {
    let mut response = Response::new(B::from(error.rejection_body()));
    *response.status_mut() = StatusCode::UNAUTHORIZED;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static(error.challenge()),
    );
    response
}
