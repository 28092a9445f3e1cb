//! One API call as the generated builders describe it, before it is sent.

use http::Method;
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use serde::Serialize;
use uuid::Uuid;

use super::args::{PathArg, QueryValue};
use crate::error::InvalidArgument;

/// What the runtime knows about one operation, as the generated `Operation` table states it:
/// the spec is its only source.
#[derive(Debug)]
pub struct OperationSpec {
    /// The operationId (`getUser`).
    pub id: &'static str,
    /// `resource.method` as the client spells the call (`users.get`).
    pub name: &'static str,
    /// The HTTP method.
    pub method: Method,
    /// A read sent with another method (`x-torii-safe`), retried as a GET is.
    pub safe: bool,
    /// The path template (`/api/server/v1/users/{userId}`).
    pub path_template: &'static str,
    /// Statuses that, answered to a repeat of a call that may already have been applied,
    /// confirm that it was (`x-torii-repeat-success`).
    pub repeat_success: &'static [u16],
    /// The request body, when the operation takes one.
    pub body: Option<BodySpec>,
    /// The path and query parameters, in the spec's order.
    pub params: &'static [ParamSpec],
}

impl OperationSpec {
    /// Whether a failed attempt is retried as a read's is: GET, PUT, DELETE, and operations
    /// the spec marks safe (`x-torii-safe`).
    pub(crate) fn is_retried_as_read(&self) -> bool {
        super::retry::retried_as_read(&self.method, self.safe)
    }
}

/// An operation's request body as the spec states it.
#[derive(Debug)]
pub struct BodySpec {
    /// The `$ref` of its schema (`#/components/schemas/UpdateUserRequest`).
    pub schema: &'static str,
    /// Whether a request without a body is refused.
    pub required: bool,
}

/// One parameter of an operation as the spec states it.
#[derive(Debug)]
pub struct ParamSpec {
    /// Its name on the wire (`userId`, `limit`).
    pub name: &'static str,
    /// Where it is sent.
    pub location: ParamLocation,
    /// Whether a request without it is refused.
    pub required: bool,
    /// The JSON pointer of its schema in the spec.
    pub schema: &'static str,
}

/// Where a parameter is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamLocation {
    /// A segment of the path.
    Path,
    /// A `name=value` pair of the query string.
    Query,
}

/// What a UUID (36 characters) adds to a path beyond the shortest `{name}` it replaces.
const UUID_GROWTH: usize = 33;

/// The bytes a path segment percent-encodes: those the `url` crate encodes in a segment of an
/// `http(s)` URL (its path set, then `/`, `%` and `\`), so a segment reads on the wire as it
/// did when the `url` crate encoded it.
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'<')
    .add(b'>')
    .add(b'`')
    .add(b'#')
    .add(b'?')
    .add(b'{')
    .add(b'}')
    .add(b'/')
    .add(b'%')
    .add(b'\\');

/// A call being put together by a generated builder: its operation, path, query and JSON body.
///
/// Argument problems are collected rather than returned, so that builders stay infallible until
/// `send`; the first one is reported then and nothing is sent.
#[derive(Debug)]
pub struct Request {
    pub(crate) operation: &'static OperationSpec,
    /// The path below the API URL's own, `/`-separated and percent-encoded as it is sent.
    pub(crate) path: String,
    pub(crate) query: Vec<(&'static str, String)>,
    pub(crate) body: Option<Vec<u8>>,
    pub(crate) error: Option<InvalidArgument>,
}

impl Request {
    /// A call of `operation`.
    pub fn new(operation: &'static OperationSpec) -> Self {
        Self {
            operation,
            // Room for the template with each `{param}` replaced by a UUID, so that a typical
            // path is written without growing.
            path: String::with_capacity(
                operation.path_template.len()
                    + UUID_GROWTH
                        * operation
                            .params
                            .iter()
                            .filter(|param| param.location == ParamLocation::Path)
                            .count(),
            ),
            query: Vec::new(),
            body: None,
            error: None,
        }
    }

    /// Records an argument error met by a setter.
    pub fn fail(&mut self, error: Option<InvalidArgument>) {
        if let Some(error) = error {
            self.error.get_or_insert(error);
        }
    }

    /// Appends a path segment, percent-encoded as the `url` crate encodes one.
    pub fn segment(&mut self, segment: &str) {
        self.path.push('/');
        self.path.extend(utf8_percent_encode(segment, SEGMENT));
    }

    /// Appends the path argument `name`, which the spec types as a UUID.
    pub fn uuid_arg(&mut self, name: &'static str, arg: PathArg) {
        match arg.into_uuid(name) {
            Ok(id) => {
                self.path.push('/');
                self.path
                    .push_str(id.hyphenated().encode_lower(&mut Uuid::encode_buffer()));
            }
            Err(error) => self.fail(Some(error)),
        }
    }

    /// Appends the free-text path argument `name`.
    pub fn text_arg(&mut self, name: &'static str, arg: PathArg) {
        match arg.into_text_segment(name) {
            Ok(segment) => self.segment(&segment),
            Err(error) => self.fail(Some(error)),
        }
    }

    /// Adds `name=value` to the query string.
    pub fn query(&mut self, name: &'static str, value: &impl QueryValue) {
        self.query.push((name, value.to_query()));
    }

    /// Sets the JSON body.
    pub fn json(&mut self, body: &impl Serialize) {
        match serde_json::to_vec(body) {
            Ok(bytes) => self.body = Some(bytes),
            // Generated models always serialize; a failure means a caller-built value (a map
            // with non-string keys, say) that the server could not have read either.
            Err(error) => self.fail(Some(InvalidArgument::new(
                "body",
                format!("cannot be written as JSON: {error}"),
            ))),
        }
    }
}
