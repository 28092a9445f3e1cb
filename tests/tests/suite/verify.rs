//! Verification end to end against the mock issuer on loopback: every entry point, every token
//! rule, issuer isolation, rotation, the refetch cooldown, single flight, stale-if-error, a hung
//! issuer and the fetch hardening.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use http::{HeaderMap, Request};
use torii_backend::serde_json::json;
use torii_backend::testing::{JwksFault, MockTorii};
use torii_backend::verify::{
    AuthErrorKind, CacheSettings, HeaderPairs, JwksFetchErrorKind, Verifier, authenticate_request,
    verify_token,
};

async fn mock() -> MockTorii {
    MockTorii::start().await.expect("loopback")
}

fn kind<T: std::fmt::Debug>(result: Result<T, torii_backend::verify::AuthError>) -> AuthErrorKind {
    result.expect_err("should be rejected").kind()
}

#[tokio::test]
async fn a_minted_token_verifies_through_every_entry_point() {
    let torii = mock().await;
    let token = torii
        .token()
        .subject("user_1")
        .environment("env_1")
        .session_id("sess_1")
        .claim("email_verified", true)
        .claim("locale", "da")
        .claim("o", json!({"id": "org_1", "rol": "admin", "slg": "acme"}))
        .claim("plan", "pro")
        .sign();

    let auth = verify_token(&token, torii.issuer())
        .await
        .expect("verify_token");
    assert_eq!(auth.user_id, "user_1");
    assert_eq!(auth.environment_id, "env_1");
    assert_eq!(auth.session_id.as_deref(), Some("sess_1"));
    assert_eq!(auth.issuer, torii.issuer());
    assert!(auth.email_verified);
    assert!(auth.profile_complete);
    assert_eq!(auth.locale.as_deref(), Some("da"));
    let org = auth.organization.clone().expect("organization");
    assert_eq!(
        (org.id.as_str(), org.role.as_deref()),
        ("org_1", Some("admin"))
    );
    #[derive(torii_backend::__private::serde::Deserialize)]
    #[serde(crate = "torii_backend::__private::serde")]
    struct Custom {
        plan: String,
    }
    assert_eq!(auth.claims::<Custom>().expect("custom claims").plan, "pro");

    // The issuer with a trailing slash is the same issuer.
    let with_slash = format!("{}/", torii.issuer());
    assert_eq!(
        verify_token(&token, &with_slash)
            .await
            .expect("slash")
            .user_id,
        "user_1"
    );

    let bearer = format!("Bearer {token}");
    let mut map = HeaderMap::new();
    map.insert("authorization", bearer.parse().expect("header"));
    assert_eq!(
        authenticate_request(&map, torii.issuer())
            .await
            .expect("HeaderMap")
            .user_id,
        "user_1"
    );
    let request = Request::builder()
        .header("Authorization", &bearer)
        .body(())
        .expect("request");
    assert_eq!(
        authenticate_request(&request, torii.issuer())
            .await
            .expect("Request")
            .user_id,
        "user_1"
    );
    let (parts, ()) = request.into_parts();
    assert_eq!(
        authenticate_request(&parts, torii.issuer())
            .await
            .expect("Parts")
            .user_id,
        "user_1"
    );
    let hash: HashMap<&str, &str> = [("AUTHORIZATION", bearer.as_str())].into();
    assert_eq!(
        authenticate_request(&hash, torii.issuer())
            .await
            .expect("HashMap")
            .user_id,
        "user_1"
    );
    let pairs = vec![("x-trace", "1"), ("authorization", bearer.as_str())];
    assert_eq!(
        authenticate_request(HeaderPairs(pairs.into_iter()), torii.issuer())
            .await
            .expect("pairs")
            .user_id,
        "user_1"
    );
    let lower = format!("bearer {token}");
    assert_eq!(
        torii
            .verifier()
            .authenticate_request([("authorization", lower)])
            .await
            .expect("lower")
            .user_id,
        "user_1"
    );
}

