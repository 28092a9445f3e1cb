//! The `roundTrip` cases of `patch-wire-fixtures.json` against MockTorii: seed a user, send the
//! fixture's PATCH through the public builders, then read the user back and check the `after`
//! values and the `absent` keys.

#![cfg(not(torii_no_reference))]

use torii_backend::models::Locale;
use torii_backend::serde_json::Value;
use torii_backend::testing::MockTorii;
use torii_tests::{patch_intents, reference};

/// The value at a dotted path such as `unsafeMetadata.step` in the user as JSON; a `null`
/// and an absent key are the same (no value).
fn at<'a>(user: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.')
        .try_fold(user, |value, key| value.get(key))
        .filter(|value| !value.is_null())
}

#[tokio::test]
async fn every_round_trip_case_holds_against_the_mock() {
    let fixtures = reference::json("patch-wire-fixtures.json");
    let cases: Vec<&Value> = fixtures["fixtures"]
        .as_array()
        .expect("fixtures")
        .iter()
        .filter(|fixture| fixture.get("roundTrip").is_some())
        .collect();
    assert_eq!(cases.len(), 8, "the contract has 8 round-trip cases");

    let torii = MockTorii::start().await.expect("mock");
    let client = torii.client();
    for case in cases {
        let name = case["name"].as_str().expect("name");
        let round_trip = &case["roundTrip"];
        let seed = &round_trip["seed"];
        let mut user = torii.seed_user();
        for (key, value) in seed.as_object().expect("seed object") {
            user = match (key.as_str(), value) {
                ("firstName", Value::String(v)) => user.first_name(v),
                ("lastName", Value::String(v)) => user.last_name(v),
                ("locale", Value::String(v)) => user.locale(Locale::from(v.as_str())),
                ("publicMetadata", bag) => user.public_metadata(bag.clone()),
                ("privateMetadata", bag) => user.private_metadata(bag.clone()),
                ("unsafeMetadata", bag) => user.unsafe_metadata(bag.clone()),
                other => panic!("{name}: no seeding for {other:?}"),
            };
        }
        let user = user.insert().expect("seed");

        patch_intents::send(name, &client, &user.id.to_string())
            .await
            .unwrap_or_else(|| panic!("{name}: no intent"))
            .unwrap_or_else(|e| panic!("{name}: {e}"));

        let after = client.users().get(user.id).send().await.expect("read back");
        let after = torii_backend::serde_json::to_value(&after).expect("json");
        for (path, expected) in round_trip["after"].as_object().expect("after") {
            let expected = Some(expected).filter(|v| !v.is_null());
            assert_eq!(at(&after, path), expected, "{name}: {path}");
        }
        for path in round_trip["absent"].as_array().into_iter().flatten() {
            let path = path.as_str().expect("path");
            assert_eq!(at(&after, path), None, "{name}: {path} must be gone");
        }
    }
}
