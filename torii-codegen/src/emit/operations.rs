//! The operation table: `Operation`, one variant per operationId, with the facts the spec states
//! about each. The runtime (retries, errors, tracing), the mock server and the fuzz targets read
//! these instead of keeping lists of their own.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::Runtime;
use super::types::rust_type;
use crate::ir::{Operation, Resource};

pub(crate) fn emit(resources: &[Resource], rt: &Runtime) -> TokenStream {
    let path = &rt.path;
    let operations: Vec<&Operation> = resources.iter().flat_map(|r| &r.operations).collect();
    let variants = operations.iter().map(|op| {
        let variant = &op.variant_name;
        let text = format!(
            " `{} {}` (operationId `{}`).",
            op.http_method.as_str(),
            op.path_template,
            op.operation_id
        );
        quote! { #[doc = #text] #variant, }
    });
    let all = operations.iter().map(|op| {
        let variant = &op.variant_name;
        quote!(Self::#variant,)
    });
    // The statics are numbered, not named after their variant, so that no variant name (a raw
    // identifier, two that differ in case only) can make an invalid or clashing one.
    let static_name = |index: usize| format_ident!("OPERATION_{index}");
    let statics = operations.iter().enumerate().map(|(index, op)| {
        let name = static_name(index);
        let id = &op.operation_id;
        let (qualified, safe) = (&op.name, op.safe);
        let method = format_ident!("{}", op.http_method.as_str());
        let template = &op.path_template;
        let repeat = &op.repeat_success;
        let body = match &op.body {
            Some(body) => {
                let schema = &body.schema_ref;
                let required = body.required;
                quote!(::core::option::Option::Some(#path::BodySpec { schema: #schema, required: #required }))
            }
            None => quote!(::core::option::Option::None),
        };
        let params = op
            .path_params
            .iter()
            .map(|p| (p, quote!(Path)))
            .chain(op.query_params.iter().map(|p| (p, quote!(Query))))
            .map(|(param, location)| {
                let name = &param.wire;
                let required = param.required;
                let schema = &param.schema_pointer;
                quote! {
                    #path::ParamSpec {
                        name: #name,
                        location: #path::ParamLocation::#location,
                        required: #required,
                        schema: #schema,
                    }
                }
            });
        quote! {
            static #name: #path::OperationSpec = #path::OperationSpec {
                id: #id,
                name: #qualified,
                method: #path::Method::#method,
                safe: #safe,
                path_template: #template,
                repeat_success: &[#(#repeat),*],
                body: #body,
                params: &[#(#params),*],
            };
        }
    });
    let spec_arms = operations.iter().enumerate().map(|(index, op)| {
        let variant = &op.variant_name;
        let name = static_name(index);
        quote!(Self::#variant => &#name,)
    });
    let decode_arms = operations.iter().map(|op| {
        let variant = &op.variant_name;
        match &op.response {
            Some(ty) => {
                let ty = rust_type(ty, path, &quote!(self::models::));
                quote!(Self::#variant => #path::decode_response::<#ty>(self.spec(), body),)
            }
            None => quote!(Self::#variant => ::core::result::Result::Ok(()),),
        }
    });
    let from_id = operations.iter().map(|op| {
        let variant = &op.variant_name;
        let id = &op.operation_id;
        quote!(#id => ::core::option::Option::Some(Self::#variant),)
    });
    quote! {
        /// Every operation of the API, one variant per operationId, with what the spec states
        /// about it. Errors name their operation by its id ([`Operation::id`]); the mock server
        /// and its fault injection take an `Operation`.
        #[derive(
            ::core::fmt::Debug,
            ::core::clone::Clone,
            ::core::marker::Copy,
            ::core::cmp::PartialEq,
            ::core::cmp::Eq,
            ::core::hash::Hash,
            ::core::cmp::PartialOrd,
            ::core::cmp::Ord,
        )]
        #[non_exhaustive]
        pub enum Operation {
            #(#variants)*
        }

        impl Operation {
            /// Every operation, in the order of the spec's resources.
            pub const ALL: &'static [Self] = &[#(#all)*];

            /// The operationId (`getUser`), as the spec names the operation.
            pub fn id(self) -> &'static str {
                self.spec().id
            }

            /// The call as the client spells it, `resource.method` (`users.get`,
            /// `invitations.create`): what errors, the tracing field and the metrics label
            /// name, since some operationIds (`list`, `create`) say nothing on their own.
            pub fn name(self) -> &'static str {
                self.spec().name
            }

            /// The HTTP method.
            pub fn method(self) -> #path::Method {
                ::core::clone::Clone::clone(&self.spec().method)
            }

            /// The path template, with `{name}` for each path parameter
            /// (`/api/server/v1/users/{userId}`).
            pub fn path_template(self) -> &'static str {
                self.spec().path_template
            }

            /// The statuses that, answered to a repeat of a call that may already have been
            /// applied, confirm that it was (the spec's `x-torii-repeat-success`); empty for
            /// most operations.
            pub fn repeat_success_statuses(self) -> &'static [u16] {
                self.spec().repeat_success
            }

            /// The operation with the operationId `id`, if the spec has one.
            pub fn from_id(id: &str) -> ::core::option::Option<Self> {
                match id {
                    #(#from_id)*
                    _ => ::core::option::Option::None,
                }
            }

            /// Decodes `body` as a success answer of this operation, exactly as the client does,
            /// and drops it (for the fuzz targets and the mock's own checks).
            #[doc(hidden)]
            pub fn decode_response(self, body: &[u8]) -> ::core::result::Result<(), #path::Error> {
                match self {
                    #(#decode_arms)*
                }
            }

            #[doc(hidden)]
            pub fn spec(self) -> &'static #path::OperationSpec {
                #(#statics)*
                match self {
                    #(#spec_arms)*
                }
            }
        }

        /// The qualified name ([`Operation::name`]).
        impl ::core::fmt::Display for Operation {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(self.name())
            }
        }
    }
}
