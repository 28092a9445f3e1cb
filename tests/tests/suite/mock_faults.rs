//! MockTorii's fault injection as a client sees it: each fault, scoped to the next requests or
//! to one operation, counted, and cleared.

use std::time::Duration;

use torii_backend::rest::RetryPolicy;
use torii_backend::testing::{ApiFault, MockTorii};
use torii_backend::{Client, Error, Operation};

/// A client that sends every request once, so that each fault reaches the test as it is.
fn client_with_timeout(torii: &MockTorii, timeout: Duration) -> Client {
    Client::builder()
        .secret_key(torii.secret_key())
        .api_url(torii.api_url())
        .timeout(timeout)
        .retry_policy(RetryPolicy::disabled())
        .build()
        .expect("client")
}

#[tokio::test]
async fn each_fault_reaches_the_client_as_a_typed_error() {
    let torii = MockTorii::start().await.expect("mock");
    let client = client_with_timeout(&torii, Duration::from_millis(500));
    let list = || client.allowed_origins().list().send();

    torii.fail_next(1, ApiFault::Unavailable);
    let Err(Error::Api(error)) = list().await else {
        panic!("503")
    };
    assert_eq!(
        (error.status().as_u16(), error.code()),
        (503, Some("unavailable"))
    );

    torii.fail_next(1, ApiFault::RateLimited { retry_after: None });
    let Err(Error::Api(error)) = list().await else {
        panic!("429")
    };
    assert_eq!(error.status().as_u16(), 429);
    assert_eq!(error.retry_after(), None);

    torii.fail_next(
        1,
        ApiFault::RateLimited {
            retry_after: Some(Duration::from_millis(1500)),
        },
    );
    let Err(Error::Api(error)) = list().await else {
        panic!("429")
    };
    assert_eq!(
        error.retry_after(),
        Some(Duration::from_secs(2)),
        "whole seconds, rounded up"
    );

    torii.fail_next(1, ApiFault::Status(402));
    let Err(Error::Api(error)) = list().await else {
        panic!("402")
    };
    assert_eq!(
        (error.status().as_u16(), error.code()),
        (402, Some("injected_fault"))
    );

    torii.fail_next(
        1,
        ApiFault::RawBody {
            status: 502,
            body: "<html>bad gateway</html>".into(),
        },
    );
    let Err(Error::Api(error)) = list().await else {
        panic!("502")
    };
    assert_eq!(error.status().as_u16(), 502);
    assert_eq!(error.body(), "<html>bad gateway</html>");
    assert_eq!(error.code(), None);

    torii.fail_next(1, ApiFault::DropConnection);
    let Err(Error::Transport(error)) = list().await else {
        panic!("dropped")
    };
    assert!(!error.is_timeout(), "{error}");

    torii.fail_next(1, ApiFault::Hang);
    let Err(Error::Transport(error)) = list().await else {
        panic!("hung")
    };
    assert!(error.is_timeout(), "{error}");

    torii.fail_next(1, ApiFault::Slow(Duration::from_secs(5)));
    let Err(Error::Transport(error)) = list().await else {
        panic!("slow")
    };
    assert!(error.is_timeout(), "{error}");

    torii.fail_next(1, ApiFault::Slow(Duration::from_millis(20)));
    list().await.expect("slow but within the timeout");
    list().await.expect("every fault was used up");
    assert_eq!(torii.calls(Operation::ListAllowedOrigins), 10);
}

/// The status of a failed call, `None` for a success.
fn status<T>(result: Result<T, Error>) -> Option<u16> {
    result.err().and_then(|e| e.status()).map(|s| s.as_u16())
}

#[tokio::test]
async fn faults_are_scoped_to_an_operation_and_a_number_of_requests() {
    let torii = MockTorii::start().await.expect("mock");
    let client = client_with_timeout(&torii, Duration::from_secs(5));
    torii.fail_operation(Operation::ListOrganizations, 2, ApiFault::Unavailable);
    torii.fail_next(1, ApiFault::Status(500));

    // Rules are served in the order planned: the organization listing meets its own first.
    assert_eq!(
        status(client.organizations().list().send().await),
        Some(503)
    );
    assert_eq!(
        status(client.allowed_origins().list().send().await),
        Some(500)
    );
    assert_eq!(status(client.allowed_origins().list().send().await), None);
    assert_eq!(
        status(client.organizations().list().send().await),
        Some(503)
    );
    assert_eq!(status(client.organizations().list().send().await), None);
    assert_eq!(torii.calls(Operation::ListOrganizations), 3);
    assert_eq!(torii.calls(Operation::ListAllowedOrigins), 2);
    assert_eq!(torii.api_requests(), 5);

    torii.fail_next(10, ApiFault::Unavailable);
    torii.clear_faults();
    client
        .allowed_origins()
        .list()
        .send()
        .await
        .expect("cleared");
}

/// The request log behind torii-mock's page: newest first, each request's operation, status,
/// duration and fault (a dropped connection has no status), emptied by a reset.
#[tokio::test]
async fn recent_requests_are_logged_newest_first_and_reset_empties_them() {
    use torii_backend::testing::RecordedRequest;

    let torii = MockTorii::start().await.expect("mock");
    let client = client_with_timeout(&torii, Duration::from_secs(5));
    torii.fail_operation(Operation::ListOrganizations, 1, ApiFault::Unavailable);
    torii.fail_operation(Operation::ListAllowedOrigins, 1, ApiFault::DropConnection);
    let _ = client.organizations().list().send().await;
    let _ = client.allowed_origins().list().send().await;
    client.organizations().list().send().await.expect("served");

    let summary = |log: Vec<RecordedRequest>| -> Vec<(Operation, Option<u16>, Option<ApiFault>)> {
        log.into_iter()
            .map(|request| (request.operation, request.status, request.fault))
            .collect()
    };
    let log = torii.recent_requests();
    assert!(
        log.windows(2).all(|pair| pair[0].at >= pair[1].at),
        "newest first"
    );
    assert!(
        log.iter()
            .all(|request| request.duration < Duration::from_secs(5))
    );
    assert_eq!(
        summary(log),
        [
            (Operation::ListOrganizations, Some(200), None),
            (
                Operation::ListAllowedOrigins,
                None,
                Some(ApiFault::DropConnection)
            ),
            (
                Operation::ListOrganizations,
                Some(503),
                Some(ApiFault::Unavailable)
            ),
        ]
    );
    torii.reset();
    assert!(torii.recent_requests().is_empty());
}
