//! When a failed request is sent again, and how long the client waits first.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::time::{Duration, SystemTime};

use http::{HeaderMap, Method, StatusCode};

use super::request::OperationSpec;

/// How a [`Client`](crate::Client) retries failed requests.
///
/// # Defaults
///
/// - 3 attempts in all (the first and 2 retries).
/// - Backoff 200 ms before the first retry, doubling up to 5 s, with jitter: each wait is drawn
///   between half and all of its step, so that clients that failed together do not retry
///   together.
/// - `Retry-After` (seconds or an HTTP date) replaces the backoff when the server sends it, up
///   to 30 s; when the server asks for longer, the error is returned at once instead of holding
///   the caller.
///
/// # What is retried
///
/// - GET, PUT and DELETE (idempotent): a connection that could not be made, a timeout, a broken
///   connection, and the statuses 408, 429, 502, 503 and 504.
/// - `users().list()` too: the server's user search is `POST /users/search` (a POST for its
///   body), and the spec marks it a read (`x-torii-safe`), so it is retried as a GET is. The
///   pagination streams retry each page this way.
/// - **Other POSTs and PATCHes only when the server provably did not act on the request**: the
///   connection could not be made (nothing was sent), or the server answered 429 (it refused the
///   request before doing anything). A POST that timed out or got a 503 may have been applied, so
///   it is returned as an error rather than sent twice.
/// - `DELETE /users/{userId}` answers 403 once the user is deleted (the spec says so). When an
///   earlier attempt of the same call may have reached the server, that 403 means the first
///   attempt worked, and the call succeeds.
///
/// The number of attempts made is on every error ([`crate::Error::attempts`]).
///
/// ```
/// use std::time::Duration;
/// use torii_backend::rest::RetryPolicy;
///
/// let patient = RetryPolicy::default()
///     .max_attempts(5)
///     .initial_backoff(Duration::from_millis(500))
///     .max_backoff(Duration::from_secs(10));
/// let client = torii_backend::Client::builder()
///     .secret_key("sk_test_123")
///     .retry_policy(patient)
///     .build()?;
/// // Or no retries at all:
/// let once = torii_backend::Client::builder()
///     .secret_key("sk_test_123")
///     .retry_policy(RetryPolicy::disabled())
///     .build()?;
/// # let _ = (client, once);
/// # Ok::<(), torii_backend::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    max_retry_after: Duration,
}

impl RetryPolicy {
    /// Never retry: every request is sent once.
    pub fn disabled() -> Self {
        Self::default().max_attempts(1)
    }

    /// Attempts in all, the first included (at least 1).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The backoff step before the first retry; it doubles for each further retry.
    pub fn initial_backoff(mut self, backoff: Duration) -> Self {
        self.initial_backoff = backoff;
        self
    }

    /// The largest backoff step.
    pub fn max_backoff(mut self, backoff: Duration) -> Self {
        self.max_backoff = backoff;
        self
    }

    /// The longest `Retry-After` the client waits for; a longer one ends the call with the
    /// error, so that you can decide.
    pub fn max_retry_after(mut self, wait: Duration) -> Self {
        self.max_retry_after = wait;
        self
    }

    /// How long to wait before sending the request again after `attempts` attempts ended in
    /// `failure`, or `None` to give up.
    /// `as_read` says whether the operation is retried as a read ([`retried_as_read`]).
    pub(crate) fn wait_before_retry(
        &self,
        as_read: bool,
        failure: &Failure,
        attempts: u32,
    ) -> Option<Duration> {
        if attempts >= self.max_attempts || !failure.may_retry(as_read) {
            return None;
        }
        match failure.retry_after() {
            Some(wait) if wait > self.max_retry_after => None,
            Some(wait) => Some(wait),
            None => Some(self.backoff(attempts)),
        }
    }

    /// The jittered backoff before retry number `retry` (1 for the first).
    fn backoff(&self, retry: u32) -> Duration {
        let doublings = retry.saturating_sub(1).min(20);
        let step = self
            .initial_backoff
            .saturating_mul(1 << doublings)
            .min(self.max_backoff);
        let half = step / 2;
        half + half.mul_f64(unit_random())
    }
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
            max_retry_after: Duration::from_secs(30),
        }
    }
}

