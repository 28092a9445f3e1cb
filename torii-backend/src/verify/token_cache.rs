//! The verified-token cache: tokens that verified once, kept until they expire. What it
//! guarantees is documented on [`TokenCacheSettings`], the public face of this module.

use std::sync::Arc;
use std::time::Duration;

use quick_cache::sync::{Cache, DefaultLifecycle};

use super::auth::Auth;

/// How the verifier remembers tokens it has verified, so that a client sending the same token
/// on every request pays for one signature check, not one per request; set with
/// [`VerifierBuilder::token_cache`](super::VerifierBuilder::token_cache).
///
/// # Why this is safe
///
/// A cached answer must be exactly the answer a full verification would give now. It is,
/// because:
///
/// - **The key is the whole token.** An entry is found only by the token's full bytes: header,
///   claims and signature. Another token, even one differing in a single bit of its claims or
///   carrying the same signature, is another key and goes through the full verification. No
///   claim (`sid`, `sub`) and no signature alone ever selects an entry. The map compares the
///   full bytes; the hash only places them.
/// - **Nothing about the token changes while it is cached.** The checks that depend on the
///   token alone (shape, header rules, signature, issuer, audience, authorized party, claim
///   types) give the same result for the same bytes. The checks that depend on time only
///   become false once `exp` passes; `nbf` and `iat` only become true. An entry is therefore
///   never used at or after the token's `exp` (checked on every hit, on the verifier's clock),
///   and a token that was not yet valid was refused, so never cached.
/// - **The key must still be trusted.** An entry remembers the key that verified it. On every
///   hit, the key is looked up again in the issuer's current key set, through the same cache
///   and rules as a full verification; when the key was removed by a rotation, replaced, or the
///   set is no longer usable, the entry is dropped and the token verified in full (and then
///   refused).
/// - **One cache per verifier.** Entries live in the [`Verifier`](super::Verifier) that made
///   them, so they carry its issuer, audience and authorized-party settings; a verifier with
///   other settings never sees them.
/// - **Bounded.** The cache holds at most `max_bytes` (each entry counted as about twice its
///   token plus 512 bytes). An entry is used for at most `max_ttl` after it was cached and
///   never at or after its token's `exp`; one past either is dropped when it is next looked up.
/// - **Evicted by use.** When room is needed, entries that were not read again since they
///   were cached go first (the S3-FIFO policy of [quick_cache](https://docs.rs/quick_cache)),
///   so a flood of tokens seen once cannot push out the tokens clients keep sending.
///
/// Envoy's `jwt_authn` filter caches verified tokens the same way.
///
/// # Cost
///
/// A token seen for the first time pays a miss and an insert on top of its signature check; a
/// hit costs a shared-lock read of one shard instead of the check. BENCHMARKS.md has the
/// measured figures, and why this cache is not moka.
///
/// # Defaults
///
/// On, at most 16 MiB, an entry used for at most 5 minutes (and never at or after its token's
/// `exp`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct TokenCacheSettings {
    /// Whether verified tokens are remembered at all.
    pub enabled: bool,
    /// The most memory the cache may hold, in bytes.
    pub max_bytes: u64,
    /// The longest time an entry is used, whatever the token's `exp` (whole seconds).
    pub max_ttl: Duration,
}

impl TokenCacheSettings {
    /// No cache: every token is verified in full, every time.
    pub fn disabled() -> Self {
        Self {
            enabled: false,
            ..Self::default()
        }
    }

    /// A cache of at most `max_bytes`.
    pub fn max_bytes(mut self, max_bytes: u64) -> Self {
        self.max_bytes = max_bytes;
        self
    }

    /// Entries used for at most `max_ttl` (whole seconds).
    pub fn max_ttl(mut self, max_ttl: Duration) -> Self {
        self.max_ttl = max_ttl;
        self
    }
}

impl Default for TokenCacheSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            max_bytes: 16 * 1024 * 1024,
            max_ttl: Duration::from_secs(300),
        }
    }
}

/// What the verified-token cache holds, for logs and metrics; from
/// [`Verifier::token_cache_stats`](super::Verifier::token_cache_stats).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct TokenCacheStats {
    /// Tokens remembered.
    pub entries: u64,
    /// The memory they are counted as, in bytes; never more than
    /// [`TokenCacheSettings::max_bytes`].
    pub weighted_bytes: u64,
}

