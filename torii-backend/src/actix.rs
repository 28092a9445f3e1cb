//! actix-web 4 (feature `actix`): [`RequireAuth`], middleware for [`App::wrap`], and the
//! [`Auth`] extractor (with `Option<Auth>`).
//!
//! The middleware behaves as the tower [`RequireAuthLayer`] does: a request without a valid
//! token gets 401 with `content-type: application/json`,
//! `WWW-Authenticate: Bearer` (no credentials) or `Bearer error="invalid_token"` (refused ones)
//! and the body `{"error":{"code":"authentication_failed","kind":"expired","message":"..."}}`,
//! and the handler is not called.
//! A request that passes carries its [`Auth`] in its extensions.
//!
//! ```no_run
//! use actix_web::{App, HttpServer, web};
//! use torii_backend::actix::RequireAuth;
//! use torii_backend::verify::{Auth, Verifier};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let verifier = Verifier::new("https://auth.example.com")?;
//! HttpServer::new(move || {
//!     App::new()
//!         .wrap(RequireAuth::new(verifier.clone()).skip(|request| request.path() == "/healthz"))
//!         .route("/me", web::get().to(|auth: Auth| async move { auth.user_id }))
//!         .route("/healthz", web::get().to(|| async { "ok" }))
//! })
//! .bind(("127.0.0.1", 8080))?
//! .run()
//! .await?;
//! # Ok(()) }
//! ```
//!
//! [`App::wrap`]: actix_web::App::wrap
//! [`RequireAuthLayer`]: https://docs.rs/torii-backend/latest/torii_backend/middleware/struct.RequireAuthLayer.html

use std::fmt;
use std::future::{Future, Ready, ready};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::error::InternalError;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::{Error, FromRequest, HttpMessage, HttpRequest, HttpResponse};

use crate::verify::{Auth, AuthError, AuthErrorKind, HeaderSource, Verifiers, count_refusal};

type SkipPredicate = Arc<dyn Fn(&ServiceRequest) -> bool + Send + Sync>;
type RejectionFn = Arc<dyn Fn(AuthError) -> HttpResponse + Send + Sync>;

/// Marks a request that [`RequireAuth::optional`] let through without a token, with the
/// middleware's own refusal (which names the verifier's token sources) for an `Auth` extractor.
#[derive(Debug, Clone)]
struct Unauthenticated(AuthError);

/// Requires a verified Torii session token on every request of the wrapped app, scope or
/// resource: middleware for [`App::wrap`](actix_web::App::wrap).
///
/// Build one per worker from a [`Verifier`](crate::verify::Verifier) (or a [`Verifiers`] set)
/// cloned into the `HttpServer::new` closure: clones share the key set and token caches.
#[derive(Clone)]
pub struct RequireAuth {
    verifier: Verifiers,
    skip: Option<SkipPredicate>,
    optional: bool,
    rejection: Option<RejectionFn>,
}

impl RequireAuth {
    /// Middleware that verifies tokens with `verifier`, a
    /// [`Verifier`](crate::verify::Verifier) or a [`Verifiers`] set of several issuers.
    pub fn new(verifier: impl Into<Verifiers>) -> Self {
        Self {
            verifier: verifier.into(),
            skip: None,
            optional: false,
            rejection: None,
        }
    }

    /// Lets requests for which `predicate` is true through unchecked (health checks, CORS
    /// preflight, ...).
    pub fn skip(
        mut self,
        predicate: impl Fn(&ServiceRequest) -> bool + Send + Sync + 'static,
    ) -> Self {
        self.skip = Some(Arc::new(predicate));
        self
    }

    /// Lets requests that carry no token (in none of the verifier's token sources) through,
    /// unauthenticated: `Option<Auth>` is then `None`, and `Auth` answers 401. A token that is
    /// there must still be valid.
    pub fn optional(mut self) -> Self {
        self.optional = true;
        self
    }

    /// Answers refused requests with `rejection(error)` instead of the JSON 401.
    ///
    /// ```
    /// use actix_web::HttpResponse;
    /// use torii_backend::actix::RequireAuth;
    /// use torii_backend::verify::Verifier;
    ///
    /// let verifier = Verifier::new("https://auth.example.com")?;
    /// let middleware = RequireAuth::new(verifier)
    ///     .on_rejection(|error| HttpResponse::Unauthorized().body(error.kind().to_string()));
    /// # let _ = middleware; Ok::<(), torii_backend::ConfigError>(())
    /// ```
    pub fn on_rejection(
        mut self,
        rejection: impl Fn(AuthError) -> HttpResponse + Send + Sync + 'static,
    ) -> Self {
        self.rejection = Some(Arc::new(rejection));
        self
    }

