//! The whole SDK in one run: verify a session token, protect an axum route with it, then manage
//! a user through the Backend API.
//!
//! ```text
//! cargo run --example quickstart
//! ```
//!
//! With no environment variables it runs against MockTorii, in this process, with no network.
//! Against a real Torii environment, set:
//!
//! - `TORII_ISSUER`: your environment's issuer URL;
//! - `TORII_SECRET_KEY`: a secret key of that environment (use a test environment: the run
//!   creates, bans and deletes a user);
//! - `TORII_API_URL` (optional): the Backend API URL, `https://api.torii.so` by default;
//! - `TORII_SESSION_TOKEN` (optional): a session token from your frontend; without one the
//!   verification steps are skipped, since only Torii can sign tokens.
//!
//! The first three are exactly what `torii-mock` prints, so the same run works against a
//! standalone mock: start `cargo run -p torii-mock -- --env-file torii.env`, then
//! `set -a; . ./torii.env; set +a` in the shell that runs the quickstart. This mode reads its
//! settings through `Verifier::from_env()` and `Client::from_env()`.
//!
//! The run stops with a non-zero exit status as soon as a step does not behave as printed.

use std::time::{Duration, SystemTime};

use axum::Router;
use axum::routing::get;
use torii_backend::middleware::RequireAuthLayer;
use torii_backend::models::UserStatus;
use torii_backend::testing::MockTorii;
use torii_backend::{Auth, Client, Verifier};

type Result<T = (), E = Box<dyn std::error::Error>> = std::result::Result<T, E>;

/// Where the run goes: the in-process mock, or a real environment.
enum Torii {
    Mock(MockTorii),
    Real {
        verifier: Verifier,
        client: Client,
        token: Option<String>,
    },
}

#[tokio::main]
async fn main() -> Result {
    let torii = Torii::from_env().await?;
    let issuer = torii.issuer().to_owned();
    println!("1. Torii issuer: {issuer} ({})", torii.kind());

    // Verification: local, with keys fetched once from the issuer's JWKS and cached.
    let verifier = torii.verifier();
    let token = torii.session_token();
    match &token {
        Some(token) => {
            println!(
                "2. Session token: {}… ({} bytes)",
                &token[..16.min(token.len())],
                token.len()
            );
            let auth = verifier.verify(token).await?;
            println!("3. Verified: {}", describe(&auth));
        }
        None => println!("2-3. No TORII_SESSION_TOKEN: skipping token verification"),
    }

    // The same verifier guarding an axum route.
    let app = Router::new()
        .route(
            "/hello",
            get(|auth: Auth| async move { format!("hello {}", auth.user_id) }),
        )
        .layer(RequireAuthLayer::new(verifier));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/hello", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });
    let http = reqwest::Client::new();
    let anonymous = http.get(&url).send().await?;
    println!("4. GET /hello without a token: {}", anonymous.status());
    ensure(
        anonymous.status() == 401,
        "a request without a token is refused",
    )?;
    if let Some(token) = &token {
        let signed_in = http.get(&url).bearer_auth(token).send().await?;
        let status = signed_in.status();
        println!(
            "   GET /hello with the token:    {status}: {:?}",
            signed_in.text().await?
        );
        ensure(status == 200, "a request with a valid token gets through")?;
    }

    // The Backend API.
    let client = torii.client();
    let email = format!("quickstart-{}@example.com", unique());
    let user = client
        .users()
        .create()
        .email(&email)
        .first_name("Ada")
        .last_name("Byron")
        .send()
        .await?;
    println!("5. Created user {} <{email}>: {:?}", user.id, user.name);

    let user = client
        .users()
        .update(user.id)
        .first_name("Augusta") // set
        .clear_last_name() // clear (sends null)
        .send()
        .await?;
    println!(
        "6. Updated: first name {:?}, last name {:?}",
        user.first_name, user.last_name
    );
    ensure(
        user.first_name.as_deref() == Some("Augusta") && user.last_name.is_none(),
        "the first name is set and the last name cleared",
    )?;

    let page = client
        .users()
        .list()
        .email_addresses([&email])
        .send()
        .await?;
    println!(
        "7. Listed users with that email: {} found",
        page.items.len()
    );
    ensure(
        page.items.iter().map(|u| u.id).eq([user.id]),
        "the list finds the user",
    )?;

    torii.sign_in(user.id)?;
    let sessions = client.sessions().list_for_user(user.id).send().await?;
    println!("8. Sessions of the user: {}", sessions.len());
    if let Some(session) = sessions.first() {
        client.sessions().revoke(user.id, session.id).send().await?;
        let left = client.sessions().list_for_user(user.id).send().await?;
        println!("   Revoked session {}: {} left", session.id, left.len());
        ensure(left.len() + 1 == sessions.len(), "one session fewer")?;
    }

    let banned = client.users().ban(user.id).send().await?;
    let sessions = client.sessions().list_for_user(user.id).send().await?;
    println!(
        "9. Banned: status {}, sessions left {}",
        banned.status.as_str(),
        sessions.len()
    );
    ensure(
        banned.status == UserStatus::Banned && sessions.is_empty(),
        "a ban revokes every session",
    )?;
    client
        .sessions()
        .revoke_all_for_user(user.id)
        .send()
        .await?;

    client.users().delete(user.id).send().await?;
    let gone = client.users().get(user.id).send().await;
    println!(
        "10. Deleted the user; reading it again answers {}",
        gone.as_ref()
            .err()
            .and_then(|e| e.status())
            .map_or("-".into(), |s| s.to_string())
    );
    ensure(gone.is_err(), "a deleted user is gone")?;

    println!("Done: every step behaved as shown.");
    Ok(())
}

