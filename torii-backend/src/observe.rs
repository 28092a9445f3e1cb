//! What the `metrics` feature records, through the `metrics` facade: nothing is recorded until
//! the application installs a recorder (a Prometheus or OpenTelemetry exporter, say).
//!
//! No label carries an id, a token, a key or a URL: label values come from fixed sets (the
//! outcome kinds, the operation table, HTTP status codes).

/// `torii_verifications_total`: one per verification, labelled `outcome` (`ok` or the
/// [`AuthErrorKind`](crate::verify::AuthErrorKind)'s stable name) and `cached` (`true` when the
/// verified-token cache answered).
#[cfg(feature = "verify")]
pub(crate) const VERIFICATIONS: &str = "torii_verifications_total";
/// `torii_jwks_fetches_total`: one per key set fetch, labelled `result` (`ok` or `error`).
#[cfg(feature = "verify")]
pub(crate) const JWKS_FETCHES: &str = "torii_jwks_fetches_total";
/// `torii_jwks_stale_serving`: 1 while a failed refresh leaves the last good key set serving
/// past its freshness, 0 otherwise.
#[cfg(feature = "verify")]
pub(crate) const JWKS_STALE: &str = "torii_jwks_stale_serving";
/// `torii_api_requests_total`: one per Backend API response (each attempt of a retried call),
/// labelled `operation` (the operation table's qualified name, `users.get`) and `status` (the
/// HTTP status, or `error` when no response came).
#[cfg(feature = "api")]
pub(crate) const API_REQUESTS: &str = "torii_api_requests_total";
/// `torii_api_request_duration_seconds`: the time of each attempt, labelled `operation`.
#[cfg(feature = "api")]
pub(crate) const API_DURATION: &str = "torii_api_request_duration_seconds";

#[cfg(feature = "verify")]
pub(crate) fn verification(outcome: Result<bool, crate::verify::AuthErrorKind>) {
    let (outcome, cached) = match outcome {
        Ok(cached) => ("ok", cached),
        Err(kind) => (kind.as_str(), false),
    };
    let cached = if cached { "true" } else { "false" };
    metrics::counter!(VERIFICATIONS, "outcome" => outcome, "cached" => cached).increment(1);
}

#[cfg(feature = "verify")]
pub(crate) fn jwks_fetch(ok: bool) {
    let result = if ok { "ok" } else { "error" };
    metrics::counter!(JWKS_FETCHES, "result" => result).increment(1);
}

#[cfg(feature = "verify")]
pub(crate) fn jwks_stale(serving: bool) {
    metrics::gauge!(JWKS_STALE).set(if serving { 1.0 } else { 0.0 });
}

#[cfg(feature = "api")]
pub(crate) fn api_request(
    operation: &'static str,
    status: Option<u16>,
    elapsed: std::time::Duration,
) {
    let status = status.map_or(metrics::SharedString::const_str("error"), status_label);
    metrics::counter!(API_REQUESTS, "operation" => operation, "status" => status).increment(1);
    metrics::histogram!(API_DURATION, "operation" => operation).record(elapsed.as_secs_f64());
}

/// The three digits of every status from 100 to 999, back to back.
#[cfg(feature = "api")]
// Evaluated when the crate is compiled: an index out of range fails the build, never a run.
#[allow(clippy::indexing_slicing)]
const STATUS_DIGITS: [u8; 2700] = {
    let mut digits = [0; 2700];
    let mut index = 0;
    while index < 900 {
        let code = index + 100;
        digits[3 * index] = b'0' + (code / 100) as u8;
        digits[3 * index + 1] = b'0' + (code / 10 % 10) as u8;
        digits[3 * index + 2] = b'0' + (code % 10) as u8;
        index += 1;
    }
    digits
};

#[cfg(feature = "api")]
const STATUS_TEXT: &str = match core::str::from_utf8(&STATUS_DIGITS) {
    Ok(text) => text,
    Err(_) => "",
};

/// The `status` label of `code`: a slice of [`STATUS_TEXT`], so that counting a request does not
/// allocate a string for its status.
#[cfg(feature = "api")]
fn status_label(code: u16) -> metrics::SharedString {
    let text = usize::from(code)
        .checked_sub(100)
        .and_then(|index| STATUS_TEXT.get(3 * index..3 * index + 3));
    match text {
        Some(text) => metrics::SharedString::const_str(text),
        // Not an HTTP status the `http` crate can hold; spelled out all the same.
        None => metrics::SharedString::from_owned(code.to_string()),
    }
}

#[cfg(all(test, feature = "api"))]
mod tests {
    #[test]
    fn status_labels_are_the_codes_digits() {
        for code in (0..=1100).chain([u16::MAX]) {
            assert_eq!(&*super::status_label(code), code.to_string(), "{code}");
        }
    }
}
