//! Every operation of `spec/server-v1.json`, called through the generated client against a
//! loopback server that checks method, path, query, body and credentials; every response decodes
//! into its model; a non-2xx answer becomes an `ApiError` with its fields filled.

use std::collections::BTreeSet;

use http::Method;
use torii_backend::chrono::{DateTime, Utc};
use torii_backend::models::{InvitationStatus, Locale, UserStatus};
use torii_backend::serde_json::{Value, json};
use torii_backend::uuid::Uuid;
use torii_backend::{Client, Error};
use torii_tests::capture::{Canned, CaptureServer, Captured, TEST_KEY};
use torii_tests::samples::{
    self, INVITATION_ID, ORGANIZATION_ID, OTHER_USER_ID, SESSION_ID, USER_ID,
};

const BASE: &str = "/api/server/v1";

fn uuid(text: &str) -> Uuid {
    Uuid::parse_str(text).expect("uuid")
}

/// Checks the last request: credentials, method, path, query pairs and JSON body (`None`: no
/// body at all).
fn expect(
    server: &CaptureServer,
    method: Method,
    path: &str,
    query: &[(&str, &str)],
    body: Option<Value>,
) -> Captured {
    let request = server.last();
    assert_eq!(
        request.header("authorization"),
        Some(format!("Bearer {TEST_KEY}").as_str())
    );
    assert_eq!(request.method, method, "{path}");
    assert_eq!(request.path, format!("{BASE}{path}"));
    let pairs: Vec<(String, String)> = query
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    assert_eq!(request.query_pairs(), pairs, "{path}");
    match body {
        Some(body) => assert_eq!(request.json(), body, "{path}"),
        None => assert!(request.body.is_empty(), "{path}: no body expected"),
    }
    request
}

