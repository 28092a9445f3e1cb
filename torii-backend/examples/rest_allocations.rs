//! Heap allocations of one `users().get(id)` against one bare reqwest GET decoded into the same
//! model, counted on the thread that sends them. `perf_report` runs this (through cargo) and
//! prints its two lines with its own:
//!
//! ```text
//! cargo run --release -p torii-backend --example rest_allocations --features testing
//! ```
//!
//! A binary of its own, because counting replaces the global allocator (`allocation-counter`),
//! and that slowed perf_report's two-thread verification figure by a tenth.

#[path = "../benches/support/bare_get.rs"]
mod bare_get;
use bare_get::{Target, bare_get, configured_like_ours};
use torii_backend::testing::MockTorii;

/// Requests counted on each side, after as many uncounted ones (the connection and the pool
/// are set up in those).
const COUNTED_REQUESTS: u32 = 200;

type Result<T = (), E = Box<dyn std::error::Error>> = std::result::Result<T, E>;

fn main() -> Result {
    // The mock serves from a thread of its own, so that its allocations are not counted with
    // the client's.
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let served = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map(|runtime| {
                runtime.block_on(async {
                    let started = MockTorii::start().await;
                    let up = started.is_ok();
                    let _ = sender.send(started);
                    if up {
                        std::future::pending::<()>().await;
                    }
                })
            });
        drop(served);
    });
    let torii = receiver.recv()??;
    let Target {
        user_id,
        url,
        bearer,
    } = Target::seed(&torii)?;
    let client = torii.client();
    let http = configured_like_ours();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let per_request = |send: &dyn Fn()| {
        send();
        let counted = allocation_counter::measure(send).count_total;
        (counted as f64 / f64::from(COUNTED_REQUESTS)).round()
    };
    let ours = per_request(&|| {
        runtime.block_on(async {
            for _ in 0..COUNTED_REQUESTS {
                let _ = client.users().get(user_id).send().await;
            }
        })
    });
    let bare = per_request(&|| {
        runtime.block_on(async {
            for _ in 0..COUNTED_REQUESTS {
                bare_get(&http, &url, &bearer).await;
            }
        })
    });
    println!("count allocations_rest_get {ours}");
    println!("count allocations_raw_reqwest_get {bare}");
    Ok(())
}
