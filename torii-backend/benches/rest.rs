//! A Backend API call through our client against the same request with a bare
//! `reqwest::Client`, both against MockTorii on loopback. `cargo bench -p torii-backend --bench
//! rest`.

use criterion::{Criterion, criterion_group, criterion_main};
use http::header;
use torii_backend::models::ServerUserResponse;
use torii_backend::testing::MockTorii;

fn rest_get(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let torii = runtime.block_on(MockTorii::start()).expect("mock");
    let user = torii
        .seed_user()
        .email("bench@example.com")
        .first_name("Bench")
        .insert()
        .expect("seed");
    let client = torii.client();
    let http = torii_backend::reqwest::Client::new();
    let url = format!("{}/api/server/v1/users/{}", torii.api_url(), user.id);
    let bearer = format!("Bearer {}", torii.secret_key());

    let mut group = c.benchmark_group("rest");
    group.bench_function("users_get", |b| {
        b.to_async(&runtime)
            .iter(|| async { client.users().get(user.id).send().await.expect("user") })
    });
    group.bench_function("raw_reqwest_get", |b| {
        b.to_async(&runtime).iter(|| async {
            let response = http
                .get(&url)
                .header(header::AUTHORIZATION, &bearer)
                .header(header::ACCEPT, "application/json")
                .send()
                .await
                .expect("response");
            let body = response.bytes().await.expect("body");
            serde_json::from_slice::<ServerUserResponse>(&body).expect("user")
        })
    });
    group.finish();
}

criterion_group!(benches, rest_get);
criterion_main!(benches);