#[tokio::test]
async fn users_operations() {
    let server = CaptureServer::start().await;
    let torii = server.client();

    server.respond(Canned::json(
        200,
        &samples::page(vec![samples::user()], Some(OTHER_USER_ID)),
    ));
    let page = torii
        .users()
        .list()
        .limit(50)
        .cursor(uuid(USER_ID))
        .name("ada")
        .email("@example.com")
        .email_addresses(["ada@example.com"])
        .user_ids([uuid(USER_ID)])
        .statuses([UserStatus::Active, UserStatus::Banned])
        .created_after(
            "2026-01-01T00:00:00Z"
                .parse::<DateTime<Utc>>()
                .expect("date"),
        )
        .created_before(
            "2026-12-31T23:59:59Z"
                .parse::<DateTime<Utc>>()
                .expect("date"),
        )
        .organization_id(uuid(ORGANIZATION_ID))
        .send()
        .await
        .expect("list");
    expect(
        &server,
        Method::POST,
        "/users/search",
        &[("limit", "50"), ("cursor", USER_ID)],
        Some(json!({
            "name": "ada",
            "email": "@example.com",
            "emailAddresses": ["ada@example.com"],
            "userIds": [USER_ID],
            "statuses": ["active", "banned"],
            "createdAfter": "2026-01-01T00:00:00Z",
            "createdBefore": "2026-12-31T23:59:59Z",
            "organizationId": ORGANIZATION_ID,
        })),
    );
    assert_eq!(page.items.len(), 1);
    assert!(page.has_more);
    assert_eq!(page.next_cursor, Some(uuid(OTHER_USER_ID)));
    assert_eq!(page.items[0].status, UserStatus::Active);
    assert_eq!(page.items[0].locale, Some(Locale::En));

    server.respond(Canned::json(200, &samples::user()));
    let user = torii.users().get(USER_ID).await.expect("get");
    expect(
        &server,
        Method::GET,
        &format!("/users/{USER_ID}"),
        &[],
        None,
    );
    assert_eq!(user.id, uuid(USER_ID));
    assert_eq!(user.email.as_deref(), Some("ada@example.com"));
    assert_eq!(user.public_metadata.get("plan"), Some(&json!("pro")));

    server.respond(Canned::json(201, &samples::user()));
    torii
        .users()
        .create()
        .email("ada@example.com")
        .password("correct horse battery staple")
        .first_name("Ada")
        .last_name("Lovelace")
        .public_metadata(json!({"plan": "free"}))
        .private_metadata(json!({"crm": 1}))
        .unsafe_metadata(json!({"step": 0}))
        .await
        .expect("create");
    expect(
        &server,
        Method::POST,
        "/users",
        &[],
        Some(json!({
            "email": "ada@example.com",
            "password": "correct horse battery staple",
            "firstName": "Ada",
            "lastName": "Lovelace",
            "publicMetadata": {"plan": "free"},
            "privateMetadata": {"crm": 1},
            "unsafeMetadata": {"step": 0},
        })),
    );

    server.respond(Canned::json(200, &samples::user()));
    torii
        .users()
        .update(user.id)
        .first_name("Ada")
        .clear_last_name()
        .locale(Locale::Da)
        .await
        .expect("update");
    expect(
        &server,
        Method::PATCH,
        &format!("/users/{USER_ID}"),
        &[],
        Some(json!({"firstName": "Ada", "lastName": null, "locale": "da"})),
    );

    server.respond(Canned::json(200, &samples::user()));
    torii
        .users()
        .update(USER_ID)
        .clear_locale()
        .await
        .expect("clear locale");
    expect(
        &server,
        Method::PATCH,
        &format!("/users/{USER_ID}"),
        &[],
        Some(json!({"locale": null})),
    );

    server.respond(Canned::json(200, &samples::user()));
    torii
        .users()
        .update_metadata(USER_ID)
        .private_metadata(json!({"billing": null}))
        .unsafe_metadata(json!({"step": 2}))
        .await
        .expect("update_metadata");
    expect(
        &server,
        Method::PATCH,
        &format!("/users/{USER_ID}/metadata"),
        &[],
        Some(json!({"privateMetadata": {"billing": null}, "unsafeMetadata": {"step": 2}})),
    );

    server.respond(Canned::empty(204));
    torii.users().delete(USER_ID).await.expect("delete");
    expect(
        &server,
        Method::DELETE,
        &format!("/users/{USER_ID}"),
        &[],
        None,
    );

    let mut banned_user = samples::user();
    banned_user["status"] = json!("banned");
    server.respond(Canned::json(200, &banned_user));
    let banned = torii.users().ban(USER_ID).await.expect("ban");
    expect(
        &server,
        Method::POST,
        &format!("/users/{USER_ID}/ban"),
        &[],
        None,
    );
    assert_eq!(banned.status, UserStatus::Banned);

    server.respond(Canned::json(200, &samples::user()));
    torii.users().unban(USER_ID).await.expect("unban");
    expect(
        &server,
        Method::POST,
        &format!("/users/{USER_ID}/unban"),
        &[],
        None,
    );

    server.respond(Canned::json(
        200,
        &samples::page(vec![samples::user_organization()], None),
    ));
    let memberships = torii
        .users()
        .list_organizations(USER_ID)
        .limit(10)
        .cursor(uuid(ORGANIZATION_ID))
        .await
        .expect("list_organizations");
    expect(
        &server,
        Method::GET,
        &format!("/users/{USER_ID}/organizations"),
        &[("limit", "10"), ("cursor", ORGANIZATION_ID)],
        None,
    );
    assert_eq!(memberships.items[0].role, "org:administrator");
    assert!(!memberships.has_more);
}

#[tokio::test]
async fn sessions_operations() {
    let server = CaptureServer::start().await;
    let torii = server.client();

    server.respond(Canned::json(200, &json!([samples::session()])));
    let sessions = torii
        .sessions()
        .list_for_user(USER_ID)
        .await
        .expect("list_for_user");
    expect(
        &server,
        Method::GET,
        &format!("/users/{USER_ID}/sessions"),
        &[],
        None,
    );
    assert_eq!(sessions.len(), 1);
    assert_eq!(sessions[0].id, uuid(SESSION_ID));
    assert_eq!(sessions[0].ip_address.as_deref(), Some("203.0.113.42"));

    server.respond(Canned::empty(204));
    torii
        .sessions()
        .revoke(USER_ID, SESSION_ID)
        .await
        .expect("revoke");
    expect(
        &server,
        Method::DELETE,
        &format!("/users/{USER_ID}/sessions/{SESSION_ID}"),
        &[],
        None,
    );

    server.respond(Canned::empty(204));
    torii
        .sessions()
        .revoke_all_for_user(USER_ID)
        .await
        .expect("revoke_all_for_user");
    expect(
        &server,
        Method::DELETE,
        &format!("/users/{USER_ID}/sessions"),
        &[],
        None,
    );
}

