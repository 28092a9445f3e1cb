//! `generate_api!` on specs other than torii-backend's own, from a crate that depends on
//! torii-backend alone (this crate has no serde, uuid, chrono or reqwest dependency of its own):
//! a small spec with every supported construct, and the reference's older revision.

use http::Method;
use torii_backend::chrono::{DateTime, NaiveDate, Utc};
use torii_backend::serde_json::json;
use torii_backend::uuid::Uuid;
use torii_tests::capture::{Canned, CaptureServer, TEST_KEY};

mod kitchen {
    torii_backend::generate_api!("specs/kitchen-sink.json");
}

use kitchen::models::{WidgetColor, WidgetKind};

const WIDGET_ID: &str = "01931a73-8b00-7000-8000-00000000000a";

fn kitchen_client(server: &CaptureServer) -> kitchen::Client {
    kitchen::Client::builder()
        .secret_key(TEST_KEY)
        .api_url(server.url())
        .build()
        .expect("client")
}

fn widget() -> torii_backend::serde_json::Value {
    json!({
        "id": WIDGET_ID,
        "kind": "square",
        "name": null,
        "count": 3,
        "total": 9_000_000_000_i64,
        "weight": 1.5,
        "enabled": true,
        "createdAt": "2026-05-16T09:30:00Z",
        "birthday": "1815-12-10",
        "homepage": "https://example.com",
        "attributes": {"a": [1, 2]},
        "labels": {"x": "y"},
        "parts": [{"position": 1, "label": "lid"}],
        "color": null,
        "anything": [true, null],
        "type": "gizmo"
    })
}

