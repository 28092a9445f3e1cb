//! The REST client in production conditions, against MockTorii's fault injection: retries and
//! what is never retried, Retry-After (on tokio's paused clock), timeouts, dropped connections,
//! pagination streams, the secret key never shown, and one tracing span per request.

use std::time::Duration;

use futures_util::StreamExt;
use torii_backend::rest::RetryPolicy;
use torii_backend::testing::{ApiFault, MockTorii};
use torii_backend::uuid::Uuid;
use torii_backend::{Client, Error, Operation};
use torii_tests::mock;
use torii_tests::trace_capture::Capture;

/// A client for `torii` with short backoffs, so that retries do not slow the suite.
fn client(torii: &MockTorii, policy: RetryPolicy) -> Client {
    Client::builder()
        .secret_key(torii.secret_key())
        .api_url(torii.api_url())
        .timeout(Duration::from_millis(300))
        .retry_policy(policy.initial_backoff(Duration::from_millis(5)))
        .build()
        .expect("client")
}

fn user_ids(users: Vec<torii_backend::models::ServerUserResponse>) -> Vec<Uuid> {
    users.into_iter().map(|user| user.id).collect()
}

#[tokio::test]
async fn a_get_that_meets_a_503_succeeds_after_one_retry() {
    let torii = MockTorii::start().await.expect("mock");
    let user = mock::users(&torii, 1)[0];
    torii.fail_next(1, ApiFault::Unavailable);
    let got = client(&torii, RetryPolicy::default())
        .users()
        .get(user)
        .send()
        .await;
    assert_eq!(got.expect("retried").id, user);
    assert_eq!(torii.calls(Operation::GetUser), 2);
}

#[tokio::test]
async fn post_and_patch_are_retried_only_when_the_server_did_not_act() {
    let torii = MockTorii::start().await.expect("mock");
    let torii_client = client(&torii, RetryPolicy::default());
    let user = mock::users(&torii, 1)[0];

    torii.fail_operation(Operation::UpdateUser, 1, ApiFault::Unavailable);
    let patched = torii_client
        .users()
        .update(user)
        .first_name("Ada")
        .send()
        .await;
    let error = patched.expect_err("a 503 on PATCH is returned, not retried");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(error.attempts(), Some(1));
    assert!(error.is_retryable(), "the caller may decide to retry");
    assert_eq!(torii.calls(Operation::UpdateUser), 1);
    assert_eq!(torii.user(user).expect("user").first_name, None);

    torii.fail_operation(Operation::CreateUser, 1, ApiFault::DropConnection);
    let created = torii_client
        .users()
        .create()
        .email("a@example.com")
        .send()
        .await;
    let Err(Error::Transport(error)) = created else {
        panic!("a dropped POST is a transport error: {created:?}");
    };
    assert_eq!(
        error.attempts(),
        1,
        "a POST that may have arrived is not sent twice"
    );

    // A 429 means the server refused before acting: a POST is sent again.
    torii.fail_operation(
        Operation::CreateUser,
        1,
        ApiFault::RateLimited { retry_after: None },
    );
    let created = torii_client
        .users()
        .create()
        .email("b@example.com")
        .send()
        .await;
    assert!(created.is_ok(), "{created:?}");
    assert_eq!(torii.calls(Operation::CreateUser), 3);
}

#[tokio::test]
async fn exhausted_retries_report_their_attempts() {
    let torii = MockTorii::start().await.expect("mock");
    torii.fail_next(10, ApiFault::Unavailable);
    let listed = client(&torii, RetryPolicy::default().max_attempts(3))
        .allowed_origins()
        .list()
        .send()
        .await;
    let Err(Error::Api(error)) = listed else {
        panic!("still failing: {listed:?}");
    };
    assert_eq!(error.attempts(), 3);
    assert_eq!(error.status().as_u16(), 503);
    assert_eq!(error.url_path(), "/api/server/v1/allowed-origins");
    assert_eq!(torii.calls(Operation::ListAllowedOrigins), 3);

    torii.clear_faults();
    torii.fail_next(10, ApiFault::Unavailable);
    let once = client(&torii, RetryPolicy::disabled())
        .allowed_origins()
        .list()
        .send()
        .await;
    assert_eq!(once.expect_err("503").attempts(), Some(1));
}

