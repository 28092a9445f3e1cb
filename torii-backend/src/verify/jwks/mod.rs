//! The key set of one issuer, cached: [`JwksCache`].
//!
//! # Behaviour
//!
//! - A fetched set is **fresh** for `fresh_for` (5 minutes by default) and used as it is. Once
//!   80% of that has passed, a request that finds its key still gets it at once and starts a
//!   refresh in the background, so a busy verifier never makes a request wait on the network.
//! - **Past its freshness a set is not used until a refresh has been tried.** The request that
//!   finds it stale waits for the refresh (single flight: everyone who arrives meanwhile waits
//!   for the same fetch), so a key the issuer removed, which is how an issuer revokes a leaked
//!   key, stops verifying on the first request after freshness, even after an idle hour.
//! - Only when that refresh fails does the last good set keep serving (stale-if-error), for up
//!   to `stale_grace` (1 hour) past its freshness, while refreshes are retried in the background
//!   at most once per `refetch_cooldown`; the failure is logged with `tracing` and shows in
//!   [`JwksStats`] (`last_error`, `serving_stale`). After the grace, requests fail with
//!   `JwksUnavailable`.
//! - A `kid` the set does not have triggers a refetch (a rotation may have happened), at most
//!   once per `refetch_cooldown` (30 s): a flood of made-up kids cannot flood the issuer.
//!   Failed fetches are bounded by the cooldown too.
//! - No lock is held by requests served from the cache. Only requests that need a fetch wait,
//!   and only for that fetch; [`JwksStats::requests_waited`] counts them.

mod error;
mod fetch;
mod keys;
mod network;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use arc_swap::ArcSwapOption;

pub use error::{JwksFetchError, JwksFetchErrorKind};
pub(crate) use fetch::{Fetcher, Network};
pub(crate) use keys::{KeySet, VerificationKey};
pub(crate) use network::ProxySetting;

use super::clock::Clock;
use super::error::{AuthError, AuthErrorKind};

/// How long keys are trusted and how often the issuer may be asked for them.
///
/// Start from the defaults and change what you need:
///
/// ```
/// use std::time::Duration;
/// use torii_backend::verify::CacheSettings;
///
/// let settings = CacheSettings::default().fresh_for(Duration::from_secs(60));
/// assert_eq!(settings.refetch_cooldown, Duration::from_secs(30));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct CacheSettings {
    /// How long a fetched key set is used without asking again. Default: 5 minutes.
    pub fresh_for: Duration,
    /// The least time between two fetches caused by unknown `kid`s or failures. Default: 30 s.
    pub refetch_cooldown: Duration,
    /// How long past its freshness the last good set keeps serving while the issuer cannot be
    /// reached. Default: 1 hour.
    pub stale_grace: Duration,
}

impl CacheSettings {
    /// Sets [`fresh_for`](Self#structfield.fresh_for).
    pub fn fresh_for(mut self, fresh_for: Duration) -> Self {
        self.fresh_for = fresh_for;
        self
    }

    /// Sets [`refetch_cooldown`](Self#structfield.refetch_cooldown).
    pub fn refetch_cooldown(mut self, cooldown: Duration) -> Self {
        self.refetch_cooldown = cooldown;
        self
    }

    /// Sets [`stale_grace`](Self#structfield.stale_grace).
    pub fn stale_grace(mut self, grace: Duration) -> Self {
        self.stale_grace = grace;
        self
    }
}

impl Default for CacheSettings {
    fn default() -> Self {
        Self {
            fresh_for: Duration::from_secs(300),
            refetch_cooldown: Duration::from_secs(30),
            stale_grace: Duration::from_secs(3600),
        }
    }
}

/// What the key cache has done, for logs and metrics.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct JwksStats {
    /// Fetches started, successful or not.
    pub fetches: u64,
    /// Fetches that failed.
    pub failures: u64,
    /// Usable keys in the current set.
    pub keys: usize,
    /// Why the last fetch failed, if it did; cleared by the next fetch that succeeds.
    pub last_error: Option<JwksFetchError>,
    /// How long ago the set in use was fetched, if there is one.
    pub age: Option<Duration>,
    /// Whether the set in use is past its freshness, served because a refresh failed.
    pub serving_stale: bool,
    /// Whether a refresh is running in the background.
    pub refreshing: bool,
    /// Requests that waited on a fetch (the first ones, after freshness, after an unknown
    /// `kid`); a warm, busy verifier keeps this still.
    pub requests_waited: u64,
}

