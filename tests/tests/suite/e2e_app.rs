//! The whole SDK in one service, as a user would build it: an axum app behind
//! `RequireAuthLayer` whose handler reads the verified `Auth` and calls the Backend API for the
//! user, all against one MockTorii; plus the function entry points on the same tokens.

use std::net::SocketAddr;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use torii_backend::middleware::RequireAuthLayer;
use torii_backend::testing::MockTorii;
use torii_backend::verify::AuthErrorKind;
use torii_backend::{Auth, Client, Operation, authenticate_request, verify_token};
use torii_tests::raw_http;

/// GET /me: the signed-in user's name, read from Torii with the id the token carries.
async fn me(State(torii): State<Client>, auth: Auth) -> Result<String, StatusCode> {
    let user = torii
        .users()
        .get(&auth.user_id)
        .send()
        .await
        .map_err(|error| {
            if error.is_not_found() {
                StatusCode::NOT_FOUND
            } else {
                StatusCode::BAD_GATEWAY
            }
        })?;
    Ok(user.name.unwrap_or_default())
}

async fn serve(torii: &MockTorii) -> SocketAddr {
    let app = Router::new()
        .route("/me", get(me))
        .with_state(torii.client())
        .layer(RequireAuthLayer::new(torii.verifier()));
    torii_tests::serve::serve(app).await
}

#[tokio::test]
async fn a_signed_in_request_reaches_the_api_as_its_user() {
    let torii = MockTorii::start().await.expect("mock");
    let addr = serve(&torii).await;
    let ada = torii
        .seed_user()
        .email("ada@example.com")
        .first_name("Ada")
        .last_name("Lovelace")
        .insert()
        .expect("seed");
    let session = torii.create_session(ada.id).expect("session");
    let token = torii.session_token(&session);
    let bearer = format!("Bearer {token}");

    let response = raw_http::get(addr, "/me", &[("authorization", &bearer)]).await;
    assert_eq!(
        (response.status, response.body.as_str()),
        (200, "Ada Lovelace")
    );
    assert_eq!(torii.calls(Operation::GetUser), 1);

    let anonymous = raw_http::get(addr, "/me", &[]).await;
    assert_eq!(anonymous.status, 401);
    let expired = torii
        .token()
        .subject(ada.id.to_string())
        .expired(std::time::Duration::from_secs(300))
        .sign();
    let expired = raw_http::get(
        addr,
        "/me",
        &[("authorization", &format!("Bearer {expired}"))],
    )
    .await;
    assert_eq!(expired.status, 401);
    assert_eq!(
        torii.calls(Operation::GetUser),
        1,
        "rejected requests never reach the handler"
    );

    // The token stays valid after the user is deleted (tokens are verified locally), but the
    // API no longer serves the user.
    torii
        .client()
        .users()
        .delete(ada.id)
        .send()
        .await
        .expect("delete");
    let after = raw_http::get(addr, "/me", &[("authorization", &bearer)]).await;
    assert_eq!(
        after.status, 502,
        "the API answered 403 for the deleted user"
    );

    // The function entry points agree with the layer on the same token.
    let auth = verify_token(&token, torii.issuer())
        .await
        .expect("verify_token");
    assert_eq!(
        auth.session_id.as_deref(),
        Some(session.id.to_string().as_str())
    );
    assert_eq!(auth.environment_id, torii.environment_id().to_string());
    let headers = [("Authorization", bearer.as_str())];
    let from_headers = authenticate_request(headers, torii.issuer())
        .await
        .expect("headers");
    assert_eq!(from_headers.user_id, auth.user_id);
    let missing = authenticate_request([("Accept", "*/*")], torii.issuer()).await;
    assert_eq!(
        missing.expect_err("no token").kind(),
        AuthErrorKind::MissingToken
    );
}