impl Torii {
    async fn from_env() -> Result<Self> {
        let configured = ["TORII_ISSUER", "TORII_SECRET_KEY"]
            .iter()
            .all(|name| std::env::var_os(name).is_some());
        if !configured {
            return Ok(Self::Mock(MockTorii::start().await?));
        }
        Ok(Self::Real {
            verifier: Verifier::from_env()?,
            client: Client::from_env()?,
            token: std::env::var("TORII_SESSION_TOKEN").ok(),
        })
    }

    fn kind(&self) -> &'static str {
        match self {
            Self::Mock(_) => "MockTorii, in this process",
            Self::Real { .. } => "a real Torii environment",
        }
    }

    fn issuer(&self) -> &str {
        match self {
            Self::Mock(mock) => mock.issuer(),
            Self::Real { verifier, .. } => verifier.issuer(),
        }
    }

    fn verifier(&self) -> Verifier {
        match self {
            Self::Mock(mock) => mock.verifier(),
            Self::Real { verifier, .. } => verifier.clone(),
        }
    }

    fn client(&self) -> Client {
        match self {
            Self::Mock(mock) => mock.client(),
            Self::Real { client, .. } => client.clone(),
        }
    }

    /// A token as a signed-in user's frontend would send it.
    fn session_token(&self) -> Option<String> {
        match self {
            Self::Mock(mock) => Some(mock.token().subject("user_quickstart").sign()),
            Self::Real { token, .. } => token.clone(),
        }
    }

    /// Signs the user in twice (two sessions); only the mock can, a real user signs in
    /// through your frontend.
    fn sign_in(&self, user_id: torii_backend::uuid::Uuid) -> Result {
        if let Self::Mock(mock) = self {
            mock.create_session(user_id)?;
            mock.create_session(user_id)?;
        }
        Ok(())
    }
}

fn describe(auth: &Auth) -> String {
    let expires_in = auth
        .expires_at
        .duration_since(SystemTime::now())
        .unwrap_or(Duration::ZERO);
    format!(
        "user {}, environment {}, session {}, expires in {} s",
        auth.user_id,
        auth.environment_id,
        auth.session_id.as_deref().unwrap_or("-"),
        expires_in.as_secs()
    )
}

fn ensure(ok: bool, what: &str) -> Result {
    if ok {
        Ok(())
    } else {
        Err(format!("step failed: {what}").into())
    }
}

/// A suffix that makes the email of this run's user unique.
fn unique() -> u128 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos())
}
