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
