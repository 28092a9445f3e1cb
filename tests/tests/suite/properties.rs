//! Properties over generated inputs (proptest): no mutation of a valid token is accepted, custom
//! claims of any JSON shape come back exactly as they were signed, and tri-state PATCH bodies mean exactly what the caller asked for any mix of set, clear and
//! leave alone, on the wire and in the state MockTorii ends up in.

use std::sync::OnceLock;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use proptest::prelude::*;
use torii_backend::models::{Locale, UpdateUserRequest};
use torii_backend::serde_json::{self, Map, Value, json};
use torii_backend::testing::MockTorii;
use torii_backend::verify::Verifier;

/// One mock, runtime and verifier for every case, with a valid token minted once.
struct Fixture {
    runtime: tokio::runtime::Runtime,
    torii: MockTorii,
    verifier: Verifier,
    token: String,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let (runtime, torii) = torii_tests::mock::on_own_runtime();
        let verifier = torii.verifier();
        let token = torii
            .token()
            .claim("email_verified", true)
            .claim("o", json!({"id": "org_1", "rol": "admin"}))
            .sign();
        runtime
            .block_on(verifier.verify(&token))
            .expect("the unmutated token verifies");
        Fixture {
            runtime,
            torii,
            verifier,
            token,
        }
    })
}

fn accepted(token: &str) -> bool {
    let fixture = fixture();
    fixture
        .runtime
        .block_on(fixture.verifier.verify(token))
        .is_ok()
}

/// A mutation of a compact token.
#[derive(Debug, Clone)]
enum Mutation {
    FlipBit { index: usize, bit: u8 },
    Delete { index: usize },
    Insert { index: usize, byte: u8 },
    SwapSegments { a: usize, b: usize },
    PadSegment { segment: usize },
    RepeatSegment { segment: usize },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 0_u8..8).prop_map(|(index, bit)| Mutation::FlipBit { index, bit }),
        any::<usize>().prop_map(|index| Mutation::Delete { index }),
        (any::<usize>(), any::<u8>()).prop_map(|(index, byte)| Mutation::Insert { index, byte }),
        (0_usize..3, 0_usize..3).prop_map(|(a, b)| Mutation::SwapSegments { a, b }),
        (0_usize..3).prop_map(|segment| Mutation::PadSegment { segment }),
        (0_usize..3).prop_map(|segment| Mutation::RepeatSegment { segment }),
    ]
}

fn apply(token: &str, mutation: &Mutation) -> Vec<u8> {
    let mut bytes = token.as_bytes().to_vec();
    let segments: Vec<&str> = token.split('.').collect();
    match *mutation {
        Mutation::FlipBit { index, bit } => {
            let index = index % bytes.len();
            bytes[index] ^= 1 << bit;
        }
        Mutation::Delete { index } => {
            bytes.remove(index % bytes.len());
        }
        Mutation::Insert { index, byte } => bytes.insert(index % (bytes.len() + 1), byte),
        Mutation::SwapSegments { a, b } => {
            let mut swapped = segments.clone();
            swapped.swap(a, b);
            bytes = swapped.join(".").into_bytes();
        }
        Mutation::PadSegment { segment } => {
            let mut padded: Vec<String> = segments.iter().map(|s| (*s).to_owned()).collect();
            padded[segment].push('=');
            bytes = padded.join(".").into_bytes();
        }
        Mutation::RepeatSegment { segment } => {
            let mut repeated = segments.clone();
            repeated.insert(segment, segments[segment]);
            bytes = repeated.join(".").into_bytes();
        }
    }
    bytes
}

/// A claim of the valid token and a value of any JSON type (the property keeps only the
/// values whose type is not the claim's).
fn retyped_claim() -> impl Strategy<Value = (&'static str, Value)> {
    let claim = prop::sample::select(vec!["iss", "sub", "pid", "iat", "exp", "o"]);
    let value = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<u32>().prop_map(|n| json!(n.to_string())),
        Just(json!([])),
        Just(json!({"nested": 1})),
    ];
    (claim, value)
}

