//! The figures of BENCHMARKS.md, measured side by side in one process against MockTorii on
//! loopback:
//!
//! ```text
//! cargo run --release -p torii-backend --example perf_report --features testing
//! ```
//!
//! Each ratio compares two operations measured in alternating batches (so that a slower or
//! busier moment hits both alike), after a warm-up, as the median of the per-operation times of
//! every batch. Each figure is one line, `ratio <name> <x>` or `count <name> <n>`, for scripts.
//!
//! With `--features testing,metrics` (as CI runs it) it also prints what recording metrics costs
//! a first-seen verification.
//!
//! The API call ratio is taken from pairs of batches instead (see `paired`). The allocation
//! counts come from `examples/rest_allocations.rs`, which this runs.

use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED, ParsedPublicKey};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::{Request, header};
use torii_backend::Verifier;
use torii_backend::middleware::RequireAuthLayer;
use torii_backend::testing::MockTorii;
use torii_backend::verify::TokenCacheSettings;
use tower_layer::Layer;
use tower_service::Service;

#[path = "../benches/support/bare_get.rs"]
mod bare_get;
use bare_get::{Target, bare_get, configured_like_ours};
#[path = "../benches/support/ok200.rs"]
mod ok200;
use ok200::Ok200;

const SAMPLES: usize = 25;
const WARM_UP: usize = 3;
/// Pairs of batches for the API call ratio (see [`paired`]).
const REST_SAMPLES: usize = 400;
const REST_BATCH: usize = 10;

type Result<T = (), E = Box<dyn std::error::Error>> = std::result::Result<T, E>;

fn main() -> Result {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let torii = runtime.block_on(MockTorii::start())?;
    let bench = Bench {
        runtime: &runtime,
        torii: &torii,
    };
    bench.first_seen_against_raw()?;
    bench.verifiers_against_verifier()?;
    #[cfg(feature = "metrics")]
    bench.metrics_against_none()?;
    bench.raw_against_repeat()?;
    bench.layer_against_verify()?;
    bench.rest_get_against_reqwest()?;
    bench.allocations_per_request()?;
    bench.threads()?;
    bench.cold_stampede()?;
    bench.unknown_kid_flood()?;
    crate_counts()?;
    Ok(())
}

struct Bench<'a> {
    runtime: &'a tokio::runtime::Runtime,
    torii: &'a MockTorii,
}