#[tokio::test]
async fn a_hung_server_hits_the_timeout_and_a_dropped_connection_is_a_transport_error() {
    let torii = MockTorii::start().await.expect("mock");
    torii.fail_next(2, ApiFault::Hang);
    let hung = client(&torii, RetryPolicy::default().max_attempts(2))
        .allowed_origins()
        .list()
        .send()
        .await;
    let Err(Error::Transport(error)) = hung else {
        panic!("timed out: {hung:?}");
    };
    assert!(error.is_timeout());
    assert_eq!(error.attempts(), 2, "a GET that timed out is retried");

    torii.fail_next(3, ApiFault::DropConnection);
    let dropped = client(&torii, RetryPolicy::default())
        .allowed_origins()
        .list()
        .send()
        .await;
    let Err(Error::Transport(error)) = dropped else {
        panic!("dropped: {dropped:?}");
    };
    assert!(!error.is_timeout());
    assert_eq!(error.attempts(), 3);
    assert!(error.to_string().contains("list"), "{error}");
}

#[tokio::test]
async fn a_delete_retried_after_it_may_have_worked_reports_success() {
    let torii = MockTorii::start().await.expect("mock");
    let torii_client = client(&torii, RetryPolicy::default());
    let user = mock::users(&torii, 1)[0];
    // The first attempt is answered 503 by a gateway after Torii deleted the user; the retry
    // then meets the 403 the spec gives a repeated delete.
    torii.fail_operation(Operation::DeleteUser, 1, ApiFault::Unavailable);
    torii_client
        .users()
        .delete(user)
        .send()
        .await
        .expect("first attempt");
    let done = torii_client.users().delete(user).send().await;
    assert_eq!(
        done.expect_err("a plain repeat is 403")
            .status()
            .map(|s| s.as_u16()),
        Some(403)
    );

    let other = mock::users(&torii, 2)[1];
    torii_client
        .users()
        .delete(other)
        .send()
        .await
        .expect("deleted");
    torii.fail_operation(Operation::DeleteUser, 1, ApiFault::Unavailable);
    torii_client
        .users()
        .delete(other)
        .send()
        .await
        .expect("a 403 after a 503 confirms the first delete");
}

