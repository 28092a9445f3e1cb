//! `torii_backend::actix`: the middleware and the `Auth` extractors in a real actix-web server
//! on loopback, answering as the tower middleware does.

use actix_web::dev::ServerHandle;
use actix_web::{App, HttpResponse, HttpServer, web};
use torii_backend::actix::RequireAuth;
use torii_backend::serde_json::{Value, json};
use torii_backend::testing::MockTorii;
use torii_backend::verify::{Auth, Verifier, Verifiers};
use torii_tests::raw_http::{self, RawResponse};

/// Serves the test app behind `middleware` (or none) on 127.0.0.1 with one worker.
fn start(middleware: Option<RequireAuth>) -> (std::net::SocketAddr, ServerHandle) {
    let server = HttpServer::new(move || {
        let routes = web::scope("")
            .route(
                "/me",
                web::get().to(|auth: Auth| async move { format!("hello {}", auth.user_id) }),
            )
            .route(
                "/maybe",
                web::get().to(|auth: Option<Auth>| async move {
                    auth.map_or("anonymous".to_owned(), |auth| auth.user_id)
                }),
            )
            .route("/healthz", web::get().to(|| async { "ok" }));
        // Without middleware the same routes run unprotected (Condition off).
        let enabled = middleware.is_some();
        let middleware = middleware.clone().unwrap_or_else(|| {
            RequireAuth::new(Verifier::new("https://unused.example.com").expect("verifier"))
        });
        App::new()
            .service(routes)
            .wrap(actix_web::middleware::Condition::new(enabled, middleware))
    })
    .workers(1)
    .disable_signals()
    .bind(("127.0.0.1", 0))
    .expect("bind loopback");
    let addr = server.addrs()[0];
    let server = server.run();
    let handle = server.handle();
    actix_web::rt::spawn(server);
    (addr, handle)
}

fn assert_rejected(response: &RawResponse, message: &str) {
    assert_eq!(response.status, 401, "{response:?}");
    assert_eq!(response.header("content-type"), Some("application/json"));
    let body: Value = torii_backend::serde_json::from_str(&response.body).expect("JSON body");
    let kind = body["error"]["kind"].as_str().expect("a kind");
    assert_eq!(
        response.header("www-authenticate"),
        Some(crate::middleware::expected_challenge(kind)),
        "{kind}"
    );
    assert_eq!(body["error"]["code"], "authentication_failed");
    let said = body["error"]["message"].as_str().expect("message");
    assert!(said.contains(message), "{said}");
    assert_eq!(
        body["error"].as_object().map(|o| o.len()),
        Some(3),
        "{body}"
    );
}

/// Runs `test` on an actix system (the runtime actix-web's server needs).
fn on_actix<F: Future<Output = ()>>(test: impl FnOnce() -> F) {
    actix_web::rt::System::new().block_on(test());
}

