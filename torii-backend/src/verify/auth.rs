//! What a verified token says about the request: [`Auth`].

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::error::{AuthError, AuthErrorKind};

/// A verified Torii session: who the user is, in which environment, and what the token says.
///
/// Built only by the verifier, after the signature, the issuer and every time claim were
/// checked. The raw claims are kept; [`Auth::claims`] reads your session-token template's custom
/// claims into your own type.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Auth {
    /// The user's id (`sub`).
    pub user_id: String,
    /// The Torii environment (`pid`).
    pub environment_id: String,
    /// The issuer the token was verified against (`iss`).
    pub issuer: String,
    /// The session's id (`sid`), when the token names one.
    pub session_id: Option<String>,
    /// Whether the user's email is verified: true only if `email_verified` is JSON `true`.
    pub email_verified: bool,
    /// Whether the profile is complete: true unless `profile_complete` is JSON `false`.
    pub profile_complete: bool,
    /// Whether someone acts as this user (the token has an `act` claim).
    pub impersonating: bool,
    /// The user's locale (`locale`), when set.
    pub locale: Option<String>,
    /// The active organization (`o`, or `org_id` / `org_role` / `org_slug`), when there is one.
    pub organization: Option<ActiveOrganization>,
    /// Who acts as the user (`act`), when impersonating.
    pub actor: Option<Actor>,
    /// When the token was issued (`iat`).
    pub issued_at: SystemTime,
    /// When the token expires (`exp`).
    pub expires_at: SystemTime,
    /// Every claim of the token, as sent.
    pub raw_claims: Arc<Map<String, Value>>,
}

/// The organization active in the session.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ActiveOrganization {
    /// The organization's id (`o.id` or `org_id`).
    pub id: String,
    /// The user's role in it (`o.rol` or `org_role`), when present.
    pub role: Option<String>,
    /// The organization's slug (`o.slg` or `org_slug`), when present.
    pub slug: Option<String>,
}

/// The party acting as the user in an impersonated session (RFC 8693 `act`).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Actor {
    /// The actor's id (`act.sub`).
    pub subject: String,
    /// Every member of the `act` claim.
    pub claims: Map<String, Value>,
}

impl Auth {
    /// The token's claims as your own type, for the custom claims of your session-token
    /// template.
    ///
    /// # Errors
    ///
    /// An [`AuthError`] of kind [`AuthErrorKind::InvalidClaim`] when the claims do not fit `T`.
    ///
    /// ```
    /// # fn example(auth: torii_backend::verify::Auth) -> Result<(), torii_backend::verify::AuthError> {
    /// #[derive(serde::Deserialize)]
    /// struct MyClaims {
    ///     plan: String,
    /// }
    /// let mine: MyClaims = auth.claims()?;
    /// # let _ = mine.plan; Ok(()) }
    /// ```
    pub fn claims<T: DeserializeOwned>(&self) -> Result<T, AuthError> {
        T::deserialize(Value::Object(Map::clone(&self.raw_claims))).map_err(|error| {
            AuthError::new(
                AuthErrorKind::InvalidClaim,
                format!("the token's claims do not fit the requested type: {error}"),
            )
        })
    }

    /// Reads the claims of a token whose signature, issuer and times were already checked.
    pub(crate) fn from_claims(claims: Map<String, Value>, issuer: &str) -> Result<Self, AuthError> {
        let user_id = required_string(&claims, "sub")?;
        let environment_id = required_string(&claims, "pid")?;
        let issued_at = required_time(&claims, "iat")?;
        let expires_at = required_time(&claims, "exp")?;
        let organization = organization(&claims)?;
        let actor = match claims.get("act") {
            None | Some(Value::Null) => None,
            Some(Value::Object(act)) => Some(Actor {
                subject: match act.get("sub") {
                    Some(Value::String(sub)) if !sub.is_empty() => sub.clone(),
                    _ => return Err(invalid("act", "an object with a `sub` string")),
                },
                claims: act.clone(),
            }),
            Some(_) => return Err(invalid("act", "an object")),
        };
        Ok(Self {
            user_id,
            environment_id,
            issuer: issuer.to_owned(),
            session_id: optional_string(&claims, "sid")?,
            email_verified: claims.get("email_verified") == Some(&Value::Bool(true)),
            profile_complete: claims.get("profile_complete") != Some(&Value::Bool(false)),
            impersonating: actor.is_some(),
            locale: optional_string(&claims, "locale")?,
            organization,
            actor,
            issued_at,
            expires_at,
            raw_claims: Arc::new(claims),
        })
    }
}

