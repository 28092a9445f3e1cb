//! Reading a verified payload: the claims the checks and [`Auth`](super::Auth) use, borrowed
//! from the payload text in one pass, with no map built.
//!
//! Every member is read through serde_json exactly as a `serde_json::Value` would read it (the
//! same parser, numbers and strings decoded alike), and a claim named twice is refused. So a
//! payload accepted here is one that `serde_json` reads as a map with the same members, which is
//! what lets [`RawClaims`](super::RawClaims) build that map only when it is asked for.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Number, Value};

use super::error::{AuthError, AuthErrorKind};

/// The value of a claim or header member as far as the checks care: strings borrowed from the
/// decoded text unless they have escapes.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Member<'a> {
    Null,
    Bool(bool),
    Number(Number),
    Text(Cow<'a, str>),
    /// An array or an object, kept whole (`aud` lists, `o`, `act`).
    Composite(Value),
}

impl Member<'_> {
    pub(crate) fn as_text(&self) -> Option<&str> {
        match self {
            Self::Text(text) => Some(text),
            _ => None,
        }
    }
}

/// The claims the verifier reads, each absent (`None`) or as sent. Every other claim was read
/// (so that the payload is known to be well formed) and dropped.
#[derive(Debug, Default)]
pub(crate) struct Claims<'a> {
    pub(crate) iss: Option<Member<'a>>,
    pub(crate) sub: Option<Member<'a>>,
    pub(crate) pid: Option<Member<'a>>,
    pub(crate) sid: Option<Member<'a>>,
    pub(crate) exp: Option<Member<'a>>,
    pub(crate) nbf: Option<Member<'a>>,
    pub(crate) iat: Option<Member<'a>>,
    pub(crate) aud: Option<Member<'a>>,
    pub(crate) azp: Option<Member<'a>>,
    pub(crate) locale: Option<Member<'a>>,
    pub(crate) email_verified: Option<Member<'a>>,
    pub(crate) profile_complete: Option<Member<'a>>,
    pub(crate) o: Option<Member<'a>>,
    pub(crate) org_id: Option<Member<'a>>,
    pub(crate) org_role: Option<Member<'a>>,
    pub(crate) org_slug: Option<Member<'a>>,
    pub(crate) act: Option<Member<'a>>,
}

impl<'a> Claims<'a> {
    /// Reads `payload`, which must be a JSON object naming each claim once: parsers disagree on
    /// which copy of a repeated claim wins, and a token that means one thing to us and another
    /// to the next reader is an attack.
    pub(crate) fn parse(payload: &'a str) -> Result<Self, AuthError> {
        serde_json::from_str(payload).map_err(|_| {
            AuthError::new(
                AuthErrorKind::Malformed,
                "the token's claims are not a JSON object with each claim once",
            )
        })
    }

    /// The slot of a claim the verifier reads, `None` for any other claim.
    fn slot(&mut self, name: &str) -> Option<&mut Option<Member<'a>>> {
        Some(match name {
            "iss" => &mut self.iss,
            "sub" => &mut self.sub,
            "pid" => &mut self.pid,
            "sid" => &mut self.sid,
            "exp" => &mut self.exp,
            "nbf" => &mut self.nbf,
            "iat" => &mut self.iat,
            "aud" => &mut self.aud,
            "azp" => &mut self.azp,
            "locale" => &mut self.locale,
            "email_verified" => &mut self.email_verified,
            "profile_complete" => &mut self.profile_complete,
            "o" => &mut self.o,
            "org_id" => &mut self.org_id,
            "org_role" => &mut self.org_role,
            "org_slug" => &mut self.org_slug,
            "act" => &mut self.act,
            _ => return None,
        })
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Claims<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(ClaimsVisitor(PhantomData))
    }
}

