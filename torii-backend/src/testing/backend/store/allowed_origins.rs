//! The environment's allowed origins, which redirect URLs must belong to.

use super::*;
use crate::testing::backend::problem::MockError;

impl Store {
    pub(crate) fn allowed_origins(&self) -> &[String] {
        &self.allowed_origins
    }

    /// Replaces the list; each entry must be a bare origin (`scheme://host[:port]`).
    pub(crate) fn set_allowed_origins(
        &mut self,
        origins: Vec<String>,
    ) -> Result<&[String], MockError> {
        let mut normalized = Vec::with_capacity(origins.len());
        for origin in origins {
            let parsed = bare_origin(&origin).ok_or_else(|| {
                MockError::bad_request(
                    "invalid_origin",
                    format!("{origin:?} is not an origin (scheme://host[:port])"),
                )
            })?;
            if !normalized.contains(&parsed) {
                normalized.push(parsed);
            }
        }
        self.allowed_origins = normalized;
        Ok(&self.allowed_origins)
    }
}

/// `scheme://host[:port]` of an absolute URL, or `None`.
pub(super) fn origin_of(url: &str) -> Option<String> {
    origin(&url::Url::parse(url).ok()?)
}

/// The origin `text` names when it is nothing but an origin (a trailing `/` allowed).
pub(super) fn bare_origin(text: &str) -> Option<String> {
    let parsed = url::Url::parse(text).ok()?;
    let bare = matches!(parsed.path(), "" | "/")
        && parsed.query().is_none()
        && parsed.fragment().is_none()
        && parsed.username().is_empty()
        && parsed.password().is_none();
    origin(&parsed).filter(|_| bare)
}

pub(super) fn origin(parsed: &url::Url) -> Option<String> {
    let host = parsed.host_str()?;
    Some(match parsed.port() {
        Some(port) => format!("{}://{host}:{port}", parsed.scheme()),
        None => format!("{}://{host}", parsed.scheme()),
    })
}

#[cfg(test)]
mod tests {
    use super::super::test_support::store_with_users;

    #[test]
    fn only_bare_origins_are_allowed_and_each_is_kept_once() {
        let (mut store, _) = store_with_users(&[]);
        let set = store
            .set_allowed_origins(vec![
                "https://app.example.com/".into(),
                "https://app.example.com".into(),
                "http://localhost:3000".into(),
            ])
            .expect("set")
            .to_vec();
        assert_eq!(set, ["https://app.example.com", "http://localhost:3000"]);
        for not_bare in [
            "https://app.example.com/path",
            "https://u:p@app.example.com",
            "app.example.com",
        ] {
            let error = store
                .set_allowed_origins(vec![not_bare.into()])
                .expect_err(not_bare);
            assert_eq!(error.code(), "invalid_origin");
        }
        assert_eq!(
            store.allowed_origins(),
            set,
            "a refused list changes nothing"
        );
    }
}
