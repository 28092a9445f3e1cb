//! MockTorii as the tests set it up: on a runtime of its own, and seeded with numbered users and
//! organizations.

use torii_backend::testing::MockTorii;
use torii_backend::uuid::Uuid;

/// A MockTorii served by a one-worker runtime of its own, for tests that drive it from outside
/// an async context or from a runtime whose clock they pause.
///
/// # Panics
///
/// When the runtime cannot be built or the mock cannot bind a loopback port.
pub fn on_own_runtime() -> (tokio::runtime::Runtime, MockTorii) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let torii = runtime.block_on(MockTorii::start()).expect("mock");
    (runtime, torii)
}

/// The ids of `count` new users, `user0@example.com` and on, in creation order.
///
/// # Panics
///
/// When the mock refuses a user.
pub fn users(torii: &MockTorii, count: usize) -> Vec<Uuid> {
    (0..count)
        .map(|n| {
            let email = format!("user{n}@example.com");
            torii.seed_user().email(email).insert().expect("seed").id
        })
        .collect()
}

/// The ids of `count` new organizations, `Org 0` and on, in creation order.
///
/// # Panics
///
/// When the mock refuses an organization.
pub fn organizations(torii: &MockTorii, count: usize) -> Vec<Uuid> {
    (0..count)
        .map(|n| {
            torii
                .create_organization(&format!("Org {n}"))
                .expect("org")
                .id
        })
        .collect()
}

/// The loopback address MockTorii's Backend API listens on, for raw HTTP.
///
/// # Panics
///
/// When the API URL is not `http://` and an address, which MockTorii's always is.
pub fn api_addr(torii: &MockTorii) -> std::net::SocketAddr {
    torii
        .api_url()
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .parse()
        .expect("a loopback address")
}