#[test]
fn the_middleware_answers_as_the_tower_layer_does() {
    on_actix(|| async {
        let torii = MockTorii::start().await.expect("mock");
        let verifier = torii.verifier();
        let (addr, server) = start(Some(
            RequireAuth::new(verifier).skip(|request| request.path() == "/healthz"),
        ));
        let token = torii.token().subject("user_1").sign();
        let bearer = format!("Bearer {token}");

        let ok = raw_http::get(addr, "/me", &[("authorization", &bearer)]).await;
        assert_eq!((ok.status, ok.body.as_str()), (200, "hello user_1"));
        let missing = raw_http::get(addr, "/me", &[]).await;
        assert_rejected(&missing, "no Authorization header");
        assert_eq!(missing.header("www-authenticate"), Some("Bearer"));
        assert!(
            missing.body.contains(r#""kind":"missing_token""#),
            "{}",
            missing.body
        );
        let forged = format!("{}x", token);
        assert_rejected(
            &raw_http::get(
                addr,
                "/me",
                &[("authorization", &format!("Bearer {forged}"))],
            )
            .await,
            "signature",
        );
        let expired = torii
            .token()
            .expired(std::time::Duration::from_secs(120))
            .sign();
        assert_rejected(
            &raw_http::get(
                addr,
                "/me",
                &[("authorization", &format!("Bearer {expired}"))],
            )
            .await,
            "expired",
        );
        // The token never appears in the answer.
        let refused = raw_http::get(
            addr,
            "/me",
            &[("authorization", &format!("Bearer {forged}"))],
        )
        .await;
        assert!(!refused.body.contains(&forged) && !refused.body.contains(&token));
        // Skipped paths are not checked.
        let health = raw_http::get(addr, "/healthz", &[]).await;
        assert_eq!((health.status, health.body.as_str()), (200, "ok"));
        server.stop(false).await;
    });
}

#[test]
fn optional_lets_requests_without_a_token_through_but_not_bad_ones() {
    on_actix(|| async {
        let torii = MockTorii::start().await.expect("mock");
        let (addr, server) = start(Some(RequireAuth::new(torii.verifier()).optional()));
        let anonymous = raw_http::get(addr, "/maybe", &[]).await;
        assert_eq!(
            (anonymous.status, anonymous.body.as_str()),
            (200, "anonymous")
        );
        let bearer = format!("Bearer {}", torii.token().subject("user_2").sign());
        let known = raw_http::get(addr, "/maybe", &[("authorization", &bearer)]).await;
        assert_eq!((known.status, known.body.as_str()), (200, "user_2"));
        // `Auth` (not optional) still needs the token.
        assert_rejected(
            &raw_http::get(addr, "/me", &[]).await,
            "no Authorization header",
        );
        let bad = raw_http::get(addr, "/maybe", &[("authorization", "Bearer a.b.c")]).await;
        assert_rejected(&bad, "");
        server.stop(false).await;
    });
}

#[test]
fn a_custom_rejection_answers_instead() {
    on_actix(|| async {
        let torii = MockTorii::start().await.expect("mock");
        let middleware = RequireAuth::new(torii.verifier()).on_rejection(|error| {
            HttpResponse::Forbidden().json(json!({"kind": error.kind().to_string()}))
        });
        let (addr, server) = start(Some(middleware));
        let refused = raw_http::get(addr, "/me", &[]).await;
        assert_eq!(refused.status, 403);
        let body: Value = torii_backend::serde_json::from_str(&refused.body).expect("json");
        assert_eq!(body, json!({"kind": "missing_token"}));
        server.stop(false).await;
    });
}

#[test]
fn auth_without_the_middleware_is_a_server_error_not_a_pass() {
    on_actix(|| async {
        let (addr, server) = start(None);
        let response = raw_http::get(addr, "/me", &[("authorization", "Bearer a.b.c")]).await;
        assert_eq!(response.status, 500);
        crate::middleware::assert_names_both_causes(&response.body);
        // `Option<Auth>` is `None`: nothing verified it.
        let maybe = raw_http::get(addr, "/maybe", &[("authorization", "Bearer a.b.c")]).await;
        assert_eq!((maybe.status, maybe.body.as_str()), (200, "anonymous"));
        server.stop(false).await;
    });
}

/// As with the tower layer: under `.optional()` the `Auth` extractor refuses with the
/// middleware's own message (naming the verifier's sources), and a skipped route that extracts
/// `Auth` gets the 500 that names both causes.
#[test]
fn extractor_refusals_name_the_sources_and_both_causes() {
    on_actix(|| async {
        let torii = MockTorii::start().await.expect("mock");
        let verifier = crate::middleware::cookie_verifier(torii.issuer());
        let expected = verifier
            .authenticate_request(&http::HeaderMap::new())
            .await
            .expect_err("no token")
            .to_string();
        assert!(expected.contains("__session"), "{expected}");
        let (addr, server) = start(Some(RequireAuth::new(verifier).optional()));
        assert_rejected(&raw_http::get(addr, "/me", &[]).await, &expected);
        server.stop(false).await;

        let skipping = RequireAuth::new(torii.verifier()).skip(|request| request.path() == "/me");
        let (addr, server) = start(Some(skipping));
        let response = raw_http::get(addr, "/me", &[]).await;
        assert_eq!(response.status, 500);
        crate::middleware::assert_names_both_causes(&response.body);
        server.stop(false).await;
    });
}

#[test]
fn several_issuers_and_cookies_work_through_actix() {
    on_actix(|| async {
        let staging = MockTorii::start().await.expect("staging");
        let production = MockTorii::start().await.expect("production");
        let web_app = crate::middleware::cookie_verifier(production.issuer());
        // The set reads tokens where its first verifier does.
        let verifiers = Verifiers::new([web_app, staging.verifier()]);
        let (addr, server) = start(Some(RequireAuth::new(verifiers)));
        let from_staging = format!("Bearer {}", staging.token().subject("s_user").sign());
        let response = raw_http::get(addr, "/me", &[("authorization", &from_staging)]).await;
        assert_eq!(
            (response.status, response.body.as_str()),
            (200, "hello s_user")
        );
        let cookie = format!(
            "theme=dark; __session={}",
            production
                .token()
                .subject("p_user")
                .claim("azp", "https://app.example.com")
                .sign()
        );
        let response = raw_http::get(addr, "/me", &[("cookie", &cookie)]).await;
        assert_eq!(
            (response.status, response.body.as_str()),
            (200, "hello p_user"),
            "{response:?}"
        );
        server.stop(false).await;
    });
}

#[test]
fn authenticate_request_reads_actix_requests() {
    on_actix(|| async {
        let torii = MockTorii::start().await.expect("mock");
        let verifier = torii.verifier();
        let token = torii.token().subject("user_3").sign();
        let request = actix_web::test::TestRequest::default()
            .insert_header(("authorization", format!("Bearer {token}")))
            .to_http_request();
        let auth = verifier
            .authenticate_request(&request)
            .await
            .expect("verified");
        assert_eq!(auth.user_id, "user_3");
        let auth = verifier
            .authenticate_request(request.headers())
            .await
            .expect("verified");
        assert_eq!(auth.user_id, "user_3");
    });
}
