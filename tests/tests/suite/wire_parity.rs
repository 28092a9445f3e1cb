//! The cross-SDK PATCH wire contract (`patch-wire-fixtures.json`), through the public builders:
//! for each caller intent, the body that reaches the server must equal `expectedBody` exactly
//! (a missing key and a `null` are different requests).

#![cfg(not(torii_no_reference))]

use std::collections::BTreeSet;

use torii_backend::serde_json::Value;
use torii_tests::capture::{Canned, CaptureServer};
use torii_tests::{patch_intents, reference, samples};

/// Sends the request a fixture describes, with a canned answer of the endpoint's shape.
async fn send_intent(name: &str, endpoint: Option<&str>, server: &CaptureServer) {
    server.respond(match endpoint {
        Some("search") => Canned::json(200, &samples::page(vec![], None)),
        Some("create") => Canned::json(201, &samples::user()),
        _ => Canned::json(200, &samples::user()),
    });
    let result = patch_intents::send(name, &server.client(), samples::USER_ID)
        .await
        .unwrap_or_else(|| panic!("fixture `{name}` has no intent: add one to patch_intents"));
    result.unwrap_or_else(|e| panic!("{name}: {e}"));
}

#[tokio::test]
async fn every_fixture_holds_through_the_public_builders() {
    let fixtures = reference::json("patch-wire-fixtures.json");
    let fixtures = fixtures["fixtures"].as_array().expect("fixtures array");
    assert_eq!(fixtures.len(), 14, "the contract has 14 cases");

    let server = CaptureServer::start().await;
    let mut names = BTreeSet::new();
    for fixture in fixtures {
        let name = fixture["name"].as_str().expect("name");
        names.insert(name.to_owned());
        send_intent(name, fixture["endpoint"].as_str(), &server).await;
        let received = server.last();
        assert_eq!(
            received.header("content-type"),
            Some("application/json"),
            "{name}: a JSON body"
        );
        assert_eq!(
            received.json(),
            fixture["expectedBody"],
            "{name}: body differs from expectedBody"
        );
        let expected_path = match fixture["endpoint"].as_str() {
            Some("update") => format!("/api/server/v1/users/{}", samples::USER_ID),
            Some("metadata") => format!("/api/server/v1/users/{}/metadata", samples::USER_ID),
            Some("search") => "/api/server/v1/users/search".to_owned(),
            Some("create") => "/api/server/v1/users".to_owned(),
            other => panic!("{name}: unknown endpoint {other:?}"),
        };
        assert_eq!(received.path, expected_path, "{name}");
    }
    assert_eq!(names.len(), 14, "fixture names are unique");
    assert_eq!(server.requests().len(), 14, "one request per fixture");
}

#[tokio::test]
async fn an_empty_search_is_an_empty_object_not_nulls() {
    // Several sister SDKs send {"name":null,...} here; the server then filters for users with
    // no name and rejects null statuses.
    let server = CaptureServer::start().await;
    server.respond(Canned::json(200, &samples::page(vec![], None)));
    server.client().users().list().await.expect("search");
    assert_eq!(server.last().json(), Value::Object(Default::default()));
}

/// `.x_or_clear(Option<T>)` sends what `.x(v)` sends for `Some(v)` and what `.clear_x()` sends
/// for `None`, byte for byte; an untouched field stays absent.
#[tokio::test]
async fn or_clear_setters_send_a_value_for_some_and_null_for_none() {
    let server = CaptureServer::start().await;
    let users = server.client().users();
    let mut bodies = Vec::new();
    for (from_a_form, expected) in [
        (
            Some("Ada"),
            torii_backend::serde_json::json!({"firstName": "Ada"}),
        ),
        (None, torii_backend::serde_json::json!({"firstName": null})),
    ] {
        server.respond(Canned::json(200, &samples::user()));
        users
            .update(samples::USER_ID)
            .first_name_or_clear(from_a_form)
            .send()
            .await
            .expect("update");
        assert_eq!(server.last().json(), expected, "{from_a_form:?}");
        bodies.push(server.last().body);
    }
    for (index, builder) in [
        users.update(samples::USER_ID).first_name("Ada"),
        users.update(samples::USER_ID).clear_first_name(),
    ]
    .into_iter()
    .enumerate()
    {
        server.respond(Canned::json(200, &samples::user()));
        builder.send().await.expect("update");
        assert_eq!(
            server.last().body,
            bodies[index],
            "the same bytes as the plain setters"
        );
    }
}
