//! The bare reqwest side of every API call comparison (`benches/rest.rs`,
//! `examples/perf_report.rs` and `examples/rest_allocations.rs` include this file by path): the
//! GET `users().get(id)` sends, with the same headers, its body decoded into the same model,
//! and the user both sides ask for.

use http::header;
use torii_backend::models::ServerUserResponse;
use torii_backend::reqwest::Client;
use torii_backend::testing::{MockError, MockTorii};

/// The user both sides of a comparison get, seeded in `torii`: its id for the client, its URL
/// and the bearer header for bare reqwest.
pub(crate) struct Target {
    pub(crate) user_id: uuid::Uuid,
    pub(crate) url: String,
    pub(crate) bearer: String,
}

impl Target {
    pub(crate) fn seed(torii: &MockTorii) -> Result<Self, MockError> {
        let user = torii
            .seed_user()
            .email("bench@example.com")
            .first_name("Bench")
            .insert()?;
        Ok(Self {
            user_id: user.id,
            url: format!("{}/api/server/v1/users/{}", torii.api_url(), user.id),
            bearer: format!("Bearer {}", torii.secret_key()),
        })
    }
}

/// A bare `reqwest::Client` set up as `Client::builder()` sets up its own: the same user agent
/// (so the same bytes go on the wire), the same deadline and connect timeout, no redirects.
/// The deadline is not free (a timer per request), and a user of bare reqwest who wants one
/// pays it too.
pub(crate) fn configured_like_ours() -> Client {
    Client::builder()
        .user_agent(concat!("torii-rs/", env!("CARGO_PKG_VERSION")))
        .timeout(torii_backend::rest::DEFAULT_TIMEOUT)
        .connect_timeout(torii_backend::rest::DEFAULT_CONNECT_TIMEOUT)
        .redirect(torii_backend::reqwest::redirect::Policy::none())
        .build()
        .unwrap_or_default()
}

/// One GET of `url`; the decoded user is handed to `black_box`, so the decode is not optimized
/// away. Failures are dropped: the mock answers every one of these.
pub(crate) async fn bare_get(http: &Client, url: &str, bearer: &str) {
    let response = http
        .get(url)
        .header(header::AUTHORIZATION, bearer)
        .header(header::ACCEPT, "application/json")
        .send()
        .await;
    if let Ok(response) = response
        && let Ok(body) = response.bytes().await
    {
        let user = serde_json::from_slice::<ServerUserResponse>(&body);
        std::hint::black_box(user).ok();
    }
}
