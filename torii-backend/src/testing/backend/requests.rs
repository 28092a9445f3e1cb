//! The recent-requests log: what the mock's Backend API was asked and how it answered, for
//! `MockTorii::recent_requests`, the control API's `GET /_mock/v1/requests` and torii-mock's
//! page. No body, header, query or id is kept: the operation names the path template.

use std::collections::VecDeque;
use std::time::{Duration, SystemTime};

use serde_json::{Value, json};

use super::ApiFault;
use crate::Operation;

/// How many requests the log keeps; older ones are dropped first.
pub(crate) const REQUEST_LOG_LEN: usize = 500;

/// One Backend API request the mock answered (see
/// [`MockTorii::recent_requests`](crate::testing::MockTorii::recent_requests)).
///
/// Only what the operation table already says is kept, never a body, a header or an id.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RecordedRequest {
    /// When it arrived.
    pub at: SystemTime,
    /// The operation; its method and path template are [`Operation::method`] and
    /// [`Operation::path_template`].
    pub operation: Operation,
    /// The status answered; `None` when a fault dropped the connection.
    pub status: Option<u16>,
    /// From its arrival to the answer.
    pub duration: Duration,
    /// The planned fault that answered it, if one did ([`ApiFault::Slow`] too, although the
    /// request was then served).
    pub fault: Option<ApiFault>,
}

impl RecordedRequest {
    /// The JSON form of the control API (camelCase, like the Backend API).
    pub(crate) fn to_json(&self) -> Value {
        let at = chrono::DateTime::<chrono::Utc>::from(self.at)
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        json!({
            "at": at,
            "method": self.operation.method().as_str(),
            "pathTemplate": self.operation.path_template(),
            "operationId": self.operation.id(),
            "operation": self.operation.name(),
            "status": self.status,
            "durationMs": self.duration.as_secs_f64() * 1000.0,
            "fault": self.fault.as_ref().map(ApiFault::kind),
        })
    }
}

/// The last [`REQUEST_LOG_LEN`] requests, oldest first.
#[derive(Debug, Default)]
pub(crate) struct RequestLog {
    entries: VecDeque<RecordedRequest>,
}

impl RequestLog {
    pub(crate) fn push(&mut self, request: RecordedRequest) {
        if self.entries.len() == REQUEST_LOG_LEN {
            self.entries.pop_front();
        }
        self.entries.push_back(request);
    }

    /// Newest first.
    pub(crate) fn newest_first(&self) -> Vec<RecordedRequest> {
        self.entries.iter().rev().cloned().collect()
    }

    pub(crate) fn clear(&mut self) {
        self.entries.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(status: u16) -> RecordedRequest {
        RecordedRequest {
            at: SystemTime::UNIX_EPOCH,
            operation: Operation::GetUser,
            status: Some(status),
            duration: Duration::from_micros(1500),
            fault: None,
        }
    }

    #[test]
    fn the_log_keeps_the_newest_entries_up_to_its_bound() {
        let mut log = RequestLog::default();
        for status in 0..(REQUEST_LOG_LEN as u16 + 2) {
            log.push(request(status));
        }
        let kept = log.newest_first();
        assert_eq!(kept.len(), REQUEST_LOG_LEN);
        assert_eq!(
            kept.first().and_then(|r| r.status),
            Some(REQUEST_LOG_LEN as u16 + 1)
        );
        assert_eq!(kept.last().and_then(|r| r.status), Some(2));
        log.clear();
        assert!(log.newest_first().is_empty());
    }

    #[test]
    fn the_json_form_names_the_template_and_no_id() {
        let mut faulted = request(503);
        faulted.fault = Some(ApiFault::Unavailable);
        assert_eq!(
            faulted.to_json(),
            json!({
                "at": "1970-01-01T00:00:00.000Z",
                "method": "GET",
                "pathTemplate": "/api/server/v1/users/{userId}",
                "operationId": "getUser",
                "operation": "users.get",
                "status": 503,
                "durationMs": 1.5,
                "fault": "unavailable",
            })
        );
    }
}
