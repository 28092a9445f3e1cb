//! The value a generated enum keeps when the server sends one its spec does not list.

use std::fmt;

/// A string enum value that the spec this client was generated from does not list, as the
/// server sent it.
///
/// Only parsing makes one (deserializing a response, `From<&str>`, `str::parse`), and parsing
/// a listed value always gives its variant: `Locale::from("en")` is `Locale::En`, never an
/// `Unknown` that would compare unequal to it. An unknown value is sent back exactly as it came.
///
/// ```
/// use torii_backend::models::Locale;
///
/// assert_eq!(Locale::from("en"), Locale::En);
/// let future = Locale::from("tlh");
/// match &future {
///     Locale::Unknown(value) => assert_eq!(value.as_str(), "tlh"),
///     _ => unreachable!("`tlh` is not in the spec"),
/// }
/// assert_eq!(future.as_str(), "tlh");
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UnknownValue(Box<str>);

impl UnknownValue {
    /// The value as the server sent it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for UnknownValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for UnknownValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Generated enums make their `Unknown` through this, after matching every listed value.
pub fn unknown_value(value: impl Into<Box<str>>) -> UnknownValue {
    UnknownValue(value.into())
}