impl Bench<'_> {
    /// A verifier with the keys already fetched.
    fn warm_verifier(&self, tokens: TokenCacheSettings) -> Result<Verifier> {
        let verifier = Verifier::builder(self.torii.issuer())
            .token_cache(tokens)
            .build()?;
        self.runtime.block_on(verifier.warm_up())?;
        Ok(verifier)
    }

    /// `count` tokens, each different (another `sub`), as first-seen requests carry them.
    fn fresh_tokens(&self, count: usize) -> Vec<String> {
        (0..count)
            .map(|n| self.torii.token().subject(format!("user_{n}")).sign())
            .collect()
    }

    fn first_seen_against_raw(&self) -> Result {
        let cached = self.warm_verifier(TokenCacheSettings::default())?;
        let ratio = self.first_seen_ratio(&cached)?;
        println!("ratio first_seen_verify/raw_ecdsa {ratio:.3}");
        // For BENCHMARKS.md, on stderr: the same without the verified-token cache (what its
        // lookup and insert cost a token seen for the first time), with a cache that already
        // holds many tokens (as in a service that has run for a while), and what a hand-rolled
        // `jsonwebtoken::decode` costs on the same kind of tokens.
        let uncached = self.warm_verifier(TokenCacheSettings::disabled())?;
        let ratio = self.first_seen_ratio(&uncached)?;
        eprintln!("  without the token cache: first_seen_verify/raw_ecdsa {ratio:.3}");
        let populated = self.warm_verifier(TokenCacheSettings::default())?;
        let others: Vec<String> = (0..10_000)
            .map(|n| self.torii.token().subject(format!("other_{n}")).sign())
            .collect();
        self.runtime.block_on(async {
            for token in &others {
                populated.verify(token).await.map(drop).unwrap_or(());
            }
        });
        let entries = populated.token_cache_stats().entries;
        let ratio = self.first_seen_ratio(&populated)?;
        eprintln!("  with {entries} other tokens cached: first_seen_verify/raw_ecdsa {ratio:.3}");
        let jwk: jsonwebtoken::jwk::Jwk =
            serde_json::from_value(self.torii.jwks()["keys"][0].clone())?;
        let key = jsonwebtoken::DecodingKey::from_jwk(&jwk)?;
        let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::ES256);
        validation.set_issuer(&[self.torii.issuer()]);
        let peer = self.against_raw(|chunk| {
            for token in chunk {
                let claims = jsonwebtoken::decode::<serde_json::Value>(token, &key, &validation);
                std::hint::black_box(claims).ok();
            }
        })?;
        eprintln!("  peer: jsonwebtoken_decode/raw_ecdsa {peer:.3}");
        Ok(())
    }

    /// First-seen tokens through a set of two issuers (the token's `iss` read first to choose
    /// the verifier) against the same verifier alone.
    fn verifiers_against_verifier(&self) -> Result {
        let batch = 100;
        let alone = self.warm_verifier(TokenCacheSettings::default())?;
        let in_set = self.warm_verifier(TokenCacheSettings::default())?;
        // Tokens never name the other issuer, so its keys are never fetched.
        let other = Verifier::new("https://other-environment.example.com")?;
        let set = torii_backend::verify::Verifiers::new([other, in_set]);
        let for_set = self.fresh_tokens(batch * (SAMPLES + WARM_UP));
        let for_alone = self.fresh_tokens(batch * (SAMPLES + WARM_UP));
        let (mut through_set, mut through_alone) = (0, 0);
        let ratio = interleaved(
            || self.verify_batch(&for_set, &mut through_set, batch, |t| set.verify(t)),
            || self.verify_batch(&for_alone, &mut through_alone, batch, |t| alone.verify(t)),
        );
        println!("ratio verifiers_2/verifier {ratio:.3}");
        Ok(())
    }

    /// First-seen verifications recording into a recorder that keeps its metrics in a map (as
    /// exporters do), against the same with no recorder installed.
    #[cfg(feature = "metrics")]
    fn metrics_against_none(&self) -> Result {
        let batch = 100;
        let recorded = self.warm_verifier(TokenCacheSettings::default())?;
        let plain = self.warm_verifier(TokenCacheSettings::default())?;
        let for_recorded = self.fresh_tokens(batch * (SAMPLES + WARM_UP));
        let for_plain = self.fresh_tokens(batch * (SAMPLES + WARM_UP));
        let recorder = recorder::MapRecorder::default();
        let (mut through_recorded, mut through_plain) = (0, 0);
        let ratio = interleaved(
            || {
                metrics::with_local_recorder(&recorder, || {
                    self.verify_batch(&for_recorded, &mut through_recorded, batch, |t| {
                        recorded.verify(t)
                    })
                })
            },
            || self.verify_batch(&for_plain, &mut through_plain, batch, |t| plain.verify(t)),
        );
        println!("ratio first_seen_metrics/first_seen {ratio:.3}");
        Ok(())
    }

    /// Verifies the next `batch` of `tokens` from `*done` on, with `verify`; returns how many.
    fn verify_batch<
        't,
        F: Future<Output = Result<torii_backend::Auth, torii_backend::verify::AuthError>>,
    >(
        &self,
        tokens: &'t [String],
        done: &mut usize,
        batch: usize,
        verify: impl Fn(&'t str) -> F,
    ) -> usize {
        let chunk = tokens.get(*done..*done + batch).unwrap_or_default();
        *done += batch;
        self.runtime.block_on(async {
            for token in chunk {
                verify(token).await.map(drop).unwrap_or(());
            }
        });
        chunk.len()
    }

    /// Verifications of tokens `verifier` has never seen (keys cached) against the raw ECDSA
    /// floor.
    fn first_seen_ratio(&self, verifier: &Verifier) -> Result<f64> {
        self.against_raw(|chunk| {
            self.runtime.block_on(async {
                for token in chunk {
                    verifier.verify(token).await.map(drop).unwrap_or(());
                }
            });
        })
    }

    /// `operation` on batches of fresh tokens against the raw ECDSA floor over the same tokens.
    fn against_raw(&self, mut operation: impl FnMut(&[String])) -> Result<f64> {
        let batch = 100;
        let tokens = self.fresh_tokens(batch * (SAMPLES + WARM_UP));
        let raw = RawEcdsa::new(self.torii, &tokens)?;
        let (mut operated, mut checked) = (0, 0);
        Ok(interleaved(
            || {
                let chunk = tokens.get(operated..operated + batch).unwrap_or_default();
                operated += batch;
                operation(chunk);
                chunk.len()
            },
            || {
                checked += batch;
                raw.run(checked - batch..checked)
            },
        ))
    }

    fn raw_against_repeat(&self) -> Result {
        let verifier = self.warm_verifier(TokenCacheSettings::default())?;
        let token = self.torii.token().sign();
        let raw = RawEcdsa::new(self.torii, std::slice::from_ref(&token))?;
        self.runtime.block_on(verifier.verify(&token))?;
        let ratio = interleaved(
            || (0..100).map(|_| raw.run(0..1)).sum(),
            || {
                self.runtime.block_on(async {
                    for _ in 0..2000 {
                        verifier.verify(&token).await.map(drop).unwrap_or(());
                    }
                });
                2000
            },
        );
        println!("ratio raw_ecdsa/repeat_verify {ratio:.3}");
        Ok(())
    }

    fn layer_against_verify(&self) -> Result {
        let verifier = self.warm_verifier(TokenCacheSettings::default())?;
        let batch = 100;
        let layered_tokens = self.fresh_tokens(batch * (SAMPLES + WARM_UP));
        let plain_tokens: Vec<String> = (0..batch * (SAMPLES + WARM_UP))
            .map(|n| self.torii.token().subject(format!("plain_{n}")).sign())
            .collect();
        let mut service = RequireAuthLayer::new(verifier.clone()).layer(Ok200);
        let (mut layered, mut plain) = (layered_tokens.chunks(batch), plain_tokens.chunks(batch));
        let ratio = interleaved(
            || {
                let chunk = layered.next().unwrap_or_default();
                self.runtime.block_on(async {
                    for token in chunk {
                        let request = Request::builder()
                            .uri("/")
                            .header(header::AUTHORIZATION, format!("Bearer {token}"))
                            .body(())
                            .unwrap_or_default();
                        let _ = service.call(request).await;
                    }
                });
                chunk.len()
            },
            || {
                let chunk = plain.next().unwrap_or_default();
                self.runtime.block_on(async {
                    for token in chunk {
                        verifier.verify(token).await.map(drop).unwrap_or(());
                    }
                });
                chunk.len()
            },
        );
        println!("ratio layer_request/verify_only {ratio:.3}");
        Ok(())
    }

    fn rest_get_against_reqwest(&self) -> Result {
        let Target {
            user_id,
            url,
            bearer,
        } = Target::seed(self.torii)?;
        let client = self.torii.client();
        let ours = || {
            self.runtime.block_on(async {
                for _ in 0..REST_BATCH {
                    let _ = client.users().get(user_id).send().await;
                }
            });
            REST_BATCH
        };
        let bare = |http: &torii_backend::reqwest::Client| {
            self.runtime.block_on(async {
                for _ in 0..REST_BATCH {
                    bare_get(http, &url, &bearer).await;
                }
            });
            REST_BATCH
        };
        let configured = configured_like_ours();
        let ratio = paired(ours, || bare(&configured));
        println!("ratio rest_get/raw_reqwest_get {ratio:.3}");
        // The same against a client with no deadline and no user agent (what this figure
        // compared with until 2026-12-02): the difference is the deadline's timer.
        let unconfigured = torii_backend::reqwest::Client::new();
        let ratio = paired(ours, || bare(&unconfigured));
        eprintln!("  against reqwest::Client::new(): rest_get/raw_reqwest_get {ratio:.3}");
        // Two bare clients set up alike: what this harness reads when there is no difference.
        let twin = configured_like_ours();
        let ratio = paired(|| bare(&twin), || bare(&configured));
        eprintln!("  noise floor, bare reqwest against bare reqwest: {ratio:.3}");
        Ok(())
    }

    /// The allocation counts of `examples/rest_allocations.rs`, run through cargo with this
    /// build's features: counting needs a global allocator of its own, which would slow the
    /// figures measured here.
    fn allocations_per_request(&self) -> Result {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
        let features = if cfg!(feature = "metrics") {
            "testing,metrics"
        } else {
            "testing"
        };
        let output = Command::new(cargo)
            .args(["run", "--release", "--quiet", "-p", "torii-backend"])
            .args(["--example", "rest_allocations", "--features", features])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()?;
        if !output.status.success() {
            return Err(format!(
                "rest_allocations failed: {}",
                String::from_utf8_lossy(&output.stderr)
            )
            .into());
        }
        print!("{}", String::from_utf8(output.stdout)?);
        Ok(())
    }

    /// Full verifications (no token cache) per second on two threads against one.
    fn threads(&self) -> Result {
        let verifier = self.warm_verifier(TokenCacheSettings::disabled())?;
        let token = Arc::new(self.torii.token().sign());
        let per_thread = 4000;
        let run = |threads: usize| -> f64 {
            let started = Instant::now();
            let handles: Vec<_> = (0..threads)
                .map(|_| {
                    let (verifier, token) = (verifier.clone(), Arc::clone(&token));
                    std::thread::spawn(move || {
                        let runtime = tokio::runtime::Builder::new_current_thread().build();
                        if let Ok(runtime) = runtime {
                            runtime.block_on(async {
                                for _ in 0..per_thread {
                                    verifier.verify(&token).await.map(drop).unwrap_or(());
                                }
                            });
                        }
                    })
                })
                .collect();
            for handle in handles {
                let _ = handle.join();
            }
            (threads * per_thread) as f64 / started.elapsed().as_secs_f64()
        };
        run(1);
        let (mut one, mut two) = (Vec::new(), Vec::new());
        for _ in 0..5 {
            one.push(run(1));
            two.push(run(2));
        }
        println!(
            "ratio throughput_2_threads/1_thread {:.3}",
            median(&mut two) / median(&mut one)
        );
        Ok(())
    }

    /// 1000 requests arrive at once, on two worker threads, at a verifier that has no keys yet.
    fn cold_stampede(&self) -> Result {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?;
        let fetches = runtime.block_on(async {
            let torii = MockTorii::start().await?;
            let verifier = Verifier::new(torii.issuer())?;
            let token = torii.token().sign();
            let start = Arc::new(tokio::sync::Barrier::new(1000));
            let tasks: Vec<_> = (0..1000)
                .map(|_| {
                    let (verifier, token, start) =
                        (verifier.clone(), token.clone(), Arc::clone(&start));
                    tokio::spawn(async move {
                        start.wait().await;
                        verifier.verify(&token).await.is_ok()
                    })
                })
                .collect();
            let mut accepted = 0;
            for task in tasks {
                accepted += usize::from(task.await.unwrap_or(false));
            }
            if accepted != 1000 {
                return Err(format!("{accepted} of 1000 accepted").into());
            }
            Ok::<_, Box<dyn std::error::Error>>(torii.jwks_fetches())
        })?;
        println!("count jwks_fetches_cold_stampede_1000 {fetches}");
        Ok(())
    }

    /// 10,000 requests with made-up `kid`s hit a warm verifier.
    fn unknown_kid_flood(&self) -> Result {
        let torii = self.runtime.block_on(MockTorii::start())?;
        let verifier = Verifier::new(torii.issuer())?;
        self.runtime.block_on(verifier.warm_up())?;
        let tokens: Vec<String> = (0..10_000)
            .map(|n| torii.token().kid(format!("made-up-{n}")).sign())
            .collect();
        self.runtime.block_on(async {
            for token in &tokens {
                let _ = verifier.verify(token).await;
            }
        });
        println!(
            "count jwks_fetches_unknown_kid_flood_10000 {}",
            torii.jwks_fetches()
        );
        Ok(())
    }
}

