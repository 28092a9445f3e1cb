//! `RequireAuthLayer` and the `Auth` extractor in a real axum server on loopback, with the exact
//! 401 body and headers; plus the layer on a plain tower service.

use std::time::Duration;

use axum::routing::get;
use axum::{Extension, Router};
use torii_backend::middleware::RequireAuthLayer;
use torii_backend::serde_json::{Value, json};
use torii_backend::testing::MockTorii;
use torii_backend::verify::{Auth, AuthErrorKind};
use torii_tests::raw_http;
use torii_tests::serve::serve;

fn app(layer: RequireAuthLayer) -> Router {
    Router::new()
        .route("/me", get(|auth: Auth| async move { format!("hello {}", auth.user_id) }))
        .route("/maybe", get(|auth: Option<Auth>| async move { auth.map_or("anonymous".to_owned(), |a| a.user_id) }))
        .route("/ext", get(|Extension(auth): Extension<Auth>| async move { auth.environment_id }))
        .route("/healthz", get(|| async { "ok" }))
        .layer(layer)
}

fn assert_rejected(response: &raw_http::RawResponse, message: &str) {
    assert_eq!(response.status, 401);
    assert_eq!(response.header("content-type"), Some("application/json"));
    let body: Value = torii_backend::serde_json::from_str(&response.body).expect("JSON body");
    let kind = body["error"]["kind"].as_str().expect("a kind");
    assert_eq!(
        response.header("www-authenticate"),
        Some(expected_challenge(kind)),
        "{kind}"
    );
    assert_eq!(
        body,
        json!({"error": {"code": "authentication_failed", "kind": kind, "message": message}})
    );
}

#[tokio::test]
async fn the_layer_lets_valid_tokens_through_and_answers_401_otherwise() {
    let torii = MockTorii::start().await.expect("mock");
    let addr = serve(app(
        RequireAuthLayer::new(torii.verifier()).skip(|r| r.uri.path() == "/healthz")
    ))
    .await;
    let token = torii.token().subject("user_42").environment("env_9").sign();
    let bearer = format!("Bearer {token}");

    let ok = raw_http::get(addr, "/me", &[("authorization", &bearer)]).await;
    assert_eq!((ok.status, ok.body.as_str()), (200, "hello user_42"));
    let ext = raw_http::get(addr, "/ext", &[("authorization", &bearer)]).await;
    assert_eq!(
        (ext.status, ext.body.as_str()),
        (200, "env_9"),
        "Auth is in the request extensions"
    );

    let missing = raw_http::get(addr, "/me", &[]).await;
    assert_rejected(&missing, "the request has no Authorization header");
    assert_eq!(
        missing.body,
        r#"{"error":{"code":"authentication_failed","kind":"missing_token","message":"the request has no Authorization header"}}"#
    );
    assert_eq!(missing.header("www-authenticate"), Some("Bearer"));

    let expired = torii.token().expired(Duration::from_secs(300)).sign();
    let response = raw_http::get(
        addr,
        "/me",
        &[("authorization", &format!("Bearer {expired}"))],
    )
    .await;
    assert_rejected(&response, "the token has expired");
    assert!(
        response.body.contains(r#""kind":"expired""#),
        "{}",
        response.body
    );
    assert_eq!(
        response.header("www-authenticate"),
        Some("Bearer error=\"invalid_token\"")
    );
    assert!(!response.body.contains(&expired));

    let forged = format!("Bearer {}x", token);
    assert_rejected(
        &raw_http::get(addr, "/me", &[("authorization", &forged)]).await,
        "the token's signature does not verify",
    );

    let health = raw_http::get(addr, "/healthz", &[]).await;
    assert_eq!(
        (health.status, health.body.as_str()),
        (200, "ok"),
        "skipped routes need no token"
    );
}

#[tokio::test]
async fn optional_mode_passes_requests_without_a_header() {
    let torii = MockTorii::start().await.expect("mock");
    let addr = serve(app(RequireAuthLayer::new(torii.verifier()).optional())).await;
    let anonymous = raw_http::get(addr, "/maybe", &[]).await;
    assert_eq!(
        (anonymous.status, anonymous.body.as_str()),
        (200, "anonymous")
    );
    let token = torii.token().subject("user_7").sign();
    let known = raw_http::get(
        addr,
        "/maybe",
        &[("authorization", &format!("Bearer {token}"))],
    )
    .await;
    assert_eq!((known.status, known.body.as_str()), (200, "user_7"));
    // A handler that requires Auth still refuses the anonymous request.
    assert_rejected(
        &raw_http::get(addr, "/me", &[]).await,
        "the request has no Authorization header",
    );
    // A header that is present must still be valid.
    assert_rejected(
        &raw_http::get(addr, "/maybe", &[("authorization", "Bearer not.a.token")]).await,
        "the token is not a well-formed JWT",
    );
}

#[tokio::test]
async fn a_custom_rejection_replaces_the_401() {
    let torii = MockTorii::start().await.expect("mock");
    let layer = RequireAuthLayer::new(torii.verifier()).on_rejection(
        |error: torii_backend::verify::AuthError| {
            // As a gRPC service would: HTTP 200 with grpc-status 16 (UNAUTHENTICATED).
            let mut response = axum::response::Response::new(axum::body::Body::empty());
            response
                .headers_mut()
                .insert("grpc-status", "16".parse().expect("header"));
            response.headers_mut().insert(
                "x-auth-error",
                error.kind().as_str().parse().expect("header"),
            );
            response
        },
    );
    let app = Router::new()
        .route("/svc", get(|| async { "called" }))
        .layer(layer);
    let addr = serve(app).await;
    let response = raw_http::get(addr, "/svc", &[]).await;
    assert_eq!(response.status, 200);
    assert_eq!(response.header("grpc-status"), Some("16"));
    assert_eq!(
        response.header("x-auth-error"),
        Some(AuthErrorKind::MissingToken.as_str())
    );
    assert_eq!(response.body, "");
}

/// Under `.optional()`, a handler that takes `Auth` refuses with the layer's own message, which
/// names the verifier's token sources (here a cookie too), not a fixed "no Authorization header".
#[tokio::test]
async fn the_extractor_under_optional_names_the_verifiers_own_sources() {
    let torii = MockTorii::start().await.expect("mock");
    let verifier = cookie_verifier(torii.issuer());
    let addr = serve(app(RequireAuthLayer::new(verifier.clone()).optional())).await;
    let refused = raw_http::get(addr, "/me", &[]).await;
    let expected = verifier
        .authenticate_request(&http::HeaderMap::new())
        .await
        .expect_err("no token")
        .to_string();
    assert!(expected.contains("__session"), "{expected}");
    assert_rejected(&refused, &expected);
}

#[tokio::test]
async fn extracting_auth_without_the_layer_is_a_server_error_not_an_open_door() {
    let addr =
        serve(Router::new().route("/me", get(|auth: Auth| async move { auth.user_id }))).await;
    let response = raw_http::get(addr, "/me", &[("authorization", "Bearer a.b.c")]).await;
    assert_eq!(response.status, 500);
    assert_names_both_causes(&response.body);

    // A route the layer skips is the other cause, and the same 500 names it.
    let torii = MockTorii::start().await.expect("mock");
    let skipping = RequireAuthLayer::new(torii.verifier()).skip(|parts| parts.uri.path() == "/me");
    let addr = serve(app(skipping)).await;
    let response = raw_http::get(addr, "/me", &[]).await;
    assert_eq!(response.status, 500);
    assert_names_both_causes(&response.body);
}

/// The `WWW-Authenticate` challenge of a 401 whose body names `kind`: RFC 6750 §3.1 gives no
/// error code to a request without credentials.
pub(crate) fn expected_challenge(kind: &str) -> &'static str {
    if kind == "missing_token" {
        "Bearer"
    } else {
        "Bearer error=\"invalid_token\""
    }
}

