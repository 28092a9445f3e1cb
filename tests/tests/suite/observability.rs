//! The `metrics` feature: what a verifier and the REST client record, read back through
//! metrics-util's debugging recorder, installed for this thread only (the other tests of the
//! binary run beside these, each on its own thread).

use std::time::Duration;

use metrics_util::debugging::{DebugValue, DebuggingRecorder, Snapshotter};
use torii_backend::testing::{JwksFault, MockTorii};
use torii_backend::verify::{CacheSettings, Verifier};

/// Runs `test` on a current-thread runtime with a fresh debugging recorder as this thread's
/// recorder (every task of the test, the server's included, records into it); `test` gets a
/// snapshotter of its own for readings along the way. Returns its result and what was recorded
/// since its last reading.
fn recording<T, F: Future<Output = T>>(test: impl FnOnce(Snapshotter) -> F) -> (T, Metrics) {
    let recorder = DebuggingRecorder::new();
    let at_end = recorder.snapshotter();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let result =
        metrics::with_local_recorder(&recorder, || runtime.block_on(test(recorder.snapshotter())));
    (result, Metrics(read(&at_end)))
}

/// [`recording`], for a test that reads only at the end.
fn recorded<F: Future<Output = ()>>(test: impl FnOnce() -> F) -> Metrics {
    recording(|_| test()).1
}

/// Every metric as `(name, labels, value)`, labels sorted. (A snapshot resets what it reads,
/// so it is taken once.)
type Recorded = Vec<(String, Vec<(String, String)>, DebugValue)>;

fn read(snapshotter: &Snapshotter) -> Recorded {
    snapshotter
        .snapshot()
        .into_vec()
        .into_iter()
        .map(|(key, _, _, value)| {
            let key = key.key();
            let mut labels: Vec<(String, String)> = key
                .labels()
                .map(|label| (label.key().to_owned(), label.value().to_owned()))
                .collect();
            labels.sort();
            (key.name().to_owned(), labels, value)
        })
        .collect()
}

struct Metrics(Recorded);

impl Metrics {
    fn all(&self) -> &Recorded {
        &self.0
    }

    fn value(&self, name: &str, labels: &[(&str, &str)]) -> Option<&DebugValue> {
        let mut wanted: Vec<(String, String)> = labels
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        wanted.sort();
        self.all()
            .iter()
            .find(|(n, l, _)| n == name && *l == wanted)
            .map(|(_, _, value)| value)
    }

    fn counter(&self, name: &str, labels: &[(&str, &str)]) -> u64 {
        match self.value(name, labels) {
            Some(DebugValue::Counter(count)) => *count,
            None => 0,
            other => panic!("{name} is not a counter: {other:?}"),
        }
    }
}

#[test]
fn verifications_count_by_outcome_and_cache() {
    let mut secrets = Vec::new();
    let metrics = recorded(|| async {
        let torii = MockTorii::start().await.expect("mock");
        let verifier = torii.verifier();
        let token = torii.token().subject("user_secret_id").sign();
        verifier.verify(&token).await.expect("first seen");
        verifier.verify(&token).await.expect("cached");
        let expired = torii.token().expired(Duration::from_secs(120)).sign();
        verifier.verify(&expired).await.expect_err("expired");
        verifier.verify("a.b.c").await.expect_err("malformed");
        // A set refuses a token of an issuer outside it before any verifier sees it: counted too.
        let other = Verifier::new("https://other.example.com").expect("verifier");
        let set = torii_backend::verify::Verifiers::new([other, verifier.clone()]);
        let foreign = torii.token().issuer("https://evil.example.com").sign();
        set.verify(&foreign).await.expect_err("foreign issuer");
        secrets.extend([
            token,
            expired,
            foreign,
            torii.issuer().to_owned(),
            "user_secret_id".to_owned(),
        ]);
    });
    let verifications = |outcome, cached| {
        metrics.counter(
            "torii_verifications_total",
            &[("outcome", outcome), ("cached", cached)],
        )
    };
    assert_eq!(verifications("ok", "false"), 1);
    assert_eq!(verifications("ok", "true"), 1);
    assert_eq!(verifications("expired", "false"), 1);
    assert_eq!(verifications("malformed", "false"), 1);
    assert_eq!(verifications("issuer_mismatch", "false"), 1);
    assert_eq!(
        metrics.counter("torii_jwks_fetches_total", &[("result", "ok")]),
        1
    );
    assert_no_secret_in_labels(&metrics, &secrets);
}

