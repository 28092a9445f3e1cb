//! How request builders take values: path arguments, free-form JSON objects, query values.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use serde_json::Value;
use uuid::Uuid;

use crate::error::InvalidArgument;

/// A JSON object with free-form members, such as a metadata bag.
pub type JsonObject = serde_json::Map<String, Value>;

/// A value for a path parameter: an id as the caller holds it.
///
/// Built with [`IntoPathArg`]; ids that the spec types as UUIDs are checked when the request is
/// sent, so a malformed id fails with [`crate::Error::InvalidArgument`] instead of reaching the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathArg(PathArgValue);

#[derive(Debug, Clone, PartialEq, Eq)]
enum PathArgValue {
    Uuid(Uuid),
    Text(String),
}

impl PathArg {
    /// The id for a parameter whose spec type is a UUID (sent in its lowercase hyphenated
    /// form, whatever form the caller's text had).
    pub(crate) fn into_uuid(self, name: &'static str) -> Result<Uuid, InvalidArgument> {
        match self.0 {
            PathArgValue::Uuid(id) => Ok(id),
            PathArgValue::Text(text) => Uuid::try_parse(text.trim())
                .map_err(|_| InvalidArgument::new(name, "must be a UUID")),
        }
    }

    /// The segment for a free-text parameter. `.` and `..` would change the path, so they are
    /// refused, as is the empty string.
    pub(crate) fn into_text_segment(self, name: &'static str) -> Result<String, InvalidArgument> {
        match self.0 {
            PathArgValue::Uuid(id) => Ok(id.hyphenated().to_string()),
            PathArgValue::Text(text) if matches!(text.as_str(), "" | "." | "..") => {
                Err(InvalidArgument::new(name, "must not be empty, `.` or `..`"))
            }
            PathArgValue::Text(text) => Ok(text),
        }
    }
}

/// Types accepted as path arguments: `&str`, `String`, `&String`, `Cow<str>`, [`Uuid`] and
/// `&Uuid`. So both the `user_id` of a verified token and the `id` of a model work:
///
/// ```no_run
/// # async fn example(client: torii_backend::Client, user_id_from_token: String) -> Result<(), torii_backend::Error> {
/// let user = client.users().get(&user_id_from_token).await?;
/// client.users().ban(user.id).await?;
/// # Ok(()) }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be used as an id in a request path",
    label = "expected an id: `&str`, `String` or `Uuid`",
    note = "ids are passed as text (such as the `user_id` of a verified token) or as a `Uuid` (such as a model's `id`)"
)]
///
/// The trait is sealed: the types above are the ones the API can take.
pub trait IntoPathArg: sealed::Sealed {
    /// Converts `self` into a path argument.
    #[doc(hidden)]
    fn into_path_arg(self) -> PathArg;
}

impl IntoPathArg for &str {
    fn into_path_arg(self) -> PathArg {
        PathArg(PathArgValue::Text(self.to_owned()))
    }
}

impl IntoPathArg for String {
    fn into_path_arg(self) -> PathArg {
        PathArg(PathArgValue::Text(self))
    }
}

impl IntoPathArg for &String {
    fn into_path_arg(self) -> PathArg {
        self.as_str().into_path_arg()
    }
}

impl IntoPathArg for Cow<'_, str> {
    fn into_path_arg(self) -> PathArg {
        self.into_owned().into_path_arg()
    }
}

impl IntoPathArg for Uuid {
    fn into_path_arg(self) -> PathArg {
        PathArg(PathArgValue::Uuid(self))
    }
}

impl IntoPathArg for &Uuid {
    fn into_path_arg(self) -> PathArg {
        (*self).into_path_arg()
    }
}

