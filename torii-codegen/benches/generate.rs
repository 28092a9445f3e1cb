//! The generator turning the whole Torii spec into tokens, as `generate_api!` does at every
//! build of a crate that uses it. `cargo bench -p torii-codegen`.

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use torii_codegen::{Config, generate};

fn generate_spec(c: &mut Criterion) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/server-v1.json");
    let spec = std::fs::read_to_string(&path).expect("the spec");
    c.bench_function("generate/server_v1", |b| {
        b.iter(|| generate(black_box(&spec), &Config::default()).expect("generates"))
    });
}

criterion_group!(benches, generate_spec);
criterion_main!(benches);
