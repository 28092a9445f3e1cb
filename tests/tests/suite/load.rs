//! Bounded load on loopback: an axum service behind `RequireAuthLayer` taking a mix of valid,
//! expired, forged and unknown-kid tokens while its issuer rotates keys, goes down and comes
//! back; and the REST client under concurrent calls with injected 429s and 503s.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use torii_backend::middleware::RequireAuthLayer;
use torii_backend::rest::RetryPolicy;
use torii_backend::testing::{ApiFault, JwksFault, MockTorii};
use torii_backend::verify::{Auth, CacheSettings, TokenCacheSettings, Verifier};
use torii_backend::{Client, Error};

/// What a request carries and what it must get.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Valid,
    Expired,
    Forged,
    UnknownKid,
}

async fn serve(verifier: Verifier) -> SocketAddr {
    let app = Router::new()
        .route("/me", get(|auth: Auth| async move { auth.user_id }))
        .layer(RequireAuthLayer::new(verifier));
    torii_tests::serve::serve(app).await
}

/// Sends every `(kind, token)` at once, 16 at a time, and returns the statuses in order.
async fn send_all(addr: SocketAddr, requests: &[(Kind, String)]) -> Vec<(Kind, u16)> {
    let http = torii_backend::reqwest::Client::new();
    let url = format!("http://{addr}/me");
    let limit = Arc::new(tokio::sync::Semaphore::new(16));
    let tasks: Vec<_> = requests
        .iter()
        .cloned()
        .map(|(kind, token)| {
            let (http, url, limit) = (http.clone(), url.clone(), Arc::clone(&limit));
            tokio::spawn(async move {
                let _permit = limit.acquire().await.expect("semaphore");
                let response = http.get(&url).bearer_auth(token).send().await;
                (kind, response.map_or(0, |r| r.status().as_u16()))
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.expect("request task"));
    }
    statuses
}

/// Every valid token got 200 and every other one 401.
fn check(phase: &str, statuses: &[(Kind, u16)]) {
    let wrong: Vec<_> = statuses
        .iter()
        .filter(|(kind, status)| (*kind == Kind::Valid) != (*status == 200))
        .collect();
    assert!(
        wrong.is_empty(),
        "{phase}: {} wrong answers, e.g. {:?}",
        wrong.len(),
        &wrong[..wrong.len().min(5)]
    );
    assert!(
        statuses
            .iter()
            .all(|(_, status)| *status == 200 || *status == 401),
        "{phase}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_layer_under_load_through_rotation_and_an_outage() {
    let torii = MockTorii::start().await.expect("mock");
    let attacker = MockTorii::start().await.expect("attacker");
    let token_cache = TokenCacheSettings::default().max_bytes(64 * 1024);
    let verifier = Verifier::builder(torii.issuer())
        .cache(CacheSettings::default().refetch_cooldown(Duration::from_millis(200)))
        .token_cache(token_cache)
        .build()
        .expect("verifier");
    let addr = serve(verifier.clone()).await;

    let mut user = 0;
    let mut mix = |kid: Option<&str>| -> Vec<(Kind, String)> {
        (0..100)
            .flat_map(|_| {
                user += 1;
                let valid = match kid {
                    Some(kid) => torii.token().kid(kid),
                    None => torii.token(),
                };
                [
                    (Kind::Valid, valid.subject(format!("user_{user}")).sign()),
                    (
                        Kind::Expired,
                        torii.token().expired(Duration::from_secs(120)).sign(),
                    ),
                    // The attacker's key, under the kid the issuer signs with.
                    (
                        Kind::Forged,
                        attacker
                            .token()
                            .kid(torii.current_kid().expect("kid"))
                            .sign(),
                    ),
                    (
                        Kind::UnknownKid,
                        torii.token().kid(format!("made-up-{user}")).sign(),
                    ),
                ]
            })
            .collect()
    };

    let first_kid = torii.current_kid().expect("kid");
    check("steady", &send_all(addr, &mix(None)).await);

    // Rotation as issuers do it: the new key is published, verifiers refresh (`warm_up` stands
    // in for the refresh-ahead a running service does at 80% of freshness), and tokens are
    // signed with it; the old key stays published, so tokens of both are valid. (A kid that
    // appears between two fetches less than the refetch cooldown apart is refused until the
    // cooldown passes: the price of bounding what made-up kids cost the issuer; SECURITY.md.)
    torii.rotate_key();
    verifier.warm_up().await.expect("refresh");
    let mut rotated = mix(None);
    rotated.extend(mix(Some(&first_kid)));
    check("rotation", &send_all(addr, &rotated).await);

    // Outage: both keys are cached, so valid tokens of either still pass (stale-if-error), and
    // unknown kids are refused without reaching the dead issuer more than the cooldown allows.
    torii.set_jwks_fault(Some(JwksFault::Down));
    let mut outage = mix(None);
    outage.extend(mix(Some(&first_kid)));
    check("outage", &send_all(addr, &outage).await);

    // Back up.
    torii.set_jwks_fault(None);
    check("recovered", &send_all(addr, &mix(None)).await);

    let stats = verifier.token_cache_stats();
    assert!(stats.entries > 0, "valid tokens were cached");
    assert!(
        stats.weighted_bytes <= token_cache.max_bytes,
        "{} bytes past the {} bound",
        stats.weighted_bytes,
        token_cache.max_bytes
    );
    assert!(
        stats.entries < 700,
        "the bound evicted: {} entries",
        stats.entries
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_rest_calls_with_429s_and_503s_all_end() {
    let torii = MockTorii::start().await.expect("mock");
    let client = Client::builder()
        .secret_key(torii.secret_key())
        .api_url(torii.api_url())
        .timeout(Duration::from_secs(5))
        .retry_policy(
            RetryPolicy::default()
                .max_attempts(3)
                .initial_backoff(Duration::from_millis(2))
                .max_backoff(Duration::from_millis(20)),
        )
        .build()
        .expect("client");
    let user = torii
        .seed_user()
        .email("load@example.com")
        .insert()
        .expect("seed");
    for n in 0..60 {
        let fault = if n % 2 == 0 {
            ApiFault::RateLimited { retry_after: None }
        } else {
            ApiFault::Unavailable
        };
        torii.fail_next(1, fault);
    }

    let calls: Vec<_> = (0..200)
        .map(|n| {
            let client = client.clone();
            tokio::spawn(async move {
                let call = async {
                    if n % 4 == 0 {
                        client
                            .users()
                            .update(user.id)
                            .first_name(format!("N{n}"))
                            .send()
                            .await
                            .map(drop)
                    } else {
                        client.users().get(user.id).send().await.map(drop)
                    }
                };
                // A call that outlives this bound has hung: the client's own timeout and retry
                // budget end every call well before it.
                tokio::time::timeout(Duration::from_secs(60), call).await
            })
        })
        .collect();
    let (mut succeeded, mut refused) = (0, 0);
    for call in calls {
        match call.await.expect("task").expect("no call hangs") {
            Ok(()) => succeeded += 1,
            Err(Error::Api(error)) => {
                assert!(matches!(error.status().as_u16(), 429 | 503), "{error}");
                refused += 1;
            }
            Err(other) => panic!("an unexpected error: {other}"),
        }
    }
    assert_eq!(succeeded + refused, 200);
    assert!(
        succeeded >= 140,
        "most calls succeed after retries: {succeeded}"
    );
    // Every planned fault met one of those calls: the next request finds none left.
    let once = Client::builder()
        .secret_key(torii.secret_key())
        .api_url(torii.api_url())
        .retry_policy(RetryPolicy::disabled())
        .build()
        .expect("client");
    once.users()
        .get(user.id)
        .send()
        .await
        .expect("no fault left");
}
