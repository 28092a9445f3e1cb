//! The smallest inner service, shared by `benches/verify.rs` and `examples/perf_report.rs` (both
//! include this file by path), so that a layer is measured against nothing but itself.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use http::{Request, Response};
use tower_service::Service;

/// Answers 200 with an empty body.
#[derive(Clone, Copy)]
pub(crate) struct Ok200;

impl<B> Service<Request<B>> for Ok200 {
    type Response = Response<String>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response<String>, Infallible>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _: Request<B>) -> Self::Future {
        Box::pin(async { Ok(Response::new(String::new())) })
    }
}