#[tokio::test]
async fn responses_decode_into_every_supported_type() {
    let server = CaptureServer::start().await;
    server.respond(Canned::json(200, &widget()));
    let widget = kitchen_client(&server)
        .widgets()
        .get(WIDGET_ID)
        .await
        .expect("get");
    assert_eq!(server.last().path, format!("/v1/widgets/{WIDGET_ID}"));
    assert_eq!(widget.id, Uuid::parse_str(WIDGET_ID).expect("uuid"));
    assert_eq!(widget.kind, WidgetKind::Square);
    assert_eq!(widget.name, None);
    assert_eq!(widget.count, Some(3_i32));
    assert_eq!(widget.total, Some(9_000_000_000_i64));
    assert_eq!(widget.weight, Some(1.5_f64));
    assert_eq!(widget.enabled, Some(true));
    assert_eq!(
        widget.created_at,
        "2026-05-16T09:30:00Z"
            .parse::<DateTime<Utc>>()
            .expect("date")
    );
    assert_eq!(widget.birthday, NaiveDate::from_ymd_opt(1815, 12, 10));
    assert_eq!(widget.homepage.as_deref(), Some("https://example.com"));
    assert_eq!(widget.attributes.get("a"), Some(&json!([1, 2])));
    assert_eq!(
        widget
            .labels
            .as_ref()
            .and_then(|l| l.get("x"))
            .map(String::as_str),
        Some("y")
    );
    assert_eq!(
        widget.parts.as_ref().map(|p| p[0].label.as_deref()),
        Some(Some("lid"))
    );
    assert_eq!(widget.color, None);
    assert_eq!(widget.anything, Some(json!([true, null])));
    assert_eq!(widget.r#type.as_deref(), Some("gizmo"));
}

#[tokio::test]
async fn tri_state_body_fields_of_every_type() {
    let server = CaptureServer::start().await;
    server.respond(Canned::json(200, &widget()));
    kitchen_client(&server)
        .widgets()
        .update(WIDGET_ID)
        .name("w")
        .clear_count()
        .kind(WidgetKind::Round)
        .clear_color()
        .birthday(NaiveDate::from_ymd_opt(2000, 1, 2).expect("date"))
        .attributes(json!({"k": null}))
        .tags(["a", "b"])
        .await
        .expect("update");
    let request = server.last();
    assert_eq!(request.method, Method::PATCH);
    assert_eq!(
        request.json(),
        json!({
            "name": "w",
            "count": null,
            "kind": "round",
            "color": null,
            "birthday": "2000-01-02",
            "attributes": {"k": null},
            "tags": ["a", "b"],
        })
    );

    server.respond(Canned::json(200, &widget()));
    kitchen_client(&server)
        .widgets()
        .update(WIDGET_ID)
        .color(WidgetColor::Green)
        .count(2)
        .clear_name()
        .clear_birthday()
        .await
        .expect("update");
    assert_eq!(
        server.last().json(),
        json!({"color": "green", "count": 2, "name": null, "birthday": null})
    );
}

#[tokio::test]
async fn query_parameters_of_every_type() {
    let server = CaptureServer::start().await;
    server.respond(Canned::json(200, &json!([widget()])));
    let owner = Uuid::parse_str(WIDGET_ID).expect("uuid");
    let widgets = kitchen_client(&server)
        .widgets()
        .list(10)
        .kind([WidgetKind::Round, WidgetKind::Square])
        .since(
            "2026-01-01T00:00:00Z"
                .parse::<DateTime<Utc>>()
                .expect("date"),
        )
        .day(NaiveDate::from_ymd_opt(2026, 2, 3).expect("date"))
        .big(1 << 40)
        .ratio(0.5)
        .active(false)
        .owner(owner)
        .tags(["x y", "z&w"])
        .await
        .expect("list");
    assert_eq!(widgets.len(), 1);
    let request = server.last();
    assert!(request.body.is_empty());
    let pairs: Vec<(&str, &str)> = vec![
        ("limit", "10"),
        ("kind", "round"),
        ("kind", "square"),
        ("since", "2026-01-01T00:00:00Z"),
        ("day", "2026-02-03"),
        ("big", "1099511627776"),
        ("ratio", "0.5"),
        ("active", "false"),
        ("owner", WIDGET_ID),
        ("tags", "x y"),
        ("tags", "z&w"),
    ];
    let received = request.query_pairs();
    let received: Vec<(&str, &str)> = received
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(received, pairs);
}

#[tokio::test]
async fn required_body_fields_are_arguments_and_paths_are_encoded() {
    let server = CaptureServer::start().await;
    let client = kitchen_client(&server);
    server.respond(Canned::json(201, &widget()));
    client
        .widgets()
        .create(WidgetKind::Round, "new")
        .await
        .expect("create");
    assert_eq!(
        server.last().json(),
        json!({"kind": "round", "name": "new"})
    );

    // The `Server` prefix of the tag is dropped; free-text path arguments are percent-encoded.
    server.respond(Canned::json(200, &json!({"a": "b"})));
    let labels = client
        .gadgets()
        .put_gadget_part("a b/c?", 3, 7)
        .label("x")
        .await
        .expect("put");
    let request = server.last();
    assert_eq!(request.method, Method::PUT);
    assert_eq!(request.path, "/v1/gadgets/a%20b%2Fc%3F/parts/3");
    assert_eq!(request.json(), json!({"position": 7, "label": "x"}));
    assert_eq!(labels.get("a").map(String::as_str), Some("b"));

    server.respond(Canned::empty(204));
    client.widgets().delete(WIDGET_ID).await.expect("delete");
    assert_eq!(server.last().method, Method::DELETE);
}

#[tokio::test]
async fn json_and_problem_json_errors_are_api_errors() {
    let server = CaptureServer::start().await;
    let client = kitchen_client(&server);
    server.respond(Canned::problem(
        404,
        &json!({"detail": "no widget", "properties": {"code": "widget_not_found"}}),
    ));
    let error = client.widgets().get(WIDGET_ID).await.expect_err("404");
    let torii_backend::Error::Api(api) = error else {
        panic!("ApiError")
    };
    assert_eq!(api.code(), Some("widget_not_found"));
    assert_eq!(api.message(), "no widget");
}

#[test]
fn the_kitchen_sink_states_no_repeat_success_rule() {
    assert!(!kitchen::Operation::ALL.is_empty());
    for operation in kitchen::Operation::ALL {
        assert!(
            operation.repeat_success_statuses().is_empty(),
            "{operation}"
        );
        assert_eq!(
            kitchen::Operation::from_id(operation.id()),
            Some(*operation)
        );
    }
    assert_eq!(kitchen::Operation::from_id("deleteUser"), None);
}

#[cfg(not(torii_no_reference))]
mod older_revision {
    use super::*;

    mod old {
        torii_backend::generate_api!("${TORII_REFERENCE_DIR}/server-v1-2026-05-27.json");
    }

    fn old_client(server: &CaptureServer) -> old::Client {
        old::Client::builder()
            .secret_key(TEST_KEY)
            .api_url(server.url())
            .build()
            .expect("client")
    }

    #[tokio::test]
    async fn the_design_call_shape_compiles_and_sends_the_right_body() {
        let server = CaptureServer::start().await;
        let client = old_client(&server);
        let user = json!({
            "id": WIDGET_ID,
            "environmentId": WIDGET_ID,
            "phone": "+15555550100",
            "dateOfBirth": "1815-12-10",
            "status": "active",
            "createdAt": "2026-05-16T09:30:00Z",
            "updatedAt": "2026-05-16T09:30:00Z"
        });
        server.respond(Canned::json(200, &user));
        let updated = client
            .users()
            .update(WIDGET_ID)
            .name("x")
            .clear_phone()
            .await
            .expect("update");
        assert_eq!(server.last().json(), json!({"name": "x", "phone": null}));
        assert_eq!(updated.date_of_birth, NaiveDate::from_ymd_opt(1815, 12, 10));

        // Names derived from tags and operationIds, with no x-rust-* extensions in that spec.
        server.respond(Canned::json(
            200,
            &json!({"items": [user], "hasMore": false}),
        ));
        let page = client.users().search().name("Ada").await.expect("search");
        assert_eq!(page.items.len(), 1);
        server.respond(Canned::json(200, &json!([])));
        assert!(
            client
                .sessions()
                .list(WIDGET_ID)
                .await
                .expect("sessions")
                .is_empty()
        );
        server.respond(Canned::empty(204));
        client
            .sessions()
            .revoke_all(WIDGET_ID)
            .await
            .expect("revoke all");
    }

    /// The repeat-success rule is a fact of our spec (`x-torii-repeat-success` on
    /// `deleteUser`), not of the runtime: this revision does not state it, so its client reads
    /// a 403 on a retried delete as the error it is.
    #[tokio::test]
    async fn a_spec_without_the_extension_has_no_repeat_success_rule() {
        assert!(
            old::Operation::DeleteUser
                .repeat_success_statuses()
                .is_empty()
        );
        assert!(
            old::Operation::ALL
                .iter()
                .all(|operation| operation.repeat_success_statuses().is_empty())
        );
        let server = CaptureServer::start().await;
        let client = old_client(&server);
        server.respond(Canned::problem(
            503,
            &json!({"title": "Unavailable", "status": 503}),
        ));
        server.respond(Canned::problem(
            403,
            &json!({"title": "Forbidden", "status": 403}),
        ));
        let error = client
            .users()
            .delete(WIDGET_ID)
            .await
            .expect_err("a 403 is an error without the rule");
        assert_eq!(error.status().map(|s| s.as_u16()), Some(403));
        assert_eq!(server.requests().len(), 2, "the 503 was retried once");
    }
}

/// The server's published revisions as they are, with none of our `x-rust-*` naming: the one
/// before today's (a service pinned to an older server keeps compiling) and today's itself (the
/// macro works on a spec we did not write). Names come from tags and operationIds.
#[cfg(not(torii_no_reference))]
mod published_revisions {
    use super::*;

    mod previous {
        torii_backend::generate_api!("${TORII_REFERENCE_DIR}/server-v1-2026-08-08.json");
    }

    mod newest {
        torii_backend::generate_api!("${TORII_REFERENCE_DIR}/server-v1.json");
    }

    const INVITATION_ID: &str = "01931a73-8b00-7000-8000-0000000000c1";

    fn invitation() -> torii_backend::serde_json::Value {
        json!({
            "id": INVITATION_ID,
            "environmentId": WIDGET_ID,
            "email": "grace@example.com",
            "status": "PENDING",
            "expiresAt": "2026-12-01T00:00:00Z",
            "createdAt": "2026-11-01T00:00:00Z",
            "publicMetadata": {"team": "blue"},
            "privateMetadata": {}
        })
    }

    #[test]
    fn each_revision_has_its_own_operation_table() {
        assert_eq!(previous::Operation::ALL.len(), 25);
        assert_eq!(newest::Operation::ALL.len(), 26);
        assert_eq!(previous::Operation::from_id("updateMetadata"), None);
        let update = newest::Operation::from_id("updateMetadata").expect("in the newest");
        assert_eq!(update.method(), Method::PATCH);
        assert_eq!(
            update.path_template(),
            "/api/server/v1/invitations/{invitationId}"
        );
    }

    #[tokio::test]
    async fn the_previous_revision_reads_an_invitation_without_its_metadata() {
        let server = CaptureServer::start().await;
        let client = previous::Client::builder()
            .secret_key(TEST_KEY)
            .api_url(server.url())
            .build()
            .expect("client");
        server.respond(Canned::json(200, &invitation()));
        let read = client.invitations().get(INVITATION_ID).await.expect("get");
        assert_eq!(read.email, "grace@example.com");
    }

    #[tokio::test]
    async fn the_newest_revision_reads_and_merges_invitation_metadata() {
        let server = CaptureServer::start().await;
        let client = newest::Client::builder()
            .secret_key(TEST_KEY)
            .api_url(server.url())
            .build()
            .expect("client");
        server.respond(Canned::json(200, &invitation()));
        let read = client.invitations().get(INVITATION_ID).await.expect("get");
        assert_eq!(read.public_metadata["team"], "blue");
        server.respond(Canned::json(200, &invitation()));
        client
            .invitations()
            .update_metadata(INVITATION_ID)
            .private_metadata(json!({"crm": null}))
            .await
            .expect("update metadata");
        let sent = server.last();
        assert_eq!(sent.method, Method::PATCH);
        assert_eq!(sent.json(), json!({"privateMetadata": {"crm": null}}));
    }
}