/// Types accepted where the API takes a free-form JSON object (metadata bags): a
/// [`JsonObject`], a `HashMap` or `BTreeMap` of JSON values, or a [`serde_json::Value`] that
/// is an object, as written by `serde_json::json!({...})`.
///
/// A value that is not an object makes the request fail with [`crate::Error::InvalidArgument`] when
/// it is sent; nothing reaches the server.
///
/// The trait is sealed: the types above are the ones the API can take.
pub trait IntoJsonObject: sealed::Sealed {
    /// Converts `self`, naming the property `name` in the error.
    ///
    /// # Errors
    ///
    /// [`InvalidArgument`] when `self` is not a JSON object.
    #[doc(hidden)]
    fn into_json_object(self, name: &'static str) -> Result<JsonObject, InvalidArgument>;
}

impl IntoJsonObject for JsonObject {
    fn into_json_object(self, _name: &'static str) -> Result<JsonObject, InvalidArgument> {
        Ok(self)
    }
}

impl IntoJsonObject for Value {
    fn into_json_object(self, name: &'static str) -> Result<JsonObject, InvalidArgument> {
        match self {
            Value::Object(object) => Ok(object),
            other => Err(InvalidArgument::new(
                name,
                format!("must be a JSON object, not {}", json_kind(&other)),
            )),
        }
    }
}

impl<S: std::hash::BuildHasher> IntoJsonObject for HashMap<String, Value, S> {
    fn into_json_object(self, _name: &'static str) -> Result<JsonObject, InvalidArgument> {
        Ok(self.into_iter().collect())
    }
}

impl IntoJsonObject for BTreeMap<String, Value> {
    fn into_json_object(self, _name: &'static str) -> Result<JsonObject, InvalidArgument> {
        Ok(self.into_iter().collect())
    }
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// How a value is written in a query string.
pub trait QueryValue {
    /// The value as query text (before percent-encoding).
    fn to_query(&self) -> String;
}

impl QueryValue for String {
    fn to_query(&self) -> String {
        self.clone()
    }
}

impl QueryValue for Uuid {
    fn to_query(&self) -> String {
        self.hyphenated().to_string()
    }
}

impl QueryValue for DateTime<Utc> {
    fn to_query(&self) -> String {
        self.to_rfc3339_opts(SecondsFormat::AutoSi, true)
    }
}

impl QueryValue for NaiveDate {
    fn to_query(&self) -> String {
        self.format("%Y-%m-%d").to_string()
    }
}

macro_rules! display_query_value {
    ($($ty:ty),*) => {
        $(impl QueryValue for $ty {
            fn to_query(&self) -> String {
                self.to_string()
            }
        })*
    };
}

display_query_value!(i32, i64, f64, bool);

/// Keeps the first error a builder setter met, for `send` to report.
pub fn defer<T>(
    slot: &mut Option<InvalidArgument>,
    result: Result<T, InvalidArgument>,
) -> Option<T> {
    match result {
        Ok(value) => Some(value),
        Err(error) => {
            slot.get_or_insert(error);
            None
        }
    }
}

/// Keeps the argument traits closed: only the types this module implements them for are taken.
mod sealed {
    use std::borrow::Cow;
    use std::collections::{BTreeMap, HashMap};

    use serde_json::Value;
    use uuid::Uuid;

    pub trait Sealed {}

    impl Sealed for &str {}
    impl Sealed for String {}
    impl Sealed for &String {}
    impl Sealed for Cow<'_, str> {}
    impl Sealed for Uuid {}
    impl Sealed for &Uuid {}
    impl Sealed for Value {}
    impl Sealed for BTreeMap<String, Value> {}
    // `JsonObject` is `serde_json::Map<String, Value>`.
    impl Sealed for serde_json::Map<String, Value> {}
    impl<S: std::hash::BuildHasher> Sealed for HashMap<String, Value, S> {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn uuid_segments_are_checked_and_canonical() {
        let id = Uuid::from_u128(0x0193_1a73_8b00_7000_8000_0000_0000_0001);
        let text = "01931a73-8b00-7000-8000-000000000001";
        assert_eq!(id.into_path_arg().into_uuid("userId").expect("uuid"), id);
        let upper = format!(" {} ", text.to_uppercase());
        assert_eq!(
            upper
                .as_str()
                .into_path_arg()
                .into_uuid("userId")
                .expect("text uuid"),
            id
        );
        let error = "../admin"
            .into_path_arg()
            .into_uuid("userId")
            .expect_err("not a uuid");
        assert_eq!(
            error.to_string(),
            "invalid argument `userId`: must be a UUID"
        );
    }

    #[test]
    fn text_segments_refuse_dot_segments() {
        for bad in ["", ".", ".."] {
            assert!(
                bad.into_path_arg().into_text_segment("name").is_err(),
                "{bad:?}"
            );
        }
        assert_eq!(
            String::from("a/b")
                .into_path_arg()
                .into_text_segment("name")
                .expect("ok"),
            "a/b",
            "encoding happens when the URL is built"
        );
    }

    #[test]
    fn json_objects_from_values_maps_and_errors() {
        let object = json!({"plan": "pro"})
            .into_json_object("publicMetadata")
            .expect("object");
        assert_eq!(object.get("plan"), Some(&json!("pro")));
        let map: HashMap<String, Value> = [("a".to_owned(), json!(1))].into();
        assert_eq!(map.into_json_object("x").expect("map").len(), 1);
        let error = json!([1])
            .into_json_object("publicMetadata")
            .expect_err("array");
        assert_eq!(
            error.to_string(),
            "invalid argument `publicMetadata`: must be a JSON object, not an array"
        );
    }

    #[test]
    fn defer_keeps_the_first_error() {
        let mut slot = None;
        assert_eq!(defer(&mut slot, Ok(1)), Some(1));
        assert_eq!(
            defer::<i32>(&mut slot, Err(InvalidArgument::new("a", "first"))),
            None
        );
        assert_eq!(
            defer::<i32>(&mut slot, Err(InvalidArgument::new("b", "second"))),
            None
        );
        assert!(slot.expect("kept").to_string().contains("first"));
    }

    #[test]
    fn query_values() {
        let at = DateTime::parse_from_rfc3339("2026-01-02T03:04:05Z")
            .expect("date")
            .with_timezone(&Utc);
        assert_eq!(at.to_query(), "2026-01-02T03:04:05Z");
        assert_eq!(
            NaiveDate::from_ymd_opt(1815, 12, 10)
                .expect("date")
                .to_query(),
            "1815-12-10"
        );
        assert_eq!(20_i32.to_query(), "20");
        assert_eq!(true.to_query(), "true");
    }
}
