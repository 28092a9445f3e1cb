//! What generated code reaches, under one path (`::torii_backend::__private`), so that it
//! compiles in any crate that depends on torii-backend alone. Not a public API: it may change in
//! any release.

pub use ::chrono::{DateTime, NaiveDate, Utc};
pub use ::http::Method;
pub use ::serde;
pub use ::serde_json;
pub use ::uuid::Uuid;

pub use crate::error::{Error, InvalidArgument};
pub use crate::rest::args::{JsonObject, PathArg, QueryValue, defer};
pub use crate::rest::paginate::{Paginated, collect_items};
pub use crate::rest::request::{BodySpec, OperationSpec, ParamLocation, ParamSpec, Request};
pub use crate::rest::transport::{FromTransport, Transport, decode_response};
pub use crate::rest::unknown::unknown_value;
pub use crate::rest::{ClientBuilder, IntoJsonObject, IntoPathArg, Items, Pages, UnknownValue};

/// Serde for tri-state request fields (`Option<Option<T>>`).
pub mod tristate {
    pub use crate::rest::tristate::{deserialize, serialize};
}

/// The future a request builder turns into with `.await`.
pub type BoxFuture<T> =
    ::std::pin::Pin<::std::boxed::Box<dyn ::core::future::Future<Output = T> + Send + 'static>>;
