//! MockTorii refuses what the server refuses: a request the spec does not allow gets the
//! server's 400 problem+json, naming the field, and changes nothing. One test per rule, sent as
//! raw HTTP so that no client can smooth the request over.

use std::net::SocketAddr;

use torii_backend::serde_json::{self, Value, json};
use torii_backend::testing::MockTorii;
use torii_tests::raw_http::{self, RawResponse};

struct Mock {
    torii: MockTorii,
    addr: SocketAddr,
    key: String,
}

impl Mock {
    async fn start() -> Self {
        let torii = MockTorii::start().await.expect("mock");
        let addr = torii_tests::mock::api_addr(&torii);
        let key = format!("Bearer {}", torii.secret_key());
        Self { torii, addr, key }
    }

    async fn send(&self, method: &str, path: &str, body: Option<&str>) -> RawResponse {
        let headers = [("Authorization", self.key.as_str())];
        raw_http::send(self.addr, method, path, &headers, body).await
    }

    async fn send_json(&self, method: &str, path: &str, body: &Value) -> RawResponse {
        self.send(method, path, Some(&body.to_string())).await
    }

    fn user_path(&self) -> String {
        let user = self
            .torii
            .seed_user()
            .email("ada@example.com")
            .insert()
            .expect("seeded");
        format!("/api/server/v1/users/{}", user.id)
    }
}

/// Asserts the server's refusal: 400, problem+json with `code`, a `supportId`, and a `detail`
/// that names `field`. Returns the detail.
fn assert_refused(response: &RawResponse, field: &str) -> String {
    assert_eq!(response.status, 400, "{response:?}");
    assert_eq!(
        response.header("content-type"),
        Some("application/problem+json")
    );
    let body: Value = serde_json::from_str(&response.body).expect("a JSON problem");
    assert_eq!(body["code"], "invalid_request", "{body}");
    assert!(
        body["supportId"].as_str().is_some_and(|id| !id.is_empty()),
        "{body}"
    );
    let detail = body["detail"].as_str().expect("a detail").to_owned();
    assert!(detail.contains(field), "`{detail}` does not name `{field}`");
    detail
}

#[tokio::test]
async fn an_enum_value_outside_the_spec_is_refused_and_not_stored() {
    let mock = Mock::start().await;
    let user = mock.user_path();
    let refused = mock
        .send_json("PATCH", &user, &json!({"locale": "AAA"}))
        .await;
    assert_refused(&refused, "`/locale`");
    let stored: Value =
        serde_json::from_str(&mock.send("GET", &user, None).await.body).expect("json");
    assert_ne!(stored["locale"], "AAA", "nothing was stored");
    // A listed value, and the null that clears it, are fine.
    for locale in [json!("da"), Value::Null] {
        let response = mock
            .send_json("PATCH", &user, &json!({"locale": locale}))
            .await;
        assert_eq!(response.status, 200, "{locale}: {}", response.body);
    }
}

#[tokio::test]
async fn a_required_body_that_is_missing_is_refused() {
    let mock = Mock::start().await;
    let user = mock.user_path();
    assert_refused(&mock.send("PATCH", &user, None).await, "body is required");
    assert_refused(
        &mock.send("POST", "/api/server/v1/users", None).await,
        "body is required",
    );
    // The search body is optional: no body is the empty search.
    let search = mock.send("POST", "/api/server/v1/users/search", None).await;
    assert_eq!(search.status, 200, "{}", search.body);
}

#[tokio::test]
async fn a_body_that_is_not_a_json_object_is_refused() {
    let mock = Mock::start().await;
    let user = mock.user_path();
    assert_refused(&mock.send("PATCH", &user, Some("[]")).await, "JSON object");
    assert_refused(
        &mock.send("PATCH", &user, Some("{\"firstName\":")).await,
        "not JSON",
    );
}

#[tokio::test]
async fn a_missing_required_property_is_refused_naming_it() {
    let mock = Mock::start().await;
    let refused = mock
        .send_json("PUT", "/api/server/v1/allowed-origins", &json!({}))
        .await;
    assert_refused(&refused, "`/origins`");
}

#[tokio::test]
async fn a_property_of_the_wrong_type_is_refused() {
    let mock = Mock::start().await;
    let user = mock.user_path();
    assert_refused(
        &mock
            .send_json("PATCH", &user, &json!({"firstName": 5}))
            .await,
        "`/firstName`",
    );
}