#[tokio::test]
async fn organizations_operations() {
    let server = CaptureServer::start().await;
    let torii = server.client();

    server.respond(Canned::json(
        200,
        &samples::page(vec![samples::organization()], None),
    ));
    let page = torii
        .organizations()
        .list()
        .name("acme")
        .limit(5)
        .cursor(uuid(ORGANIZATION_ID))
        .await
        .expect("list");
    expect(
        &server,
        Method::GET,
        "/organizations",
        &[
            ("name", "acme"),
            ("limit", "5"),
            ("cursor", ORGANIZATION_ID),
        ],
        None,
    );
    assert_eq!(page.items[0].name, "Acme");

    server.respond(Canned::json(200, &samples::organization()));
    let organization = torii
        .organizations()
        .get(ORGANIZATION_ID)
        .await
        .expect("get");
    expect(
        &server,
        Method::GET,
        &format!("/organizations/{ORGANIZATION_ID}"),
        &[],
        None,
    );
    assert_eq!(organization.slug.as_deref(), Some("acme"));
    assert_eq!(
        organization.private_metadata.get("crm"),
        Some(&json!("acct_1"))
    );

    server.respond(Canned::json(
        200,
        &samples::page(vec![samples::member()], None),
    ));
    let members = torii
        .organizations()
        .list_members(organization.id)
        .limit(2)
        .await
        .expect("list_members");
    expect(
        &server,
        Method::GET,
        &format!("/organizations/{ORGANIZATION_ID}/members"),
        &[("limit", "2")],
        None,
    );
    assert_eq!(members.items[0].user_id, uuid(OTHER_USER_ID));

    server.respond(Canned::json(200, &samples::organization()));
    torii
        .organizations()
        .update_metadata(ORGANIZATION_ID)
        .public_metadata(json!({"plan": "enterprise"}))
        .await
        .expect("update_metadata");
    expect(
        &server,
        Method::PATCH,
        &format!("/organizations/{ORGANIZATION_ID}/metadata"),
        &[],
        Some(json!({"publicMetadata": {"plan": "enterprise"}})),
    );

    server.respond(Canned::json(200, &samples::member()));
    let member = torii
        .organizations()
        .update_member_metadata(ORGANIZATION_ID, OTHER_USER_ID)
        .private_metadata(json!({"seat": null}))
        .await
        .expect("update_member_metadata");
    expect(
        &server,
        Method::PATCH,
        &format!("/organizations/{ORGANIZATION_ID}/members/{OTHER_USER_ID}/metadata"),
        &[],
        Some(json!({"privateMetadata": {"seat": null}})),
    );
    assert_eq!(member.role_name.as_deref(), Some("Member"));
}