/// Whether `value` has the JSON type the claim must have.
fn right_type(claim: &str, value: &Value) -> bool {
    match claim {
        "iat" | "exp" => value.is_number(),
        // `"o": null` says "no active organization", as leaving it out does.
        "o" => value.is_object() || value.is_null(),
        _ => value.is_string(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn no_mutation_of_a_valid_token_is_accepted(mutation in mutation()) {
        let token = &fixture().token;
        let mutated = apply(token, &mutation);
        prop_assume!(mutated != token.as_bytes());
        // A token is text; bytes that are not UTF-8 never reach the verifier as a token.
        if let Ok(mutated) = String::from_utf8(mutated) {
            prop_assert!(!accepted(&mutated), "{mutation:?} accepted: {mutated}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn a_claim_retyped_and_signed_by_the_issuer_is_refused((claim, value) in retyped_claim()) {
        prop_assume!(!right_type(claim, &value));
        let fixture = fixture();
        let payload = fixture.token.split('.').nth(1).expect("payload");
        let mut claims: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64url"))
                .expect("json");
        claims[claim] = value.clone();
        let header = fixture.token.split('.').next().expect("header");
        let header = String::from_utf8(URL_SAFE_NO_PAD.decode(header).expect("base64url"))
            .expect("utf-8");
        let token = fixture.torii.sign_raw(&header, &claims.to_string());
        let result = fixture.runtime.block_on(fixture.verifier.verify(&token));
        prop_assert!(result.is_err(), "{} = {} accepted", claim, value);
    }
}

/// Any JSON value: every scalar type (strings with escapes and any Unicode, numbers of every
/// representation), nested in arrays and objects.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<u64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("JSON numbers are finite", |n| n.is_finite())
            .prop_map(|n| json!(n)),
        any::<String>().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map("[a-z\"\\\\é]{0,6}", inner, 0..6)
                .prop_map(|members| Value::Object(members.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn custom_claims_come_back_exactly_as_signed(
        custom in prop::collection::btree_map("x_[a-z\"é]{0,6}", json_value(), 0..6)
    ) {
        let fixture = fixture();
        let token = custom
            .iter()
            .fold(fixture.torii.token(), |token, (name, value)| token.claim(name, value.clone()))
            .sign();
        let auth = fixture
            .runtime
            .block_on(fixture.verifier.verify(&token))
            .expect("a token with custom claims verifies");
        for (name, value) in &custom {
            prop_assert_eq!(auth.raw_claims.get(name), Some(value));
        }
        let as_text: Map<String, Value> =
            serde_json::from_str(auth.raw_claims.json()).expect("the payload text");
        prop_assert_eq!(&as_text, &*auth.raw_claims);
        let as_type: Map<String, Value> = auth.claims().expect("claims as a map");
        prop_assert_eq!(&as_type, &*auth.raw_claims);
    }
}

/// What a caller asks of one tri-state field.
#[derive(Debug, Clone)]
enum Intent<T> {
    Leave,
    Clear,
    Set(T),
}

fn intent<T: Clone + std::fmt::Debug + 'static>(
    value: impl Strategy<Value = T> + 'static,
) -> impl Strategy<Value = Intent<T>> {
    prop_oneof![
        Just(Intent::Leave),
        Just(Intent::Clear),
        value.prop_map(Intent::Set)
    ]
}

fn name() -> impl Strategy<Value = String> {
    "[a-zA-Zæøå '-]{1,12}"
}

fn locale() -> impl Strategy<Value = Locale> {
    prop_oneof![Just(Locale::En), Just(Locale::Da)]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn tri_state_bodies_mean_what_was_asked(
        first in intent(name()),
        last in intent(name()),
        lang in intent(locale()),
        seed_first in name(),
        seed_last in name(),
    ) {
        let fixture = fixture();
        let client = fixture.torii.client();
        let user = fixture
            .torii
            .seed_user()
            .first_name(&seed_first)
            .last_name(&seed_last)
            .locale(Locale::Da)
            .insert()
            .expect("seed");

        let mut update = client.users().update(user.id);
        let mut body = UpdateUserRequest::default();
        match &first {
            Intent::Leave => {}
            Intent::Clear => { update = update.clear_first_name(); body.first_name = Some(None); }
            Intent::Set(v) => { update = update.first_name(v); body.first_name = Some(Some(v.clone())); }
        }
        match &last {
            Intent::Leave => {}
            Intent::Clear => { update = update.clear_last_name(); body.last_name = Some(None); }
            Intent::Set(v) => { update = update.last_name(v); body.last_name = Some(Some(v.clone())); }
        }
        match &lang {
            Intent::Leave => {}
            Intent::Clear => { update = update.clear_locale(); body.locale = Some(None); }
            Intent::Set(v) => { update = update.locale(v.clone()); body.locale = Some(Some(v.clone())); }
        }

        // On the wire: absent, null or the value, per field; and the body reads back the same.
        let wire = serde_json::to_value(&body).expect("json");
        let asked = [
            ("firstName", wire_of(&first.clone().map(Value::from))),
            ("lastName", wire_of(&last.clone().map(Value::from))),
            ("locale", wire_of(&lang.clone().map(|l| Value::from(l.as_str())))),
        ];
        for (key, asked) in asked {
            prop_assert_eq!(wire.get(key).cloned(), asked, "{}", key);
        }
        let read_back: UpdateUserRequest = serde_json::from_value(wire).expect("reads back");
        prop_assert_eq!(&read_back, &body);

        // In the server's state: set, cleared, or what was seeded.
        let after = fixture.runtime.block_on(update.send()).expect("update");
        prop_assert_eq!(after.first_name, expected(&first, Some(seed_first)));
        prop_assert_eq!(after.last_name, expected(&last, Some(seed_last)));
        prop_assert_eq!(after.locale, expected(&lang, Some(Locale::Da)));
    }
}

impl<T> Intent<T> {
    fn map<U>(self, f: impl FnOnce(T) -> U) -> Intent<U> {
        match self {
            Intent::Leave => Intent::Leave,
            Intent::Clear => Intent::Clear,
            Intent::Set(v) => Intent::Set(f(v)),
        }
    }
}

/// The member a body must carry for `intent`: none, `null`, or the value.
fn wire_of(intent: &Intent<Value>) -> Option<Value> {
    match intent {
        Intent::Leave => None,
        Intent::Clear => Some(Value::Null),
        Intent::Set(v) => Some(v.clone()),
    }
}

fn expected<T: Clone>(intent: &Intent<T>, before: Option<T>) -> Option<T> {
    match intent {
        Intent::Leave => before,
        Intent::Clear => None,
        Intent::Set(v) => Some(v.clone()),
    }
}
