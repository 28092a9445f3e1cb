//! Errors of REST calls: the API said no ([`ApiError`]), the request did not complete
//! ([`TransportError`]), or the answer did not match the spec ([`DecodeError`]).

use std::fmt;
use std::time::Duration;

use http::{HeaderMap, Method, StatusCode};
use serde_json::Value;

use super::request::OperationSpec;
use super::retry::{is_retryable_status, parse_retry_after};

/// A non-2xx answer from the Torii API.
///
/// `code` and `support_id` come from the body's top-level `code` and `supportId` fields, or,
/// failing that, from the problem-detail `properties`. Quote `support_id` when you contact Torii
/// support. The raw body is kept, even when it is not JSON.
#[derive(Debug, Clone)]
pub struct ApiError {
    // Boxed so that `Result<_, Error>` stays small on the success path.
    inner: Box<ApiErrorInner>,
}

#[derive(Debug, Clone)]
struct ApiErrorInner {
    status: StatusCode,
    code: Option<String>,
    support_id: Option<String>,
    message: String,
    body: String,
    /// The body parsed, when it is a JSON object.
    members: Option<serde_json::Map<String, Value>>,
    retry_after: Option<Duration>,
    operation: &'static OperationSpec,
    url_path: String,
    attempts: u32,
}

impl ApiError {
    pub(crate) fn from_response(
        operation: &'static OperationSpec,
        url_path: &str,
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Self {
        let body = String::from_utf8_lossy(body).into_owned();
        let members = match serde_json::from_str(&body) {
            Ok(Value::Object(members)) => Some(members),
            _ => None,
        };
        let field = |name: &str| -> Option<String> {
            problem_member(members.as_ref(), name)
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        let message = ["detail", "message", "title", "error"]
            .iter()
            .find_map(|name| field(name))
            .unwrap_or_else(|| {
                status
                    .canonical_reason()
                    .unwrap_or("unexpected status")
                    .to_owned()
            });
        let inner = ApiErrorInner {
            status,
            code: field("code"),
            support_id: field("supportId"),
            message,
            body,
            members,
            retry_after: parse_retry_after(headers),
            operation,
            url_path: url_path.to_owned(),
            attempts: 1,
        };
        Self {
            inner: Box::new(inner),
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.inner.status
    }

    /// Torii's machine-readable error code (`user_not_found`, ...), when the body has one.
    pub fn code(&self) -> Option<&str> {
        self.inner.code.as_deref()
    }

    /// The support id of this failure, when the body has one.
    pub fn support_id(&self) -> Option<&str> {
        self.inner.support_id.as_deref()
    }

    /// What went wrong, from the body (`detail`, `message` or `title`), or the status's reason.
    pub fn message(&self) -> &str {
        &self.inner.message
    }

    /// The response body as received (lossily decoded as UTF-8).
    pub fn body(&self) -> &str {
        &self.inner.body
    }

    /// A member of the problem body, read as [`code`](Self::code) is: the top-level member
    /// `name`, or failing that the one under the problem's `properties`. `None` when the body
    /// is not a JSON object or has no such member.
    ///
    /// Some refusals carry more than a code. `invitations().update_metadata(..)` answers 409
    /// `invitation_not_pending` with the invitation's state in `invitationStatus`:
    ///
    /// ```no_run
    /// # async fn run(torii: torii_backend::Client, id: torii_backend::uuid::Uuid) {
    /// use torii_backend::{Error, serde_json::json};
    ///
    /// let answer = torii
    ///     .invitations()
    ///     .update_metadata(id)
    ///     .public_metadata(json!({ "plan": "team" }))
    ///     .send()
    ///     .await;
    /// if let Err(Error::Api(refused)) = &answer {
    ///     if refused.code() == Some("invitation_not_pending") {
    ///         let state = refused.problem_member("invitationStatus").and_then(|s| s.as_str());
    ///         println!("the invitation is {}", state.unwrap_or("no longer pending"));
    ///     }
    /// }
    /// # }
    /// ```
    ///
    /// The same operation's 409 `invitation_patch_conflict` means the server could not settle
    /// the invitation's state: a server fault. The client does not retry it (409 is not a
    /// retryable status), and neither should a caller's loop.
    pub fn problem_member(&self, name: &str) -> Option<&Value> {
        problem_member(self.inner.members.as_ref(), name)
    }

    /// How long the server asked to wait before retrying (`Retry-After`, as seconds or a
    /// date).
    pub fn retry_after(&self) -> Option<Duration> {
        self.inner.retry_after
    }

    /// Whether the status says "try again later" (408, 429, 502, 503, 504). The client has
    /// already retried as its [`RetryPolicy`](super::RetryPolicy) allows.
    pub fn is_retryable(&self) -> bool {
        is_retryable_status(self.inner.status)
    }

    /// How many times the request was sent, retries included.
    pub fn attempts(&self) -> u32 {
        self.inner.attempts
    }

    pub(crate) fn with_attempts(mut self, attempts: u32) -> Self {
        self.inner.attempts = attempts;
        self
    }

    /// The URL path the request was sent to, ids included (`/api/server/v1/users/0193…`).
    pub fn url_path(&self) -> &str {
        &self.inner.url_path
    }

    /// The failed call as the client spells it (`users.get`), as the message names it.
    pub fn operation(&self) -> &'static str {
        self.inner.operation.name
    }

    /// The operationId of the failed call, as the spec names it (`getUser`).
    pub fn operation_id(&self) -> &'static str {
        self.inner.operation.id
    }

    /// The HTTP method of the failed call.
    pub fn method(&self) -> &Method {
        &self.inner.operation.method
    }

    /// The path template of the failed call (`/api/server/v1/users/{userId}`), without ids.
    pub fn path_template(&self) -> &'static str {
        self.inner.operation.path_template
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Torii API answered {} to {}",
            self.inner.status.as_u16(),
            self.inner.operation.name
        )?;
        if let Some(code) = &self.inner.code {
            write!(f, " ({code})")?;
        }
        write!(f, ": {}", self.inner.message)?;
        if let Some(support_id) = &self.inner.support_id {
            write!(f, " [support id {support_id}]")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

/// The member `name` of a problem body: top level first, then under `properties`.
fn problem_member<'a>(
    members: Option<&'a serde_json::Map<String, Value>>,
    name: &str,
) -> Option<&'a Value> {
    let members = members?;
    members
        .get(name)
        .or_else(|| members.get("properties")?.get(name))
}