#[tokio::test]
async fn duplicate_items_where_the_spec_says_unique_are_refused() {
    let mock = Mock::start().await;
    let refused = mock
        .send_json(
            "POST",
            "/api/server/v1/users/search",
            &json!({"statuses": ["active", "active"]}),
        )
        .await;
    assert_refused(&refused, "`/statuses`");
    let distinct = mock
        .send_json(
            "POST",
            "/api/server/v1/users/search",
            &json!({"statuses": ["active", "banned"]}),
        )
        .await;
    assert_eq!(distinct.status, 200, "{}", distinct.body);
}

#[tokio::test]
async fn values_outside_a_stated_bound_are_refused() {
    let mock = Mock::start().await;
    let target = mock
        .torii
        .seed_user()
        .email("t@example.com")
        .insert()
        .expect("seeded");
    let operator = mock
        .torii
        .seed_user()
        .email("o@example.com")
        .insert()
        .expect("seeded");
    let path = format!("/api/server/v1/users/{}/impersonation-token", target.id);
    let mint = |extra: Value| {
        let mut body = json!({"actorUserId": operator.id, "reason": "ticket 7"});
        if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
            body.extend(extra.clone());
        }
        body
    };
    // minimum and maximum
    for seconds in [59, 601] {
        let refused = mock
            .send_json("POST", &path, &mint(json!({"expiresInSeconds": seconds})))
            .await;
        assert_refused(&refused, "`/expiresInSeconds`");
    }
    // maxLength
    let long = "x".repeat(501);
    assert_refused(
        &mock
            .send_json("POST", &path, &mint(json!({"reason": long})))
            .await,
        "`/reason`",
    );
    // At the bounds, accepted.
    for seconds in [60, 600] {
        let minted = mock
            .send_json("POST", &path, &mint(json!({"expiresInSeconds": seconds})))
            .await;
        assert_eq!(minted.status, 200, "{seconds}: {}", minted.body);
    }
    assert_eq!(
        mock.torii.impersonation_tokens(),
        2,
        "only the accepted ones were minted"
    );
}

#[tokio::test]
async fn formats_the_spec_states_are_enforced() {
    let mock = Mock::start().await;
    let search = "/api/server/v1/users/search";
    assert_refused(
        &mock
            .send_json("POST", search, &json!({"userIds": ["not-a-uuid"]}))
            .await,
        "`/userIds/0`",
    );
    assert_refused(
        &mock
            .send_json("POST", search, &json!({"createdAfter": "yesterday"}))
            .await,
        "`/createdAfter`",
    );
    let fine = mock
        .send_json(
            "POST",
            search,
            &json!({"createdAfter": "2026-01-01T00:00:00Z", "userIds": []}),
        )
        .await;
    assert_eq!(fine.status, 200, "{}", fine.body);
}

#[tokio::test]
async fn path_and_query_parameters_are_checked_against_their_schemas() {
    let mock = Mock::start().await;
    assert_refused(
        &mock
            .send("GET", "/api/server/v1/users/not-a-uuid", None)
            .await,
        "`userId`",
    );
    assert_refused(
        &mock
            .send("GET", "/api/server/v1/organizations?limit=many", None)
            .await,
        "`limit`",
    );
    assert_refused(
        &mock
            .send("GET", "/api/server/v1/organizations?cursor=x", None)
            .await,
        "`cursor`",
    );
    let fine = mock
        .send("GET", "/api/server/v1/organizations?limit=5", None)
        .await;
    assert_eq!(fine.status, 200, "{}", fine.body);
}

/// A method the path does not serve: 405 problem+json like every other refusal, with `Allow`.
#[tokio::test]
async fn a_method_the_path_does_not_serve_is_a_problem_with_allow() {
    let mock = Mock::start().await;
    let response = mock
        .send("DELETE", "/api/server/v1/users/search", None)
        .await;
    assert_eq!(response.status, 405, "{}", response.body);
    assert_eq!(
        response.header("content-type"),
        Some("application/problem+json")
    );
    assert_eq!(response.header("allow"), Some("POST"));
    let problem: Value = serde_json::from_str(&response.body).expect("json");
    assert_eq!(problem["code"], "method_not_allowed");
    assert_eq!(problem["status"], 405);
    assert!(
        problem["supportId"]
            .as_str()
            .is_some_and(|id| !id.is_empty())
    );
    // Not a call of the path's operation: not counted, not logged, and no fault is spent on it.
    mock.torii
        .fail_next(1, torii_backend::testing::ApiFault::Unavailable);
    let again = mock
        .send("DELETE", "/api/server/v1/users/search", None)
        .await;
    assert_eq!(again.status, 405);
    assert_eq!(mock.torii.api_requests(), 0);
    assert!(mock.torii.recent_requests().is_empty());
    let search = mock
        .send("POST", "/api/server/v1/users/search", Some("{}"))
        .await;
    assert_eq!(search.status, 503, "the planned fault is still there");
}