/// The raw floor: aws-lc-rs ECDSA P-256 verification of tokens' signatures, key parsed once,
/// over the same tokens as the operation it is compared with (ECDSA verification time varies a
/// little from one signature to another).
struct RawEcdsa {
    key: ParsedPublicKey,
    /// (signing input, signature) of each token.
    signed: Vec<(Vec<u8>, Vec<u8>)>,
}

impl RawEcdsa {
    fn new(torii: &MockTorii, tokens: &[String]) -> Result<Self> {
        let jwk = &torii.jwks()["keys"][0];
        let mut point = vec![4_u8];
        for coordinate in ["x", "y"] {
            let text = jwk[coordinate].as_str().ok_or("a coordinate")?;
            point.extend(URL_SAFE_NO_PAD.decode(text)?);
        }
        let key = ParsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, &point)
            .map_err(|_| "the mock's key is a P-256 point")?;
        let signed = tokens
            .iter()
            .map(|token| {
                let (message, signature) = token.rsplit_once('.').ok_or("a token")?;
                Ok((
                    message.as_bytes().to_vec(),
                    URL_SAFE_NO_PAD.decode(signature)?,
                ))
            })
            .collect::<Result<_>>()?;
        Ok(Self { key, signed })
    }

    /// Verifies the signatures of tokens `range`.
    fn run(&self, range: std::ops::Range<usize>) -> usize {
        let mut count = 0;
        for (message, signature) in self.signed.get(range).unwrap_or_default() {
            let verified = self.key.verify_sig(message, signature);
            std::hint::black_box(verified).ok();
            count += 1;
        }
        count
    }
}