/// What a verification established, kept with the token.
#[derive(Debug)]
pub(crate) struct Verified {
    pub(crate) auth: Auth,
    pub(crate) kid: String,
    /// The point of the key that verified the token.
    pub(crate) key: [u8; 65],
    /// Unix seconds from which the entry is no longer used: the token's `exp`, or `max_ttl`
    /// after it was cached if that comes first.
    serve_until: u64,
}

/// Tokens are hashed with foldhash, seeded at random per process: as resistant to collision
/// floods as the standard library's SipHash for this use, at a fraction of its cost on a
/// 300-byte key (SipHash of the token was a tenth of a first-seen verification). Only the hash
/// is cheap: entries still match on the full token bytes.
type TokenHasher = foldhash::fast::RandomState;

/// The verified tokens of one verifier.
pub(crate) struct TokenCache {
    entries: Option<Cache<Box<str>, Arc<Verified>, EntryWeight, TokenHasher>>,
    max_ttl_seconds: u64,
}

/// What an entry is expected to weigh, to size the cache's table: a Torii session token of
/// about 300 bytes (see [`EntryWeight`]).
const TYPICAL_ENTRY_BYTES: u64 = 1024;

impl TokenCache {
    pub(crate) fn new(settings: TokenCacheSettings) -> Self {
        let entries = settings.enabled.then(|| {
            let typical_entries = settings.max_bytes / TYPICAL_ENTRY_BYTES;
            Cache::with(
                usize::try_from(typical_entries).unwrap_or(usize::MAX),
                settings.max_bytes,
                EntryWeight,
                TokenHasher::default(),
                DefaultLifecycle::default(),
            )
        });
        Self {
            entries,
            max_ttl_seconds: settings.max_ttl.as_secs(),
        }
    }

    /// The entry of exactly this token, if it is cached and still to be used at `now`.
    pub(crate) fn get(&self, token: &str, now: u64) -> Option<Arc<Verified>> {
        let entries = self.entries.as_ref()?;
        let verified = entries.get(token)?;
        if now < verified.serve_until {
            Some(verified)
        } else {
            entries.remove_if(token, |entry| Arc::ptr_eq(entry, &verified));
            None
        }
    }

    /// Remembers that `token` verified to `auth` with the key `kid`, whose point is `key`,
    /// until `expires_at`, its `exp` (or `max_ttl` from `now`, if sooner).
    pub(crate) fn insert(
        &self,
        token: &str,
        auth: &Auth,
        (kid, key): (String, [u8; 65]),
        expires_at: u64,
        now: u64,
    ) {
        let Some(entries) = &self.entries else {
            return;
        };
        let serve_until = expires_at.min(now.saturating_add(self.max_ttl_seconds));
        if serve_until <= now {
            return;
        }
        let verified = Verified {
            auth: auth.clone(),
            kid,
            key,
            serve_until,
        };
        entries.insert(token.into(), Arc::new(verified));
    }

    /// Forgets `token`.
    pub(crate) fn remove(&self, token: &str) {
        if let Some(entries) = &self.entries {
            entries.remove(token);
        }
    }

    /// What the cache holds.
    pub(crate) fn stats(&self) -> TokenCacheStats {
        self.entries
            .as_ref()
            .map_or(TokenCacheStats::default(), |entries| TokenCacheStats {
                entries: u64::try_from(entries.len()).unwrap_or(u64::MAX),
                weighted_bytes: entries.weight(),
            })
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> u64 {
        self.stats().entries
    }

    #[cfg(test)]
    pub(crate) fn weighted_size(&self) -> u64 {
        self.stats().weighted_bytes
    }
}

impl std::fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenCache")
            .field("enabled", &self.entries.is_some())
            .field("entries", &self.entries.as_ref().map(Cache::len))
            .finish()
    }
}

/// What an entry is counted as: about twice its token (the key, and the claims it carries)
/// plus 512 bytes for the rest.
#[derive(Debug, Clone, Copy)]
struct EntryWeight;

// The cache hands the weigher the key as it is stored, a `Box<str>`.
#[allow(clippy::borrowed_box)]
impl quick_cache::Weighter<Box<str>, Arc<Verified>> for EntryWeight {
    fn weight(&self, token: &Box<str>, _: &Arc<Verified>) -> u64 {
        u64::try_from(token.len())
            .unwrap_or(u64::MAX)
            .saturating_mul(2)
            .saturating_add(512)
    }
}
