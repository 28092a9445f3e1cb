//! The key cache over time, with a clock moved by hand: freshness and refresh-ahead,
//! stale-if-error within the grace and failure after it, and the cooldown after failures.

use std::time::Duration;

use super::clock::{Clock, ManualClock};
use super::{AuthErrorKind, CacheSettings, Verifier};
use crate::testing::{JwksFault, MockTorii};

const FRESH: Duration = Duration::from_secs(300);
const COOLDOWN: Duration = Duration::from_secs(30);
const GRACE: Duration = Duration::from_secs(3600);

async fn setup() -> (MockTorii, Verifier, ManualClock) {
    let torii = MockTorii::start().await.expect("loopback");
    let clock = ManualClock::starting_now();
    let verifier = Verifier::builder(torii.issuer())
        .cache(
            CacheSettings::default()
                .fresh_for(FRESH)
                .refetch_cooldown(COOLDOWN)
                .stale_grace(GRACE),
        )
        .clock(Clock::Manual(clock.clone()))
        .build()
        .expect("verifier");
    (torii, verifier, clock)
}

/// Waits, yielding to the runtime but never sleeping, until `condition` holds; fails the test
/// after 10 s.
async fn until(what: &str, condition: impl Fn() -> bool) {
    let reached = async {
        while !condition() {
            tokio::task::yield_now().await;
        }
    };
    tokio::time::timeout(Duration::from_secs(10), reached)
        .await
        .unwrap_or_else(|_| panic!("{what}"));
}

#[tokio::test]
async fn a_fresh_set_is_not_fetched_again() {
    let (torii, verifier, clock) = setup().await;
    let token = torii.token().expires_in(Duration::from_secs(7200)).sign();
    verifier.verify(&token).await.expect("first");
    clock.advance(FRESH.mul_f64(0.79));
    verifier.verify(&token).await.expect("still fresh");
    assert_eq!(torii.jwks_fetches(), 1);
}

#[tokio::test]
async fn near_expiry_a_request_is_served_at_once_and_a_refresh_starts_behind_it() {
    let (torii, verifier, clock) = setup().await;
    let token = torii.token().expires_in(Duration::from_secs(7200)).sign();
    verifier.verify(&token).await.expect("first");
    // The background refresh hangs at the issuer; the request must not wait for it.
    torii.set_jwks_fault(Some(JwksFault::Hang));
    clock.advance(FRESH.mul_f64(0.85));
    let served = tokio::time::timeout(Duration::from_secs(10), verifier.verify(&token)).await;
    served.expect("not waiting on the refresh").expect("valid");
    until("the fetch reached the mock", || torii.jwks_fetches() >= 2).await;
}

#[tokio::test]
async fn a_background_refresh_brings_in_rotated_keys() {
    let (torii, verifier, clock) = setup().await;
    verifier
        .verify(&torii.token().expires_in(Duration::from_secs(7200)).sign())
        .await
        .expect("first");
    let old_kid = torii.current_kid().expect("kid");
    let new_kid = torii.rotate_key();
    clock.advance(FRESH.mul_f64(0.9));
    // A token of the old key is served from the cache and starts the refresh.
    let old = torii
        .token()
        .kid(old_kid)
        .expires_in(Duration::from_secs(7200))
        .sign();
    verifier.verify(&old).await.expect("served from the cache");
    until("the fetch reached the mock", || torii.jwks_fetches() >= 2).await;
    let token = torii
        .token()
        .kid(new_kid)
        .expires_in(Duration::from_secs(7200))
        .sign();
    until("the refreshed set was stored", || {
        verifier.jwks_stats().keys >= 2
    })
    .await;
    verifier
        .verify(&token)
        .await
        .expect("the new key came with the refresh");
    assert_eq!(torii.jwks_fetches(), 2, "no unknown-kid refetch was needed");
}

#[tokio::test]
async fn stale_keys_serve_within_the_grace_then_fail() {
    let (torii, verifier, clock) = setup().await;
    let token = torii
        .token()
        .expires_in(Duration::from_secs(3 * 3600))
        .sign();
    verifier.verify(&token).await.expect("first");
    torii.set_jwks_fault(Some(JwksFault::Down));

    clock.advance(FRESH + Duration::from_secs(1));
    verifier
        .verify(&token)
        .await
        .expect("stale but within the grace");
    until("the failure was recorded", || {
        verifier.jwks_stats().failures >= 1
    })
    .await;

    clock.advance(GRACE - Duration::from_secs(10));
    verifier
        .verify(&token)
        .await
        .expect("still within the grace");

    clock.advance(Duration::from_secs(20));
    let error = verifier.verify(&token).await.expect_err("grace over");
    assert_eq!(error.kind(), AuthErrorKind::JwksUnavailable);

    // The issuer comes back: after the cooldown the next request fetches and succeeds.
    torii.set_jwks_fault(None);
    clock.advance(COOLDOWN);
    verifier.verify(&token).await.expect("recovered");
}

#[tokio::test]
async fn failures_are_retried_only_after_the_cooldown() {
    let (torii, verifier, clock) = setup().await;
    torii.set_jwks_fault(Some(JwksFault::Down));
    let token = torii.token().expires_in(Duration::from_secs(3600)).sign();
    for _ in 0..5 {
        assert_eq!(
            verifier.verify(&token).await.expect_err("down").kind(),
            AuthErrorKind::JwksUnavailable
        );
    }
    assert_eq!(torii.jwks_fetches(), 1);
    torii.set_jwks_fault(None);
    clock.advance(COOLDOWN - Duration::from_secs(1));
    assert!(verifier.verify(&token).await.is_err(), "still cooling down");
    clock.advance(Duration::from_secs(1));
    verifier
        .verify(&token)
        .await
        .expect("fetched again after the cooldown");
    assert_eq!(torii.jwks_fetches(), 2);
}

