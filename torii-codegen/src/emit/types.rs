//! Rust types for [`TypeRef`]s, and how setters accept them.

use proc_macro2::TokenStream;
use quote::quote;

use super::Runtime;
use crate::ir::TypeRef;

/// The Rust type of `ty`; `models` is the path prefix of generated models from where the type is
/// written (empty inside the models module).
pub(crate) fn rust_type(ty: &TypeRef, rt: &TokenStream, models: &TokenStream) -> TokenStream {
    match ty {
        TypeRef::String => quote!(::std::string::String),
        TypeRef::Uuid => quote!(#rt::Uuid),
        TypeRef::DateTime => quote!(#rt::DateTime<#rt::Utc>),
        TypeRef::Date => quote!(#rt::NaiveDate),
        TypeRef::I32 => quote!(i32),
        TypeRef::I64 => quote!(i64),
        TypeRef::F64 => quote!(f64),
        TypeRef::Bool => quote!(bool),
        TypeRef::Json => quote!(#rt::serde_json::Value),
        TypeRef::JsonObject => quote!(#rt::JsonObject),
        TypeRef::Map(value) => {
            let value = rust_type(value, rt, models);
            quote!(::std::collections::HashMap<::std::string::String, #value>)
        }
        TypeRef::Array(item) => {
            let item = rust_type(item, rt, models);
            quote!(::std::vec::Vec<#item>)
        }
        TypeRef::Named(name, _) => quote!(#models #name),
    }
}

/// How a setter or argument takes a value of `ty`: the parameter type, and the expression that
/// turns the parameter `input` into the stored value. A free-form object is fallible and handled
/// by the caller.
pub(crate) struct Input {
    pub(crate) param: TokenStream,
    pub(crate) convert: TokenStream,
}

pub(crate) fn input(
    ty: &TypeRef,
    rt: &Runtime,
    models: &TokenStream,
    input: &TokenStream,
) -> Input {
    let path = &rt.path;
    let target = rust_type(ty, path, models);
    match ty {
        TypeRef::String => Input {
            param: quote!(impl ::core::convert::Into<::std::string::String>),
            convert: quote!(::core::convert::Into::into(#input)),
        },
        TypeRef::Json => Input {
            param: quote!(impl ::core::convert::Into<#path::serde_json::Value>),
            convert: quote!(::core::convert::Into::into(#input)),
        },
        TypeRef::Array(item) => {
            let item = rust_type(item, path, models);
            Input {
                param: quote!(impl ::core::iter::IntoIterator<Item = impl ::core::convert::Into<#item>>),
                convert: quote!(::core::iter::Iterator::collect(::core::iter::Iterator::map(
                    ::core::iter::IntoIterator::into_iter(#input),
                    ::core::convert::Into::into,
                ))),
            }
        }
        TypeRef::JsonObject => Input {
            param: quote!(impl #path::IntoJsonObject),
            convert: quote!(#input),
        },
        _ => Input {
            param: target,
            convert: quote!(#input),
        },
    }
}
