//! A Backend API call through our client against the same request with a bare
//! `reqwest::Client` set up as ours is, both against MockTorii on loopback; and the two ways a
//! 2xx body can be decoded (plain serde_json, which the client runs, against
//! serde_path_to_error, which it runs only on a body that does not match).
//! `cargo bench -p torii-backend --bench rest --features testing`.

#[path = "support/bare_get.rs"]
mod bare_get;
use bare_get::{Target, bare_get, configured_like_ours};
use criterion::{Criterion, criterion_group, criterion_main};
use http::header;
use serde::de::DeserializeOwned;
use torii_backend::models::{ServerUserResponse, UserPage};
use torii_backend::testing::MockTorii;

fn rest_get(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let torii = runtime.block_on(MockTorii::start()).expect("mock");
    let Target {
        user_id,
        url,
        bearer,
    } = Target::seed(&torii).expect("seed");
    let client = torii.client();
    let http = configured_like_ours();

    let mut group = c.benchmark_group("rest");
    group.bench_function("users_get", |b| {
        b.to_async(&runtime)
            .iter(|| async { client.users().get(user_id).send().await.expect("user") })
    });
    group.bench_function("raw_reqwest_get", |b| {
        b.to_async(&runtime).iter(|| bare_get(&http, &url, &bearer))
    });
    group.finish();
}

fn decode(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let torii = runtime.block_on(MockTorii::start()).expect("mock");
    for n in 0..20 {
        torii
            .seed_user()
            .email(format!("user{n}@example.com"))
            .first_name("Bench")
            .insert()
            .expect("seed");
    }
    let http = torii_backend::reqwest::Client::new();
    let bearer = format!("Bearer {}", torii.secret_key());
    let body = |request: torii_backend::reqwest::RequestBuilder| {
        runtime.block_on(async {
            let response = request
                .header(header::AUTHORIZATION, &bearer)
                .send()
                .await
                .expect("response");
            assert!(response.status().is_success(), "{}", response.status());
            response.bytes().await.expect("body")
        })
    };
    let api = format!("{}/api/server/v1", torii.api_url());
    let page = body(
        http.post(format!("{api}/users/search?limit=20"))
            .header(header::CONTENT_TYPE, "application/json")
            .body("{}"),
    );
    let first: UserPage = serde_json::from_slice(&page).expect("page");
    assert_eq!(first.items.len(), 20, "a page of 20 users");
    let user = body(http.get(format!("{api}/users/{}", first.items[0].id)));

    let mut group = c.benchmark_group("decode");
    fn both<T: DeserializeOwned>(
        group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
        name: &str,
        body: &[u8],
    ) {
        group.bench_function(format!("{name}/serde_json"), |b| {
            b.iter(|| serde_json::from_slice::<T>(body).expect("decodes"))
        });
        group.bench_function(format!("{name}/serde_path_to_error"), |b| {
            b.iter(|| {
                let mut deserializer = serde_json::Deserializer::from_slice(body);
                serde_path_to_error::deserialize::<_, T>(&mut deserializer).expect("decodes")
            })
        });
    }
    both::<ServerUserResponse>(&mut group, "user", &user);
    both::<UserPage>(&mut group, "user_page_20", &page);
    group.finish();
}

criterion_group!(benches, rest_get, decode);
criterion_main!(benches);
