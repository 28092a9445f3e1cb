//! The verified-token cache: a repeated token is served from it, and only while a full
//! verification would still accept it (before `exp`, with its key still in the issuer's set);
//! nothing but the exact token bytes finds an entry; the cache stays within its bound and can be
//! turned off.

use std::time::Duration;

use super::clock::{Clock, ManualClock};
use super::{AuthErrorKind, CacheSettings, TokenCacheSettings, Verifier};
use crate::testing::MockTorii;

async fn setup(tokens: TokenCacheSettings) -> (MockTorii, Verifier, ManualClock) {
    let torii = MockTorii::start().await.expect("loopback");
    let clock = ManualClock::starting_now();
    let verifier = Verifier::builder(torii.issuer())
        .leeway(Duration::ZERO)
        .cache(CacheSettings::default().fresh_for(Duration::from_secs(60)))
        .token_cache(tokens)
        .clock(Clock::Manual(clock.clone()))
        .build()
        .expect("verifier");
    (torii, verifier, clock)
}

/// A token issued by `torii` at the test clock's now, valid for `seconds`: the clock stands
/// still while the test runs, and a token stamped by the real clock a second later would not be
/// valid yet (the leeway is zero).
fn issue(torii: &MockTorii, clock: &ManualClock, seconds: u64) -> crate::testing::TokenBuilder {
    let now = Clock::Manual(clock.clone()).unix_seconds();
    torii.token().claim("iat", now).claim("exp", now + seconds)
}

/// Moves the clock past the key set's freshness and returns the error `token` gets on the very
/// next request: past freshness the set is refreshed before it is used, so the cached entry,
/// whose key the issuer no longer vouches for, is dropped at once (never served once more).
async fn refused_on_the_first_request_past_freshness(
    verifier: &Verifier,
    clock: &ManualClock,
    token: &str,
) -> super::AuthError {
    clock.advance(Duration::from_secs(61));
    let refused = verifier.verify(token).await.expect_err("the key is gone");
    assert_eq!(verifier.token_cache().len(), 0, "the entry was dropped");
    refused
}

#[tokio::test]
async fn a_repeated_token_is_answered_from_the_cache() {
    let (torii, verifier, clock) = setup(TokenCacheSettings::default()).await;
    let token = issue(&torii, &clock, 300).claim("plan", "pro").sign();
    let first = verifier.verify(&token).await.expect("valid");
    assert_eq!(verifier.token_cache().len(), 1);
    let again = verifier.verify(&token).await.expect("cached");
    assert_eq!(again, first);
    assert_eq!(verifier.token_cache().len(), 1);
}

#[tokio::test]
async fn an_entry_is_never_used_at_or_after_exp() {
    let (torii, verifier, clock) = setup(TokenCacheSettings::default()).await;
    let token = issue(&torii, &clock, 40).sign();
    verifier.verify(&token).await.expect("valid");
    clock.advance(Duration::from_secs(39));
    verifier.verify(&token).await.expect("still valid");
    clock.advance(Duration::from_secs(1));
    let expired = verifier.verify(&token).await.expect_err("expired");
    assert_eq!(expired.kind(), AuthErrorKind::Expired);
    assert_eq!(verifier.token_cache().len(), 0);
}

#[tokio::test]
async fn an_entry_is_used_for_at_most_max_ttl() {
    let settings = TokenCacheSettings::default().max_ttl(Duration::from_secs(10));
    let (torii, verifier, clock) = setup(settings).await;
    let token = issue(&torii, &clock, 600).sign();
    let auth = verifier.verify(&token).await.expect("valid");
    let now = || Clock::Manual(clock.clone()).unix_seconds();
    assert!(verifier.token_cache().get(&token, now()).is_some());
    clock.advance(Duration::from_secs(9));
    assert!(verifier.token_cache().get(&token, now()).is_some());
    clock.advance(Duration::from_secs(1));
    assert!(
        verifier.token_cache().get(&token, now()).is_none(),
        "not used once max_ttl has passed"
    );
    assert_eq!(verifier.token_cache().len(), 0, "and dropped");
    // The token itself is still valid: verified in full again, and cached again.
    assert_eq!(verifier.verify(&token).await.expect("valid"), auth);
    assert_eq!(verifier.token_cache().len(), 1);
}

#[tokio::test]
async fn a_key_removed_by_rotation_ends_its_tokens_entries() {
    let (torii, verifier, clock) = setup(TokenCacheSettings::default()).await;
    let old_kid = torii.current_kid().expect("kid");
    let token = issue(&torii, &clock, 3600).sign();
    verifier.verify(&token).await.expect("valid");

    torii.rotate_key();
    torii.remove_key(&old_kid);
    // Until the verifier refetches, the old set is what it trusts.
    verifier
        .verify(&token)
        .await
        .expect("the set in hand still has the key");
    // Once the new set is in, the entry ends.
    let refused = refused_on_the_first_request_past_freshness(&verifier, &clock, &token).await;
    assert_eq!(refused.kind(), AuthErrorKind::UnknownKey);
    assert_eq!(verifier.token_cache().len(), 0);
}

