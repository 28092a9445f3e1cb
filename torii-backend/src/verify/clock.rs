//! The verifier's notion of now. Real time in production; a clock that tests move by hand, so
//! freshness, cooldown, grace and leeway are tested without sleeping.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

#[derive(Debug, Clone)]
pub(crate) enum Clock {
    System,
    #[cfg_attr(not(all(test, feature = "testing")), allow(dead_code))]
    Manual(ManualClock),
}

impl Clock {
    /// Monotonic now, for cache ages.
    pub(crate) fn now(&self) -> Instant {
        match self {
            Self::System => Instant::now(),
            Self::Manual(manual) => manual.start + manual.offset(),
        }
    }

    /// Seconds since the Unix epoch, for token times.
    pub(crate) fn unix_seconds(&self) -> u64 {
        match self {
            Self::System => SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
            Self::Manual(manual) => manual.start_unix + manual.offset().as_secs(),
        }
    }
}

/// A frozen clock that moves only when told to.
#[derive(Debug, Clone)]
pub(crate) struct ManualClock {
    start: Instant,
    start_unix: u64,
    offset_millis: Arc<AtomicU64>,
}

#[cfg_attr(not(all(test, feature = "testing")), allow(dead_code))]
impl ManualClock {
    pub(crate) fn new(start_unix: u64) -> Self {
        Self {
            start: Instant::now(),
            start_unix,
            offset_millis: Arc::new(AtomicU64::new(0)),
        }
    }

    /// A clock that starts at the current time.
    pub(crate) fn starting_now() -> Self {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Self::new(now)
    }

    pub(crate) fn advance(&self, by: Duration) {
        let millis = u64::try_from(by.as_millis()).unwrap_or(u64::MAX);
        self.offset_millis.fetch_add(millis, Ordering::SeqCst);
    }

    fn offset(&self) -> Duration {
        Duration::from_millis(self.offset_millis.load(Ordering::SeqCst))
    }
}