#[tokio::test]
async fn invitations_impersonation_and_allowed_origins() {
    let server = CaptureServer::start().await;
    let torii = server.client();

    server.respond(Canned::json(
        200,
        &samples::page(vec![samples::invitation()], None),
    ));
    let page = torii
        .invitations()
        .list()
        .status(["PENDING", "EXPIRED"])
        .search("grace")
        .limit(3)
        .await
        .expect("list");
    expect(
        &server,
        Method::GET,
        "/invitations",
        &[
            ("status", "PENDING"),
            ("status", "EXPIRED"),
            ("search", "grace"),
            ("limit", "3"),
        ],
        None,
    );
    assert_eq!(page.items[0].status, InvitationStatus::Pending);

    server.respond(Canned::json(201, &samples::invitation()));
    torii
        .invitations()
        .create("grace@example.com")
        .expires_in_days(7)
        .redirect_url("https://app.example.com/welcome")
        .public_metadata(json!({"team": "blue"}))
        .await
        .expect("create");
    expect(
        &server,
        Method::POST,
        "/invitations",
        &[],
        Some(json!({
            "email": "grace@example.com",
            "expiresInDays": 7,
            "redirectUrl": "https://app.example.com/welcome",
            "publicMetadata": {"team": "blue"},
            "privateMetadata": {},
        })),
    );

    server.respond(Canned::json(200, &samples::invitation_detail()));
    let invitation = torii.invitations().get(INVITATION_ID).await.expect("get");
    expect(
        &server,
        Method::GET,
        &format!("/invitations/{INVITATION_ID}"),
        &[],
        None,
    );
    assert_eq!(invitation.email, "grace@example.com");
    assert_eq!(invitation.public_metadata["team"], "blue");
    assert_eq!(invitation.private_metadata["crmAccount"], "A-1009");

    // updateMetadata: the bags given, and only those; a null inside a bag goes as null (the
    // server removes that key), and a bag left out is absent, not `{}`.
    for (builder, body) in [
        (
            torii
                .invitations()
                .update_metadata(INVITATION_ID)
                .public_metadata(json!({"team": "green"}))
                .private_metadata(json!({"crmAccount": "A-2000"})),
            json!({"publicMetadata": {"team": "green"}, "privateMetadata": {"crmAccount": "A-2000"}}),
        ),
        (
            torii
                .invitations()
                .update_metadata(INVITATION_ID)
                .private_metadata(json!({"crmAccount": "A-2000"})),
            json!({"privateMetadata": {"crmAccount": "A-2000"}}),
        ),
        (
            torii
                .invitations()
                .update_metadata(invitation.id)
                .public_metadata(json!({"team": null, "seats": {"max": 5}})),
            json!({"publicMetadata": {"team": null, "seats": {"max": 5}}}),
        ),
    ] {
        server.respond(Canned::json(200, &samples::invitation_detail()));
        let updated = builder.await.expect("update_metadata");
        expect(
            &server,
            Method::PATCH,
            &format!("/invitations/{INVITATION_ID}"),
            &[],
            Some(body),
        );
        assert_eq!(updated.private_metadata["crmAccount"], "A-1009");
    }

    server.respond(Canned::json(200, &samples::invitation()));
    torii
        .invitations()
        .resend(invitation.id)
        .await
        .expect("resend");
    expect(
        &server,
        Method::POST,
        &format!("/invitations/{INVITATION_ID}/resend"),
        &[],
        None,
    );

    server.respond(Canned::empty(200));
    torii
        .invitations()
        .revoke(INVITATION_ID)
        .await
        .expect("revoke");
    expect(
        &server,
        Method::DELETE,
        &format!("/invitations/{INVITATION_ID}"),
        &[],
        None,
    );

    server.respond(Canned::json(
        200,
        &json!({"token": "imp_123", "expiresInSeconds": 300, "url": null}),
    ));
    let token = torii
        .impersonation()
        .mint_token(USER_ID, uuid(OTHER_USER_ID), "Support ticket #4821")
        .expires_in_seconds(300)
        .clear_redirect_url()
        .await
        .expect("mint_token");
    expect(
        &server,
        Method::POST,
        &format!("/users/{USER_ID}/impersonation-token"),
        &[],
        Some(json!({
            "actorUserId": OTHER_USER_ID,
            "reason": "Support ticket #4821",
            "expiresInSeconds": 300,
            "redirectUrl": null,
        })),
    );
    assert_eq!(token.token, "imp_123");
    assert_eq!(token.url, None);

    server.respond(Canned::json(
        200,
        &json!({"origins": ["capacitor://localhost"]}),
    ));
    let origins = torii.allowed_origins().list().await.expect("list origins");
    expect(&server, Method::GET, "/allowed-origins", &[], None);
    assert_eq!(origins.origins, ["capacitor://localhost"]);

    server.respond(Canned::json(
        200,
        &json!({"origins": ["https://a.example", "capacitor://localhost"]}),
    ));
    torii
        .allowed_origins()
        .set(["https://a.example", "capacitor://localhost"])
        .await
        .expect("set origins");
    expect(
        &server,
        Method::PUT,
        "/allowed-origins",
        &[],
        Some(json!({"origins": ["https://a.example", "capacitor://localhost"]})),
    );
}

/// The operations the tests above call, by method and path template; every operation of the
/// spec must be among them.
#[test]
fn every_operation_of_the_spec_is_called_above() {
    let spec = torii_tests::reference::repo_json("spec/server-v1.json");
    // Whitespace removed, so that calls split over lines by rustfmt are found too.
    let source: String = include_str!("operations.rs").split_whitespace().collect();
    let mut missing = BTreeSet::new();
    let mut count = 0;
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("path item") {
            count += 1;
            let name = operation["x-rust-method"].as_str().expect("x-rust-method");
            let resource = operation["tags"][0].as_str().expect("tag");
            let accessor = spec["tags"]
                .as_array()
                .expect("tags")
                .iter()
                .find(|t| t["name"] == resource)
                .and_then(|t| t["x-rust-resource"].as_str())
                .expect("x-rust-resource");
            if !source.contains(&format!(".{accessor}().{name}(")) {
                missing.insert(format!("{method} {path} ({accessor}().{name})"));
            }
        }
    }
    assert_eq!(count, 26, "the spec has 26 operations today");
    assert!(missing.is_empty(), "operations never called: {missing:#?}");
}

