//! [`Api`] to Rust tokens.

mod client;
mod models;
mod operations;
mod types;

use proc_macro2::TokenStream;
use quote::quote;

use crate::ir::Api;

/// Where generated code finds the runtime, as a path and as text for `#[serde(...)]` strings.
#[derive(Debug, Clone)]
pub(crate) struct Runtime {
    pub(crate) path: TokenStream,
    pub(crate) text: String,
}

pub(crate) fn emit(api: &Api, rt: &Runtime) -> TokenStream {
    let models = models::emit(&api.models, rt);
    let operations = operations::emit(&api.resources, rt);
    let client = client::emit(&api.resources, rt);
    quote! {
        #models
        #operations
        #client
    }
}

/// `#[doc = "..."]` lines for optional text, with a fallback.
pub(crate) fn doc(text: Option<&str>, fallback: &str) -> TokenStream {
    let text = text
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .unwrap_or(fallback);
    let lines = text.lines().map(|line| format!(" {line}"));
    quote! { #(#[doc = #lines])* }
}