struct ClaimsVisitor<'a>(PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for ClaimsVisitor<'a> {
    type Value = Claims<'a>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Claims<'a>, A::Error> {
        let mut claims = Claims::default();
        // The names of the claims the verifier does not read, to refuse one given twice; a
        // token usually has none, and then nothing is allocated.
        let mut others: Vec<Cow<'de, str>> = Vec::new();
        while let Some(Name(name)) = access.next_key()? {
            match claims.slot(&name) {
                Some(slot) if slot.is_some() => return Err(repeated(&name)),
                Some(slot) => *slot = Some(access.next_value()?),
                None => {
                    access.next_value::<Skip>()?;
                    others.push(name);
                }
            }
        }
        others.sort_unstable();
        if let Some(pair) = others.windows(2).find(|pair| pair.first() == pair.last()) {
            return Err(repeated(pair.first().map_or("", |name| name)));
        }
        Ok(claims)
    }
}

fn repeated<E: de::Error>(name: &str) -> E {
    E::custom(format_args!("the claim `{name}` appears twice"))
}

/// A member name, borrowed from the payload unless it has escapes.
struct Name<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Name<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(NameVisitor(PhantomData))
    }
}

struct NameVisitor<'a>(PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for NameVisitor<'a> {
    type Value = Name<'a>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a claim name")
    }

    fn visit_borrowed_str<E: de::Error>(self, name: &'de str) -> Result<Self::Value, E> {
        Ok(Name(Cow::Borrowed(name)))
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<Self::Value, E> {
        Ok(Name(Cow::Owned(name.to_owned())))
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Member<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(MemberVisitor(PhantomData))
    }
}

