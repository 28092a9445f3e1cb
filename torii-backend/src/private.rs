//! What generated code reaches, under one path (`::torii_backend::__private`), so that it
//! compiles in any crate that depends on torii-backend alone. Not a public API: it may change in
//! any release.

pub use ::chrono::{DateTime, NaiveDate, Utc};
pub use ::http::Method;
pub use ::serde;
pub use ::serde_json;
pub use ::uuid::Uuid;

pub use crate::error::{Error, InvalidArgument};
pub use crate::rest::{
    ClientBuilder, IntoJsonObject, IntoPathArg, Items, JsonObject, Pages, Paginated, PathArg,
    QueryValue, Request, Transport, collect_items, defer, tristate,
};

/// The future a request builder turns into with `.await`.
pub type BoxFuture<T> =
    ::std::pin::Pin<::std::boxed::Box<dyn ::core::future::Future<Output = T> + Send + 'static>>;