struct Snapshot {
    keys: KeySet,
    fetched_at: Instant,
}

/// One issuer's keys, fetched from one URL.
pub(crate) struct JwksCache {
    /// `None` for a set given up front: it is never fetched, and never goes stale.
    fetcher: Option<Fetcher>,
    settings: CacheSettings,
    clock: Clock,
    current: ArcSwapOption<Snapshot>,
    /// Held only while fetching; requests served from `current` never touch it.
    fetch_lock: tokio::sync::Mutex<()>,
    /// Completed fetch attempts; lets waiters see that the fetch they waited for happened.
    attempts: AtomicU64,
    /// When an unknown `kid` last caused a refetch.
    last_miss_refetch: Mutex<Option<Instant>>,
    /// When a fetch last failed.
    last_failure: Mutex<Option<Instant>>,
    last_error: Mutex<Option<JwksFetchError>>,
    background_refresh: AtomicBool,
    fetches: AtomicU64,
    failures: AtomicU64,
    waits: AtomicU64,
}

impl JwksCache {
    pub(crate) fn new(fetcher: Fetcher, settings: CacheSettings, clock: Clock) -> Self {
        Self::with_source(Some(fetcher), settings, clock)
    }

    /// A cache that holds `keys` for good and never fetches.
    pub(crate) fn with_static_keys(keys: KeySet, settings: CacheSettings, clock: Clock) -> Self {
        let cache = Self::with_source(None, settings, clock);
        cache.current.store(Some(Arc::new(Snapshot {
            keys,
            fetched_at: cache.clock.now(),
        })));
        cache
    }

    fn with_source(fetcher: Option<Fetcher>, settings: CacheSettings, clock: Clock) -> Self {
        Self {
            fetcher,
            settings,
            clock,
            current: ArcSwapOption::empty(),
            fetch_lock: tokio::sync::Mutex::new(()),
            attempts: AtomicU64::new(0),
            last_miss_refetch: Mutex::new(None),
            last_failure: Mutex::new(None),
            last_error: Mutex::new(None),
            background_refresh: AtomicBool::new(false),
            fetches: AtomicU64::new(0),
            failures: AtomicU64::new(0),
            waits: AtomicU64::new(0),
        }
    }

    /// `use_key` applied to the key named `kid` of the set in hand, when it has one and is
    /// still usable: the path of nearly every request, with no lock, no allocation and no
    /// shared counter touched (the set is read through an arc-swap guard, not a cloned `Arc`).
    /// Starts a background refresh when the set nears the end of its freshness. `None` means
    /// "ask [`JwksCache::key`]", which may fetch.
    pub(crate) fn with_cached_key<T>(
        self: &Arc<Self>,
        kid: &str,
        use_key: impl FnOnce(&VerificationKey) -> T,
    ) -> Option<T> {
        let now = self.clock.now();
        let guard = self.current.load();
        let snapshot = guard
            .as_ref()
            .filter(|snapshot| self.servable(snapshot, now))?;
        if now.saturating_duration_since(snapshot.fetched_at) >= self.refresh_after() {
            self.refresh_in_background(now);
        }
        snapshot.keys.get(kid).map(|key| use_key(key))
    }