/// How one attempt failed, as far as retrying is concerned.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The server answered with this non-2xx status.
    Status {
        status: StatusCode,
        retry_after: Option<Duration>,
    },
    /// No connection could be made: nothing was sent.
    Connect,
    /// The request was sent (or may have been) and no answer came in time.
    Timeout,
    /// The connection broke during the exchange.
    Broken,
}

impl Failure {
    pub(crate) fn from_reqwest(error: &reqwest::Error) -> Self {
        if error.is_connect() {
            Self::Connect
        } else if error.is_timeout() {
            Self::Timeout
        } else {
            Self::Broken
        }
    }

    fn may_retry(&self, as_read: bool) -> bool {
        match self {
            Self::Connect => true,
            Self::Status { status, .. } if *status == StatusCode::TOO_MANY_REQUESTS => true,
            Self::Status { status, .. } => as_read && is_retryable_status(*status),
            Self::Timeout | Self::Broken => as_read,
        }
    }

    fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// Whether this failure may mean an earlier attempt was applied by the server.
    pub(crate) fn may_have_reached_server(&self) -> bool {
        !matches!(
            self,
            Self::Connect
                | Self::Status {
                    status: StatusCode::TOO_MANY_REQUESTS,
                    ..
                }
        )
    }
}

/// Whether an operation sent with `method` is retried as a read: GET, PUT and DELETE
/// (idempotent), and an operation the spec marks `safe` (`x-torii-safe`: a search sent as POST).
pub(crate) fn retried_as_read(method: &Method, safe: bool) -> bool {
    safe || matches!(*method, Method::GET | Method::PUT | Method::DELETE)
}

/// The statuses that say "try again": 408, 429, 502, 503, 504.
pub(crate) fn is_retryable_status(status: StatusCode) -> bool {
    matches!(
        status,
        StatusCode::REQUEST_TIMEOUT
            | StatusCode::TOO_MANY_REQUESTS
            | StatusCode::BAD_GATEWAY
            | StatusCode::SERVICE_UNAVAILABLE
            | StatusCode::GATEWAY_TIMEOUT
    )
}

/// Whether `status`, answered to a retry of `operation` after an attempt that may have reached
/// the server, means the call already succeeded. Only the spec says which statuses do
/// (`x-torii-repeat-success`); an operation without the extension has none.
pub(crate) fn repeat_confirms_success(operation: &OperationSpec, status: StatusCode) -> bool {
    operation.repeat_success.contains(&status.as_u16())
}