/// The request did not complete: the connection failed, timed out, or broke.
#[derive(Debug)]
pub struct TransportError {
    operation: &'static OperationSpec,
    url_path: String,
    attempts: u32,
    source: reqwest::Error,
}

impl TransportError {
    pub(crate) fn new(
        operation: &'static OperationSpec,
        url_path: &str,
        source: reqwest::Error,
    ) -> Self {
        Self {
            operation,
            url_path: url_path.to_owned(),
            attempts: 1,
            // The URL holds no secret, but it is left out so that logs of errors stay short
            // and carry only what `path` says.
            source: source.without_url(),
        }
    }

    pub(crate) fn with_attempts(mut self, attempts: u32) -> Self {
        self.attempts = attempts;
        self
    }

    /// How many times the request was sent, retries included.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// The HTTP method of the failed call.
    pub fn method(&self) -> &Method {
        &self.operation.method
    }

    /// The URL path the request was sent to, ids included.
    pub fn url_path(&self) -> &str {
        &self.url_path
    }

    /// Whether the request timed out.
    pub fn is_timeout(&self) -> bool {
        self.source.is_timeout()
    }

    /// Whether the connection could not be made.
    pub fn is_connect(&self) -> bool {
        self.source.is_connect()
    }

    /// The failed call as the client spells it (`users.get`), as the message names it.
    pub fn operation(&self) -> &'static str {
        self.operation.name
    }

    /// The operationId of the failed call, as the spec names it (`getUser`).
    pub fn operation_id(&self) -> &'static str {
        self.operation.id
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = if self.is_timeout() {
            "timed out"
        } else if self.is_connect() {
            "could not connect"
        } else {
            "failed"
        };
        write!(f, "the request for {} {what}", self.operation.name)
    }
}

