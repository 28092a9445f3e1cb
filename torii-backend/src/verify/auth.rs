//! What a verified token says about the request: [`Auth`].

use std::ops::Deref;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::claims::{Claims, Member, invalid, missing};
use super::error::{AuthError, AuthErrorKind};
use super::token::CheckedTimes;

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
    /// Every claim of the token, as sent: read it as a map (`auth.raw_claims.get("plan")`),
    /// or as the JSON text with [`RawClaims::json`].
    pub raw_claims: RawClaims,
}

/// Every claim of a verified token, as sent.
///
/// Dereferences to the claims as a JSON map, which is built the first time it is read: most
/// requests never read it, and a verification that does not build it is cheaper. The JSON
/// text is kept, so nothing is lost, and cloning shares it.
///
/// ```
/// # fn example(auth: torii_backend::verify::Auth) {
/// let plan = auth.raw_claims.get("plan").and_then(|plan| plan.as_str());
/// let text: &str = auth.raw_claims.json();
/// # let _ = (plan, text); }
/// ```
#[derive(Clone)]
pub struct RawClaims(Arc<RawClaimsInner>);

struct RawClaimsInner {
    json: String,
    map: OnceLock<Map<String, Value>>,
}

impl RawClaims {
    /// The claims of a payload that [`Claims::parse`] accepted: a JSON object that serde_json
    /// reads as a map.
    pub(crate) fn new(json: String) -> Self {
        Self(Arc::new(RawClaimsInner {
            json,
            map: OnceLock::new(),
        }))
    }

    /// The claims as the JSON text of the token's payload.
    pub fn json(&self) -> &str {
        &self.0.json
    }

    /// The claims as a JSON map (what `*raw_claims` gives).
    pub fn as_map(&self) -> &Map<String, Value> {
        // The payload was read by `Claims::parse` before this value was handed out, and that
        // accepts exactly the objects serde_json reads as a map (claims.rs tests it), so the
        // fallback is never taken.
        self.0
            .map
            .get_or_init(|| serde_json::from_str(&self.0.json).unwrap_or_default())
    }
}

impl Deref for RawClaims {
    type Target = Map<String, Value>;

    fn deref(&self) -> &Map<String, Value> {
        self.as_map()
    }
}

impl PartialEq for RawClaims {
    fn eq(&self, other: &Self) -> bool {
        self.json() == other.json() || self.as_map() == other.as_map()
    }
}

impl std::fmt::Debug for RawClaims {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_map(), f)
    }
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
        serde_json::from_str(self.raw_claims.json()).map_err(|error| {
            AuthError::new(
                AuthErrorKind::InvalidClaim,
                format!("the token's claims do not fit the requested type: {error}"),
            )
        })
    }

    /// Reads the claims of a token whose signature, issuer and times were already checked
    /// (`times` is what the check read); `raw` holds the payload `claims` were read from.
    pub(crate) fn from_claims(
        claims: &Claims<'_>,
        times: CheckedTimes,
        raw: &RawClaims,
        issuer: &str,
    ) -> Result<Self, AuthError> {
        let user_id = required_string(claims.sub.as_ref(), "sub")?;
        let environment_id = required_string(claims.pid.as_ref(), "pid")?;
        let organization = organization(claims)?;
        let actor = match &claims.act {
            None | Some(Member::Null) => None,
            Some(Member::Composite(Value::Object(act))) => Some(Actor {
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
            session_id: optional_string(claims.sid.as_ref(), "sid")?,
            email_verified: claims.email_verified == Some(Member::Bool(true)),
            profile_complete: claims.profile_complete != Some(Member::Bool(false)),
            impersonating: actor.is_some(),
            locale: optional_string(claims.locale.as_ref(), "locale")?,
            organization,
            actor,
            issued_at: UNIX_EPOCH + Duration::from_secs(times.issued_at),
            expires_at: UNIX_EPOCH + Duration::from_secs(times.expires_at),
            raw_claims: raw.clone(),
        })
    }
}