fn invalid(claim: &str, expected: &str) -> AuthError {
    AuthError::new(
        AuthErrorKind::InvalidClaim,
        format!("the `{claim}` claim must be {expected}"),
    )
}

fn missing(claim: &str) -> AuthError {
    AuthError::new(
        AuthErrorKind::MissingClaim,
        format!("the token has no `{claim}` claim"),
    )
}

fn required_string(claims: &Map<String, Value>, name: &str) -> Result<String, AuthError> {
    match claims.get(name) {
        None | Some(Value::Null) => Err(missing(name)),
        Some(Value::String(value)) if !value.is_empty() => Ok(value.clone()),
        Some(_) => Err(invalid(name, "a non-empty string")),
    }
}

fn optional_string(claims: &Map<String, Value>, name: &str) -> Result<Option<String>, AuthError> {
    match claims.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(value)) => Ok(Some(value.clone())),
        Some(_) => Err(invalid(name, "a string")),
    }
}

/// A NumericDate (RFC 7519 §2): a JSON number of seconds since the epoch. Strings are refused,
/// not skipped (the type confusion of CVE-2026-25537).
pub(crate) fn numeric_date(
    claims: &Map<String, Value>,
    name: &str,
) -> Result<Option<u64>, AuthError> {
    match claims.get(name) {
        None => Ok(None),
        Some(Value::Number(number)) => match number.as_u64() {
            Some(seconds) => Ok(Some(seconds)),
            // Fractions are allowed by RFC 7519; whole seconds are what Torii issues.
            None => match number.as_f64() {
                Some(seconds) if (0.0..1e15).contains(&seconds) => Ok(Some(seconds as u64)),
                _ => Err(invalid(name, "a non-negative number of seconds")),
            },
        },
        Some(_) => Err(invalid(name, "a number of seconds")),
    }
}

fn required_time(claims: &Map<String, Value>, name: &str) -> Result<SystemTime, AuthError> {
    let seconds = numeric_date(claims, name)?.ok_or_else(|| missing(name))?;
    Ok(UNIX_EPOCH + Duration::from_secs(seconds))
}

