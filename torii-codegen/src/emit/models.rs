//! One Rust type per model: structs with serde attributes, enums that keep unknown values,
//! aliases.

use proc_macro2::TokenStream;
use quote::quote;

use super::types::rust_type;
use super::{Runtime, doc};
use crate::ir::{Field, Model, ModelShape, TypeRef, Variant};

pub(crate) fn emit(models: &[Model], rt: &Runtime) -> TokenStream {
    let items = models.iter().map(|model| match &model.shape {
        ModelShape::Struct(fields) => emit_struct(model, fields, rt),
        ModelShape::Enum(variants) => emit_enum(model, variants, rt),
        ModelShape::Alias(ty) => {
            let name = &model.name;
            let docs = doc(model.doc.as_deref(), &format!("The `{name}` schema."));
            let ty = rust_type(ty, &rt.path, &TokenStream::new());
            quote! {
                #docs
                pub type #name = #ty;
            }
        }
    });
    quote! {
        /// Types for the schemas of the API, generated from its OpenAPI document.
        pub mod models {
            #(#items)*
        }
    }
}

fn emit_struct(model: &Model, fields: &[Field], rt: &Runtime) -> TokenStream {
    let name = &model.name;
    let path = &rt.path;
    let serde_crate = format!("{}::serde", rt.text);
    let docs = doc(model.doc.as_deref(), &format!("The `{name}` schema."));
    let default = fields
        .iter()
        .all(|f| !f.required || f.ty == TypeRef::JsonObject)
        .then(|| quote!(::core::default::Default,));
    let field_items = fields.iter().map(|field| emit_field(field, rt));
    quote! {
        #docs
        #[derive(
            ::core::fmt::Debug,
            ::core::clone::Clone,
            ::core::cmp::PartialEq,
            #default
            #path::serde::Serialize,
            #path::serde::Deserialize,
        )]
        #[serde(crate = #serde_crate)]
        pub struct #name {
            #(#field_items)*
        }
    }
}

fn emit_field(field: &Field, rt: &Runtime) -> TokenStream {
    let name = &field.name;
    let wire = &field.wire;
    let docs = doc(field.doc.as_deref(), &format!("The `{wire}` property."));
    let ty = rust_type(&field.ty, &rt.path, &TokenStream::new());
    let is_none = "::core::option::Option::is_none";
    if field.tri_state {
        let with = format!("{}::tristate", rt.text);
        return quote! {
            #docs
            ///
            /// `None` leaves the key out, `Some(None)` sends `null`, `Some(Some(v))` sends `v`.
            #[serde(rename = #wire, default, skip_serializing_if = #is_none, with = #with)]
            #[allow(clippy::option_option)]
            pub #name: ::core::option::Option<::core::option::Option<#ty>>,
        };
    }
    if field.required && field.ty == TypeRef::JsonObject && !field.nullable {
        // Required free-form objects default to `{}` when building a request.
        return quote! {
            #docs
            #[serde(rename = #wire, default)]
            pub #name: #ty,
        };
    }
    if field.required && !field.nullable {
        return quote! {
            #docs
            #[serde(rename = #wire)]
            pub #name: #ty,
        };
    }
    if field.required {
        return quote! {
            #docs
            #[serde(rename = #wire)]
            pub #name: ::core::option::Option<#ty>,
        };
    }
    quote! {
        #docs
        #[serde(rename = #wire, default, skip_serializing_if = #is_none)]
        pub #name: ::core::option::Option<#ty>,
    }
}

fn emit_enum(model: &Model, variants: &[Variant], rt: &Runtime) -> TokenStream {
    let name = &model.name;
    let path = &rt.path;
    let docs = doc(model.doc.as_deref(), &format!("The values of `{name}`."));
    let variant_items = variants.iter().map(|v| {
        let ident = &v.name;
        let text = format!(" The value `{}`.", v.wire);
        quote! { #[doc = #text] #ident, }
    });
    let to_str = variants.iter().map(|v| {
        let ident = &v.name;
        let wire = &v.wire;
        quote! { Self::#ident => #wire, }
    });
    let from_str = variants.iter().map(|v| {
        let ident = &v.name;
        let wire = &v.wire;
        quote! { #wire => Self::#ident, }
    });
    quote! {
        #docs
        ///
        /// A value that this version of the spec does not list is kept in `Unknown`, so a server
        /// that learns a new value does not break deserialization. Only parsing makes an
        /// `Unknown`, and never for a listed value: `from("...")` of a listed value is its
        /// variant.
        #[derive(::core::fmt::Debug, ::core::clone::Clone, ::core::cmp::PartialEq, ::core::cmp::Eq, ::core::hash::Hash)]
        #[non_exhaustive]
        pub enum #name {
            #(#variant_items)*
            /// A value not listed in the spec, as the server sent it.
            Unknown(#path::UnknownValue),
        }

        impl #name {
            /// The value as it is sent on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    #(#to_str)*
                    Self::Unknown(value) => value.as_str(),
                }
            }
        }

        impl ::core::fmt::Display for #name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::core::convert::From<&str> for #name {
            fn from(value: &str) -> Self {
                match value {
                    #(#from_str)*
                    other => Self::Unknown(#path::unknown_value(other)),
                }
            }
        }

        impl ::core::convert::From<::std::string::String> for #name {
            fn from(value: ::std::string::String) -> Self {
                match Self::from(value.as_str()) {
                    Self::Unknown(_) => Self::Unknown(#path::unknown_value(value)),
                    known => known,
                }
            }
        }

        impl ::core::str::FromStr for #name {
            type Err = ::core::convert::Infallible;

            fn from_str(value: &str) -> ::core::result::Result<Self, Self::Err> {
                ::core::result::Result::Ok(Self::from(value))
            }
        }

        impl #path::QueryValue for #name {
            fn to_query(&self) -> ::std::string::String {
                ::std::string::ToString::to_string(self.as_str())
            }
        }

        impl #path::serde::Serialize for #name {
            fn serialize<S>(&self, serializer: S) -> ::core::result::Result<S::Ok, S::Error>
            where
                S: #path::serde::Serializer,
            {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> #path::serde::Deserialize<'de> for #name {
            fn deserialize<D>(deserializer: D) -> ::core::result::Result<Self, D::Error>
            where
                D: #path::serde::Deserializer<'de>,
            {
                let value = <::std::string::String as #path::serde::Deserialize>::deserialize(deserializer)?;
                ::core::result::Result::Ok(Self::from(value))
            }
        }
    }
}