fn required_string(claim: Option<&Member<'_>>, name: &str) -> Result<String, AuthError> {
    match claim {
        None | Some(Member::Null) => Err(missing(name)),
        Some(Member::Text(value)) if !value.is_empty() => Ok(value.as_ref().to_owned()),
        Some(_) => Err(invalid(name, "a non-empty string")),
    }
}

fn optional_string(claim: Option<&Member<'_>>, name: &str) -> Result<Option<String>, AuthError> {
    match claim {
        None | Some(Member::Null) => Ok(None),
        Some(Member::Text(value)) => Ok(Some(value.as_ref().to_owned())),
        Some(_) => Err(invalid(name, "a string")),
    }
}

fn organization(claims: &Claims<'_>) -> Result<Option<ActiveOrganization>, AuthError> {
    match &claims.o {
        None | Some(Member::Null) => {}
        Some(Member::Composite(Value::Object(o))) => {
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
    let text =
        |claim: &Option<Member<'_>>| claim.as_ref().and_then(Member::as_text).map(str::to_owned);
    Ok(
        optional_string(claims.org_id.as_ref(), "org_id")?.map(|id| ActiveOrganization {
            id,
            role: text(&claims.org_role),
            slug: text(&claims.org_slug),
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::token::ClaimRules;
    use serde_json::json;

    /// `value` through the checks and into an `Auth`, as the verifier does it.
    fn from_json(value: Value, issuer: &str) -> Result<Auth, AuthError> {
        let rules = ClaimRules {
            issuer: "https://a.example".into(),
            audiences: None,
            authorized_parties: None,
            leeway_seconds: 0,
        };
        let raw = RawClaims::new(value.to_string());
        let claims = Claims::parse(raw.json())?;
        let times = rules.check(&claims, 1_700_000_001)?;
        Auth::from_claims(&claims, times, &raw, issuer)
    }

    fn base() -> Value {
        json!({"sub": "user_1", "pid": "env_1", "iss": "https://a.example", "iat": 1_700_000_000, "exp": 1_700_000_600})
    }

    #[test]
    fn reads_the_required_claims() {
        let auth = from_json(base(), "https://a.example").expect("valid");
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
        let auth = from_json(value.clone(), "i").expect("valid");
        assert!(!auth.email_verified, "only JSON true verifies an email");
        assert!(
            auth.profile_complete,
            "only JSON false marks a profile incomplete"
        );
        value["email_verified"] = json!(true);
        value["profile_complete"] = json!(false);
        let auth = from_json(value, "i").expect("valid");
        assert!(auth.email_verified);
        assert!(!auth.profile_complete);
    }

    #[test]
    fn missing_and_mistyped_required_claims() {
        for name in ["sub", "pid", "iat", "exp"] {
            let mut value = base();
            value.as_object_mut().map(|m| m.remove(name));
            let error = from_json(value, "i").expect_err(name);
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
            let error = from_json(value, "i").expect_err(name);
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
        let org = from_json(value, "i")
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
        let org = from_json(value, "i")
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
            from_json(value, "i").expect_err("o").kind(),
            AuthErrorKind::InvalidClaim
        );
    }

    #[test]
    fn actor_means_impersonation() {
        let mut value = base();
        value["act"] = json!({"sub": "admin_1"});
        let auth = from_json(value, "i").expect("valid");
        assert!(auth.impersonating);
        assert_eq!(auth.actor.expect("actor").subject, "admin_1");
        let mut value = base();
        value["act"] = json!({"iss": "x"});
        assert_eq!(
            from_json(value, "i").expect_err("act").kind(),
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
        let auth = from_json(value, "i").expect("valid");
        assert_eq!(auth.claims::<Mine>().expect("fits").plan, "pro");
        let error = base_auth()
            .claims::<Mine>()
            .map(|m| m.plan)
            .expect_err("no plan");
        assert_eq!(error.kind(), AuthErrorKind::InvalidClaim);
    }

    fn base_auth() -> Auth {
        from_json(base(), "i").expect("valid")
    }
}
