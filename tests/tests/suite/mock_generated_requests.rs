//! Request bodies generated from the spec's own schemas, valid and broken, sent to MockTorii as
//! raw HTTP: a valid body is never refused for its shape, a broken one always gets the 400
//! problem+json that names the broken field, and no answer either way breaks the spec.

use std::net::SocketAddr;
use std::sync::OnceLock;

use proptest::prelude::*;
use torii_backend::Operation;
use torii_backend::serde_json::{self, Value};
use torii_backend::testing::MockTorii;
use torii_tests::raw_http::{self, RawResponse};
use torii_tests::schema_values::{self, Breakage};
use torii_tests::spec_schema::Spec;

/// One mock for every case, with a user, an organization and a membership to aim at.
struct Fixture {
    runtime: tokio::runtime::Runtime,
    torii: MockTorii,
    addr: SocketAddr,
    ids: Vec<(&'static str, String)>,
    document: Value,
    spec: Spec,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let (runtime, torii) = torii_tests::mock::on_own_runtime();
        let user = torii
            .seed_user()
            .email("ada@example.com")
            .insert()
            .expect("user");
        let organization = torii
            .create_organization("Analytical")
            .expect("organization");
        torii
            .add_member(organization.id, user.id, "admin")
            .expect("member");
        let invitation = runtime
            .block_on(
                torii
                    .client()
                    .invitations()
                    .create("grace@example.com")
                    .send(),
            )
            .expect("invitation");
        let addr = torii_tests::mock::api_addr(&torii);
        Fixture {
            runtime,
            torii,
            addr,
            ids: vec![
                ("{userId}", user.id.to_string()),
                ("{memberUserId}", user.id.to_string()),
                ("{organizationId}", organization.id.to_string()),
                ("{invitationId}", invitation.id.to_string()),
            ],
            document: torii_tests::reference::repo_json("spec/server-v1.json"),
            spec: Spec::ours(),
        }
    })
}

/// Every operation that takes a body, with the schema of its body.
fn body_operations() -> Vec<(Operation, Value)> {
    Operation::ALL
        .iter()
        .filter_map(|&operation| {
            let document = &fixture().document;
            let path = operation.path_template();
            let method = operation.method().as_str().to_lowercase();
            let schema = document["paths"][path][method.as_str()]["requestBody"]["content"]
                ["application/json"]["schema"]
                .clone();
            (!schema.is_null()).then_some((operation, schema))
        })
        .collect()
}

fn send(operation: Operation, body: &Value) -> RawResponse {
    let fixture = fixture();
    let path = fixture
        .ids
        .iter()
        .fold(operation.path_template().to_owned(), |path, (name, id)| {
            path.replace(name, id)
        });
    let key = format!("Bearer {}", fixture.torii.secret_key());
    let body = body.to_string();
    fixture.runtime.block_on(raw_http::send(
        fixture.addr,
        operation.method().as_str(),
        &path,
        &[("Authorization", key.as_str())],
        Some(&body),
    ))
}

/// The answer conforms to what the spec declares for its operation and status.
fn assert_conforms(operation: Operation, response: &RawResponse) {
    if let Err(problems) = fixture().spec.check_response(
        operation.id(),
        response.status,
        response.header("content-type"),
        &response.body,
    ) {
        panic!(
            "{operation} answered {} outside the spec: {problems:#?}\n{}",
            response.status, response.body
        );
    }
}

/// The `code` of a problem answer.
fn code(response: &RawResponse) -> Option<String> {
    let body: Value = serde_json::from_str(&response.body).ok()?;
    body["code"].as_str().map(str::to_owned)
}

/// A case: an operation with a body, a valid body for it, and which breakage to apply (if any
/// applies; `None` sends the valid body).
fn cases() -> impl Strategy<Value = (Operation, Value, Value, Option<prop::sample::Index>)> {
    let operations = body_operations();
    assert!(
        operations.len() >= 8,
        "every operation with a body: {}",
        operations.len()
    );
    prop::sample::select(operations).prop_flat_map(|(operation, schema)| {
        let body = schema_values::valid(&schema, &fixture().document);
        (
            Just(operation),
            Just(schema),
            body,
            prop::option::of(any::<prop::sample::Index>()),
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn generated_bodies_are_refused_exactly_when_the_spec_refuses_them(
        (operation, schema, body, breakage) in cases()
    ) {
        let breakages = schema_values::breakages(&body, &schema, &fixture().document);
        let chosen = breakage.filter(|_| !breakages.is_empty()).map(|index| index.get(&breakages).clone());
        match chosen {
            None => {
                let response = send(operation, &body);
                assert_conforms(operation, &response);
                // Business rules may still say no (a taken email, an origin not allowed); the
                // spec's shape rules never do.
                prop_assert!(
                    !(response.status == 400 && code(&response).as_deref() == Some("invalid_request")),
                    "{operation} refused a valid body {body}: {}", response.body
                );
            }
            Some((Breakage { what, pointer }, broken)) => {
                let response = send(operation, &broken);
                assert_conforms(operation, &response);
                prop_assert_eq!(response.status, 400, "{} {}: {} answered {}", operation, what, broken, response.body);
                let refused_code = code(&response);
                prop_assert_eq!(refused_code.as_deref(), Some("invalid_request"));
                let named = format!("`{pointer}`");
                prop_assert!(response.body.contains(&named), "{} {}: the answer does not name {}: {}", operation, what, named, response.body);
            }
        }
    }
}
