//! Walking `source()` from any `torii_backend::Error` prints each message once: `Display` says
//! what happened at its own layer and `source()` returns the cause beneath, never the same error
//! again (anyhow, eyre and tracing print the whole chain).

use std::error::Error as _;

use torii_backend::serde_json::json;
use torii_backend::testing::{JwksFault, MockTorii};
use torii_backend::verify::{AuthErrorKind, Verifier};
use torii_backend::{Client, Error};
use torii_tests::capture::{Canned, CaptureServer};
use torii_tests::samples;

/// The messages of `error` and every source beneath it, top first.
fn chain(error: &Error) -> Vec<String> {
    let mut messages = vec![error.to_string()];
    let mut next = error.source();
    while let Some(cause) = next {
        messages.push(cause.to_string());
        next = cause.source();
    }
    messages
}

/// No message of the chain repeats, or contains, the one above it.
fn assert_reads_once(branch: &str, error: &Error) -> Vec<String> {
    let messages = chain(error);
    for pair in messages.windows(2) {
        let (above, below) = (&pair[0], &pair[1]);
        assert!(
            !above.contains(below.as_str()) && !below.contains(above.as_str()),
            "{branch}: `{above}` is followed by `{below}` in {messages:#?}"
        );
    }
    messages
}

#[tokio::test]
async fn every_branch_of_the_crate_error_prints_each_message_once() {
    let server = CaptureServer::start().await;
    let client = server.client();

    // API: a 404 problem answer. Its body is the whole story: nothing beneath.
    server.respond(Canned::problem(
        404,
        &json!({"title": "Not Found", "status": 404, "detail": "no user", "code": "user_not_found"}),
    ));
    let api = client.users().get(samples::USER_ID).await.expect_err("404");
    assert!(matches!(api, Error::Api(_)));
    assert_eq!(assert_reads_once("api", &api).len(), 1);

    // Decode: a 2xx body that does not match the spec.
    server.respond(Canned::json(200, &json!({"id": 7})));
    let decode = client
        .users()
        .get(samples::USER_ID)
        .await
        .expect_err("bad body");
    assert!(matches!(decode, Error::Decode(_)));
    assert_reads_once("decode", &decode);

    // Invalid argument: refused before sending.
    let invalid = client
        .users()
        .get("not a uuid")
        .await
        .expect_err("not a UUID");
    assert!(matches!(invalid, Error::InvalidArgument(_)));
    assert_reads_once("invalid argument", &invalid);

    // Transport: nothing listens on the port any more. The chain goes down through reqwest and
    // hyper to the refused connection, each layer saying its own thing.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr").port()
    };
    let unreachable = Client::builder()
        .secret_key("sk_test_123")
        .api_url(format!("http://127.0.0.1:{closed}"))
        .retry_policy(torii_backend::rest::RetryPolicy::disabled())
        .build()
        .expect("client");
    let transport = unreachable
        .users()
        .get(samples::USER_ID)
        .await
        .expect_err("refused");
    assert!(matches!(transport, Error::Transport(_)));
    assert!(
        assert_reads_once("transport", &transport).len() >= 2,
        "the reqwest error is beneath"
    );

    // Config: the client's builder.
    let config = Client::new("pk_test_123").expect_err("not a secret key");
    assert!(matches!(config, Error::Config(_)) && config.is_config());
    assert_reads_once("config", &config);

    // Config: the verifier's builder, the same branch.
    let verifier_config = Error::from(Verifier::new("http://auth.example.com").expect_err("http"));
    assert!(matches!(verifier_config, Error::Config(_)));
    assert_reads_once("verifier config", &verifier_config);
}

#[tokio::test]
async fn auth_errors_print_each_message_once_with_their_cause_beneath() {
    let torii = MockTorii::start().await.expect("mock");

    // A plain refusal has nothing beneath.
    let malformed = Error::from(torii.verifier().verify("a.b").await.expect_err("malformed"));
    assert_eq!(assert_reads_once("auth", &malformed).len(), 1);

    // An issuer that cannot be reached: the failed fetch is the cause.
    torii.set_jwks_fault(Some(JwksFault::Down));
    let token = torii.token().sign();
    let unavailable = torii.verifier().verify(&token).await.expect_err("down");
    assert_eq!(unavailable.kind(), AuthErrorKind::JwksUnavailable);
    let unavailable = Error::from(unavailable);
    let messages = assert_reads_once("jwks unavailable", &unavailable);
    assert_eq!(messages.len(), 2, "{messages:#?}");
    assert!(messages[1].contains("503"), "{messages:#?}");

    // A process-wide verifier that cannot be built: the configuration error is the cause.
    let configuration = torii_backend::verify_token(&token, "ftp://auth.example.com")
        .await
        .expect_err("ftp");
    assert_eq!(configuration.kind(), AuthErrorKind::Configuration);
    let configuration = Error::from(configuration);
    assert!(configuration.is_config());
    assert_eq!(assert_reads_once("configuration", &configuration).len(), 2);
}