/// A verifier for `issuer` that reads the `__session` cookie after the `Authorization` header,
/// with the authorized party a cookie source requires.
pub(crate) fn cookie_verifier(issuer: &str) -> torii_backend::verify::Verifier {
    torii_backend::verify::Verifier::builder(issuer)
        .authorized_parties(["https://app.example.com"])
        .token_sources([
            torii_backend::verify::TokenSource::Authorization,
            torii_backend::verify::TokenSource::Cookie("__session".into()),
        ])
        .build()
        .expect("verifier")
}

/// The 500 of an `Auth` extractor on a request nothing authenticated names both causes.
pub(crate) fn assert_names_both_causes(body: &str) {
    assert!(
        body.contains("no RequireAuth middleware wraps this route")
            && body.contains("skip predicate"),
        "{body}"
    );
}

#[tokio::test]
async fn the_layer_wraps_any_tower_service() {
    use tower::{Layer, ServiceExt, service_fn};

    let torii = MockTorii::start().await.expect("mock");
    let service = RequireAuthLayer::new(torii.verifier()).layer(service_fn(
        |request: http::Request<String>| async move {
            let user = request
                .extensions()
                .get::<Auth>()
                .map(|a| a.user_id.clone())
                .unwrap_or_default();
            Ok::<_, std::convert::Infallible>(http::Response::new(user))
        },
    ));
    let token = torii.token().subject("plain_tower").sign();
    let request = http::Request::builder()
        .header("authorization", format!("Bearer {token}"))
        .body(String::new())
        .expect("request");
    let response = service.clone().oneshot(request).await.expect("infallible");
    assert_eq!(response.body(), "plain_tower");
    let response = service
        .oneshot(http::Request::new(String::new()))
        .await
        .expect("infallible");
    assert_eq!(response.status(), 401);
    assert!(response.body().contains("authentication_failed"));
}