#[tokio::test]
async fn header_problems_are_named() {
    let torii = mock().await;
    let verifier = torii.verifier();
    assert_eq!(
        kind(verifier.authenticate_request(HeaderMap::new()).await),
        AuthErrorKind::MissingToken
    );
    assert_eq!(
        kind(
            verifier
                .authenticate_request([("authorization", "Basic dXNlcjpwYXNz")])
                .await
        ),
        AuthErrorKind::InvalidAuthorizationHeader
    );
    assert_eq!(
        kind(
            verifier
                .authenticate_request([("authorization", "Bearer")])
                .await
        ),
        AuthErrorKind::InvalidAuthorizationHeader
    );
    assert_eq!(
        torii.jwks_fetches(),
        0,
        "nothing was fetched for requests without a token"
    );
}

#[tokio::test]
async fn claim_rules_end_to_end() {
    let torii = mock().await;
    let verifier = torii.verifier();
    let cases = [
        (
            torii.token().expired(Duration::from_secs(120)).sign(),
            AuthErrorKind::Expired,
        ),
        (
            torii.token().not_before_in(Duration::from_secs(120)).sign(),
            AuthErrorKind::NotYetValid,
        ),
        (
            torii.token().claim("iat", 9_999_999_999_u64).sign(),
            AuthErrorKind::NotYetValid,
        ),
        (
            torii.token().without("sub").sign(),
            AuthErrorKind::MissingClaim,
        ),
        (
            torii.token().without("pid").sign(),
            AuthErrorKind::MissingClaim,
        ),
        (
            torii.token().without("iat").sign(),
            AuthErrorKind::MissingClaim,
        ),
        (
            torii.token().without("exp").sign(),
            AuthErrorKind::MissingClaim,
        ),
        (
            torii.token().without("iss").sign(),
            AuthErrorKind::MissingClaim,
        ),
        (
            torii.token().issuer("https://other.example").sign(),
            AuthErrorKind::IssuerMismatch,
        ),
        (
            torii.token().claim("exp", "9999999999").sign(),
            AuthErrorKind::InvalidClaim,
        ),
        (
            torii.token().claim("nbf", "9999999999").sign(),
            AuthErrorKind::InvalidClaim,
        ),
    ];
    for (token, expected) in cases {
        assert_eq!(kind(verifier.verify(&token).await), expected);
    }
    // Within the 30 s leeway.
    let token = torii.token().expired(Duration::from_secs(10)).sign();
    verifier
        .verify(&token)
        .await
        .expect("expired 10 s ago is within the leeway");
    let strict = Verifier::builder(torii.issuer())
        .leeway(Duration::ZERO)
        .build()
        .expect("verifier");
    assert_eq!(kind(strict.verify(&token).await), AuthErrorKind::Expired);
}

#[tokio::test]
async fn audience_and_authorized_parties_when_configured() {
    let torii = mock().await;
    let verifier = Verifier::builder(torii.issuer())
        .audience(["https://api.example"])
        .authorized_parties(["https://app.example"])
        .build()
        .expect("verifier");
    let good = torii
        .token()
        .claim("aud", "https://api.example")
        .claim("azp", "https://app.example")
        .sign();
    verifier.verify(&good).await.expect("matching aud and azp");
    let wrong_aud = torii
        .token()
        .claim("aud", "https://other")
        .claim("azp", "https://app.example")
        .sign();
    assert_eq!(
        kind(verifier.verify(&wrong_aud).await),
        AuthErrorKind::AudienceMismatch
    );
    let wrong_azp = torii
        .token()
        .claim("aud", "https://api.example")
        .claim("azp", "https://evil")
        .sign();
    assert_eq!(
        kind(verifier.verify(&wrong_azp).await),
        AuthErrorKind::AuthorizedPartyMismatch
    );
    // Without configuration, neither is checked.
    torii
        .verifier()
        .verify(&wrong_aud)
        .await
        .expect("audience off by default");
}

