//! The mock's HTTP server: one loopback listener, hyper HTTP/1.1, and the one thing
//! `axum::serve` cannot do, dropping a connection without an answer.

use std::io;

use axum::Router;
use axum::body::Body;
use axum::response::Response;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::task::{JoinHandle, JoinSet};
use tower_service::Service;

/// A response extension telling the server to close the connection instead of answering.
#[derive(Debug, Clone, Copy)]
pub(super) struct DropConnection;

/// Serves `app` on `listener` until the returned task is aborted; aborting it also ends every
/// open connection (they live in the task's `JoinSet`), so a hung handler dies with the mock.
pub(super) fn serve(listener: TcpListener, app: Router) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut connections = JoinSet::new();
        loop {
            let stream = tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok((stream, _)) => stream,
                    // Out of descriptors, say: keep serving the connections already open.
                    Err(_) => continue,
                },
                // Reap finished connections so the set does not grow with every request.
                Some(_) = connections.join_next(), if !connections.is_empty() => continue,
            };
            let app = app.clone();
            let service = hyper::service::service_fn(move |request| answer(app.clone(), request));
            connections.spawn(async move {
                // A connection error (the client left, or we dropped it on purpose) ends only
                // this connection.
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    })
}

async fn answer(mut app: Router, request: hyper::Request<Incoming>) -> io::Result<Response> {
    let response = match app.call(request.map(Body::new)).await {
        Ok(response) => response,
        // `Router` never fails (its error type is `Infallible`).
        Err(never) => match never {},
    };
    if response.extensions().get::<DropConnection>().is_some() {
        // hyper closes the connection without writing anything when the service fails.
        return Err(io::Error::new(
            io::ErrorKind::ConnectionAborted,
            "fault injection: connection dropped",
        ));
    }
    Ok(response)
}