/// `Retry-After` as a delay: delta-seconds, or an HTTP date (a date in the past is no wait).
pub(crate) fn parse_retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers
        .get(http::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(
        date.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// A number in [0, 1) that differs between calls; jitter needs no more than this.
fn unit_random() -> f64 {
    // Each `RandomState` is seeded differently, so hashing nothing yields a fresh value.
    let bits = RandomState::new().build_hasher().finish();
    (bits >> 11) as f64 / (1_u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(code: u16) -> Failure {
        Failure::Status {
            status: StatusCode::from_u16(code).expect("status"),
            retry_after: None,
        }
    }

    #[test]
    fn reads_retry_transient_failures_and_others_only_unsent_or_refused_ones() {
        let policy = RetryPolicy::default();
        // GET, PUT and DELETE, and a POST the spec marks safe (`x-torii-safe`), are reads.
        let reads = [
            (Method::GET, false),
            (Method::PUT, false),
            (Method::DELETE, false),
            (Method::POST, true),
        ];
        for (method, safe) in reads {
            for failure in [
                status(408),
                status(429),
                status(502),
                status(503),
                status(504),
                Failure::Connect,
                Failure::Timeout,
                Failure::Broken,
            ] {
                assert!(
                    policy
                        .wait_before_retry(retried_as_read(&method, safe), &failure, 1)
                        .is_some(),
                    "{method} {failure:?}"
                );
            }
            for failure in [
                status(400),
                status(401),
                status(403),
                status(404),
                status(409),
                status(500),
            ] {
                assert!(
                    policy
                        .wait_before_retry(retried_as_read(&method, safe), &failure, 1)
                        .is_none(),
                    "{method} {failure:?}"
                );
            }
        }
        for method in [Method::POST, Method::PATCH] {
            for failure in [status(429), Failure::Connect] {
                assert!(
                    policy
                        .wait_before_retry(retried_as_read(&method, false), &failure, 1)
                        .is_some(),
                    "{method} {failure:?}"
                );
            }
            for failure in [
                status(408),
                status(502),
                status(503),
                status(504),
                Failure::Timeout,
                Failure::Broken,
            ] {
                assert!(
                    policy
                        .wait_before_retry(retried_as_read(&method, false), &failure, 1)
                        .is_none(),
                    "{method} {failure:?}"
                );
            }
        }
    }

    #[test]
    fn attempts_stop_at_the_maximum() {
        let policy = RetryPolicy::default().max_attempts(3);
        assert!(
            policy
                .wait_before_retry(retried_as_read(&Method::GET, false), &status(503), 2)
                .is_some()
        );
        assert!(
            policy
                .wait_before_retry(retried_as_read(&Method::GET, false), &status(503), 3)
                .is_none()
        );
        let disabled = RetryPolicy::disabled();
        assert!(
            disabled
                .wait_before_retry(retried_as_read(&Method::GET, false), &Failure::Connect, 1)
                .is_none()
        );
        assert_eq!(RetryPolicy::default().max_attempts(0).max_attempts, 1);
    }

    #[test]
    fn backoff_doubles_up_to_the_cap_with_jitter_in_the_upper_half() {
        let policy = RetryPolicy::default()
            .initial_backoff(Duration::from_millis(100))
            .max_backoff(Duration::from_millis(350));
        let steps = [100, 200, 350, 350];
        for (retry, step) in (1..).zip(steps) {
            let step = Duration::from_millis(step);
            for _ in 0..50 {
                let wait = policy.backoff(retry);
                assert!(wait >= step / 2 && wait <= step, "retry {retry}: {wait:?}");
            }
        }
        let waits: std::collections::BTreeSet<Duration> =
            (0..20).map(|_| policy.backoff(1)).collect();
        assert!(waits.len() > 1, "jittered");
    }

    #[test]
    fn retry_after_replaces_the_backoff_up_to_its_cap() {
        let policy = RetryPolicy::default().max_retry_after(Duration::from_secs(10));
        let asked = |seconds| Failure::Status {
            status: StatusCode::TOO_MANY_REQUESTS,
            retry_after: Some(Duration::from_secs(seconds)),
        };
        assert_eq!(
            policy.wait_before_retry(retried_as_read(&Method::POST, false), &asked(3), 1),
            Some(Duration::from_secs(3))
        );
        assert_eq!(
            policy.wait_before_retry(retried_as_read(&Method::GET, false), &asked(11), 1),
            None
        );
    }

    #[test]
    fn retry_after_is_read_as_seconds_or_an_http_date() {
        let headers = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(http::header::RETRY_AFTER, value.parse().expect("header"));
            headers
        };
        assert_eq!(
            parse_retry_after(&headers("7")),
            Some(Duration::from_secs(7))
        );
        let in_a_minute = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(61));
        let wait = parse_retry_after(&headers(&in_a_minute)).expect("a date");
        assert!(
            wait > Duration::from_secs(55) && wait <= Duration::from_secs(61),
            "{wait:?}"
        );
        let past = "Wed, 21 Oct 2015 07:28:00 GMT";
        assert_eq!(parse_retry_after(&headers(past)), Some(Duration::ZERO));
        assert_eq!(parse_retry_after(&headers("soon")), None);
        assert_eq!(parse_retry_after(&HeaderMap::new()), None);
    }

    #[test]
    fn only_a_repeated_delete_of_a_user_confirms_success_with_403() {
        use crate::Operation;
        let delete = Operation::DeleteUser.spec();
        assert!(repeat_confirms_success(delete, StatusCode::FORBIDDEN));
        assert!(!repeat_confirms_success(delete, StatusCode::NOT_FOUND));
        // Every other operation of our spec states no such rule.
        for operation in Operation::ALL {
            if *operation != Operation::DeleteUser {
                assert!(
                    !repeat_confirms_success(operation.spec(), StatusCode::FORBIDDEN),
                    "{operation}"
                );
            }
        }
        assert!(Failure::Timeout.may_have_reached_server());
        assert!(status(503).may_have_reached_server());
        assert!(!Failure::Connect.may_have_reached_server());
        assert!(!status(429).may_have_reached_server());
    }
}
