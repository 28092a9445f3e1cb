//! An actix-web service that requires a Torii session on `/me`, run against MockTorii in this
//! process: it starts the server on loopback, calls it with and without a token, and exits.
//!
//! ```text
//! cargo run --example actix --features actix
//! ```
//!
//! The run stops with a non-zero exit status as soon as an answer is not the one printed.

use actix_web::{App, HttpServer, web};
use torii_backend::actix::RequireAuth;
use torii_backend::testing::MockTorii;
use torii_backend::verify::Auth;

type Result<T = (), E = Box<dyn std::error::Error>> = std::result::Result<T, E>;

async fn me(auth: Auth) -> String {
    format!("hello {}", auth.user_id)
}

fn main() -> Result {
    // actix-web runs its servers on its own runtime; MockTorii runs on it too.
    actix_web::rt::System::new().block_on(run())
}

async fn run() -> Result {
    let torii = MockTorii::start().await?;
    let verifier = torii.verifier();

    let server = HttpServer::new(move || {
        App::new()
            .wrap(RequireAuth::new(verifier.clone()).skip(|request| request.path() == "/healthz"))
            .route("/me", web::get().to(me))
            .route("/healthz", web::get().to(|| async { "ok" }))
    })
    .workers(1)
    .disable_signals()
    .bind(("127.0.0.1", 0))?;
    let url = format!("http://{}", server.addrs()[0]);
    let server = server.run();
    let handle = server.handle();
    actix_web::rt::spawn(server);
    println!("actix-web on {url}, tokens from {}", torii.issuer());

    let http = torii_backend::reqwest::Client::new();
    let without = http.get(format!("{url}/me")).send().await?;
    println!("GET /me without a token: {}", without.status());
    check(
        without.status() == 401,
        "a request without a token is refused",
    )?;

    let token = torii.token().subject("user_ada").sign();
    let with = http
        .get(format!("{url}/me"))
        .bearer_auth(&token)
        .send()
        .await?;
    let status = with.status();
    let body = with.text().await?;
    println!("GET /me with a token: {status} {body}");
    check(
        status == 200 && body == "hello user_ada",
        "the token's user is served",
    )?;

    let health = http.get(format!("{url}/healthz")).send().await?;
    println!("GET /healthz without a token: {}", health.status());
    check(health.status() == 200, "skipped paths are not checked")?;

    handle.stop(true).await;
    Ok(())
}

fn check(holds: bool, what: &str) -> Result {
    if holds {
        Ok(())
    } else {
        Err(format!("expected: {what}").into())
    }
}
