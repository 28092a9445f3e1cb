//! Why a key set fetch failed, as [`JwksStats::last_error`](super::JwksStats) reports it.

use std::fmt;

/// What went wrong with a key set fetch, as a stable kind to match on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum JwksFetchErrorKind {
    /// The whole exchange took longer than the verifier's HTTP timeout.
    Timeout,
    /// The request could not be made or got no answer: DNS, connection, TLS or proxy.
    Request,
    /// The issuer answered a status other than 200 ([`JwksFetchError::status`]).
    Status,
    /// The body is larger than the verifier's cap.
    TooLarge,
    /// The body broke off while it was being read.
    Body,
    /// The body is not a JWKS document.
    InvalidDocument,
}

impl JwksFetchErrorKind {
    /// A short, stable, snake_case name for logs and metrics (`timeout`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Timeout => "timeout",
            Self::Request => "request",
            Self::Status => "status",
            Self::TooLarge => "too_large",
            Self::Body => "body",
            Self::InvalidDocument => "invalid_document",
        }
    }
}

impl fmt::Display for JwksFetchErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A key set fetch that failed. Its message is fit for a log line: it names the problem, never
/// a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JwksFetchError {
    kind: JwksFetchErrorKind,
    status: Option<u16>,
    message: String,
}

impl JwksFetchError {
    pub(crate) fn new(kind: JwksFetchErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            status: None,
            message: message.into(),
        }
    }

    pub(crate) fn status_code(status: u16) -> Self {
        Self {
            kind: JwksFetchErrorKind::Status,
            status: Some(status),
            message: format!("the key set request answered {status}, not 200"),
        }
    }

    /// What went wrong.
    pub fn kind(&self) -> JwksFetchErrorKind {
        self.kind
    }

    /// The status the issuer answered, for [`JwksFetchErrorKind::Status`].
    pub fn status(&self) -> Option<u16> {
        self.status
    }

    /// What went wrong, in words.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for JwksFetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for JwksFetchError {}