/// Runs `a` and `b` in alternating batches (each returns how many operations it ran) and
/// returns median time per operation of `a` over that of `b`.
fn interleaved(mut a: impl FnMut() -> usize, mut b: impl FnMut() -> usize) -> f64 {
    for _ in 0..WARM_UP {
        per_operation(&mut a);
        per_operation(&mut b);
    }
    let (mut a_times, mut b_times) = (Vec::new(), Vec::new());
    for _ in 0..SAMPLES {
        a_times.push(per_operation(&mut a));
        b_times.push(per_operation(&mut b));
    }
    let (a, b) = (median(&mut a_times), median(&mut b_times));
    // Absolute times go to stderr, so that stdout stays one line per figure.
    eprintln!(
        "  ({:.2} µs against {:.2} µs per operation)",
        a * 1e6,
        b * 1e6
    );
    a / b
}

/// The median, over [`REST_SAMPLES`] pairs of adjacent batches, of the time of `a`'s batch
/// over `b`'s, the order within a pair alternating.
///
/// On a shared machine a loopback request's time jumps between levels (24 µs and 35 µs within
/// one run, seen on 2026-12-02), often enough that the median of each side can fall on a
/// different level and a ratio of medians moved by 0.03 between runs. A ratio taken within a
/// pair compares the two sides on the same level: bare reqwest against itself read 0.998–1.007
/// this way (the noise floor `rest_get_against_reqwest` prints).
fn paired(mut a: impl FnMut() -> usize, mut b: impl FnMut() -> usize) -> f64 {
    for _ in 0..WARM_UP {
        per_operation(&mut a);
        per_operation(&mut b);
    }
    let mut ratios = Vec::with_capacity(REST_SAMPLES);
    let (mut a_times, mut b_times) = (Vec::new(), Vec::new());
    for pair in 0..REST_SAMPLES {
        let (a_time, b_time) = if pair % 2 == 0 {
            let a_time = per_operation(&mut a);
            (a_time, per_operation(&mut b))
        } else {
            let b_time = per_operation(&mut b);
            (per_operation(&mut a), b_time)
        };
        ratios.push(a_time / b_time);
        a_times.push(a_time);
        b_times.push(b_time);
    }
    eprintln!(
        "  ({:.2} µs against {:.2} µs per operation)",
        median(&mut a_times) * 1e6,
        median(&mut b_times) * 1e6
    );
    median(&mut ratios)
}