/// MockTorii on its own runtime, in real time, so that the test's runtime can pause its clock
/// without pausing the server.
struct RealTimeMock {
    torii: Option<MockTorii>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl RealTimeMock {
    fn start() -> Self {
        std::thread::spawn(|| {
            let (runtime, torii) = mock::on_own_runtime();
            Self {
                torii: Some(torii),
                runtime: Some(runtime),
            }
        })
        .join()
        .expect("mock thread")
    }

    fn torii(&self) -> &MockTorii {
        self.torii.as_ref().expect("running")
    }
}

impl Drop for RealTimeMock {
    fn drop(&mut self) {
        drop(self.torii.take());
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

#[tokio::test(start_paused = true)]
async fn a_429_with_retry_after_waits_that_long_on_the_paused_clock() {
    let mock = RealTimeMock::start();
    let torii = mock.torii();
    // No client-side timers but the retry wait: no timeouts, no idle pool sweeps, so the
    // paused clock moves only for the wait.
    let http = torii_backend::reqwest::Client::builder()
        .pool_idle_timeout(None)
        .build()
        .expect("http client");
    let client = Client::builder()
        .secret_key(torii.secret_key())
        .api_url(torii.api_url())
        .http_client(http)
        .build()
        .expect("client");
    torii.fail_next(
        1,
        ApiFault::RateLimited {
            retry_after: Some(Duration::from_secs(1)),
        },
    );

    let started = tokio::time::Instant::now();
    client
        .allowed_origins()
        .list()
        .send()
        .await
        .expect("after the wait");
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_secs(1) && waited < Duration::from_millis(1100),
        "{waited:?}"
    );
    assert_eq!(torii.calls(Operation::ListAllowedOrigins), 2);
}

#[tokio::test]
async fn pages_stream_lazily_each_item_once_in_order() {
    let torii = MockTorii::start().await.expect("mock");
    let users = mock::users(&torii, 250);
    let torii_client = client(&torii, RetryPolicy::default());

    let streamed: Vec<Uuid> = torii_client
        .users()
        .list()
        .limit(50)
        .items()
        .map(|user| user.expect("user").id)
        .collect()
        .await;
    assert_eq!(streamed, users);
    assert_eq!(torii.calls(Operation::SearchUsers), 5);

    let mut pages = torii_client.users().list().limit(50).pages();
    let mut sizes = Vec::new();
    while let Some(page) = pages.next().await {
        sizes.push(page.expect("page").items.len());
    }
    assert_eq!(sizes, [50; 5]);
    assert_eq!(torii.calls(Operation::SearchUsers), 10);

    let first = torii_client
        .users()
        .list()
        .limit(50)
        .collect_items(120)
        .await;
    assert_eq!(user_ids(first.expect("collect")), users[..120]);
    assert_eq!(
        torii.calls(Operation::SearchUsers),
        13,
        "three pages hold 120 items"
    );
    let none = torii_client.users().list().collect_items(0).await;
    assert!(none.expect("nothing").is_empty());
    assert_eq!(
        torii.calls(Operation::SearchUsers),
        13,
        "nothing to fetch for 0 items"
    );

    // Filters travel with every page.
    let filtered = torii_client
        .users()
        .list()
        .user_ids(users[..3].to_vec())
        .limit(2)
        .collect_items(10)
        .await;
    assert_eq!(user_ids(filtered.expect("filtered")), users[..3]);
}

#[tokio::test]
async fn an_error_on_page_three_surfaces_after_the_first_hundred_items() {
    let torii = MockTorii::start().await.expect("mock");
    let users = mock::users(&torii, 250);
    let torii_client = client(&torii, RetryPolicy::default());
    let mut items = torii_client.users().list().limit(50).items();
    for expected in &users[..100] {
        let user = items.next().await.expect("an item").expect("no error yet");
        assert_eq!(user.id, *expected);
    }
    assert_eq!(
        torii.calls(Operation::SearchUsers),
        2,
        "lazy: page 3 not asked for yet"
    );
    torii.fail_next(1, ApiFault::Status(500));
    let error = items
        .next()
        .await
        .expect("an item")
        .expect_err("page 3 fails");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(500));
    assert!(
        items.next().await.is_none(),
        "the stream ends after its error"
    );
    assert_eq!(torii.calls(Operation::SearchUsers), 3);
}

#[tokio::test]
async fn dropping_a_stream_early_sends_no_more_requests() {
    let torii = MockTorii::start().await.expect("mock");
    mock::users(&torii, 250);
    let torii_client = client(&torii, RetryPolicy::default());
    let first_60: Vec<_> = torii_client
        .users()
        .list()
        .limit(50)
        .items()
        .take(60)
        .collect()
        .await;
    assert_eq!(first_60.len(), 60);
    assert_eq!(torii.calls(Operation::SearchUsers), 2);
    tokio::task::yield_now().await;
    assert_eq!(torii.calls(Operation::SearchUsers), 2);
}

#[tokio::test]
async fn other_listings_stream_too() {
    let torii = MockTorii::start().await.expect("mock");
    let users = mock::users(&torii, 5);
    let orgs = mock::organizations(&torii, 5);
    for org in &orgs {
        torii
            .add_member(*org, users[0], "org:member")
            .expect("member");
    }
    for user in &users {
        torii
            .add_member(orgs[0], *user, "org:member")
            .expect("member");
    }
    let c = client(&torii, RetryPolicy::default());
    let ids = |items: Vec<torii_backend::models::ServerOrganizationResponse>| {
        items.into_iter().map(|o| o.id).collect::<Vec<_>>()
    };
    assert_eq!(
        ids(c
            .organizations()
            .list()
            .limit(2)
            .collect_items(100)
            .await
            .expect("orgs")),
        orgs
    );
    let members = c
        .organizations()
        .list_members(orgs[0])
        .limit(2)
        .collect_items(100)
        .await;
    let members: Vec<Uuid> = members
        .expect("members")
        .into_iter()
        .map(|m| m.user_id)
        .collect();
    assert_eq!(members, users);
    let memberships = c
        .users()
        .list_organizations(users[0])
        .limit(2)
        .collect_items(100)
        .await;
    assert_eq!(memberships.expect("memberships").len(), 5);
    for n in 0..3 {
        c.invitations()
            .create(format!("invitee{n}@example.com"))
            .send()
            .await
            .expect("invite");
    }
    let invitations = c.invitations().list().limit(2).collect_items(100).await;
    assert_eq!(invitations.expect("invitations").len(), 3);
}

#[tokio::test]
async fn the_secret_key_is_never_shown() {
    let torii = MockTorii::start().await.expect("mock");
    let secret = torii.secret_key().to_owned();
    let secret_body = secret.trim_start_matches("sk_test_");
    let c = client(&torii, RetryPolicy::default().max_attempts(2));
    let capture = Capture::default();
    let _logs = tracing::subscriber::set_default(capture.clone());

    let mut shown = vec![
        format!("{c:?}"),
        format!("{:?}", c.users().update(Uuid::nil()).first_name("Ada")),
        format!("{:?}", c.users().list().limit(5).items()),
        format!("{:?}", Client::builder().secret_key(&secret)),
    ];
    let mut errors: Vec<Error> = Vec::new();
    torii.fail_next(2, ApiFault::Unavailable);
    errors.push(c.allowed_origins().list().send().await.expect_err("api"));
    torii.fail_next(2, ApiFault::DropConnection);
    errors.push(
        c.allowed_origins()
            .list()
            .send()
            .await
            .expect_err("transport"),
    );
    torii.fail_next(
        1,
        ApiFault::RawBody {
            status: 200,
            body: "{\"origins\": 5}".into(),
        },
    );
    errors.push(c.allowed_origins().list().send().await.expect_err("decode"));
    errors.push(
        c.users()
            .get("not a uuid")
            .send()
            .await
            .expect_err("argument"),
    );
    errors.push(Client::new(format!("sk_nope_{secret_body}")).expect_err("config"));
    let kinds: Vec<&str> = errors
        .iter()
        .map(|error| match error {
            Error::Api(_) => "api",
            Error::Transport(_) => "transport",
            Error::Decode(_) => "decode",
            Error::InvalidArgument(_) => "argument",
            Error::Config(_) => "config",
            _ => "other",
        })
        .collect();
    assert_eq!(kinds, ["api", "transport", "decode", "argument", "config"]);
    for error in &errors {
        shown.push(format!("{error:?}"));
        shown.push(error.to_string());
        let mut source = std::error::Error::source(error);
        while let Some(inner) = source {
            shown.push(format!("{inner:?} {inner}"));
            source = inner.source();
        }
    }
    shown.push(capture.all_text());
    for text in shown {
        assert!(
            !text.contains(secret_body),
            "the secret key shows in: {text}"
        );
    }
}

#[tokio::test]
async fn each_request_is_one_span_with_its_outcome_and_no_ids() {
    let torii = MockTorii::start().await.expect("mock");
    let user = mock::users(&torii, 1)[0];
    let c = client(&torii, RetryPolicy::default());
    let capture = Capture::default();
    let _logs = tracing::subscriber::set_default(capture.clone());

    torii.fail_next(1, ApiFault::Unavailable);
    c.users().get(user).send().await.expect("get");

    let spans: Vec<_> = capture
        .spans()
        .into_iter()
        .filter(|span| span.name == "torii.request")
        .collect();
    assert_eq!(spans.len(), 1, "{spans:?}");
    let fields = &spans[0].fields;
    assert_eq!(fields["operation"], "users.get");
    assert_eq!(fields["method"], "GET");
    assert_eq!(fields["path"], "/api/server/v1/users/{userId}");
    assert_eq!(fields["status"], "200");
    assert_eq!(fields["attempts"], "2");
    assert!(fields["duration_ms"].parse::<u64>().is_ok(), "{fields:?}");
    let events = capture.events();
    assert!(
        events
            .iter()
            .any(|e| e.contains("retrying") && e.contains("attempt=1")),
        "{events:?}"
    );
    assert!(
        !capture.all_text().contains(&user.to_string()),
        "no ids in the logs"
    );
}

#[tokio::test]
async fn requests_name_the_sdk_and_the_callers_service_in_the_user_agent() {
    use torii_tests::capture::{Canned, CaptureServer, TEST_KEY};
    let server = CaptureServer::start().await;
    server.respond(Canned::json(
        200,
        &torii_backend::serde_json::json!({"origins": []}),
    ));
    let c = Client::builder()
        .secret_key(TEST_KEY)
        .api_url(server.url())
        .user_agent("billing-service/2.1")
        .build()
        .expect("client");
    c.allowed_origins().list().send().await.expect("list");
    let expected = format!("torii-rs/{} billing-service/2.1", env!("CARGO_PKG_VERSION"));
    assert_eq!(server.last().header("user-agent"), Some(expected.as_str()));
}

/// `users().list()` is `POST /users/search`, a read the spec marks safe (`x-torii-safe`): a 502,
/// 503 or 504 on it is retried as on a GET, on the first page of a stream as on a call alone.
#[tokio::test]
async fn a_user_search_is_retried_as_a_read_on_every_page() {
    let torii = MockTorii::start().await.expect("mock");
    let all = mock::users(&torii, 5);
    let torii_client = client(&torii, RetryPolicy::default());

    torii.fail_operation(Operation::SearchUsers, 1, ApiFault::Unavailable);
    let page = torii_client.users().list().send().await.expect("retried");
    assert_eq!(page.items.len(), 5);
    assert_eq!(torii.calls(Operation::SearchUsers), 2);

    // A fault on page one and another on page two of a stream: each page is retried.
    let mut items = torii_client.users().list().limit(2).items();
    torii.fail_operation(Operation::SearchUsers, 1, ApiFault::Status(502));
    let mut read = Vec::new();
    for _ in 0..2 {
        read.push(items.next().await.expect("an item").expect("page one").id);
    }
    torii.fail_operation(Operation::SearchUsers, 2, ApiFault::Status(504));
    while let Some(user) = items.next().await {
        read.push(user.expect("retried").id);
    }
    assert_eq!(read, all);
}

/// A page that fails for good ends the stream with its error; `next_cursor()` is that page's
/// cursor, and the list builder's `.cursor(..)` resumes there with nothing lost or repeated.
#[tokio::test]
async fn a_stream_that_fails_on_page_two_resumes_from_its_cursor() {
    let torii = MockTorii::start().await.expect("mock");
    let all = mock::users(&torii, 5);
    let torii_client = client(&torii, RetryPolicy::default().max_attempts(2));

    let mut items = torii_client.users().list().limit(2).items();
    assert_eq!(items.next_cursor(), None, "the first page has no cursor");
    let mut read = Vec::new();
    read.push(items.next().await.expect("an item").expect("page one").id);
    assert_eq!(
        items.next_cursor(),
        None,
        "page one's items are still to come"
    );
    read.push(items.next().await.expect("an item").expect("page one").id);
    torii.fail_operation(Operation::SearchUsers, 2, ApiFault::Unavailable);
    let error = items
        .next()
        .await
        .expect("the error")
        .expect_err("page two failed");
    assert_eq!(
        error.attempts(),
        Some(2),
        "retried under the client's policy"
    );
    assert!(error.is_retryable());
    assert!(
        items.next().await.is_none(),
        "the stream ends after its error"
    );
    let cursor = *items.next_cursor().expect("page two's cursor");

    let mut resumed = torii_client.users().list().limit(2).cursor(cursor).items();
    while let Some(user) = resumed.next().await {
        read.push(user.expect("resumed").id);
    }
    assert_eq!(read, all);
    assert_eq!(resumed.next_cursor(), None, "nothing after the last page");

    // Pages say the same.
    let mut pages = torii_client.users().list().limit(2).pages();
    pages.next().await.expect("page one").expect("ok");
    torii.fail_operation(Operation::SearchUsers, 2, ApiFault::Unavailable);
    pages.next().await.expect("page two").expect_err("failed");
    let cursor = *pages.next_cursor().expect("page two's cursor");
    let rest = torii_client
        .users()
        .list()
        .limit(2)
        .cursor(cursor)
        .collect_items(10)
        .await
        .expect("rest");
    assert_eq!(user_ids(rest), all[2..]);
}