#[tokio::test]
async fn header_rules_are_enforced_before_any_key_lookup() {
    let torii = mock().await;
    let verifier = torii.verifier();
    let cases = [
        (
            torii.token().header("alg", "none").sign(),
            AuthErrorKind::UnsupportedAlgorithm,
        ),
        (
            torii.token().header("alg", "HS256").sign(),
            AuthErrorKind::UnsupportedAlgorithm,
        ),
        (
            torii.token().header("alg", "ES384").sign(),
            AuthErrorKind::UnsupportedAlgorithm,
        ),
        (
            torii.token().header("kid", json!(null)).sign(),
            AuthErrorKind::MissingKeyId,
        ),
        (
            torii.token().header("crit", json!(["exp"])).sign(),
            AuthErrorKind::CriticalHeader,
        ),
    ];
    for (token, expected) in cases {
        assert_eq!(kind(verifier.verify(&token).await), expected);
    }
    let huge = torii.token().claim("padding", "x".repeat(10_000)).sign();
    assert_eq!(
        kind(verifier.verify(&huge).await),
        AuthErrorKind::TokenTooLarge
    );
    assert_eq!(
        torii.jwks_fetches(),
        0,
        "rejected before the key set was needed"
    );
}

#[tokio::test]
async fn key_pointers_in_the_header_are_never_followed() {
    let torii = mock().await;
    let attacker = mock().await;
    let verifier = torii.verifier();
    // A token signed by the attacker, pointing at the attacker's keys in every way a header can.
    let forged = attacker
        .token()
        .issuer(torii.issuer())
        .header("jku", attacker.jwks_url())
        .header("x5u", attacker.jwks_url())
        .header("jwk", attacker.jwks()["keys"][0].clone())
        .sign();
    // Both mocks name their first key `mock-key-1`: the issuer's key of that name is the one
    // used, and the attacker's signature does not verify with it.
    assert_eq!(
        kind(verifier.verify(&forged).await),
        AuthErrorKind::BadSignature
    );
    assert_eq!(
        attacker.jwks_fetches(),
        0,
        "the attacker's key set was never fetched"
    );
    // The same pointers on a genuine token change nothing.
    let genuine = torii
        .token()
        .header("jku", attacker.jwks_url())
        .header("x5c", json!(["MIIB"]))
        .sign();
    verifier
        .verify(&genuine)
        .await
        .expect("the issuer's own key decides");
}

#[tokio::test]
async fn issuers_are_isolated_even_when_kids_collide() {
    let a = mock().await;
    let b = mock().await;
    a.add_key("shared-kid");
    b.add_key("shared-kid");
    // A token from A that claims to come from B, with the kid both use.
    let token = a.token().issuer(b.issuer()).kid("shared-kid").sign();
    assert_eq!(
        kind(b.verifier().verify(&token).await),
        AuthErrorKind::BadSignature
    );
    // Through the process-wide verifiers too, after both caches are warm.
    verify_token(&a.token().sign(), a.issuer())
        .await
        .expect("A warm");
    verify_token(&b.token().sign(), b.issuer())
        .await
        .expect("B warm");
    assert_eq!(
        kind(verify_token(&token, b.issuer()).await),
        AuthErrorKind::BadSignature
    );
    // The signature is checked before any claim: A's own token fails at B on its signature.
    let from_a = a.token().kid("shared-kid").sign();
    assert_eq!(
        kind(verify_token(&from_a, b.issuer()).await),
        AuthErrorKind::BadSignature
    );
}

