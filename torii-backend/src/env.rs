//! The environment variables a service pointed at Torii (or at `torii-mock`) is configured by:
//! `TORII_ISSUER`, `TORII_API_URL` and `TORII_SECRET_KEY`, as `torii-mock` prints them.

use std::env::VarError;

use crate::error::ConfigError;

/// The issuer whose tokens `Verifier::from_env` verifies.
#[cfg(feature = "verify")]
pub(crate) const ISSUER: &str = "TORII_ISSUER";
/// The API URL `Client::from_env` sends to, when set.
#[cfg(feature = "api")]
pub(crate) const API_URL: &str = "TORII_API_URL";
/// The secret key `Client::from_env` authenticates with.
#[cfg(feature = "api")]
pub(crate) const SECRET_KEY: &str = "TORII_SECRET_KEY";

/// How a variable is looked up: `std::env::var` in production, a closure in unit tests (the
/// process environment is shared by every test thread, so tests never change it).
pub(crate) type Lookup<'a> = &'a dyn Fn(&str) -> Result<String, VarError>;

/// The process environment.
pub(crate) fn process(name: &str) -> Result<String, VarError> {
    std::env::var(name)
}

/// The variable `name`, `None` when it is unset or empty.
pub(crate) fn optional(lookup: Lookup<'_>, name: &str) -> Result<Option<String>, ConfigError> {
    match lookup(name) {
        Ok(value) if value.is_empty() => Ok(None),
        Ok(value) => Ok(Some(value)),
        Err(VarError::NotPresent) => Ok(None),
        Err(VarError::NotUnicode(_)) => Err(ConfigError::new(format!(
            "the environment variable {name} is not valid UTF-8"
        ))),
    }
}

/// The variable `name`, which must be set and not empty.
pub(crate) fn required(lookup: Lookup<'_>, name: &str) -> Result<String, ConfigError> {
    optional(lookup, name)?
        .ok_or_else(|| ConfigError::new(format!("the environment variable {name} is not set")))
}

#[cfg(test)]
mod tests {
    use std::ffi::OsString;

    use super::*;

    #[test]
    fn unset_and_empty_variables_are_missing_and_named() {
        let unset = |_: &str| Err(VarError::NotPresent);
        let empty = |_: &str| Ok(String::new());
        for lookup in [&unset as Lookup<'_>, &empty] {
            assert_eq!(optional(lookup, "TORII_X"), Ok(None));
            let error = required(lookup, "TORII_X").expect_err("missing");
            assert_eq!(
                error.message(),
                "the environment variable TORII_X is not set"
            );
        }
    }

    #[test]
    fn a_value_that_is_not_unicode_is_refused_by_name() {
        let lookup = |_: &str| Err(VarError::NotUnicode(OsString::from("x")));
        let error = optional(&lookup, "TORII_X").expect_err("not unicode");
        assert!(error.message().contains("TORII_X"), "{error}");
    }

    #[test]
    fn a_set_variable_is_read() {
        let lookup = |name: &str| Ok(format!("value of {name}"));
        assert_eq!(
            required(&lookup, "TORII_X").as_deref(),
            Ok("value of TORII_X")
        );
    }
}