fn organization(claims: &Map<String, Value>) -> Result<Option<ActiveOrganization>, AuthError> {
    match claims.get("o") {
        None | Some(Value::Null) => {}
        Some(Value::Object(o)) => {
            let id = match o.get("id") {
                Some(Value::String(id)) if !id.is_empty() => id.clone(),
                _ => return Err(invalid("o", "an object with an `id` string")),
            };
            let text = |key: &str| o.get(key).and_then(Value::as_str).map(str::to_owned);
            return Ok(Some(ActiveOrganization {
                id,
                role: text("rol").or_else(|| text("role")),
                slug: text("slg").or_else(|| text("slug")),
            }));
        }
        Some(_) => return Err(invalid("o", "an object")),
    }
    Ok(
        optional_string(claims, "org_id")?.map(|id| ActiveOrganization {
            id,
            role: claims
                .get("org_role")
                .and_then(Value::as_str)
                .map(str::to_owned),
            slug: claims
                .get("org_slug")
                .and_then(Value::as_str)
                .map(str::to_owned),
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn claims(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => unreachable!("test claims are objects"),
        }
    }

    fn base() -> Value {
        json!({"sub": "user_1", "pid": "env_1", "iss": "https://a.example", "iat": 1_700_000_000, "exp": 1_700_000_600})
    }

    #[test]
    fn reads_the_required_claims() {
        let auth = Auth::from_claims(claims(base()), "https://a.example").expect("valid");
        assert_eq!(auth.user_id, "user_1");
        assert_eq!(auth.environment_id, "env_1");
        assert_eq!(auth.issuer, "https://a.example");
        assert_eq!(
            auth.issued_at,
            UNIX_EPOCH + Duration::from_secs(1_700_000_000)
        );
        assert_eq!(
            auth.expires_at,
            UNIX_EPOCH + Duration::from_secs(1_700_000_600)
        );
        assert!(!auth.email_verified);
        assert!(auth.profile_complete);
        assert!(!auth.impersonating);
        assert_eq!(auth.session_id, None);
        assert_eq!(auth.organization, None);
    }

    #[test]
    fn booleans_follow_their_json_truth() {
        let mut value = base();
        value["email_verified"] = json!("true");
        value["profile_complete"] = json!(0);
        let auth = Auth::from_claims(claims(value.clone()), "i").expect("valid");
        assert!(!auth.email_verified, "only JSON true verifies an email");
        assert!(
            auth.profile_complete,
            "only JSON false marks a profile incomplete"
        );
        value["email_verified"] = json!(true);
        value["profile_complete"] = json!(false);
        let auth = Auth::from_claims(claims(value), "i").expect("valid");
        assert!(auth.email_verified);
        assert!(!auth.profile_complete);
    }

    #[test]
    fn missing_and_mistyped_required_claims() {
        for name in ["sub", "pid", "iat", "exp"] {
            let mut value = base();
            value.as_object_mut().map(|m| m.remove(name));
            let error = Auth::from_claims(claims(value), "i").expect_err(name);
            assert_eq!(error.kind(), AuthErrorKind::MissingClaim, "{name}");
            assert!(error.message().contains(name));
        }
        for (name, bad) in [
            ("sub", json!(1)),
            ("sub", json!("")),
            ("pid", json!(null)),
            ("iat", json!("1700000000")),
            ("exp", json!(-1)),
        ] {
            let mut value = base();
            value[name] = bad.clone();
            let error = Auth::from_claims(claims(value), "i").expect_err(name);
            assert!(
                matches!(
                    error.kind(),
                    AuthErrorKind::InvalidClaim | AuthErrorKind::MissingClaim
                ),
                "{name}={bad}: {error:?}"
            );
        }
    }

    #[test]
    fn organization_from_o_or_flat_claims() {
        let mut value = base();
        value["o"] = json!({"id": "org_1", "rol": "admin", "slg": "acme"});
        let org = Auth::from_claims(claims(value), "i")
            .expect("valid")
            .organization
            .expect("org");
        assert_eq!(
            (org.id.as_str(), org.role.as_deref(), org.slug.as_deref()),
            ("org_1", Some("admin"), Some("acme"))
        );
        let mut value = base();
        value["org_id"] = json!("org_2");
        value["org_role"] = json!("member");
        let org = Auth::from_claims(claims(value), "i")
            .expect("valid")
            .organization
            .expect("org");
        assert_eq!(
            (org.id.as_str(), org.role.as_deref()),
            ("org_2", Some("member"))
        );
        let mut value = base();
        value["o"] = json!("org_1");
        assert_eq!(
            Auth::from_claims(claims(value), "i").expect_err("o").kind(),
            AuthErrorKind::InvalidClaim
        );
    }

    #[test]
    fn actor_means_impersonation() {
        let mut value = base();
        value["act"] = json!({"sub": "admin_1"});
        let auth = Auth::from_claims(claims(value), "i").expect("valid");
        assert!(auth.impersonating);
        assert_eq!(auth.actor.expect("actor").subject, "admin_1");
        let mut value = base();
        value["act"] = json!({"iss": "x"});
        assert_eq!(
            Auth::from_claims(claims(value), "i")
                .expect_err("act")
                .kind(),
            AuthErrorKind::InvalidClaim
        );
    }

    #[test]
    fn custom_claims_into_a_caller_type() {
        #[derive(serde::Deserialize)]
        struct Mine {
            plan: String,
        }
        let mut value = base();
        value["plan"] = json!("pro");
        let auth = Auth::from_claims(claims(value), "i").expect("valid");
        assert_eq!(auth.claims::<Mine>().expect("fits").plan, "pro");
        let error = base_auth()
            .claims::<Mine>()
            .map(|m| m.plan)
            .expect_err("no plan");
        assert_eq!(error.kind(), AuthErrorKind::InvalidClaim);
    }

    fn base_auth() -> Auth {
        Auth::from_claims(claims(base()), "i").expect("valid")
    }
}