    /// The verification key named `kid`.
    ///
    /// # Errors
    ///
    /// `UnknownKey` when the issuer's set has no such key (after at most one refetch per
    /// cooldown), `JwksUnavailable` when no usable set can be had.
    pub(crate) async fn key(
        self: &Arc<Self>,
        kid: &str,
    ) -> Result<Arc<VerificationKey>, AuthError> {
        let now = self.clock.now();
        let servable = self
            .current
            .load_full()
            .filter(|snapshot| self.servable(snapshot, now));
        if let Some(snapshot) = servable {
            let age = now.saturating_duration_since(snapshot.fetched_at);
            if age >= self.refresh_after() {
                self.refresh_in_background(now);
            }
            if let Some(key) = snapshot.keys.get(kid) {
                return Ok(Arc::clone(key));
            }
            if self.fetcher.is_none() {
                // A set given up front is all there is: no rotation can bring the key.
                return Err(unknown_key());
            }
            // Maybe a rotation: refetch, but only once per cooldown, so made-up kids cannot
            // make us flood the issuer.
            if !self.cooled_down(&self.last_miss_refetch, now)
                || !self.cooled_down(&self.last_failure, now)
            {
                return self.key_from_running_fetch(kid).await;
            }
            *lock(&self.last_miss_refetch) = Some(now);
        } else if !self.cooled_down(&self.last_failure, now) {
            // No set, or one past its grace, and the issuer failed moments ago.
            return Err(self.unavailable());
        }
        // No set yet, a stale one that must be refreshed before it is used, or a refetch for
        // an unknown `kid`: this request waits for the fetch (or the one already running).
        self.waits.fetch_add(1, Ordering::Relaxed);
        let snapshot = self.fetch_shared().await?;
        snapshot.keys.get(kid).cloned().ok_or_else(unknown_key)
    }

    /// Within the cooldown no new fetch starts, but one may be running (started by the first
    /// request that met the new `kid` of a rotation): wait for it rather than refuse a token it
    /// may bring the key for.
    async fn key_from_running_fetch(&self, kid: &str) -> Result<Arc<VerificationKey>, AuthError> {
        if self.fetch_lock.try_lock().is_ok() {
            return Err(unknown_key());
        }
        self.waits.fetch_add(1, Ordering::Relaxed);
        drop(self.fetch_lock.lock().await);
        self.within_grace(self.clock.now())
            .and_then(|snapshot| snapshot.keys.get(kid).cloned())
            .ok_or_else(unknown_key)
    }

    /// Fetches now unless a fetch is already under way, in which case it waits for that one.
    pub(crate) async fn prefetch(&self) -> Result<(), AuthError> {
        self.fetch_shared().await.map(drop)
    }

    pub(crate) fn stats(&self) -> JwksStats {
        let now = self.clock.now();
        let current = self.current.load();
        JwksStats {
            fetches: self.fetches.load(Ordering::Relaxed),
            failures: self.failures.load(Ordering::Relaxed),
            keys: current.as_ref().map_or(0, |s| s.keys.len()),
            last_error: self.last_error(),
            age: current
                .as_ref()
                .map(|snapshot| now.saturating_duration_since(snapshot.fetched_at)),
            serving_stale: self.fetcher.is_some()
                && current.as_ref().is_some_and(|snapshot| {
                    !self.is_fresh(snapshot, now) && self.servable(snapshot, now)
                }),
            refreshing: self.background_refresh.load(Ordering::Acquire),
            requests_waited: self.waits.load(Ordering::Relaxed),
        }
    }

    /// The current set, unless it is past freshness and grace: what a failed fetch falls back
    /// to (stale-if-error).
    fn within_grace(&self, now: Instant) -> Option<Arc<Snapshot>> {
        self.current.load_full().filter(|snapshot| {
            let age = now.saturating_duration_since(snapshot.fetched_at);
            age < self.settings.fresh_for + self.settings.stale_grace
        })
    }

    fn is_fresh(&self, snapshot: &Snapshot, now: Instant) -> bool {
        now.saturating_duration_since(snapshot.fetched_at) < self.settings.fresh_for
    }

    /// Whether `snapshot` may be used at `now` without a refresh first: while fresh, and past
    /// that only within the grace and once a refresh tried after it was fetched has failed.
    /// The failure time is only read for a stale set, so the hot path of a fresh one takes no
    /// lock.
    fn servable(&self, snapshot: &Snapshot, now: Instant) -> bool {
        if self.is_fresh(snapshot, now) || self.fetcher.is_none() {
            return true;
        }
        let age = now.saturating_duration_since(snapshot.fetched_at);
        age < self.settings.fresh_for + self.settings.stale_grace
            && lock(&self.last_failure).is_some_and(|failed| failed >= snapshot.fetched_at)
    }

