//! Verification as deployments need it: keys given up front (no network), tokens read from a
//! cookie or a header of the service's choosing, several issuers, and key sets fetched through
//! a CONNECT proxy from an issuer behind a private certificate authority.

use axum::Router;
use axum::routing::get;
use torii_backend::middleware::RequireAuthLayer;
use torii_backend::serde_json::json;
use torii_backend::testing::MockTorii;
use torii_backend::verify::{Auth, AuthErrorKind, TokenSource, Verifier};
use torii_tests::raw_http;
use torii_tests::serve::serve;

#[tokio::test]
async fn keys_given_up_front_verify_without_any_fetch() {
    let torii = MockTorii::start().await.expect("mock");
    let verifier = Verifier::builder(torii.issuer())
        .static_jwks(torii.jwks().to_string())
        .build()
        .expect("a usable key set");
    let auth = verifier
        .verify(&torii.token().subject("user_1").sign())
        .await
        .expect("valid");
    assert_eq!(auth.user_id, "user_1");
    // A kid the document does not have is unknown, and no rotation can be fetched.
    let rotated = torii.rotate_key();
    let unknown = verifier
        .verify(&torii.token().kid(&rotated).sign())
        .await
        .expect_err("unknown");
    assert_eq!(unknown.kind(), AuthErrorKind::UnknownKey);
    verifier.warm_up().await.expect("nothing to fetch");
    assert_eq!(torii.jwks_fetches(), 0, "never fetched");
    assert_eq!(verifier.jwks_stats().fetches, 0);
}