/// Each operation's qualified name is `resource.method` as the client spells the call, read
/// from the spec here independently of the generator; names are unique, and `Display` is the
/// name while `id()` stays the operationId.
#[test]
fn operation_names_are_the_calls_as_the_client_spells_them() {
    use torii_backend::Operation;
    let spec = torii_tests::reference::repo_json("spec/server-v1.json");
    let mut names = BTreeSet::new();
    for item in spec["paths"].as_object().expect("paths").values() {
        for operation in item.as_object().expect("path item").values() {
            let id = operation["operationId"].as_str().expect("operationId");
            let method = operation["x-rust-method"].as_str().expect("x-rust-method");
            let accessor = spec["tags"]
                .as_array()
                .expect("tags")
                .iter()
                .find(|t| t["name"] == operation["tags"][0])
                .and_then(|t| t["x-rust-resource"].as_str())
                .expect("x-rust-resource");
            let table = Operation::from_id(id).expect("in the table");
            assert_eq!(table.name(), format!("{accessor}.{method}"), "{id}");
            assert_eq!(table.to_string(), table.name());
            assert_eq!(table.id(), id);
            assert!(names.insert(table.name()), "{} twice", table.name());
        }
    }
    assert_eq!(names.len(), Operation::ALL.len());
    assert_eq!(
        Operation::from_id("create").map(Operation::name),
        Some("invitations.create")
    );
    assert_eq!(
        Operation::from_id("list_1").map(Operation::name),
        Some("invitations.list")
    );
}

/// A member of the problem body beyond `code` is one call away: at the top level, or under the
/// problem's `properties`; a 409 is answered once, never retried.
#[tokio::test]
async fn problem_members_are_read_from_the_error() {
    let server = CaptureServer::start().await;
    let torii = server.client();
    let refuse = |body: Value| {
        server.respond(Canned::problem(409, &body));
        torii
            .invitations()
            .update_metadata(INVITATION_ID)
            .public_metadata(json!({"team": "green"}))
    };

    let mut top_level = samples::problem(409, "invitation_not_pending", "accepted");
    top_level["invitationStatus"] = json!("ACCEPTED");
    let Err(Error::Api(refused)) = refuse(top_level).await else {
        panic!("a 409")
    };
    assert_eq!(
        refused.problem_member("invitationStatus"),
        Some(&json!("ACCEPTED"))
    );
    assert_eq!(
        refused.problem_member("code"),
        Some(&json!("invitation_not_pending"))
    );
    assert_eq!(refused.problem_member("nonesuch"), None);

    let mut nested = samples::problem(409, "invitation_patch_conflict", "could not settle");
    nested["properties"] = json!({"invitationStatus": "PENDING"});
    let Err(Error::Api(conflict)) = refuse(nested).await else {
        panic!("a 409")
    };
    assert_eq!(
        conflict.problem_member("invitationStatus"),
        Some(&json!("PENDING"))
    );
    assert_eq!(conflict.attempts(), 1, "a 409 is not retried");
    assert!(!conflict.is_retryable());
    assert_eq!(server.requests().len(), 2, "one request per call");

    server.respond(Canned::raw(409, "text/plain", "conflict"));
    let Err(Error::Api(plain)) = torii.invitations().get(INVITATION_ID).await else {
        panic!("a 409")
    };
    assert_eq!(plain.problem_member("invitationStatus"), None, "not JSON");
}

#[tokio::test]
async fn non_2xx_answers_become_api_errors() {
    let server = CaptureServer::start().await;
    let torii = server.client();
    server.respond(Canned::problem(
        404,
        &samples::problem(404, "user_not_found", "No user with this id"),
    ));
    let error = torii.users().get(USER_ID).await.expect_err("404");
    assert!(error.is_not_found());
    let Error::Api(api) = error else {
        panic!("an ApiError")
    };
    assert_eq!(api.status(), 404);
    assert_eq!(api.code(), Some("user_not_found"));
    assert_eq!(api.support_id(), Some("sup_test_1"));
    assert_eq!(api.message(), "No user with this id");
    assert_eq!(
        (api.operation(), api.operation_id()),
        ("users.get", "getUser")
    );
    assert!(api.body().contains("user_not_found"));

    server.respond(
        Canned::raw(502, "text/html", "<h1>Bad gateway</h1>").with_header("retry-after", "7"),
    );
    let Error::Api(api) = torii
        .sessions()
        .list_for_user(USER_ID)
        .await
        .expect_err("502")
    else {
        panic!("an ApiError")
    };
    assert_eq!(api.status(), 502);
    assert_eq!(api.body(), "<h1>Bad gateway</h1>");
    assert_eq!(api.retry_after(), Some(std::time::Duration::from_secs(7)));
}

