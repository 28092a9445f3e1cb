//! The code generator behind `torii_backend::generate_api!`.
//!
//! [`generate`] reads an OpenAPI 3.x document of the Torii Backend API family and returns the
//! Rust tokens of a typed client: models for the component schemas, a `Client` with one accessor
//! per tag, and one request builder per operation. It is a plain library so that it can be
//! unit-tested and benchmarked; the `torii-macros` crate is a thin shell around it.
//!
//! The generator never panics on a bad document: every problem it cannot handle comes back as an
//! [`Error`] naming the JSON pointer and, where there is one, the operationId.
//!
//! # Naming
//!
//! Without vendor extensions, names are derived from the document:
//!
//! - the resource accessor from an operation's first tag, in snake case, without a leading
//!   `Server` (`Server Users` → `users()`);
//! - the method from the operationId, in snake case, without trailing words that repeat the
//!   resource (`updateUser` → `users().update(..)`);
//! - model types from schema names in upper camel case, inline enums from the schema and property
//!   they appear in (`ServerUserResponse.status` → `ServerUserResponseStatus`).
//!
//! - the variant of the `Operation` table from the operationId in upper camel case
//!   (`getUser` → `Operation::GetUser`).
//!
//! Extensions override each of these: `x-rust-resource` on a tag object, `x-rust-method` and
//! `x-rust-operation` on an operation, `x-rust-type` on a component or inline enum schema.
//!
//! # Behaviour
//!
//! `x-torii-repeat-success` on an operation lists the statuses that a repeat of an applied call
//! answers (an array of numbers from 100 to 599): the client reads such a status, met on a retry
//! after an attempt that may have been applied, as success. Without the extension an operation
//! has no such rule.

#![deny(missing_docs)]
// The generator runs inside the user's build: no input, however malformed, may make it panic
// (users would see "proc macro panicked" with no pointer into their spec). Outside tests it may
// not unwrap, expect, index out of bounds or panic.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing,
        clippy::unreachable,
        clippy::todo,
        clippy::unimplemented
    )
)]

mod emit;
mod error;
mod ir;
mod naming;
mod openapi;
mod pointer;
mod schema;

use proc_macro2::TokenStream;

pub use error::Error;

/// How generated code is tied to its surroundings.
#[derive(Debug, Clone)]
pub struct Config {
    runtime: String,
}

impl Config {
    /// Generated code reaches its runtime (HTTP transport, serde, helpers) through `path`.
    ///
    /// The default is `::torii_backend::__private`, which works in any crate that depends on
    /// `torii-backend`.
    pub fn runtime_path(mut self, path: impl Into<String>) -> Self {
        self.runtime = path.into();
        self
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            runtime: "::torii_backend::__private".to_owned(),
        }
    }
}

/// Generates the client for the OpenAPI document `spec` (JSON text).
///
/// # Errors
///
/// Every problem found, each naming where in the document it is: the text is not JSON, or the
/// document uses a construct the generator does not support.
pub fn generate(spec: &str, config: &Config) -> Result<TokenStream, Vec<Error>> {
    let document: serde_json::Value = serde_json::from_str(spec).map_err(|error| {
        vec![Error::new(
            "",
            format!("the spec is not valid JSON: {error}"),
        )]
    })?;
    let runtime_path: syn::Path = syn::parse_str(&config.runtime).map_err(|_| {
        vec![Error::new(
            "",
            format!("`{}` is not a Rust path", config.runtime),
        )]
    })?;
    let api = openapi::read(&document)?;
    let runtime = emit::Runtime {
        path: quote::quote!(#runtime_path),
        text: config.runtime.clone(),
    };
    Ok(emit::emit(&api, &runtime))
}