#[test]
fn a_static_key_set_that_cannot_be_used_is_a_configuration_error_that_says_why() {
    let build = |jwks: &str| {
        Verifier::builder("https://auth.example.com")
            .static_jwks(jwks)
            .build()
            .expect_err(jwks)
            .to_string()
    };
    assert!(build("not json").contains("the static key set cannot be used"));
    assert!(build(r#"{"no": "keys"}"#).contains("the static key set cannot be used"));
    let rsa_only = json!({"keys": [{"kty": "RSA", "kid": "r", "n": "AQAB", "e": "AQAB"}]});
    let message = build(&rsa_only.to_string());
    assert!(
        message.contains("no key torii can use") && message.contains("1 skipped"),
        "{message}"
    );
    let both = Verifier::builder("https://auth.example.com")
        .static_jwks(r#"{"keys": []}"#)
        .jwks_url("https://auth.example.com/keys")
        .build()
        .expect_err("two sources of keys");
    assert!(
        both.to_string().contains("both static_jwks and jwks_url"),
        "{both}"
    );
}

#[test]
fn a_cookie_source_without_authorized_parties_is_refused_with_the_reason() {
    let error = Verifier::builder("https://auth.example.com")
        .token_sources([TokenSource::Cookie("__session".into())])
        .build()
        .expect_err("CSRF");
    let message = error.to_string();
    assert!(
        message.contains("authorized_parties") && message.contains("CSRF"),
        "{message}"
    );
    Verifier::builder("https://auth.example.com")
        .authorized_parties(["https://app.example.com"])
        .token_sources([TokenSource::Cookie("__session".into())])
        .build()
        .expect("with azp");
    // A header source needs no azp: no browser sends it on its own.
    Verifier::builder("https://auth.example.com")
        .token_sources([TokenSource::Header("x-session-token".into())])
        .build()
        .expect("a header");
    assert!(
        Verifier::builder("https://auth.example.com")
            .token_sources([])
            .build()
            .is_err(),
        "no source at all"
    );
}

fn sourced(torii: &MockTorii) -> Verifier {
    Verifier::builder(torii.issuer())
        .authorized_parties(["https://app.example.com"])
        .token_sources([
            TokenSource::Authorization,
            TokenSource::Cookie("__session".into()),
            TokenSource::Header("x-session-token".into()),
        ])
        .build()
        .expect("verifier")
}

/// The user a request with `headers` is authenticated as.
async fn user(verifier: &Verifier, headers: Vec<(&str, &str)>) -> Result<String, AuthErrorKind> {
    verifier
        .authenticate_request(headers)
        .await
        .map(|auth| auth.user_id)
        .map_err(|error| error.kind())
}

#[tokio::test]
async fn authenticate_request_tries_the_sources_in_order() {
    let torii = MockTorii::start().await.expect("mock");
    let verifier = sourced(&torii);
    let token = |user: &str| {
        torii
            .token()
            .subject(user)
            .claim("azp", "https://app.example.com")
            .sign()
    };
    let (bearer, cookie, header) = (token("by_bearer"), token("by_cookie"), token("by_header"));
    let cookie_header = format!("theme=dark; __session=\"{cookie}\"");
    let bearer_header = format!("Bearer {bearer}");
    let all = vec![
        ("x-session-token", header.as_str()),
        ("cookie", cookie_header.as_str()),
        ("authorization", bearer_header.as_str()),
    ];
    assert_eq!(
        user(&verifier, all.clone()).await.as_deref(),
        Ok("by_bearer")
    );
    assert_eq!(
        user(&verifier, all[..2].to_vec()).await.as_deref(),
        Ok("by_cookie")
    );
    assert_eq!(
        user(&verifier, all[..1].to_vec()).await.as_deref(),
        Ok("by_header")
    );
    assert_eq!(
        user(&verifier, vec![]).await,
        Err(AuthErrorKind::MissingToken)
    );
    // The cookie's token must still have been issued to an authorized party.
    let foreign = torii
        .token()
        .claim("azp", "https://evil.example.com")
        .sign();
    let forged = format!("__session={foreign}");
    assert_eq!(
        user(&verifier, vec![("cookie", forged.as_str())]).await,
        Err(AuthErrorKind::AuthorizedPartyMismatch)
    );
}

#[tokio::test]
async fn the_middleware_reads_the_verifiers_sources() {
    let torii = MockTorii::start().await.expect("mock");
    let app =
        Router::new()
            .route("/me", get(|auth: Auth| async move { auth.user_id }))
            .route(
                "/maybe",
                get(|auth: Option<Auth>| async move {
                    auth.map_or("anonymous".to_owned(), |a| a.user_id)
                }),
            )
            .layer(RequireAuthLayer::new(sourced(&torii)).optional());
    let addr = serve(app).await;
    let token = torii
        .token()
        .subject("from_cookie")
        .claim("azp", "https://app.example.com")
        .sign();
    let cookie = format!("__session={token}");
    let ok = raw_http::get(addr, "/me", &[("cookie", &cookie)]).await;
    assert_eq!((ok.status, ok.body.as_str()), (200, "from_cookie"));
    // Optional mode: a request with no token in any source passes unauthenticated.
    let anonymous = raw_http::get(addr, "/maybe", &[("cookie", "theme=dark")]).await;
    assert_eq!(
        (anonymous.status, anonymous.body.as_str()),
        (200, "anonymous")
    );
}

/// Two issuers (staging and production) behind one set.
async fn two_issuers() -> (MockTorii, MockTorii, torii_backend::verify::Verifiers) {
    let staging = MockTorii::start().await.expect("staging");
    let production = MockTorii::start().await.expect("production");
    let verifiers =
        torii_backend::verify::Verifiers::new([staging.verifier(), production.verifier()]);
    (staging, production, verifiers)
}

#[tokio::test]
async fn each_token_is_checked_by_the_verifier_of_the_issuer_it_names() {
    let (staging, production, verifiers) = two_issuers().await;
    for torii in [&staging, &production] {
        let auth = verifiers
            .verify(&torii.token().sign())
            .await
            .expect("valid");
        assert_eq!(auth.issuer, torii.issuer().trim_end_matches('/'));
    }
    // Signed by production's key, claiming staging: staging's keys check it, and refuse it.
    let forged = production.token().issuer(staging.issuer()).sign();
    let refused = verifiers
        .verify(&forged)
        .await
        .expect_err("wrong key for the issuer");
    assert!(
        matches!(
            refused.kind(),
            AuthErrorKind::BadSignature | AuthErrorKind::UnknownKey
        ),
        "{refused:?}"
    );
}

#[tokio::test]
async fn an_issuer_outside_the_set_is_refused_before_any_fetch() {
    let (staging, production, verifiers) = two_issuers().await;
    let stranger = MockTorii::start().await.expect("another environment");
    let refused = verifiers
        .verify(&stranger.token().sign())
        .await
        .expect_err("not ours");
    assert_eq!(refused.kind(), AuthErrorKind::IssuerMismatch);
    let no_issuer = staging.token().without("iss").sign();
    assert_eq!(
        verifiers
            .verify(&no_issuer)
            .await
            .expect_err("no iss")
            .kind(),
        AuthErrorKind::Malformed
    );
    // An oversized token is refused before its issuer is even read.
    let huge = format!("{}.{}.x", "e".repeat(10), "A".repeat(64 * 1024));
    assert_eq!(
        verifiers.verify(&huge).await.expect_err("too large").kind(),
        AuthErrorKind::TokenTooLarge
    );
    assert_eq!(
        (
            staging.jwks_fetches(),
            production.jwks_fetches(),
            stranger.jwks_fetches()
        ),
        (0, 0, 0),
        "nothing was fetched"
    );
}

#[tokio::test]
async fn the_layer_takes_a_set_of_issuers() {
    let (staging, production, verifiers) = two_issuers().await;
    let app = Router::new()
        .route("/issuer", get(|auth: Auth| async move { auth.issuer }))
        .layer(RequireAuthLayer::new(verifiers.clone()));
    let addr = serve(app).await;
    for torii in [&staging, &production] {
        let bearer = format!("Bearer {}", torii.token().sign());
        let response = raw_http::get(addr, "/issuer", &[("authorization", &bearer)]).await;
        assert_eq!(response.status, 200);
        assert_eq!(response.body, torii.issuer().trim_end_matches('/'));
    }
    let headers = [(
        "authorization",
        format!("Bearer {}", staging.token().sign()),
    )];
    let auth = verifiers
        .authenticate_request(headers)
        .await
        .expect("from headers");
    assert_eq!(auth.issuer, staging.issuer().trim_end_matches('/'));
}

/// MockTorii behind TLS under `name`, with a certificate from a CA made here, and a CONNECT
/// proxy that sends every tunnel to it: `https://{name}` is reachable only through the proxy
/// (no resolver knows the name) and trusted only with the CA.
struct PrivateIssuer {
    torii: MockTorii,
    ca: torii_tests::network::TestCa,
    front: std::net::SocketAddr,
    proxy: torii_tests::network::ConnectProxy,
}

impl PrivateIssuer {
    async fn start(names: &[&str]) -> Self {
        use torii_tests::network::{ConnectProxy, TestCa, tls_front};
        let torii = MockTorii::start().await.expect("mock");
        let backend = torii
            .issuer()
            .trim_start_matches("http://")
            .parse()
            .expect("mock address");
        let ca = TestCa::new();
        let front = tls_front(&ca, names, backend).await;
        let proxy = ConnectProxy::start(front).await;
        Self {
            torii,
            ca,
            front,
            proxy,
        }
    }

    fn token(&self, issuer: &str) -> String {
        self.torii.token().issuer(issuer).subject("user_1").sign()
    }
}

const PRIVATE_ISSUER: &str = "https://issuer.test:8443";

#[tokio::test]
async fn keys_come_through_an_explicit_proxy_from_an_issuer_behind_a_private_ca() {
    let issuer = PrivateIssuer::start(&["issuer.test"]).await;
    let with_credentials = issuer.proxy.url().replace("http://", "http://ada:s3cret@");
    let builder = Verifier::builder(PRIVATE_ISSUER)
        .proxy(&with_credentials)
        .add_root_certificate(issuer.ca.pem().as_bytes());
    // The builder shows the proxy without its password, and how many roots were added.
    let printed = format!("{builder:?}");
    assert!(
        printed.contains("extra_roots: 1") && !printed.contains("s3cret"),
        "{printed}"
    );
    let verifier = builder.build().expect("verifier");
    assert!(!format!("{verifier:?}").contains("s3cret"), "{verifier:?}");
    let auth = verifier
        .verify(&issuer.token(PRIVATE_ISSUER))
        .await
        .expect("verified with keys fetched through the tunnel");
    assert_eq!(auth.user_id, "user_1");
    assert_eq!(
        issuer.proxy.tunnels(),
        [torii_tests::network::Tunnel {
            target: "issuer.test:8443".into(),
            // base64("ada:s3cret")
            authorization: Some("Basic YWRhOnMzY3JldA==".into()),
        }]
    );
    assert_eq!(issuer.torii.jwks_fetches(), 1);
}

#[tokio::test]
async fn an_issuer_behind_a_private_ca_is_refused_until_the_ca_is_added() {
    let issuer = PrivateIssuer::start(&["issuer.test"]).await;
    let verifier = Verifier::builder(PRIVATE_ISSUER)
        .proxy(issuer.proxy.url())
        .build()
        .expect("verifier");
    let error = verifier
        .verify(&issuer.token(PRIVATE_ISSUER))
        .await
        .expect_err("untrusted");
    assert_eq!(error.kind(), AuthErrorKind::JwksUnavailable);
    let failure = verifier.jwks_stats().last_error.expect("the failure");
    // The cause says what failed, not only hyper's "client error (Connect)".
    assert!(failure.to_string().contains("UnknownIssuer"), "{failure}");
    assert_eq!(
        issuer.proxy.tunnels().len(),
        1,
        "the tunnel opened; TLS refused"
    );
    assert_eq!(issuer.torii.jwks_fetches(), 0);
}

#[tokio::test]
async fn a_loopback_issuer_is_fetched_directly_whatever_the_proxy() {
    let issuer = PrivateIssuer::start(&["127.0.0.1"]).await;
    let direct = format!("https://{}", issuer.front);
    let verifier = Verifier::builder(&direct)
        .proxy(issuer.proxy.url())
        .add_root_certificate(issuer.ca.pem().as_bytes())
        .build()
        .expect("verifier");
    verifier
        .verify(&issuer.token(&direct))
        .await
        .expect("verified");
    assert_eq!(issuer.proxy.tunnels(), []);
    assert_eq!(issuer.torii.jwks_fetches(), 1);
}

/// Set in the copy of this test binary that the test below starts: the issuer, its CA and a
/// token, for the copy to verify with `HTTPS_PROXY` in its environment. (A test cannot set an
/// environment variable for itself: the other tests of the binary run beside it.)
const PROXY_CHILD: &str = "TORII_TEST_PROXY_FROM_ENV";

#[test]
fn the_proxy_comes_from_https_proxy_in_the_environment() {
    if let Ok(given) = std::env::var(PROXY_CHILD) {
        // The copy: verify with nothing but the CA given, the proxy from the environment.
        let given: torii_backend::serde_json::Value =
            torii_backend::serde_json::from_str(&given).expect("child input");
        let text = |name: &str| given[name].as_str().expect(name).to_owned();
        let verifier = Verifier::builder(PRIVATE_ISSUER)
            .add_root_certificate(text("ca").as_bytes())
            .build()
            .expect("verifier");
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let auth = runtime
            .block_on(verifier.verify(&text("token")))
            .expect("verified through the environment's proxy");
        assert_eq!(auth.user_id, "user_1");
        return;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let issuer = PrivateIssuer::start(&["issuer.test"]).await;
        let given = json!({"ca": issuer.ca.pem(), "token": issuer.token(PRIVATE_ISSUER)});
        let proxy = issuer.proxy.url();
        // The test's name as the harness knows it: the module path without the crate.
        let module = module_path!().split_once("::").map_or("", |(_, path)| path);
        let name = format!("{module}::the_proxy_comes_from_https_proxy_in_the_environment");
        let output = tokio::task::spawn_blocking(move || {
            std::process::Command::new(std::env::current_exe().expect("test binary"))
                .args([name.as_str(), "--exact", "--nocapture"])
                .env(PROXY_CHILD, given.to_string())
                .env("HTTPS_PROXY", proxy)
                .env_remove("https_proxy")
                .env_remove("NO_PROXY")
                .env_remove("no_proxy")
                .output()
                .expect("the copy runs")
        })
        .await
        .expect("join");
        let said = String::from_utf8_lossy(&output.stdout).into_owned()
            + &String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{said}");
        assert!(said.contains("1 passed"), "the copy ran the test: {said}");
        assert_eq!(issuer.proxy.tunnels().len(), 1, "{said}");
        assert_eq!(issuer.torii.jwks_fetches(), 1);
    });
}