struct MemberVisitor<'a>(PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for MemberVisitor<'a> {
    type Value = Member<'a>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Member::Null)
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<Self::Value, E> {
        Ok(Member::Bool(value))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Self::Value, E> {
        Ok(Member::Number(value.into()))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Self::Value, E> {
        Ok(Member::Number(value.into()))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Self::Value, E> {
        Number::from_f64(value)
            .map(Member::Number)
            .ok_or_else(|| E::custom("a number that is not finite"))
    }

    fn visit_borrowed_str<E: de::Error>(self, text: &'de str) -> Result<Self::Value, E> {
        Ok(Member::Text(Cow::Borrowed(text)))
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
        Ok(Member::Text(Cow::Owned(text.to_owned())))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        Value::deserialize(SeqAccessDeserializer::new(seq)).map(Member::Composite)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        Value::deserialize(MapAccessDeserializer::new(map)).map(Member::Composite)
    }
}

/// A claim the verifier does not read: parsed as `serde_json::Value` parses it (so it is
/// refused exactly when that would fail, a number out of range included), and dropped.
struct Skip;

impl<'de> Deserialize<'de> for Skip {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(SkipVisitor)
    }
}

struct SkipVisitor;

impl<'de> Visitor<'de> for SkipVisitor {
    type Value = Skip;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Skip, E> {
        Ok(Skip)
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Skip, E> {
        Ok(Skip)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Skip, E> {
        Ok(Skip)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Skip, E> {
        Ok(Skip)
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Skip, E> {
        MemberVisitor(PhantomData).visit_f64(value).map(|_| Skip)
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Skip, E> {
        Ok(Skip)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Skip, A::Error> {
        while seq.next_element::<Skip>()?.is_some() {}
        Ok(Skip)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Skip, A::Error> {
        while map.next_entry::<Skip, Skip>()?.is_some() {}
        Ok(Skip)
    }
}

pub(crate) fn missing(claim: &str) -> AuthError {
    AuthError::new(
        AuthErrorKind::MissingClaim,
        format!("the token has no `{claim}` claim"),
    )
}

pub(crate) fn invalid(claim: &str, expected: &str) -> AuthError {
    AuthError::new(
        AuthErrorKind::InvalidClaim,
        format!("the `{claim}` claim must be {expected}"),
    )
}

/// Seconds since the epoch a NumericDate may name: 10^15, some 31 million years. No clock gets
/// there, and every time below it is a `SystemTime` on every platform.
const MAX_NUMERIC_DATE: u64 = 1_000_000_000_000_000;

/// A NumericDate (RFC 7519 §2): a JSON number of seconds since the epoch, below
/// [`MAX_NUMERIC_DATE`]. Strings are refused, not skipped (the type confusion of
/// CVE-2026-25537).
pub(crate) fn numeric_date(
    claim: Option<&Member<'_>>,
    name: &str,
) -> Result<Option<u64>, AuthError> {
    let out_of_range = || invalid(name, "a non-negative number of seconds below 10^15");
    match claim {
        None => Ok(None),
        Some(Member::Number(number)) => match number.as_u64() {
            Some(seconds) if seconds < MAX_NUMERIC_DATE => Ok(Some(seconds)),
            Some(_) => Err(out_of_range()),
            // Fractions are allowed by RFC 7519; whole seconds are what Torii issues.
            None => match number.as_f64() {
                Some(seconds) if (0.0..MAX_NUMERIC_DATE as f64).contains(&seconds) => {
                    Ok(Some(seconds as u64))
                }
                _ => Err(out_of_range()),
            },
        },
        Some(_) => Err(invalid(name, "a number of seconds")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Map, json};

    fn kind(payload: &str) -> Option<AuthErrorKind> {
        Claims::parse(payload).err().map(|error| error.kind())
    }

    #[test]
    fn reads_the_claims_it_checks_borrowed() {
        let claims = Claims::parse(
            r#"{"iss":"https://i","sub":"u","exp":1.5e9,"iat":-1,"aud":["a"],"o":{"id":"x"},"email_verified":true,"sid":null,"plan":"pro"}"#,
        )
        .expect("valid");
        assert!(matches!(
            claims.iss,
            Some(Member::Text(Cow::Borrowed("https://i")))
        ));
        assert_eq!(
            claims.exp,
            Some(Member::Number(Number::from_f64(1.5e9).expect("finite")))
        );
        assert_eq!(claims.iat, Some(Member::Number((-1).into())));
        assert_eq!(claims.aud, Some(Member::Composite(json!(["a"]))));
        assert_eq!(claims.o, Some(Member::Composite(json!({"id": "x"}))));
        assert_eq!(claims.email_verified, Some(Member::Bool(true)));
        assert_eq!(claims.sid, Some(Member::Null));
        assert_eq!(claims.pid, None);
        let escaped = Claims::parse(r#"{"s\u0075b":"\u0041da"}"#).expect("valid");
        assert_eq!(escaped.sub.as_ref().and_then(Member::as_text), Some("Ada"));
    }

    #[test]
    fn a_claim_named_twice_is_refused_whether_read_or_not() {
        for payload in [
            r#"{"sub":"a","sub":"b"}"#,
            r#"{"exp":1,"exp":2}"#,
            r#"{"plan":"a","sub":"u","plan":"b"}"#,
            r#"{"plan":"a","pl\u0061n":"b"}"#,
            r#"{"s\u0075b":"a","sub":"b"}"#,
        ] {
            assert_eq!(kind(payload), Some(AuthErrorKind::Malformed), "{payload}");
        }
        assert_eq!(
            kind(r#"{"o":{"id":"a","id":"b"},"plan":1,"plans":2}"#),
            None
        );
    }

    #[test]
    fn refused_exactly_where_a_json_map_would_be() {
        // Each payload is accepted here only if serde_json reads it as a map, so the lazily
        // built raw claims can never fail to appear.
        for payload in [
            r#"{}"#,
            r#"{"plan":1e400}"#,
            r#"{"exp":1e400}"#,
            r#"{"plan":[1,{"a":[1e308,-0.0,18446744073709551615,-9223372036854775808]}]}"#,
            r#"{"plan":"\ud800"}"#,
            r#"{"plan":"\ud83d\ude00"}"#,
            r#"{"plan":"a"} x"#,
            r#"{"plan":01}"#,
            r#"{"plan":tru}"#,
            r#"{"plan":"a",}"#,
            r#"["a"]"#,
            r#""a""#,
            "{\"plan\":\"\u{0}\"}",
            &format!("{{\"deep\":{}{}}}", "[".repeat(126), "]".repeat(126)),
            &format!("{{\"deep\":{}{}}}", "[".repeat(127), "]".repeat(127)),
            &format!("{{\"deep\":{}1{}}}", "{\"a\":".repeat(200), "}".repeat(200)),
        ] {
            let as_map = serde_json::from_str::<Map<String, Value>>(payload).is_ok();
            assert_eq!(Claims::parse(payload).is_ok(), as_map, "{payload}");
        }
    }
}