    fn reject(&self, error: AuthError) -> HttpResponse {
        tracing::debug!(kind = %error.kind(), "request refused: {error}");
        match &self.rejection {
            Some(rejection) => rejection(error),
            None => unauthorized(&error),
        }
    }
}

impl fmt::Debug for RequireAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequireAuth")
            .field("verifier", &self.verifier)
            .field("skip", &self.skip.is_some())
            .field("optional", &self.optional)
            .field("custom_rejection", &self.rejection.is_some())
            .finish()
    }
}

/// The default 401 response for `error`, as the tower middleware answers it.
fn unauthorized(error: &AuthError) -> HttpResponse {
    HttpResponse::Unauthorized()
        .insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        ))
        .insert_header((
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static(error.challenge()),
        ))
        .body(error.rejection_body())
}

impl<S, B> Transform<S, ServiceRequest> for RequireAuth
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Transform = RequireAuthMiddleware<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(RequireAuthMiddleware {
            service: Rc::new(service),
            config: self.clone(),
        }))
    }
}

/// The service [`RequireAuth`] wraps around the app's.
pub struct RequireAuthMiddleware<S> {
    service: Rc<S>,
    config: RequireAuth,
}

impl<S> fmt::Debug for RequireAuthMiddleware<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequireAuthMiddleware")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl<S, B> Service<ServiceRequest> for RequireAuthMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>>>>;

    actix_web::dev::forward_ready!(service);

    fn call(&self, request: ServiceRequest) -> Self::Future {
        let service = Rc::clone(&self.service);
        let config = self.config.clone();
        Box::pin(async move {
            let pass = |request: ServiceRequest| async move {
                service
                    .call(request)
                    .await
                    .map(ServiceResponse::map_into_left_body)
            };
            if config.skip.as_ref().is_some_and(|skip| skip(&request)) {
                return pass(request).await;
            }
            let refuse = |request: ServiceRequest, error| {
                Ok(request
                    .into_response(config.reject(error))
                    .map_into_right_body())
            };
            let token = match config.verifier.find_token(request.headers()) {
                Ok(token) => token,
                Err(error) if config.optional && error.kind() == AuthErrorKind::MissingToken => {
                    request.extensions_mut().insert(Unauthenticated(error));
                    return pass(request).await;
                }
                Err(error) => {
                    count_refusal(&error);
                    return refuse(request, error);
                }
            };
            match config.verifier.verify(&token).await {
                Ok(auth) => {
                    request.extensions_mut().insert(auth);
                    pass(request).await
                }
                Err(error) => refuse(request, error),
            }
        })
    }
}

/// Extracts the [`Auth`] that [`RequireAuth`] verified.
///
/// A handler that takes `Auth` runs only for authenticated requests; one that takes
/// `Option<Auth>` also runs for requests an optional middleware let through without a token.
/// A handler that takes `Auth` with no `RequireAuth` in front of it answers 500 (and logs why):
/// a server bug, never a request let through.
impl FromRequest for Auth {
    type Error = Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(request: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let extensions = request.extensions();
        ready(if let Some(auth) = extensions.get::<Auth>() {
            Ok(auth.clone())
        } else if let Some(Unauthenticated(error)) = extensions.get::<Unauthenticated>() {
            Err(InternalError::from_response("no token", unauthorized(error)).into())
        } else {
            tracing::error!("{}", crate::verify::NOT_AUTHENTICATED_HERE);
            let response = HttpResponse::build(StatusCode::INTERNAL_SERVER_ERROR)
                .body(crate::verify::NOT_AUTHENTICATED_HERE);
            Err(InternalError::from_response("no RequireAuth middleware", response).into())
        })
    }
}

/// actix-web's headers, for [`Verifier::authenticate_request`](crate::verify::Verifier::authenticate_request)
/// in a handler without the middleware.
impl HeaderSource for &HeaderMap {
    fn visit_headers(self, names: &[&str], visit: &mut dyn FnMut(usize, &[u8])) {
        for (index, name) in names.iter().enumerate() {
            for value in self.get_all(*name) {
                visit(index, value.as_bytes());
            }
        }
    }
}

/// The headers of an actix-web request.
impl HeaderSource for &HttpRequest {
    fn visit_headers(self, names: &[&str], visit: &mut dyn FnMut(usize, &[u8])) {
        self.headers().visit_headers(names, visit);
    }
}

/// The headers of an actix-web request, as middleware sees it.
impl HeaderSource for &ServiceRequest {
    fn visit_headers(self, names: &[&str], visit: &mut dyn FnMut(usize, &[u8])) {
        self.headers().visit_headers(names, visit);
    }
}
