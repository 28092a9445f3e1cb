//! The environment secret key, parsed once and never printed.

use std::fmt;

use crate::error::ConfigError;

/// A Torii secret key (`sk_live_…` or `sk_test_…`).
///
/// Parsing checks the prefix and that the key can travel in an HTTP header. `Debug` and
/// `Display` show only the prefix, so a key cannot leak through logs or error messages.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretKey {
    value: String,
}

impl SecretKey {
    /// Parses `value` as a secret key.
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] when the key does not start with `sk_live_` or `sk_test_`, has nothing
    /// after the prefix, or contains whitespace or control characters. The error never contains
    /// the key.
    ///
    /// ```
    /// use torii_backend::rest::SecretKey;
    ///
    /// let key = SecretKey::parse("sk_test_abc123").unwrap();
    /// assert!(key.is_test());
    /// assert_eq!(format!("{key:?}"), "SecretKey(sk_test_…)");
    /// assert!(SecretKey::parse("pk_test_abc123").is_err());
    /// ```
    pub fn parse(value: impl Into<String>) -> Result<Self, ConfigError> {
        let value = value.into();
        let rest = value
            .strip_prefix(Self::LIVE_PREFIX)
            .or_else(|| value.strip_prefix(Self::TEST_PREFIX))
            .ok_or_else(|| {
                ConfigError::new("the secret key must start with `sk_live_` or `sk_test_`")
            })?;
        if rest.is_empty() {
            return Err(ConfigError::new(
                "the secret key has nothing after its `sk_…_` prefix",
            ));
        }
        if !rest.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(ConfigError::new(
                "the secret key contains whitespace or characters that cannot be sent in a header",
            ));
        }
        Ok(Self { value })
    }

    /// Whether this is a test-mode key (`sk_test_…`).
    pub fn is_test(&self) -> bool {
        self.value.starts_with(Self::TEST_PREFIX)
    }

    /// The key itself, for the `Authorization` header. Handle with care.
    pub(crate) fn expose(&self) -> &str {
        &self.value
    }

    fn prefix(&self) -> &'static str {
        if self.is_test() {
            Self::TEST_PREFIX
        } else {
            Self::LIVE_PREFIX
        }
    }

    const LIVE_PREFIX: &'static str = "sk_live_";
    const TEST_PREFIX: &'static str = "sk_test_";
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretKey({}…)", self.prefix())
    }
}

impl fmt::Display for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}…", self.prefix())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_live_and_test_keys() {
        assert!(SecretKey::parse("sk_test_x").expect("valid").is_test());
        assert!(!SecretKey::parse("sk_live_x").expect("valid").is_test());
    }

    #[test]
    fn refuses_malformed_keys_without_echoing_them() {
        for bad in [
            "",
            "sk_test_",
            "pk_live_abc",
            "sk_prod_abc",
            "sk_test_a b",
            "sk_test_a\nb",
            "sk_live_é",
        ] {
            let error = SecretKey::parse(bad).expect_err(bad);
            let shown = format!("{error} {error:?}");
            if bad.len() > 8 {
                assert!(!shown.contains(bad), "{shown}");
            }
        }
    }

    #[test]
    fn formatting_hides_the_key() {
        let key = SecretKey::parse("sk_live_supersecret").expect("valid");
        assert_eq!(format!("{key:?}"), "SecretKey(sk_live_…)");
        assert_eq!(key.to_string(), "sk_live_…");
        assert_eq!(key.expose(), "sk_live_supersecret");
    }
}