#[tokio::test]
async fn a_kid_that_now_names_another_key_ends_the_entry() {
    let (torii, verifier, clock) = setup(TokenCacheSettings::default()).await;
    let kid = torii.current_kid().expect("kid");
    let token = issue(&torii, &clock, 3600).sign();
    verifier.verify(&token).await.expect("valid");
    torii.remove_key(&kid);
    torii.add_key(&kid);
    let refused = refused_on_the_first_request_past_freshness(&verifier, &clock, &token).await;
    assert_eq!(refused.kind(), AuthErrorKind::BadSignature);
}

#[tokio::test]
async fn only_the_exact_token_finds_its_entry() {
    let (torii, verifier, clock) = setup(TokenCacheSettings::default()).await;
    let token = issue(&torii, &clock, 300).sign();
    verifier.verify(&token).await.expect("valid");
    let (signing_input, signature) = token.rsplit_once('.').expect("three parts");
    // The same header and claims with another signature, and the same signature under other
    // claims: both are other keys, verified in full and refused.
    let mut forged_signature = signature.to_owned().into_bytes();
    forged_signature[10] = if forged_signature[10] == b'A' {
        b'B'
    } else {
        b'A'
    };
    let forged = format!(
        "{signing_input}.{}",
        String::from_utf8(forged_signature).expect("ascii")
    );
    let refused = verifier.verify(&forged).await.expect_err("forged");
    assert_eq!(refused.kind(), AuthErrorKind::BadSignature);
    let other_claims = issue(&torii, &clock, 300).subject("someone_else").sign();
    let (other_input, _) = other_claims.rsplit_once('.').expect("three parts");
    let spliced = format!("{other_input}.{signature}");
    assert_eq!(
        verifier.verify(&spliced).await.expect_err("spliced").kind(),
        AuthErrorKind::BadSignature
    );
    assert_eq!(verifier.token_cache().len(), 1);
}

#[tokio::test]
async fn the_cache_stays_within_its_bound_and_can_be_turned_off() {
    let (torii, verifier, clock) = setup(TokenCacheSettings::default().max_bytes(20 * 1024)).await;
    for n in 0..200 {
        let token = issue(&torii, &clock, 300)
            .subject(format!("user_{n}"))
            .sign();
        verifier.verify(&token).await.expect("valid");
    }
    let cache = verifier.token_cache();
    assert!(
        cache.weighted_size() <= 20 * 1024,
        "{}",
        cache.weighted_size()
    );
    assert!(cache.len() < 200);

    let (torii, verifier, clock) = setup(TokenCacheSettings::disabled()).await;
    let token = issue(&torii, &clock, 300).sign();
    verifier.verify(&token).await.expect("valid");
    verifier.verify(&token).await.expect("valid again");
    assert_eq!(verifier.token_cache().len(), 0);
}

/// Verifies `count` tokens, each sent once.
async fn send_once(
    (torii, verifier, clock): (&MockTorii, &Verifier, &ManualClock),
    prefix: &str,
    count: usize,
) {
    for n in 0..count {
        let once = issue(torii, clock, 300)
            .subject(format!("{prefix}_{n}"))
            .sign();
        verifier.verify(&once).await.expect("valid");
    }
}

#[tokio::test]
async fn tokens_seen_once_do_not_push_out_a_token_in_use() {
    for used_again in [true, false] {
        let settings = TokenCacheSettings::default().max_bytes(256 * 1024);
        let (torii, verifier, clock) = setup(settings).await;
        // A cache that has run for a while: full of tokens from earlier.
        send_once((&torii, &verifier, &clock), "earlier", 400).await;
        let token = issue(&torii, &clock, 300).subject("regular").sign();
        verifier.verify(&token).await.expect("valid");
        if used_again {
            verifier.verify(&token).await.expect("served again");
        }
        // Then four times what the cache holds, each token sent once.
        send_once((&torii, &verifier, &clock), "once", 1000).await;
        let cache = verifier.token_cache();
        assert!(cache.len() < 400, "bounded: {}", cache.len());
        let now = Clock::Manual(clock.clone()).unix_seconds();
        assert_eq!(
            cache.get(&token, now).is_some(),
            used_again,
            "a token sent again stays; one sent once goes with the flood"
        );
    }
}

#[tokio::test]
async fn verifiers_with_other_settings_do_not_share_entries() {
    let (torii, verifier, clock) = setup(TokenCacheSettings::default()).await;
    let token = issue(&torii, &clock, 300).claim("aud", "billing").sign();
    verifier
        .verify(&token)
        .await
        .expect("no audience configured");
    let strict = Verifier::builder(torii.issuer())
        .audience(["reports"])
        .build()
        .expect("verifier");
    let refused = strict.verify(&token).await.expect_err("other audience");
    assert_eq!(refused.kind(), AuthErrorKind::AudienceMismatch);
}
