//! Every answer MockTorii gives, success and error, for every operation, checked against what
//! `spec/server-v1.json` declares for that operation and status: the media type and the body's
//! schema. The requests are raw HTTP, so nothing in our client can hide a difference.

use std::collections::BTreeSet;

use torii_backend::testing::MockTorii;
use torii_tests::raw_http;
use torii_tests::spec_schema::Spec;

struct Call {
    operation: &'static str,
    method: &'static str,
    path: String,
    body: Option<String>,
    status: u16,
}

fn call(
    operation: &'static str,
    method: &'static str,
    path: String,
    body: Option<&str>,
    status: u16,
) -> Call {
    Call {
        operation,
        method,
        path: format!("/api/server/v1{path}"),
        body: body.map(str::to_owned),
        status,
    }
}

#[tokio::test]
async fn every_answer_of_every_operation_matches_the_spec() {
    let torii = MockTorii::start().await.expect("mock");
    let ada = torii
        .seed_user()
        .email("ada@example.com")
        .first_name("Ada")
        .insert()
        .expect("seed");
    let grace = torii
        .seed_user()
        .email("grace@example.com")
        .insert()
        .expect("seed");
    let gone = torii
        .seed_user()
        .email("gone@example.com")
        .insert()
        .expect("seed");
    let session = torii.create_session(ada.id).expect("session");
    let org = torii
        .create_organization("Analytical Engines")
        .expect("org");
    torii
        .add_member(org.id, ada.id, "org:admin")
        .expect("member");
    let unknown = "0190a000-0000-7000-8000-000000000000";
    let (a, g, o, s) = (ada.id, grace.id, org.id, session.id);

    let mut calls = vec![
        call(
            "set",
            "PUT",
            "/allowed-origins".into(),
            Some(r#"{"origins":["https://app.example.com"]}"#),
            200,
        ),
        call("list", "GET", "/allowed-origins".into(), None, 200),
        call(
            "createUser",
            "POST",
            "/users".into(),
            Some(r#"{"email":"new@example.com","firstName":"New"}"#),
            201,
        ),
        call(
            "createUser",
            "POST",
            "/users".into(),
            Some(r#"{"email":"ADA@example.com"}"#),
            409,
        ),
        call(
            "createUser",
            "POST",
            "/users".into(),
            Some(r#"{"email":"not an email"}"#),
            400,
        ),
        call("getUser", "GET", format!("/users/{a}"), None, 200),
        call("getUser", "GET", format!("/users/{unknown}"), None, 404),
        call(
            "updateUser",
            "PATCH",
            format!("/users/{a}"),
            Some(r#"{"lastName":"Lovelace","locale":"en"}"#),
            200,
        ),
        call(
            "updateUser",
            "PATCH",
            format!("/users/{a}"),
            Some(r#"{"locale":42}"#),
            400,
        ),
        call(
            "updateUser",
            "PATCH",
            format!("/users/{unknown}"),
            Some("{}"),
            404,
        ),
        call(
            "updateUserMetadata",
            "PATCH",
            format!("/users/{a}/metadata"),
            Some(r#"{"publicMetadata":{"plan":"pro"}}"#),
            200,
        ),
        call(
            "updateUserMetadata",
            "PATCH",
            format!("/users/{a}/metadata"),
            Some(&format!(
                r#"{{"privateMetadata":{{"big":"{}"}}}}"#,
                "x".repeat(9000)
            )),
            400,
        ),
        call(
            "updateUserMetadata",
            "PATCH",
            format!("/users/{unknown}/metadata"),
            Some("{}"),
            404,
        ),
        call(
            "searchUsers",
            "POST",
            "/users/search?limit=1".into(),
            Some("{}"),
            200,
        ),
        call(
            "searchUsers",
            "POST",
            "/users/search".into(),
            Some(&format!(
                r#"{{"userIds":[{}]}}"#,
                vec![format!("\"{unknown}\""); 101].join(",")
            )),
            400,
        ),
        call(
            "listUserOrganizations",
            "GET",
            format!("/users/{a}/organizations"),
            None,
            200,
        ),
        call(
            "listUserOrganizations",
            "GET",
            format!("/users/{unknown}/organizations"),
            None,
            403,
        ),
        call(
            "listSessions",
            "GET",
            format!("/users/{a}/sessions"),
            None,
            200,
        ),
        call(
            "listSessions",
            "GET",
            format!("/users/{unknown}/sessions"),
            None,
            403,
        ),
        call(
            "revokeSession",
            "DELETE",
            format!("/users/{a}/sessions/{s}"),
            None,
            204,
        ),
        call(
            "revokeSession",
            "DELETE",
            format!("/users/{unknown}/sessions/{s}"),
            None,
            403,
        ),
        call(
            "revokeAllSessions",
            "DELETE",
            format!("/users/{a}/sessions"),
            None,
            204,
        ),
        call(
            "revokeAllSessions",
            "DELETE",
            format!("/users/{unknown}/sessions"),
            None,
            403,
        ),
        call(
            "mintImpersonationToken",
            "POST",
            format!("/users/{a}/impersonation-token"),
            Some(&format!(
                r#"{{"actorUserId":"{g}","reason":"support ticket 7"}}"#
            )),
            200,
        ),
        call(
            "mintImpersonationToken",
            "POST",
            format!("/users/{a}/impersonation-token"),
            Some(&format!(
                r#"{{"actorUserId":"{g}","reason":"r","expiresInSeconds":5}}"#
            )),
            400,
        ),
        call(
            "mintImpersonationToken",
            "POST",
            format!("/users/{a}/impersonation-token"),
            Some(&format!(r#"{{"actorUserId":"{unknown}","reason":"r"}}"#)),
            403,
        ),
        call("banUser", "POST", format!("/users/{g}/ban"), None, 200),
        call(
            "banUser",
            "POST",
            format!("/users/{unknown}/ban"),
            None,
            404,
        ),
        call("unbanUser", "POST", format!("/users/{g}/unban"), None, 200),
        call(
            "unbanUser",
            "POST",
            format!("/users/{unknown}/unban"),
            None,
            404,
        ),
        call(
            "deleteUser",
            "DELETE",
            format!("/users/{}", gone.id),
            None,
            204,
        ),
        call(
            "deleteUser",
            "DELETE",
            format!("/users/{}", gone.id),
            None,
            403,
        ),
        call(
            "deleteUser",
            "DELETE",
            format!("/users/{unknown}"),
            None,
            404,
        ),
        call(
            "banUser",
            "POST",
            format!("/users/{}/ban", gone.id),
            None,
            403,
        ),
        call(
            "unbanUser",
            "POST",
            format!("/users/{}/unban", gone.id),
            None,
            403,
        ),
        call("getUser", "GET", format!("/users/{}", gone.id), None, 403),
        call(
            "updateUser",
            "PATCH",
            format!("/users/{}", gone.id),
            Some("{}"),
            403,
        ),
        call(
            "updateUserMetadata",
            "PATCH",
            format!("/users/{}/metadata", gone.id),
            Some("{}"),
            403,
        ),
        call(
            "listOrganizations",
            "GET",
            "/organizations?name=engine".into(),
            None,
            200,
        ),
        call(
            "getOrganization",
            "GET",
            format!("/organizations/{o}"),
            None,
            200,
        ),
        call(
            "getOrganization",
            "GET",
            format!("/organizations/{unknown}"),
            None,
            404,
        ),
        call(
            "updateOrganizationMetadata",
            "PATCH",
            format!("/organizations/{o}/metadata"),
            Some(r#"{"publicMetadata":{"tier":"gold"}}"#),
            200,
        ),
        call(
            "updateOrganizationMetadata",
            "PATCH",
            format!("/organizations/{o}/metadata"),
            Some("{}"),
            400,
        ),
        call(
            "updateOrganizationMetadata",
            "PATCH",
            format!("/organizations/{unknown}/metadata"),
            Some(r#"{"publicMetadata":{}}"#),
            404,
        ),
        call(
            "listMembers",
            "GET",
            format!("/organizations/{o}/members"),
            None,
            200,
        ),
        call(
            "listMembers",
            "GET",
            format!("/organizations/{unknown}/members"),
            None,
            404,
        ),
        call(
            "updateMemberMetadata",
            "PATCH",
            format!("/organizations/{o}/members/{a}/metadata"),
            Some(r#"{"privateMetadata":{"seat":3}}"#),
            200,
        ),
        call(
            "updateMemberMetadata",
            "PATCH",
            format!("/organizations/{o}/members/{a}/metadata"),
            Some("{}"),
            400,
        ),
        call(
            "updateMemberMetadata",
            "PATCH",
            format!("/organizations/{o}/members/{g}/metadata"),
            Some(r#"{"privateMetadata":{}}"#),
            404,
        ),
        call(
            "create",
            "POST",
            "/invitations".into(),
            Some(r#"{"email":"invitee@example.com","publicMetadata":{},"privateMetadata":{}}"#),
            201,
        ),
        call(
            "create",
            "POST",
            "/invitations".into(),
            Some(r#"{"email":"grace@example.com","publicMetadata":{},"privateMetadata":{}}"#),
            409,
        ),
        call(
            "create",
            "POST",
            "/invitations".into(),
            Some(
                r#"{"email":"x@example.com","expiresInDays":90,"publicMetadata":{},"privateMetadata":{}}"#,
            ),
            400,
        ),
        call(
            "list_1",
            "GET",
            "/invitations?status=PENDING&search=invitee".into(),
            None,
            200,
        ),
    ];

    let spec = Spec::ours();
    let auth = format!("Bearer {}", torii.secret_key());
    let addr = torii
        .api_url()
        .trim_start_matches("http://")
        .parse()
        .expect("addr");
    let mut failures = Vec::new();
    let mut covered = BTreeSet::new();
    let mut invitation = None;
    let mut index = 0;
    while index < calls.len() {
        let call = &calls[index];
        let response = raw_http::send(
            addr,
            call.method,
            &call.path,
            &[("authorization", &auth)],
            call.body.as_deref(),
        )
        .await;
        let what = format!("{} {} {}", call.method, call.path, call.operation);
        if response.status != call.status {
            failures.push(format!(
                "{what}: status {} (expected {}): {}",
                response.status, call.status, response.body
            ));
        } else if let Err(problems) = spec.check_response(
            call.operation,
            response.status,
            response.header("content-type"),
            &response.body,
        ) {
            failures.push(format!("{what}: {problems:?}"));
        }
        covered.insert(call.operation);
        // The invitation operations by id need the id the create answered.
        if call.operation == "create" && response.status == 201 && invitation.is_none() {
            let body: torii_backend::serde_json::Value =
                torii_backend::serde_json::from_str(&response.body).expect("json");
            let id = body["id"].as_str().expect("id").to_owned();
            calls.extend([
                call_owned("get", "GET", format!("/invitations/{id}"), 200),
                call_owned("get", "GET", format!("/invitations/{unknown}"), 404),
                call_owned("resend", "POST", format!("/invitations/{id}/resend"), 200),
                self::call(
                    "updateMetadata",
                    "PATCH",
                    format!("/invitations/{id}"),
                    Some(r#"{"publicMetadata":{"team":"red"}}"#),
                    200,
                ),
                self::call(
                    "updateMetadata",
                    "PATCH",
                    format!("/invitations/{id}"),
                    Some("{}"),
                    400,
                ),
                self::call(
                    "updateMetadata",
                    "PATCH",
                    format!("/invitations/{unknown}"),
                    Some(r#"{"privateMetadata":{}}"#),
                    404,
                ),
                call_owned("revoke", "DELETE", format!("/invitations/{id}"), 200),
                call_owned("resend", "POST", format!("/invitations/{id}/resend"), 400),
                self::call(
                    "updateMetadata",
                    "PATCH",
                    format!("/invitations/{id}"),
                    Some(r#"{"privateMetadata":{}}"#),
                    409,
                ),
            ]);
            invitation = Some(id);
        }
        index += 1;
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    let all: BTreeSet<String> = spec.operations().into_iter().map(|(id, _, _)| id).collect();
    let covered: BTreeSet<String> = covered.into_iter().map(str::to_owned).collect();
    assert_eq!(covered, all, "every operation was called");
}

fn call_owned(operation: &'static str, method: &'static str, path: String, status: u16) -> Call {
    call(operation, method, path, None, status)
}

#[tokio::test]
async fn a_missing_or_wrong_secret_key_is_a_401_problem_on_every_operation() {
    let torii = MockTorii::start().await.expect("mock");
    let spec = Spec::ours();
    let addr = torii
        .api_url()
        .trim_start_matches("http://")
        .parse()
        .expect("addr");
    let id = "0190a000-0000-7000-8000-000000000000";
    for (operation, method, template) in spec.operations() {
        let path = template
            .replace("{userId}", id)
            .replace("{sessionId}", id)
            .replace("{organizationId}", id)
            .replace("{memberUserId}", id)
            .replace("{invitationId}", id);
        for headers in [vec![], vec![("authorization", "Bearer sk_test_wrong")]] {
            let response = raw_http::send(addr, &method, &path, &headers, Some("{}")).await;
            assert_eq!(response.status, 401, "{method} {path}");
            assert_eq!(
                response.header("content-type"),
                Some("application/problem+json")
            );
            let body: torii_backend::serde_json::Value =
                torii_backend::serde_json::from_str(&response.body).expect("json");
            assert_eq!(body["code"], "invalid_secret_key", "{operation}");
            assert!(body["supportId"].as_str().is_some_and(|id| !id.is_empty()));
            assert_eq!(body["status"], 401);
        }
    }
    assert_eq!(torii.api_requests(), 2 * spec.operations().len());
}

#[test]
fn the_checker_refuses_bodies_that_break_the_spec() {
    let spec = Spec::ours();
    let json = Some("application/json");
    let good = r#"{"origins":["https://a.example"]}"#;
    assert_eq!(spec.check_response("list", 200, json, good), Ok(()));
    for (body, content_type) in [
        (r#"{}"#, json),                              // required member missing
        (r#"{"origins":"https://a.example"}"#, json), // wrong type
        (r#"{"origins":[],"extra":1}"#, json),        // member not in the schema
        (good, Some("text/plain")),                   // wrong media type
        ("not json", json),
    ] {
        assert!(
            spec.check_response("list", 200, content_type, body)
                .is_err(),
            "{body}"
        );
    }
    let page = r#"{"items":[],"hasMore":false,"nextCursor":"not-a-uuid"}"#;
    assert!(
        spec.check_response("listOrganizations", 200, json, page)
            .is_err()
    );
    assert!(
        spec.check_response("list", 201, json, good).is_err(),
        "undeclared success"
    );
    let problem = Some("application/problem+json");
    assert!(
        spec.check_response("get", 404, problem, r#"{"status":"404"}"#)
            .is_err()
    );
    assert!(spec.check_response("deleteUser", 204, None, "").is_ok());
    assert!(spec.check_response("deleteUser", 204, None, "{}").is_err());
}
