//! The crate's umbrella error and the small errors shared by its parts.

use std::borrow::Cow;
use std::fmt;

#[cfg(feature = "api")]
use crate::rest::{ApiError, DecodeError, TransportError};

/// Everything that can go wrong in torii-backend.
///
/// Match on the variant for the branch you care about; each holds a small error type with
/// accessors. The enum is `#[non_exhaustive]`: new branches may come in minor releases.
///
/// `Error` is transparent: its `Display` is the branch's, and its [`source`] is the branch's
/// source, so an error chain (anyhow, eyre, tracing) prints each message once. Every error type
/// of the crate follows the same rule: `Display` says what happened at its own layer and
/// `source()` returns the cause beneath, never the same message again.
///
/// No variant's `Display` or `Debug` contains a secret key or a token.
///
/// [`source`]: std::error::Error::source
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// A session token was not accepted.
    #[cfg(feature = "verify")]
    Auth(crate::verify::AuthError),
    /// The Torii API answered with a non-2xx status.
    #[cfg(feature = "api")]
    Api(ApiError),
    /// The request did not complete: connection refused, timeout, TLS failure, ...
    #[cfg(feature = "api")]
    Transport(TransportError),
    /// A 2xx response whose body does not match the spec.
    #[cfg(feature = "api")]
    Decode(DecodeError),
    /// An argument was refused before anything was sent.
    InvalidArgument(InvalidArgument),
    /// A builder was given a configuration it cannot work with: the client's, the verifier's
    /// or the mock's (a secret key, a URL, ...).
    Config(ConfigError),
}

impl Error {
    /// Whether a builder refused its configuration ([`Error::Config`], or an [`Error::Auth`]
    /// whose verifier could not be built).
    pub fn is_config(&self) -> bool {
        match self {
            Self::Config(_) => true,
            #[cfg(feature = "verify")]
            Self::Auth(error) => error.kind() == crate::verify::AuthErrorKind::Configuration,
            _ => false,
        }
    }

    /// The HTTP status of an [`Error::Api`], if this is one.
    #[cfg(feature = "api")]
    pub fn status(&self) -> Option<http::StatusCode> {
        match self {
            Self::Api(error) => Some(error.status()),
            _ => None,
        }
    }

    /// Whether the API answered 404 Not Found.
    #[cfg(feature = "api")]
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(http::StatusCode::NOT_FOUND)
    }

    /// Whether the API answered 429 Too Many Requests (see [`ApiError::retry_after`]).
    #[cfg(feature = "api")]
    pub fn is_rate_limited(&self) -> bool {
        self.status() == Some(http::StatusCode::TOO_MANY_REQUESTS)
    }

    /// Whether trying again later may succeed: a transport failure, or a status that says so
    /// (408, 429, 502, 503, 504). The client has already retried as its
    /// [`RetryPolicy`](crate::rest::RetryPolicy) allows; this is for what you do next.
    #[cfg(feature = "api")]
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Api(error) => error.is_retryable(),
            Self::Transport(_) => true,
            _ => false,
        }
    }

    /// How many times the request was sent, retries included, for API and transport errors;
    /// `None` for the others (an argument or the configuration refused before sending, or a
    /// response that did not decode).
    #[cfg(feature = "api")]
    pub fn attempts(&self) -> Option<u32> {
        match self {
            Self::Api(error) => Some(error.attempts()),
            Self::Transport(error) => Some(error.attempts()),
            _ => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            #[cfg(feature = "verify")]
            Self::Auth(error) => error.fmt(f),
            #[cfg(feature = "api")]
            Self::Api(error) => error.fmt(f),
            #[cfg(feature = "api")]
            Self::Transport(error) => error.fmt(f),
            #[cfg(feature = "api")]
            Self::Decode(error) => error.fmt(f),
            Self::InvalidArgument(error) => error.fmt(f),
            Self::Config(error) => error.fmt(f),
        }
    }
}

/// Transparent: the branch's own source, so the branch's message is not printed twice.
impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            #[cfg(feature = "verify")]
            Self::Auth(error) => error.source(),
            #[cfg(feature = "api")]
            Self::Api(error) => error.source(),
            #[cfg(feature = "api")]
            Self::Transport(error) => error.source(),
            #[cfg(feature = "api")]
            Self::Decode(error) => error.source(),
            Self::InvalidArgument(error) => error.source(),
            Self::Config(error) => error.source(),
        }
    }
}

macro_rules! from_branch {
    ($($(#[$cfg:meta])* $variant:ident($ty:ty)),* $(,)?) => {
        $($(#[$cfg])*
        impl From<$ty> for Error {
            fn from(error: $ty) -> Self {
                Self::$variant(error)
            }
        })*
    };
}

from_branch! {
    #[cfg(feature = "verify")] Auth(crate::verify::AuthError),
    #[cfg(feature = "api")] Api(ApiError),
    #[cfg(feature = "api")] Transport(TransportError),
    #[cfg(feature = "api")] Decode(DecodeError),
    InvalidArgument(InvalidArgument),
    Config(ConfigError),
}

/// An argument refused before any request was made, naming the argument as the API does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidArgument {
    name: &'static str,
    reason: Cow<'static, str>,
}

impl InvalidArgument {
    #[cfg_attr(not(feature = "api"), allow(dead_code))]
    pub(crate) fn new(name: &'static str, reason: impl Into<Cow<'static, str>>) -> Self {
        Self {
            name,
            reason: reason.into(),
        }
    }

    /// The argument's name as the API spells it (`userId`, `publicMetadata`).
    pub fn name(&self) -> &str {
        self.name
    }

    /// What is wrong with it.
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

impl fmt::Display for InvalidArgument {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid argument `{}`: {}", self.name, self.reason)
    }
}

impl std::error::Error for InvalidArgument {}

/// A configuration a builder cannot work with: `Client::builder()`, `Verifier::builder(..)`
/// and `MockTorii::builder()` all refuse theirs with this.
/// The message says what to fix and never contains a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    message: Cow<'static, str>,
}

impl ConfigError {
    #[cfg_attr(not(any(feature = "api", feature = "verify")), allow(dead_code))]
    pub(crate) fn new(message: impl Into<Cow<'static, str>>) -> Self {
        Self {
            message: message.into(),
        }
    }

    /// What is wrong and what to fix, without the `invalid configuration:` prefix of
    /// `Display`.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid configuration: {}", self.message)
    }
}

impl std::error::Error for ConfigError {}