#[tokio::test]
async fn a_rotated_key_is_picked_up_after_one_refetch() {
    let torii = mock().await;
    let verifier = torii.verifier();
    verifier
        .verify(&torii.token().sign())
        .await
        .expect("first key");
    assert_eq!(torii.jwks_fetches(), 1);
    let new_kid = torii.rotate_key();
    let token = torii.token().sign();
    let auth = verifier
        .verify(&token)
        .await
        .expect("new key after a refetch");
    assert_eq!(auth.user_id, "user_test");
    assert_eq!(torii.jwks_fetches(), 2);
    assert_eq!(torii.current_kid().as_deref(), Some(new_kid.as_str()));
    verifier.verify(&token).await.expect("cached now");
    assert_eq!(torii.jwks_fetches(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_tokens_with_a_rotated_key_all_verify_after_one_refetch() {
    let torii = mock().await;
    let verifier = torii.verifier();
    verifier.warm_up().await.expect("warm");
    torii.rotate_key();
    let token = Arc::new(torii.token().sign());
    let mut tasks = Vec::new();
    for _ in 0..100 {
        let (verifier, token) = (verifier.clone(), Arc::clone(&token));
        tasks.push(tokio::spawn(async move { verifier.verify(&token).await }));
    }
    for task in tasks {
        task.await
            .expect("task")
            .expect("the rotated key is found by the shared refetch");
    }
    assert_eq!(torii.jwks_fetches(), 2);
}

#[tokio::test]
async fn a_flood_of_unknown_kids_is_bounded_by_the_cooldown() {
    let torii = mock().await;
    let verifier = torii.verifier();
    verifier.warm_up().await.expect("warm");
    let mut tasks = Vec::new();
    for i in 0..500 {
        let token = torii.token().kid(format!("made-up-{i}")).sign();
        let verifier = verifier.clone();
        tasks.push(tokio::spawn(async move { verifier.verify(&token).await }));
    }
    for task in tasks {
        assert_eq!(kind(task.await.expect("task")), AuthErrorKind::UnknownKey);
    }
    assert!(
        torii.jwks_fetches() <= 2,
        "fetches: {}",
        torii.jwks_fetches()
    );
}

#[tokio::test]
async fn concurrent_first_requests_share_one_fetch() {
    let torii = mock().await;
    let verifier = torii.verifier();
    let token = Arc::new(torii.token().sign());
    let mut tasks = Vec::new();
    for _ in 0..200 {
        let (verifier, token) = (verifier.clone(), Arc::clone(&token));
        tasks.push(tokio::spawn(async move { verifier.verify(&token).await }));
    }
    for task in tasks {
        task.await.expect("task").expect("valid");
    }
    assert_eq!(torii.jwks_fetches(), 1);
    assert_eq!(verifier.jwks_stats().fetches, 1);
}

#[tokio::test]
async fn cached_keys_keep_working_while_the_issuer_is_down() {
    let torii = mock().await;
    let verifier = torii.verifier();
    let token = torii.token().sign();
    verifier.verify(&token).await.expect("warm");
    torii.set_jwks_fault(Some(JwksFault::Down));
    verifier.verify(&token).await.expect("served from cache");
    // An unknown kid triggers a refetch, which fails; the cached keys still serve.
    let unknown = torii.token().kid("rotated-away").sign();
    assert_eq!(
        kind(verifier.verify(&unknown).await),
        AuthErrorKind::UnknownKey
    );
    let stats = verifier.jwks_stats();
    assert_eq!((stats.fetches, stats.failures), (2, 1));
    let last_error = stats.last_error.expect("recorded");
    assert_eq!(last_error.kind(), JwksFetchErrorKind::Status);
    assert_eq!(last_error.status(), Some(503));
    verifier
        .verify(&token)
        .await
        .expect("still served from cache");
}

#[tokio::test]
async fn a_cold_verifier_with_the_issuer_down_reports_jwks_unavailable() {
    let torii = mock().await;
    torii.set_jwks_fault(Some(JwksFault::Down));
    let verifier = torii.verifier();
    assert_eq!(
        kind(verifier.verify(&torii.token().sign()).await),
        AuthErrorKind::JwksUnavailable
    );
    // Further requests within the cooldown do not hammer the issuer.
    assert_eq!(
        kind(verifier.verify(&torii.token().sign()).await),
        AuthErrorKind::JwksUnavailable
    );
    assert_eq!(torii.jwks_fetches(), 1);
}

#[tokio::test]
async fn a_hung_issuer_does_not_block_requests_served_from_cache() {
    let torii = mock().await;
    let verifier = Verifier::builder(torii.issuer())
        .http_timeout(Duration::from_secs(30))
        .build()
        .expect("verifier");
    let token = torii.token().sign();
    verifier.verify(&token).await.expect("warm");
    torii.set_jwks_fault(Some(JwksFault::Hang));
    let hung = {
        let verifier = verifier.clone();
        let unknown = torii.token().kid("not-yet-published").sign();
        tokio::spawn(async move { verifier.verify(&unknown).await })
    };
    // Wait until the refetch for the unknown kid is under way at the issuer.
    let started = async {
        while torii.jwks_fetches() < 2 {
            tokio::task::yield_now().await;
        }
    };
    tokio::time::timeout(Duration::from_secs(10), started)
        .await
        .expect("the refetch reached the issuer");
    // A bound on a test failure, not a timing assertion: the cached path must not wait at all.
    let served = tokio::time::timeout(Duration::from_secs(10), verifier.verify(&token)).await;
    served
        .expect("not blocked by the hung fetch")
        .expect("valid");
    assert!(
        !hung.is_finished(),
        "the unknown-kid request is still waiting on the issuer"
    );
    hung.abort();
}

#[tokio::test]
async fn fetch_hardening() {
    let faults = [
        JwksFault::Redirect("http://127.0.0.1:1/jwks.json".into()),
        JwksFault::Status(201),
        JwksFault::Status(500),
        JwksFault::Garbage,
        JwksFault::Oversized(300 * 1024),
        JwksFault::Slow(Duration::from_secs(5)),
    ];
    for fault in faults {
        let torii = mock().await;
        torii.set_jwks_fault(Some(fault.clone()));
        let verifier = Verifier::builder(torii.issuer())
            .http_timeout(Duration::from_millis(500))
            .build()
            .expect("verifier");
        let error = verifier
            .verify(&torii.token().sign())
            .await
            .expect_err("refused");
        assert_eq!(error.kind(), AuthErrorKind::JwksUnavailable, "{fault:?}");
        assert_eq!(torii.jwks_fetches(), 1, "{fault:?}");
    }
    // A smaller cap refuses a normal set too.
    let torii = mock().await;
    let tiny = Verifier::builder(torii.issuer())
        .max_jwks_bytes(64)
        .build()
        .expect("verifier");
    assert_eq!(
        kind(tiny.verify(&torii.token().sign()).await),
        AuthErrorKind::JwksUnavailable
    );
}

#[test]
fn issuers_and_jwks_urls_must_be_https_or_loopback() {
    for issuer in [
        "http://auth.example.com",
        "ftp://auth.example.com",
        "not a url",
    ] {
        let error = Verifier::new(issuer).expect_err(issuer);
        assert!(error.message().starts_with("the issuer "), "{error}");
        // Matchable as the one configuration branch of the umbrella error.
        assert!(torii_backend::Error::from(error).is_config(), "{issuer}");
    }
    Verifier::new("https://auth.example.com").expect("https");
    Verifier::new("http://127.0.0.1:8080").expect("loopback http");
    let error = Verifier::builder("https://auth.example.com")
        .jwks_url("http://keys.example.com/jwks.json")
        .build()
        .expect_err("http JWKS");
    assert!(error.message().starts_with("the JWKS URL "), "{error}");
}

#[tokio::test]
async fn the_process_wide_verifier_reports_a_bad_issuer_as_configuration_with_the_cause_beneath() {
    use std::error::Error as _;
    let error = torii_backend::verify_token("a.b.c", "http://auth.example.com")
        .await
        .expect_err("http issuer");
    assert_eq!(error.kind(), AuthErrorKind::Configuration);
    let cause = error.source().expect("the ConfigError beneath");
    assert!(cause.to_string().contains("the issuer "), "{cause}");
    assert_ne!(cause.to_string(), error.to_string());
    assert!(torii_backend::Error::from(error).is_config());
}

#[tokio::test]
async fn a_jwks_url_override_is_used() {
    let issuer = mock().await;
    let keys = mock().await;
    let verifier = Verifier::builder(issuer.issuer())
        .jwks_url(keys.jwks_url())
        .build()
        .expect("verifier");
    let token = keys.token().issuer(issuer.issuer()).sign();
    verifier
        .verify(&token)
        .await
        .expect("keys from the override");
    assert_eq!((issuer.jwks_fetches(), keys.jwks_fetches()), (0, 1));
}

#[tokio::test]
async fn errors_never_contain_the_token() {
    let torii = mock().await;
    let verifier = torii.verifier();
    let tokens = [
        torii.token().expired(Duration::from_secs(100)).sign(),
        torii.token().header("alg", "HS256").sign(),
        torii.token().kid("nope").sign(),
        torii.token().issuer("https://x").sign(),
        format!("{}x", torii.token().sign()),
    ];
    for token in tokens {
        let error = verifier.verify(&token).await.expect_err("rejected");
        let shown = format!("{error} {error:?}");
        for part in token.split('.') {
            assert!(!shown.contains(part), "{shown}");
        }
    }
}

#[tokio::test]
async fn cache_settings_are_applied() {
    let torii = mock().await;
    let verifier = Verifier::builder(torii.issuer())
        .cache(CacheSettings::default().refetch_cooldown(Duration::ZERO))
        .build()
        .expect("verifier");
    verifier.warm_up().await.expect("warm");
    for i in 0..3 {
        let token = torii.token().kid(format!("unknown-{i}")).sign();
        assert_eq!(
            kind(verifier.verify(&token).await),
            AuthErrorKind::UnknownKey
        );
    }
    assert_eq!(
        torii.jwks_fetches(),
        4,
        "with no cooldown every unknown kid refetches"
    );
}

#[tokio::test]
async fn the_mock_serves_oidc_discovery_and_its_key_set() {
    let torii = mock().await;
    let addr: std::net::SocketAddr = torii
        .issuer()
        .trim_start_matches("http://")
        .parse()
        .expect("loopback address");
    let discovery =
        torii_tests::raw_http::get(addr, "/.well-known/openid-configuration", &[]).await;
    assert_eq!(discovery.status, 200);
    let document: torii_backend::serde_json::Value =
        torii_backend::serde_json::from_str(&discovery.body).expect("JSON");
    assert_eq!(document["issuer"], torii.issuer());
    assert_eq!(document["jwks_uri"], torii.jwks_url());
    assert_eq!(
        document["id_token_signing_alg_values_supported"],
        json!(["ES256"])
    );
    let jwks = torii_tests::raw_http::get(addr, "/_torii/.well-known/jwks.json", &[]).await;
    let keys: torii_backend::serde_json::Value =
        torii_backend::serde_json::from_str(&jwks.body).expect("JSON");
    assert_eq!(keys, torii.jwks());
    assert_eq!(keys["keys"][0]["kid"], json!(torii.current_kid()));
    assert!(
        keys["keys"][0].get("d").is_none(),
        "no private part is published"
    );
}

#[tokio::test]
async fn auth_errors_join_the_crate_error() {
    let torii = mock().await;
    let error = torii
        .verifier()
        .verify("not-a-token")
        .await
        .expect_err("malformed");
    let umbrella = torii_backend::Error::from(error.clone());
    assert!(
        matches!(&umbrella, torii_backend::Error::Auth(e) if e.kind() == AuthErrorKind::Malformed)
    );
    // Transparent: the branch's message, and the branch's own (empty) source beneath, so the
    // message is not printed twice in a chain.
    assert_eq!(umbrella.to_string(), error.to_string());
    assert!(std::error::Error::source(&umbrella).is_none());
}
