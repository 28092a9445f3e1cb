//! tonic behind `RequireAuthLayer`: a real gRPC server on loopback (tonic-health's service, so
//! no protoc is needed) that answers a refused call with `Status::unauthenticated`, and a tonic
//! client calling with and without the token in its metadata.

use tonic::transport::server::TcpIncoming;
use tonic::{Code, Request};
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_client::HealthClient;
use torii_backend::middleware::RequireAuthLayer;
use torii_backend::testing::MockTorii;
use torii_backend::verify::AuthError;

#[tokio::test]
async fn a_grpc_service_behind_the_layer_answers_unauthenticated_without_a_token() {
    let torii = MockTorii::start().await.expect("mock");

    // The README's tonic snippet, as it runs here.
    let (reporter, health) = tonic_health::server::health_reporter();
    reporter
        .set_service_status("", tonic_health::ServingStatus::Serving)
        .await;
    let auth = RequireAuthLayer::new(torii.verifier()).on_rejection(|error: AuthError| {
        tonic::Status::unauthenticated(error.message()).into_http()
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(
        tonic::transport::Server::builder()
            .layer(auth)
            .add_service(health)
            .serve_with_incoming(TcpIncoming::from(listener)),
    );

    let channel = tonic::transport::Endpoint::from_shared(format!("http://{addr}"))
        .expect("endpoint")
        .connect()
        .await
        .expect("connect");
    let mut client = HealthClient::new(channel);

    let refused = client
        .check(HealthCheckRequest::default())
        .await
        .expect_err("no token");
    assert_eq!(refused.code(), Code::Unauthenticated);
    assert!(
        refused.message().contains("no Authorization header"),
        "{refused:?}"
    );

    let mut forged = Request::new(HealthCheckRequest::default());
    forged
        .metadata_mut()
        .insert("authorization", "Bearer a.b.c".parse().expect("metadata"));
    let refused = client.check(forged).await.expect_err("bad token");
    assert_eq!(refused.code(), Code::Unauthenticated);

    let mut call = Request::new(HealthCheckRequest::default());
    let bearer = format!("Bearer {}", torii.token().sign());
    call.metadata_mut()
        .insert("authorization", bearer.parse().expect("metadata"));
    let answer = client.check(call).await.expect("served").into_inner();
    assert_eq!(answer.status, tonic_health::ServingStatus::Serving as i32);
}
