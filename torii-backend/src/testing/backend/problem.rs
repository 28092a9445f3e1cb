//! The mock's error bodies: RFC 9457 problem details with Torii's `code` and `supportId` at the
//! top level, as the real server sends them.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

/// Why the mock refused a request or a seeding call: the status, the machine-readable `code`
/// and a message, exactly as the mock's HTTP answer would carry them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MockError {
    status: StatusCode,
    code: &'static str,
    detail: String,
    /// Members beside the standard ones, such as `invitationStatus`.
    members: Map<String, Value>,
}

impl MockError {
    pub(crate) fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        Self {
            status,
            code,
            detail: detail.into(),
            members: Map::new(),
        }
    }

    /// The refusal with one more member in its problem body.
    pub(crate) fn with_member(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.members.insert(name.to_owned(), value.into());
        self
    }

    pub(crate) fn bad_request(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, detail)
    }

    pub(crate) fn not_found(what: &str, id: impl fmt::Display) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("no {what} {id}"),
        )
    }

    /// The spec's answer for a resource outside the key's environment, which is also what a
    /// deleted user looks like once the delete revoked the key's grant on it.
    pub(crate) fn forbidden(what: &str, id: impl fmt::Display) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!("{what} {id} is not in this key's environment"),
        )
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The `code` member of the problem body, e.g. `not_found` or `email_taken`.
    pub fn code(&self) -> &str {
        self.code
    }

    /// The `detail` member of the problem body.
    pub fn detail(&self) -> &str {
        &self.detail
    }

    /// A member of the problem body beside the standard ones, such as `invitationStatus`.
    pub fn problem_member(&self, name: &str) -> Option<&Value> {
        self.members.get(name)
    }
}

impl fmt::Display for MockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}): {}", self.status, self.code, self.detail)
    }
}

impl std::error::Error for MockError {}

impl IntoResponse for MockError {
    fn into_response(self) -> Response {
        problem_response_with(self.status, self.code, &self.detail, self.members)
    }
}

/// A problem+json response; every one gets a fresh `supportId`, as real ones do.
pub(crate) fn problem_response(status: StatusCode, code: &str, detail: &str) -> Response {
    problem_response_with(status, code, detail, Map::new())
}

/// A problem+json response with `members` beside the standard ones.
fn problem_response_with(
    status: StatusCode,
    code: &str,
    detail: &str,
    members: Map<String, Value>,
) -> Response {
    static SUPPORT_IDS: AtomicU64 = AtomicU64::new(1);
    let support_id = format!("mock-{:08}", SUPPORT_IDS.fetch_add(1, Ordering::Relaxed));
    let mut body = json!({
        "type": format!("https://torii.so/problems/{code}"),
        "title": status.canonical_reason().unwrap_or("Error"),
        "status": status.as_u16(),
        "detail": detail,
        "code": code,
        "supportId": support_id,
    });
    if let Value::Object(standard) = &mut body {
        for (name, value) in members {
            standard.entry(name).or_insert(value);
        }
    }
    (
        status,
        [(header::CONTENT_TYPE, "application/problem+json")],
        body.to_string(),
    )
        .into_response()
}

/// A 405 that axum's method routing answered with an empty body, as the problem+json every
/// other refusal is, keeping its `Allow` header.
pub(crate) async fn method_not_allowed_as_problem(response: Response) -> Response {
    if response.status() != StatusCode::METHOD_NOT_ALLOWED
        || response.headers().contains_key(header::CONTENT_TYPE)
    {
        return response;
    }
    let allow = response.headers().get(header::ALLOW).cloned();
    let allowed = allow
        .as_ref()
        .and_then(|value| value.to_str().ok())
        .unwrap_or("another method");
    let mut problem = problem_response(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        &format!("this path answers {allowed}"),
    );
    if let Some(allow) = allow {
        problem.headers_mut().insert(header::ALLOW, allow);
    }
    problem
}