#[test]
fn key_set_fetches_and_stale_serving_are_recorded() {
    let (while_down, after) = recording(|snapshotter| async move {
        let torii = MockTorii::start().await.expect("mock");
        // Never fresh: every verification refreshes first, and a failed refresh serves
        // the last good set.
        let verifier = Verifier::builder(torii.issuer())
            .cache(
                CacheSettings::default()
                    .fresh_for(Duration::ZERO)
                    .refetch_cooldown(Duration::ZERO),
            )
            .token_cache(torii_backend::verify::TokenCacheSettings::disabled())
            .build()
            .expect("verifier");
        let token = torii.token().sign();
        verifier.verify(&token).await.expect("fetched");
        torii.set_jwks_fault(Some(JwksFault::Down));
        verifier.verify(&token).await.expect("served stale");
        assert!(verifier.jwks_stats().serving_stale);
        let while_down = Metrics(read(&snapshotter));
        torii.set_jwks_fault(None);
        // The stale set serves on while the refresh runs in the background: wait for it.
        verifier.verify(&token).await.expect("served");
        while verifier.jwks_stats().serving_stale {
            tokio::task::yield_now().await;
        }
        while_down
    });
    assert_eq!(
        while_down.counter("torii_jwks_fetches_total", &[("result", "ok")]),
        1
    );
    assert_eq!(
        while_down.counter("torii_jwks_fetches_total", &[("result", "error")]),
        1
    );
    assert_eq!(
        while_down.value("torii_jwks_stale_serving", &[]),
        Some(&DebugValue::Gauge(1.0.into()))
    );
    // Mended: the next refresh succeeds and the gauge falls back.
    assert_eq!(
        after.counter("torii_jwks_fetches_total", &[("result", "ok")]),
        1
    );
    assert_eq!(
        after.value("torii_jwks_stale_serving", &[]),
        Some(&DebugValue::Gauge(0.0.into()))
    );
}

#[test]
fn api_requests_count_by_operation_and_status_with_their_durations() {
    let mut secrets = Vec::new();
    let metrics = recorded(|| async {
        let torii = MockTorii::start().await.expect("mock");
        let client = torii.client();
        let user = torii
            .seed_user()
            .email("ada@example.com")
            .insert()
            .expect("seed");
        client.users().get(user.id).send().await.expect("found");
        let missing =
            torii_backend::uuid::Uuid::from_u128(0x1234_5678_9abc_def0_1234_5678_9abc_def0);
        client.users().get(missing).send().await.expect_err("404");
        secrets.extend([
            user.id.to_string(),
            missing.to_string(),
            "ada@example.com".to_owned(),
        ]);
    });
    let requests = |status| {
        metrics.counter(
            "torii_api_requests_total",
            &[("operation", "users.get"), ("status", status)],
        )
    };
    assert_eq!(requests("200"), 1);
    assert_eq!(requests("404"), 1);
    match metrics.value(
        "torii_api_request_duration_seconds",
        &[("operation", "users.get")],
    ) {
        Some(DebugValue::Histogram(seconds)) => {
            assert_eq!(seconds.len(), 2);
            assert!(
                seconds.iter().all(|s| s.0 > 0.0 && s.0 < 60.0),
                "{seconds:?}"
            );
        }
        other => panic!("no duration histogram: {other:?}"),
    }
    assert_no_secret_in_labels(&metrics, &secrets);
}

fn assert_no_secret_in_labels(metrics: &Metrics, secrets: &[String]) {
    for (name, labels, _) in metrics.all() {
        for (key, value) in labels {
            for secret in secrets {
                assert!(
                    !value.contains(secret.as_str()),
                    "{name}{{{key}={value}}} names {secret}"
                );
            }
        }
    }
}