#[tokio::test]
async fn a_body_that_breaks_the_spec_is_a_decode_error_naming_the_field() {
    let server = CaptureServer::start().await;
    let mut user = samples::user();
    user["createdAt"] = json!("yesterday");
    server.respond(Canned::json(
        200,
        &samples::page(vec![samples::user(), user], None),
    ));
    let error = server.client().users().list().await.expect_err("bad date");
    let Error::Decode(decode) = error else {
        panic!("a DecodeError, got {error:?}")
    };
    assert_eq!(decode.json_path(), "items[1].createdAt");
    assert_eq!(
        (decode.operation(), decode.operation_id()),
        ("users.list", "searchUsers")
    );
}

#[tokio::test]
async fn unknown_enum_values_are_kept() {
    let server = CaptureServer::start().await;
    let mut user = samples::user();
    user["status"] = json!("suspended");
    server.respond(Canned::json(200, &user));
    let user = server.client().users().get(USER_ID).await.expect("decodes");
    match &user.status {
        UserStatus::Unknown(value) => assert_eq!(value.as_str(), "suspended"),
        other => panic!("`suspended` is not in the spec, yet it read as {other:?}"),
    }
    assert_eq!(user.status, UserStatus::from("suspended"));
    assert_eq!(user.status.as_str(), "suspended");
    // A listed value never reads as `Unknown`, so it cannot be spelled two ways.
    assert_eq!(UserStatus::from("active"), UserStatus::Active);
    assert_eq!("banned".parse(), Ok(UserStatus::Banned));
    // And an unknown one goes back on the wire as it came.
    assert_eq!(
        torii_backend::serde_json::to_value(&user.status).expect("serializes"),
        json!("suspended")
    );
}

#[tokio::test]
async fn bad_arguments_fail_before_sending() {
    let server = CaptureServer::start().await;
    let torii = server.client();
    let error = torii.users().get("../admin").await.expect_err("not a uuid");
    assert!(
        matches!(&error, Error::InvalidArgument(a) if a.name() == "userId"),
        "{error}"
    );
    let error = torii
        .users()
        .update_metadata(USER_ID)
        .public_metadata(json!("not an object"))
        .await
        .expect_err("not an object");
    assert_eq!(
        error.to_string(),
        "invalid argument `publicMetadata`: must be a JSON object, not a string"
    );
    assert!(server.requests().is_empty(), "nothing was sent");
}

#[test]
fn client_construction_checks_the_key() {
    assert!(matches!(Client::new("pk_test_123"), Err(Error::Config(_))));
    assert!(Client::new("sk_live_123").is_ok());
    let debug = format!("{:?}", Client::new("sk_live_verysecret").expect("client"));
    assert!(!debug.contains("verysecret"), "{debug}");
}

#[tokio::test]
async fn builders_own_their_client_and_move_into_tasks() {
    let server = CaptureServer::start().await;
    let builder = {
        let torii = server.client();
        torii.users().get(USER_ID)
        // `torii` is dropped here; the builder keeps its own handle.
    };
    server.respond(Canned::json(200, &samples::user()));
    let user = tokio::spawn(async move { builder.await })
        .await
        .expect("task")
        .expect("get");
    assert_eq!(user.id, uuid(USER_ID));
}

/// The operation table decodes a success body exactly as the client does: what the fuzz target
/// feeds every operation through.
#[test]
fn the_operation_table_decodes_success_bodies_as_the_client_does() {
    use torii_backend::Operation;
    Operation::GetUser
        .decode_response(&torii_backend::serde_json::to_vec(&samples::user()).expect("json"))
        .expect("a user decodes as getUser's answer");
    match Operation::GetUser.decode_response(br#"{"id": 7}"#) {
        Err(Error::Decode(error)) => {
            assert_eq!(error.operation(), "users.get");
            assert_eq!(error.json_path(), "id");
        }
        other => panic!("a user with a numeric id decoded as {other:?}"),
    }
    // An operation answered with no body accepts any.
    Operation::DeleteUser
        .decode_response(b"not json")
        .expect("no body to decode");
}