/// Runs `run` once and returns the time per operation it reports.
fn per_operation(run: &mut dyn FnMut() -> usize) -> f64 {
    let started = Instant::now();
    let operations = run().max(1);
    started.elapsed().as_secs_f64() / operations as f64
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

/// Crates in the verify-only build against the default build, from `cargo tree` (normal
/// dependencies, each crate counted once).
fn crate_counts() -> Result {
    let count = |features: &[&str]| -> Result<usize> {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
        let output = Command::new(cargo)
            .args([
                "tree",
                "-p",
                "torii-backend",
                "-e",
                "normal",
                "--prefix",
                "none",
            ])
            .args(features)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()?;
        let text = String::from_utf8(output.stdout)?;
        let crates: std::collections::BTreeSet<String> = text
            .lines()
            .filter_map(|line| {
                let mut words = line.split_whitespace();
                Some(format!("{} {}", words.next()?, words.next()?))
            })
            .collect();
        Ok(crates.len())
    };
    let verify_only = count(&["--no-default-features", "--features", "verify"])?;
    let full = count(&[])?;
    println!(
        "ratio crates_verify_only/crates_full {:.3}",
        verify_only as f64 / full as f64
    );
    eprintln!("(crates: {verify_only} verify-only, {full} default)");
    Ok(())
}

#[cfg(feature = "metrics")]
mod recorder {
    use std::collections::HashMap;
    use std::sync::atomic::AtomicU64;
    use std::sync::{Arc, Mutex};

    use metrics::{
        Counter, Gauge, Histogram, Key, KeyName, Metadata, Recorder, SharedString, Unit,
    };

    /// Counters and gauges in a map by key, found again on every record, as an exporter's
    /// registry does; histograms are dropped.
    #[derive(Debug, Default)]
    pub(crate) struct MapRecorder {
        cells: Mutex<HashMap<Key, Arc<AtomicU64>>>,
    }

    impl MapRecorder {
        fn cell(&self, key: &Key) -> Arc<AtomicU64> {
            let mut cells = self
                .cells
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            Arc::clone(cells.entry(key.clone()).or_default())
        }
    }

    impl Recorder for MapRecorder {
        fn describe_counter(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
        fn describe_gauge(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
        fn describe_histogram(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}

        fn register_counter(&self, key: &Key, _: &Metadata<'_>) -> Counter {
            Counter::from_arc(self.cell(key))
        }

        fn register_gauge(&self, key: &Key, _: &Metadata<'_>) -> Gauge {
            Gauge::from_arc(self.cell(key))
        }

        fn register_histogram(&self, _: &Key, _: &Metadata<'_>) -> Histogram {
            Histogram::noop()
        }
    }
}