/// A request refused before its token reached a verifier (no token, a header that is not
/// Bearer) is counted with its kind on every path: `authenticate_request` of a verifier and of
/// a set, the tower layer and the actix middleware. A request an optional layer lets through
/// without a token is no refusal and is not counted.
#[test]
fn refusals_before_verification_are_counted_on_every_path() {
    use torii_backend::middleware::RequireAuthLayer;
    use torii_backend::verify::{AuthErrorKind, Verifiers};
    use tower::ServiceExt;

    let no_token = http::HeaderMap::new();
    let mut not_bearer = http::HeaderMap::new();
    not_bearer.insert(
        http::header::AUTHORIZATION,
        "Basic dXNlcjpwYXNz".parse().expect("header"),
    );

    // The verifier is made without a server: nothing reaches one.
    let verifier = || Verifier::new("https://issuer.example.com").expect("verifier");
    let tower_request = |headers: &http::HeaderMap| {
        let mut request = http::Request::new(String::new());
        *request.headers_mut() = headers.clone();
        request
    };
    let ok = tower::service_fn(|_: http::Request<String>| async {
        Ok::<_, std::convert::Infallible>(http::Response::new(String::new()))
    });

    let (_, tower_metrics) = recording(|_| async {
        for headers in [&no_token, &not_bearer] {
            let layered = tower::Layer::layer(&RequireAuthLayer::new(verifier()), ok);
            let response = layered
                .oneshot(tower_request(headers))
                .await
                .expect("answer");
            assert_eq!(response.status(), 401);
        }
        let optional = tower::Layer::layer(&RequireAuthLayer::new(verifier()).optional(), ok);
        let passed = optional
            .oneshot(tower_request(&no_token))
            .await
            .expect("answer");
        assert_eq!(passed.status(), 200);
    });
    let (_, function_metrics) = recording(|_| async {
        let single = verifier();
        let set = Verifiers::new([
            verifier(),
            Verifier::new("https://b.example.com").expect("b"),
        ]);
        for headers in [&no_token, &not_bearer] {
            let kinds = [
                single.authenticate_request(headers).await.map(drop),
                set.authenticate_request(headers).await.map(drop),
            ]
            .map(|outcome| outcome.expect_err("refused").kind());
            assert!(
                kinds.iter().all(|kind| matches!(
                    kind,
                    AuthErrorKind::MissingToken | AuthErrorKind::InvalidAuthorizationHeader
                )),
                "{kinds:?}"
            );
        }
    });
    let actix_metrics = recorded_on_actix(|| async {
        use actix_web::{App, HttpResponse, test, web};
        let app = test::init_service(
            App::new()
                .wrap(torii_backend::actix::RequireAuth::new(verifier()))
                .route("/", web::get().to(HttpResponse::Ok)),
        )
        .await;
        for headers in [&no_token, &not_bearer] {
            let mut request = test::TestRequest::get().uri("/");
            for (name, value) in headers {
                request = request.insert_header((name.as_str(), value.to_str().expect("ascii")));
            }
            let response = test::call_service(&app, request.to_request()).await;
            assert_eq!(response.status(), 401);
        }
    });

    for (path, metrics, each) in [
        ("tower layer", &tower_metrics, 1),
        ("authenticate_request", &function_metrics, 2),
        ("actix middleware", &actix_metrics, 1),
    ] {
        for outcome in ["missing_token", "invalid_authorization_header"] {
            assert_eq!(
                metrics.counter(
                    "torii_verifications_total",
                    &[("outcome", outcome), ("cached", "false")]
                ),
                each,
                "{path}: {outcome}"
            );
        }
        let total: u64 = metrics
            .all()
            .iter()
            .filter(|(name, _, _)| name == "torii_verifications_total")
            .map(|(_, _, value)| match value {
                DebugValue::Counter(count) => *count,
                _ => 0,
            })
            .sum();
        assert_eq!(total, 2 * each, "{path}: only the refusals are counted");
    }
}

/// [`recorded`] on actix's own runtime, for the middleware's in-process test service.
fn recorded_on_actix<F: Future<Output = ()>>(test: impl FnOnce() -> F) -> Metrics {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    metrics::with_local_recorder(&recorder, || {
        actix_web::rt::System::new().block_on(test());
    });
    Metrics(read(&snapshotter))
}