    /// The age from which a set is refreshed in the background: 80% of its freshness.
    fn refresh_after(&self) -> Duration {
        self.settings.fresh_for.mul_f64(0.8)
    }

    /// Whether the cooldown has passed since the time recorded in `since` (or nothing is).
    fn cooled_down(&self, since: &Mutex<Option<Instant>>, now: Instant) -> bool {
        lock(since).is_none_or(|last| {
            now.saturating_duration_since(last) >= self.settings.refetch_cooldown
        })
    }

    fn last_error(&self) -> Option<JwksFetchError> {
        lock(&self.last_error).clone()
    }

    /// `JwksUnavailable`, with the last fetch failure as its source.
    fn unavailable(&self) -> AuthError {
        let error = AuthError::new(
            AuthErrorKind::JwksUnavailable,
            "the issuer's key set could not be fetched and no usable copy is cached",
        );
        match self.last_error() {
            Some(cause) => error.with_fetch_error(cause),
            None => error,
        }
    }

    /// One fetch shared by everyone who asks while it runs. A caller that waited for someone
    /// else's fetch uses its result instead of fetching again.
    async fn fetch_shared(&self) -> Result<Arc<Snapshot>, AuthError> {
        let Some(fetcher) = &self.fetcher else {
            // A set given up front: nothing to fetch, it is what there is.
            return self.current.load_full().ok_or_else(|| self.unavailable());
        };
        let seen = self.attempts.load(Ordering::Acquire);
        let _guard = self.fetch_lock.lock().await;
        if self.attempts.load(Ordering::Acquire) != seen {
            return self
                .within_grace(self.clock.now())
                .ok_or_else(|| self.unavailable());
        }
        let started = self.clock.now();
        self.fetches.fetch_add(1, Ordering::Relaxed);
        let result = fetcher.fetch().await;
        let outcome = match result {
            Ok(keys) => {
                if keys.skipped() > 0 {
                    tracing::debug!(url = %fetcher.uri(), skipped = keys.skipped(), "skipped keys torii cannot use");
                }
                let snapshot = Arc::new(Snapshot {
                    keys,
                    fetched_at: self.clock.now(),
                });
                self.current.store(Some(Arc::clone(&snapshot)));
                *lock(&self.last_error) = None;
                #[cfg(feature = "metrics")]
                {
                    crate::observe::jwks_fetch(true);
                    crate::observe::jwks_stale(false);
                }
                Ok(snapshot)
            }
            Err(reason) => {
                self.failures.fetch_add(1, Ordering::Relaxed);
                *lock(&self.last_failure) = Some(started);
                let serving_stale = self.within_grace(started).is_some();
                tracing::warn!(url = %fetcher.uri(), %reason, serving_stale, "torii key set fetch failed");
                #[cfg(feature = "metrics")]
                {
                    crate::observe::jwks_fetch(false);
                    crate::observe::jwks_stale(serving_stale);
                }
                *lock(&self.last_error) = Some(reason);
                // Stale-if-error: the last good set keeps serving within its grace.
                self.within_grace(self.clock.now())
                    .ok_or_else(|| self.unavailable())
            }
        };
        self.attempts.fetch_add(1, Ordering::Release);
        outcome
    }

    /// Starts a refresh on the current tokio runtime, unless one runs already or a fetch failed
    /// within the cooldown.
    fn refresh_in_background(self: &Arc<Self>, now: Instant) {
        if self.fetcher.is_none() || !self.cooled_down(&self.last_failure, now) {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        if self.background_refresh.swap(true, Ordering::AcqRel) {
            return;
        }
        let this = Arc::clone(self);
        runtime.spawn(async move {
            let _ = this.fetch_shared().await;
            this.background_refresh.store(false, Ordering::Release);
        });
    }
}

impl std::fmt::Debug for JwksCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwksCache")
            .field("uri", &self.fetcher.as_ref().map(|f| f.uri().to_string()))
            .field("settings", &self.settings)
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

fn unknown_key() -> AuthError {
    AuthError::new(
        AuthErrorKind::UnknownKey,
        "the token's key id is not in the issuer's key set",
    )
}

/// Poison-tolerant lock: the guarded values stay consistent even if a holder panicked.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
