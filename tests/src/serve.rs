//! Serving an app under test on loopback.

use std::net::SocketAddr;

/// Serves `app` on 127.0.0.1 with a free port, in a task of the current runtime, and returns
/// its address.
///
/// # Panics
///
/// When no loopback port can be bound.
pub async fn serve(app: axum::Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
    addr
}
