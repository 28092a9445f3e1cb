//! The cross-SDK PATCH wire contract (`patch-wire-fixtures.json`), through the public builders:
//! for each caller intent, the body that reaches the server must equal `expectedBody` exactly
//! (a missing key and a `null` are different requests).

#![cfg(not(torii_no_reference))]

use std::collections::BTreeSet;

use torii_backend::models::UserStatus;
use torii_backend::serde_json::{Value, json};
use torii_tests::capture::{Canned, CaptureServer};
use torii_tests::{reference, samples};

/// Sends the request a fixture describes, as a user of the SDK would write it.
async fn send_intent(name: &str, server: &CaptureServer) {
    let torii = server.client();
    let users = torii.users();
    let id = samples::USER_ID;
    let user = Canned::json(200, &samples::user());
    let page = Canned::json(200, &samples::page(vec![], None));
    let result = match name {
        "update_leave_all" => {
            server.respond(user);
            users.update(id).send().await.map(drop)
        }
        "update_set_first_name" => {
            server.respond(user);
            users.update(id).first_name("Ada").send().await.map(drop)
        }
        "update_clear_last_name" => {
            server.respond(user);
            users.update(id).clear_last_name().send().await.map(drop)
        }
        "update_set_and_clear" => {
            server.respond(user);
            users
                .update(id)
                .first_name("Alicia")
                .clear_last_name()
                .send()
                .await
                .map(drop)
        }
        "update_metadata_merge" => {
            server.respond(user);
            users
                .update(id)
                .unsafe_metadata(json!({"plan": "pro"}))
                .send()
                .await
                .map(drop)
        }
        "update_metadata_delete_key" => {
            server.respond(user);
            users
                .update(id)
                .unsafe_metadata(json!({"foo": null}))
                .send()
                .await
                .map(drop)
        }
        "metadata_public_only" => {
            server.respond(user);
            users
                .update_metadata(id)
                .public_metadata(json!({"role": "admin"}))
                .send()
                .await
                .map(drop)
        }
        "metadata_delete_key" => {
            server.respond(user);
            users
                .update_metadata(id)
                .public_metadata(json!({"a": null}))
                .send()
                .await
                .map(drop)
        }
        "search_empty_omits_statuses" => {
            server.respond(page);
            users.list().send().await.map(drop)
        }
        "search_by_name" => {
            server.respond(page);
            users.list().name("alice").send().await.map(drop)
        }
        "search_clear_name_filter" => {
            server.respond(page);
            users.list().clear_name().send().await.map(drop)
        }
        "search_statuses" => {
            server.respond(page);
            users
                .list()
                .statuses([UserStatus::Active])
                .send()
                .await
                .map(drop)
        }
        "create_minimal" => {
            server.respond(Canned::json(201, &samples::user()));
            users
                .create()
                .email("ada@example.com")
                .send()
                .await
                .map(drop)
        }
        "create_with_metadata" => {
            server.respond(Canned::json(201, &samples::user()));
            users
                .create()
                .email("grace@example.com")
                .public_metadata(json!({"plan": "free"}))
                .send()
                .await
                .map(drop)
        }
        other => panic!("fixture `{other}` has no intent in this test: add one"),
    };
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
        send_intent(name, &server).await;
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
