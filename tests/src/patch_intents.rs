//! The caller intents of `patch-wire-fixtures.json`, written as a user of the SDK would write
//! them, shared by the wire test (what is sent) and the round trip against MockTorii (what it
//! does).

use torii_backend::models::UserStatus;
use torii_backend::serde_json::json;
use torii_backend::{Client, Error};

/// Sends the request the fixture `name` describes, on the user `user_id` where it has one.
/// `None` when no intent is written for `name` (a new fixture: add it here).
pub async fn send(name: &str, client: &Client, user_id: &str) -> Option<Result<(), Error>> {
    let users = client.users();
    Some(match name {
        "update_leave_all" => users.update(user_id).send().await.map(drop),
        "update_set_first_name" => users
            .update(user_id)
            .first_name("Ada")
            .send()
            .await
            .map(drop),
        "update_clear_last_name" => users
            .update(user_id)
            .clear_last_name()
            .send()
            .await
            .map(drop),
        "update_set_and_clear" => users
            .update(user_id)
            .first_name("Alicia")
            .clear_last_name()
            .send()
            .await
            .map(drop),
        "update_metadata_merge" => users
            .update(user_id)
            .unsafe_metadata(json!({"plan": "pro"}))
            .send()
            .await
            .map(drop),
        "update_metadata_delete_key" => users
            .update(user_id)
            .unsafe_metadata(json!({"foo": null}))
            .send()
            .await
            .map(drop),
        "metadata_public_only" => users
            .update_metadata(user_id)
            .public_metadata(json!({"role": "admin"}))
            .send()
            .await
            .map(drop),
        "metadata_delete_key" => users
            .update_metadata(user_id)
            .public_metadata(json!({"a": null}))
            .send()
            .await
            .map(drop),
        "search_empty_omits_statuses" => users.list().send().await.map(drop),
        "search_by_name" => users.list().name("alice").send().await.map(drop),
        "search_clear_name_filter" => users.list().clear_name().send().await.map(drop),
        "search_statuses" => users
            .list()
            .statuses([UserStatus::Active])
            .send()
            .await
            .map(drop),
        "create_minimal" => users
            .create()
            .email("ada@example.com")
            .send()
            .await
            .map(drop),
        "create_with_metadata" => users
            .create()
            .email("grace@example.com")
            .public_metadata(json!({"plan": "free"}))
            .send()
            .await
            .map(drop),
        _ => return None,
    })
}