#[tokio::test]
async fn the_leeway_uses_the_same_clock() {
    let (torii, verifier, clock) = setup().await;
    let token = torii.token().expires_in(Duration::from_secs(60)).sign();
    verifier.verify(&token).await.expect("valid");
    clock.advance(Duration::from_secs(60 + 29));
    verifier
        .verify(&token)
        .await
        .expect("within the 30 s leeway");
    clock.advance(Duration::from_secs(2));
    assert_eq!(
        verifier.verify(&token).await.expect_err("expired").kind(),
        AuthErrorKind::Expired
    );
}

/// A token signed by `kid` that outlives every step of these tests.
fn long_lived(torii: &MockTorii, kid: &str) -> String {
    torii
        .token()
        .kid(kid)
        .expires_in(Duration::from_secs(3 * 3600))
        .sign()
}

/// The issuer revokes a key by removing it from its set: with the issuer up, the first request
/// after freshness waits for the refresh and is refused, whether it comes right after freshness
/// or after an idle hour. It is never served once more from the stale set.
#[tokio::test]
async fn a_removed_key_is_refused_on_the_first_request_after_freshness() {
    for idle in [Duration::from_secs(1), Duration::from_secs(3600)] {
        let (torii, verifier, clock) = setup().await;
        let leaked = torii.current_kid().expect("kid");
        let token = long_lived(&torii, &leaked);
        verifier
            .verify(&token)
            .await
            .expect("valid while the key is in the set");
        torii.rotate_key();
        torii.remove_key(&leaked);
        clock.advance(FRESH + idle);
        let refused = verifier.verify(&token).await.expect_err("revoked");
        assert_eq!(refused.kind(), AuthErrorKind::UnknownKey, "after {idle:?}");
        assert_eq!(torii.jwks_fetches(), 2, "one refresh, waited for");
        let stats = verifier.jwks_stats();
        assert!(!stats.serving_stale && stats.last_error.is_none());
        assert_eq!(stats.requests_waited, 2, "the cold start and the refresh");
    }
}

/// Stale-if-error: when the refresh fails, the last good set serves (a removed key too, since
/// nobody can tell) until the grace is over, with the failure visible in the stats.
#[tokio::test]
async fn the_last_good_set_serves_only_while_the_issuer_is_down_and_within_the_grace() {
    let (torii, verifier, clock) = setup().await;
    let leaked = torii.current_kid().expect("kid");
    let token = long_lived(&torii, &leaked);
    verifier.verify(&token).await.expect("valid");
    torii.rotate_key();
    torii.remove_key(&leaked);
    torii.set_jwks_fault(Some(JwksFault::Down));
    clock.advance(FRESH + Duration::from_secs(1));
    verifier
        .verify(&token)
        .await
        .expect("the refresh failed: the last good set serves");
    let stats = verifier.jwks_stats();
    assert!(stats.serving_stale, "{stats:?}");
    assert_eq!(stats.last_error.map(|e| e.status()), Some(Some(503)));
    clock.advance(GRACE);
    let refused = verifier.verify(&token).await.expect_err("grace over");
    assert_eq!(refused.kind(), AuthErrorKind::JwksUnavailable);
    assert!(!verifier.jwks_stats().serving_stale);
}

/// A verifier that keeps receiving requests refreshes ahead of expiry in the background, so no
/// request after the first ever waits on the network, across several freshness periods.
#[tokio::test]
async fn a_busy_verifier_with_refresh_ahead_never_waits() {
    let (torii, verifier, clock) = setup().await;
    let kid = torii.current_kid().expect("kid");
    let token = long_lived(&torii, &kid);
    verifier.verify(&token).await.expect("cold start");
    for period in 1..=3_usize {
        // A request every tenth of the freshness; the first past 80% starts the refresh, which
        // (on a clock that stands still while it runs) completes before the next request.
        for _ in 0..10 {
            clock.advance(FRESH / 10);
            verifier
                .verify(&token)
                .await
                .expect("served from the set in hand");
            until("the background refresh finished", || {
                !verifier.jwks_stats().refreshing
            })
            .await;
        }
        assert_eq!(torii.jwks_fetches(), 1 + period, "one refresh per period");
    }
    assert_eq!(
        verifier.jwks_stats().requests_waited,
        1,
        "only the cold start waited"
    );
}

/// 1,000 requests arriving together on a stale set wait for one refresh, not one each.
#[tokio::test]
async fn a_thousand_concurrent_requests_on_a_stale_set_make_one_fetch() {
    let (torii, verifier, clock) = setup().await;
    let kid = torii.current_kid().expect("kid");
    // Distinct tokens, so that the verified-token cache answers none of them.
    let tokens: Vec<String> = (0..1000)
        .map(|n| {
            torii
                .token()
                .kid(&kid)
                .claim("n", n)
                .expires_in(Duration::from_secs(3 * 3600))
                .sign()
        })
        .collect();
    verifier.verify(&tokens[0]).await.expect("cold start");
    clock.advance(FRESH + Duration::from_secs(1));
    let requests: Vec<_> = tokens
        .into_iter()
        .map(|token| {
            let verifier = verifier.clone();
            tokio::spawn(async move { verifier.verify(&token).await.map(drop) })
        })
        .collect();
    for request in requests {
        request
            .await
            .expect("joined")
            .expect("valid after the refresh");
    }
    assert_eq!(torii.jwks_fetches(), 2, "the cold start and one refresh");
}