impl std::error::Error for TransportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// A 2xx response whose body does not match the spec.
#[derive(Debug, Clone)]
pub struct DecodeError {
    operation: &'static OperationSpec,
    status: StatusCode,
    json_path: String,
    message: String,
}

impl DecodeError {
    pub(crate) fn new(
        operation: &'static OperationSpec,
        status: StatusCode,
        json_path: String,
        message: String,
    ) -> Self {
        Self {
            operation,
            status,
            json_path,
            message,
        }
    }

    /// Where in the body decoding failed, as a path such as `items[2].createdAt` (`.` for the
    /// whole body).
    pub fn json_path(&self) -> &str {
        &self.json_path
    }

    /// Why the value there does not match, as serde says it.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The HTTP status of the response.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The call as the client spells it (`users.get`), as the message names it.
    pub fn operation(&self) -> &'static str {
        self.operation.name
    }

    /// The operationId of the call, as the spec names it (`getUser`).
    pub fn operation_id(&self) -> &'static str {
        self.operation.id
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the response to {} does not match the spec at `{}`: {}",
            self.operation.name, self.json_path, self.message
        )
    }
}

impl std::error::Error for DecodeError {}

#[cfg(test)]
mod tests {
    use super::*;

    const PATH: &str = "/api/server/v1/users/0193";

    fn info() -> &'static OperationSpec {
        crate::Operation::GetUser.spec()
    }

    #[test]
    fn top_level_code_and_support_id_win() {
        let body = br#"{"detail":"No user","code":"user_not_found","supportId":"sup_1","properties":{"code":"other"}}"#;
        let error =
            ApiError::from_response(info(), PATH, StatusCode::NOT_FOUND, &HeaderMap::new(), body);
        assert_eq!(error.code(), Some("user_not_found"));
        assert_eq!(error.support_id(), Some("sup_1"));
        assert_eq!(error.message(), "No user");
        assert_eq!(
            error.to_string(),
            "Torii API answered 404 to users.get (user_not_found): No user [support id sup_1]"
        );
        // The message names the call as the client spells it; the operationId stays at hand.
        assert_eq!(
            (error.operation(), error.operation_id()),
            ("users.get", "getUser")
        );
    }

    #[test]
    fn problem_detail_properties_are_the_fallback() {
        let body = br#"{"title":"Conflict","status":409,"properties":{"code":"email_taken","supportId":"sup_2"}}"#;
        let error =
            ApiError::from_response(info(), PATH, StatusCode::CONFLICT, &HeaderMap::new(), body);
        assert_eq!(error.code(), Some("email_taken"));
        assert_eq!(error.support_id(), Some("sup_2"));
        assert_eq!(error.message(), "Conflict");
    }

    #[test]
    fn non_json_bodies_are_kept_raw() {
        let mut headers = HeaderMap::new();
        headers.insert(
            http::header::RETRY_AFTER,
            http::HeaderValue::from_static("3"),
        );
        let error = ApiError::from_response(
            info(),
            PATH,
            StatusCode::BAD_GATEWAY,
            &headers,
            b"<html>bad gateway</html>",
        );
        assert_eq!(error.body(), "<html>bad gateway</html>");
        assert_eq!(error.code(), None);
        assert_eq!(error.message(), "Bad Gateway");
        assert_eq!(error.retry_after(), Some(Duration::from_secs(3)));
        assert_eq!(error.path_template(), "/api/server/v1/users/{userId}");
        assert_eq!(error.method(), Method::GET);
        assert_eq!(error.url_path(), PATH);
        assert_eq!(error.attempts(), 1);
        assert!(error.is_retryable());
    }
}
