//! Token verification, from the raw ECDSA floor to a request through the tower layer, all on a
//! token from MockTorii with its keys already fetched. `cargo bench -p torii-backend --bench
//! verify`; BENCHMARKS.md says what each figure means and the latest numbers.

use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED, ParsedPublicKey};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use criterion::{Criterion, criterion_group, criterion_main};
use http::{HeaderMap, HeaderValue, Request, header};
use std::hint::black_box;
use torii_backend::middleware::RequireAuthLayer;
use torii_backend::testing::MockTorii;
use torii_backend::verify::TokenCacheSettings;
use torii_backend::{Verifier, authenticate_request};
use tower_layer::Layer;
use tower_service::Service;

#[path = "support/ok200.rs"]
mod ok200;
use ok200::Ok200;

fn verification(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let torii = runtime.block_on(MockTorii::start()).expect("mock");
    let token = torii.token().sign();
    let verifier = |tokens: TokenCacheSettings| {
        let verifier = Verifier::builder(torii.issuer())
            .token_cache(tokens)
            .build()
            .expect("verifier");
        runtime.block_on(verifier.warm_up()).expect("keys");
        verifier
    };

    let jwk = &torii.jwks()["keys"][0];
    let mut point = vec![4_u8];
    for coordinate in ["x", "y"] {
        let text = jwk[coordinate].as_str().expect("coordinate");
        point.extend(URL_SAFE_NO_PAD.decode(text).expect("base64url"));
    }
    let key = ParsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, &point).expect("P-256 point");
    let (message, signature) = token.rsplit_once('.').expect("a token");
    let signature = URL_SAFE_NO_PAD.decode(signature).expect("base64url");

    let mut group = c.benchmark_group("verify");
    group.bench_function("raw_ecdsa", |b| {
        b.iter(|| key.verify_sig(black_box(message.as_bytes()), black_box(&signature)))
    });

    let jwk: jsonwebtoken::jwk::Jwk = serde_json::from_value(jwk.clone()).expect("jwk");
    let decoding_key = jsonwebtoken::DecodingKey::from_jwk(&jwk).expect("key");
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::ES256);
    validation.set_issuer(&[torii.issuer()]);
    group.bench_function("jsonwebtoken_decode", |b| {
        b.iter(|| {
            jsonwebtoken::decode::<serde_json::Value>(black_box(&token), &decoding_key, &validation)
        })
    });

    // Without the token cache every call does the whole verification: a token seen for the
    // first time, with the keys cached.
    let uncached = verifier(TokenCacheSettings::disabled());
    group.bench_function("first_seen", |b| {
        b.to_async(&runtime)
            .iter(|| uncached.verify(black_box(&token)))
    });
    let cached = verifier(TokenCacheSettings::default());
    group.bench_function("repeat", |b| {
        b.to_async(&runtime)
            .iter(|| cached.verify(black_box(&token)))
    });
    let mut headers = HeaderMap::new();
    let bearer = HeaderValue::try_from(format!("Bearer {token}")).expect("header");
    headers.insert(header::AUTHORIZATION, bearer.clone());
    group.bench_function("authenticate_request_header_map", |b| {
        b.to_async(&runtime)
            .iter(|| cached.authenticate_request(black_box(&headers)))
    });
    group.bench_function("authenticate_request_process_wide", |b| {
        b.to_async(&runtime)
            .iter(|| authenticate_request(black_box(&headers), torii.issuer()))
    });
    group.finish();

    let mut group = c.benchmark_group("layer");
    let request = || {
        Request::builder()
            .header(header::AUTHORIZATION, bearer.clone())
            .body(())
            .expect("request")
    };
    let mut bare = Ok200;
    group.bench_function("without_layer", |b| {
        b.to_async(&runtime).iter(|| bare.call(request()))
    });
    let mut layered = RequireAuthLayer::new(cached.clone()).layer(Ok200);
    group.bench_function("with_layer", |b| {
        b.to_async(&runtime).iter(|| layered.call(request()))
    });
    group.finish();
}

criterion_group!(benches, verification);
criterion_main!(benches);
