//! Adding users to the mock directly, without going through the API.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::MockTorii;
use super::problem::MockError;
use crate::models::{CreateUserRequest, Locale, ServerUserResponse, UpdateUserRequest};
use crate::rest::args::JsonObject;

/// A user to add to a [`MockTorii`] directly; from [`MockTorii::seed_user`]. Every field is
/// optional, as in `users().create()`, and the same rules apply (a taken email is refused).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use torii_backend::serde_json::json;
/// use torii_backend::testing::MockTorii;
///
/// let torii = MockTorii::start().await?;
/// let ada = torii
///     .seed_user()
///     .email("ada@example.com")
///     .first_name("Ada")
///     .public_metadata(json!({"plan": "pro"}))
///     .insert()?;
/// let fetched = torii.client().users().get(ada.id).send().await?;
/// assert_eq!(fetched.name.as_deref(), Some("Ada"));
/// # Ok(()) }
/// ```
#[derive(Debug)]
#[must_use = "call `.insert()` to add the user"]
pub struct UserSeed<'a> {
    mock: &'a MockTorii,
    request: CreateUserRequest,
    locale: Option<Locale>,
    created_at: Option<DateTime<Utc>>,
    banned: bool,
    /// A metadata bag that was not an object, refused by `insert`.
    not_an_object: bool,
}

impl<'a> UserSeed<'a> {
    pub(super) fn new(mock: &'a MockTorii) -> Self {
        Self {
            mock,
            request: CreateUserRequest::default(),
            locale: None,
            created_at: None,
            banned: false,
            not_an_object: false,
        }
    }

    /// The primary email.
    pub fn email(mut self, email: impl Into<String>) -> Self {
        self.request.email = Some(Some(email.into()));
        self
    }

    /// The given name.
    pub fn first_name(mut self, first_name: impl Into<String>) -> Self {
        self.request.first_name = Some(Some(first_name.into()));
        self
    }

    /// The family name.
    pub fn last_name(mut self, last_name: impl Into<String>) -> Self {
        self.request.last_name = Some(Some(last_name.into()));
        self
    }

    /// The preferred language.
    pub fn locale(mut self, locale: Locale) -> Self {
        self.locale = Some(locale);
        self
    }

    /// The public metadata (a JSON object; anything else is refused by `insert`).
    pub fn public_metadata(mut self, bag: Value) -> Self {
        self.request.public_metadata = self.object(bag);
        self
    }

    /// The private metadata (a JSON object).
    pub fn private_metadata(mut self, bag: Value) -> Self {
        self.request.private_metadata = self.object(bag);
        self
    }

    /// The unsafe metadata (a JSON object).
    pub fn unsafe_metadata(mut self, bag: Value) -> Self {
        self.request.unsafe_metadata = self.object(bag);
        self
    }

    /// When the user was created (now by default), for tests of `createdAfter`/`createdBefore`.
    pub fn created_at(mut self, created_at: DateTime<Utc>) -> Self {
        self.created_at = Some(created_at);
        self
    }

    /// Starts the user banned.
    pub fn banned(mut self) -> Self {
        self.banned = true;
        self
    }

    /// Adds the user.
    ///
    /// # Errors
    ///
    /// What `users().create()` would answer: 409 for a taken email, 400 for an invalid email
    /// or metadata over its budget (or not an object).
    pub fn insert(self) -> Result<ServerUserResponse, MockError> {
        if self.not_an_object {
            return Err(MockError::bad_request(
                "invalid_metadata",
                "a metadata bag must be a JSON object",
            ));
        }
        let now = Utc::now();
        let created_at = self.created_at.unwrap_or(now);
        let mut store = self.mock.api.store();
        let mut user = store.create_user(self.request, created_at)?;
        if let Some(locale) = self.locale {
            let change = UpdateUserRequest {
                locale: Some(Some(locale)),
                ..UpdateUserRequest::default()
            };
            user = store.update_user(user.id, change, created_at)?;
        }
        if self.banned {
            user = store.ban_user(user.id, created_at)?;
        }
        Ok(user)
    }

    fn object(&mut self, bag: Value) -> Option<JsonObject> {
        match bag {
            Value::Object(bag) => Some(bag),
            _ => {
                self.not_an_object = true;
                None
            }
        }
    }
}
