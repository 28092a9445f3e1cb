//! The client surface: `Client`, one resource type per tag, one request builder per operation.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use super::types::{input, rust_type};
use super::{Runtime, doc};
use crate::ir::{Field, HttpMethod, Operation, Param, Resource, Segment, TypeRef};

pub(crate) fn emit(resources: &[Resource], rt: &Runtime) -> TokenStream {
    let path = &rt.path;
    let accessors = resources.iter().map(|resource| {
        let accessor = &resource.accessor;
        let type_name = &resource.type_name;
        let docs = doc(
            resource.doc.as_deref(),
            &format!("The `{accessor}` operations."),
        );
        quote! {
            #docs
            pub fn #accessor(&self) -> resources::#type_name {
                resources::#type_name { transport: ::core::clone::Clone::clone(&self.transport) }
            }
        }
    });
    let resource_items = resources.iter().map(|r| emit_resource(r, rt));
    let resource_methods = resources.iter().map(|r| emit_resource_methods(r, rt));
    let builder_items = resources
        .iter()
        .flat_map(|r| r.operations.iter())
        .map(|op| emit_builder(op, rt));
    quote! {
        /// A client for the API: one accessor per resource, each returning request builders.
        ///
        /// Cloning is cheap and clones share one connection pool, so make one client and clone
        /// it where it is needed.
        #[derive(::core::fmt::Debug, ::core::clone::Clone)]
        pub struct Client {
            transport: #path::Transport,
        }

        impl Client {
            /// A client for the default API URL, authenticated with `secret_key`
            /// (`sk_live_…` or `sk_test_…`).
            ///
            /// Fails when the key does not look like a Torii secret key.
            pub fn new(secret_key: impl ::core::convert::Into<::std::string::String>) -> ::core::result::Result<Self, #path::Error> {
                Self::builder().secret_key(secret_key).build()
            }

            /// A client configured by the environment: the secret key from `TORII_SECRET_KEY`
            /// and, when set, the API URL from `TORII_API_URL` (the variables `torii-mock`
            /// prints), every other setting its default.
            ///
            /// Fails with a configuration error naming the variable when `TORII_SECRET_KEY`
            /// is unset, or when either value is unusable.
            pub fn from_env() -> ::core::result::Result<Self, #path::Error> {
                Self::builder().env_settings()?.build()
            }

            /// A builder for a client with other settings: API URL, timeouts, HTTP client.
            pub fn builder() -> #path::ClientBuilder<Self> {
                #path::ClientBuilder::new()
            }

            #(#accessors)*
        }

        impl #path::FromTransport for Client {
            fn from_transport(transport: #path::Transport) -> Self {
                Self { transport }
            }
        }

        /// Resource handles returned by the `Client` accessors.
        pub mod resources {
            #(#resource_items)*
        }

        /// One request builder per operation. Set what you need, then `.send().await` (or just
        /// `.await`).
        pub mod builders {
            // The resource methods are written here, beside the builders they make, so that the
            // builders' fields stay private to this module.
            #(#resource_methods)*
            #(#builder_items)*
        }
    }
}

fn emit_resource(resource: &Resource, rt: &Runtime) -> TokenStream {
    let path = &rt.path;
    let type_name = &resource.type_name;
    let docs = doc(
        resource.doc.as_deref(),
        &format!("The `{}` operations.", resource.accessor),
    );
    quote! {
        #docs
        #[derive(::core::fmt::Debug, ::core::clone::Clone)]
        pub struct #type_name {
            pub(super) transport: #path::Transport,
        }
    }
}

/// The resource's methods, one per operation, each returning its builder. Emitted inside
/// `builders`.
fn emit_resource_methods(resource: &Resource, rt: &Runtime) -> TokenStream {
    let path = &rt.path;
    let type_name = &resource.type_name;
    let methods = resource.operations.iter().map(|op| {
        let method = &op.method_name;
        let builder = &op.builder_name;
        let docs = operation_doc(op);
        let path_args = op.path_params.iter().map(|p| {
            let name = &p.name;
            let ty = path_arg_type(p, rt);
            quote!(#name: #ty)
        });
        let path_inits = op.path_params.iter().map(|p| {
            let name = &p.name;
            let field = path_field(p);
            match p.ty {
                TypeRef::String | TypeRef::Uuid => {
                    quote!(#field: #path::IntoPathArg::into_path_arg(#name))
                }
                _ => quote!(#field: #name),
            }
        });
        let body_fields: Vec<&Field> = op
            .body
            .iter()
            .flat_map(|b| b.fields.iter())
            .filter(|f| f.is_argument())
            .collect();
        let body_args = body_fields.iter().map(|f| {
            let name = &f.name;
            let param = input(&f.ty, rt, &quote!(super::models::), &quote!(#name)).param;
            quote!(#name: #param)
        });
        let body_init = op.body.as_ref().map(|body| {
            let type_name = &body.type_name;
            let inits = body.fields.iter().map(|f| {
                let name = &f.name;
                if f.is_argument() {
                    let convert =
                        input(&f.ty, rt, &quote!(super::models::), &quote!(#name)).convert;
                    if f.nullable {
                        quote!(#name: ::core::option::Option::Some(#convert))
                    } else {
                        quote!(#name: #convert)
                    }
                } else if f.required {
                    quote!(#name: ::core::default::Default::default())
                } else {
                    quote!(#name: ::core::option::Option::None)
                }
            });
            quote! {
                body_: super::models::#type_name { #(#inits,)* },
            }
        });
        let query_args = op.query_params.iter().filter(|p| p.required).map(|p| {
            let name = &p.name;
            let param = input(&p.ty, rt, &quote!(super::models::), &quote!(#name)).param;
            quote!(#name: #param)
        });
        let query_inits = op.query_params.iter().map(|p| {
            let field = query_field(p);
            if p.required {
                let name = &p.name;
                let convert = input(&p.ty, rt, &quote!(super::models::), &quote!(#name)).convert;
                quote!(#field: ::core::option::Option::Some(#convert),)
            } else {
                quote!(#field: ::core::option::Option::None,)
            }
        });
        quote! {
            #docs
            pub fn #method(&self, #(#path_args,)* #(#query_args,)* #(#body_args,)*) -> #builder {
                #builder {
                    transport_: ::core::clone::Clone::clone(&self.transport),
                    error_: ::core::option::Option::None,
                    #(#path_inits,)*
                    #(#query_inits)*
                    #body_init
                }
            }
        }
    });
    quote! {
        impl super::resources::#type_name {
            #(#methods)*
        }
    }
}

fn path_arg_type(param: &Param, rt: &Runtime) -> TokenStream {
    let path = &rt.path;
    match param.ty {
        TypeRef::String | TypeRef::Uuid => quote!(impl #path::IntoPathArg),
        ref other => rust_type(other, path, &quote!(super::models::)),
    }
}

fn operation_doc(op: &Operation) -> TokenStream {
    let mut text = String::new();
    if let Some(summary) = &op.summary {
        text.push_str(summary.trim());
        text.push_str(".\n\n");
    }
    if let Some(description) = &op.description {
        text.push_str(description.trim());
        text.push_str("\n\n");
    }
    text.push_str(&format!(
        "`{} {}` (operationId `{}`).",
        op.http_method.as_str(),
        op.path_template,
        op.operation_id
    ));
    doc(Some(&text), "")
}

fn emit_builder(op: &Operation, rt: &Runtime) -> TokenStream {
    let path = &rt.path;
    let models = quote!(super::models::);
    let builder = &op.builder_name;
    let docs = operation_doc(op);
    let response = match &op.response {
        Some(ty) => rust_type(ty, path, &models),
        None => quote!(()),
    };

    let path_fields = op.path_params.iter().map(|p| {
        let field = path_field(p);
        let ty = match p.ty {
            TypeRef::String | TypeRef::Uuid => quote!(#path::PathArg),
            ref other => rust_type(other, path, &models),
        };
        quote!(#field: #ty,)
    });
    let query_fields = op.query_params.iter().map(|p| {
        let field = query_field(p);
        let ty = rust_type(&p.ty, path, &models);
        quote!(#field: ::core::option::Option<#ty>,)
    });
    let body_field = op.body.as_ref().map(|body| {
        let type_name = &body.type_name;
        quote!(body_: super::models::#type_name,)
    });

    let query_setters = op.query_params.iter().map(|p| {
        let name = &p.name;
        let field = query_field(p);
        let value = input(&p.ty, rt, &models, &quote!(value));
        let (param, convert) = (value.param, value.convert);
        let docs = doc(
            p.doc.as_deref(),
            &format!("Sets the `{}` query parameter.", p.wire),
        );
        quote! {
            #docs
            pub fn #name(mut self, value: #param) -> Self {
                self.#field = ::core::option::Option::Some(#convert);
                self
            }
        }
    });
    let body_setters = op
        .body
        .iter()
        .flat_map(|b| b.fields.iter())
        .filter(|f| !f.is_argument())
        .map(|f| body_setter(f, op.http_method, rt));

    let segments = op.segments.iter().map(|segment| match segment {
        Segment::Literal(text) => quote!(request.segment(#text);),
        Segment::Param(index) => match op.path_params.get(*index) {
            Some(p) => {
                let field = path_field(p);
                let wire = &p.wire;
                match p.ty {
                    TypeRef::Uuid => quote!(request.uuid_arg(#wire, self.#field);),
                    TypeRef::String => quote!(request.text_arg(#wire, self.#field);),
                    _ => {
                        quote!(request.segment(&::std::string::ToString::to_string(&self.#field));)
                    }
                }
            }
            None => TokenStream::new(),
        },
    });
    let queries = op.query_params.iter().map(|p| {
        let field = query_field(p);
        let wire = &p.wire;
        match p.ty {
            TypeRef::Array(_) => quote! {
                for value in self.#field.iter().flatten() {
                    request.query(#wire, value);
                }
            },
            _ => quote! {
                if let ::core::option::Option::Some(value) = &self.#field {
                    request.query(#wire, value);
                }
            },
        }
    });
    let body = op.body.as_ref().map(|_| quote!(request.json(&self.body_);));
    let pagination = emit_pagination(op, rt);
    let variant = &op.variant_name;
    let send = if op.response.is_some() {
        quote!(self.transport_.send_json(request).await)
    } else {
        quote!(self.transport_.send_empty(request).await)
    };

    quote! {
        #docs
        #[derive(::core::fmt::Debug, ::core::clone::Clone)]
        #[must_use = "a request builder does nothing until it is sent with `.send().await` or `.await`"]
        pub struct #builder {
            transport_: #path::Transport,
            error_: ::core::option::Option<#path::InvalidArgument>,
            #(#path_fields)*
            #(#query_fields)*
            #body_field
        }

        impl #builder {
            #(#query_setters)*
            #(#body_setters)*

            /// Sends the request and decodes the response.
            pub async fn send(self) -> ::core::result::Result<#response, #path::Error> {
                let mut request = #path::Request::new(super::Operation::#variant.spec());
                request.fail(self.error_);
                #(#segments)*
                #(#queries)*
                #body
                #send
            }
        }

        impl ::core::future::IntoFuture for #builder {
            type Output = ::core::result::Result<#response, #path::Error>;
            type IntoFuture = #path::BoxFuture<Self::Output>;

            fn into_future(self) -> Self::IntoFuture {
                ::std::boxed::Box::pin(self.send())
            }
        }

        #pagination
    }
}

/// `.pages()`, `.items()` and `.collect_items(max)` for a cursor-paginated operation.
fn emit_pagination(op: &Operation, rt: &Runtime) -> TokenStream {
    let Some(pagination) = &op.pagination else {
        return TokenStream::new();
    };
    let path = &rt.path;
    let models = quote!(super::models::);
    let builder = &op.builder_name;
    let page = &pagination.page;
    let item = rust_type(&pagination.item, path, &models);
    let cursor = rust_type(&pagination.cursor.ty, path, &models);
    let cursor_field = query_field(&pagination.cursor);
    let items = &pagination.items_field;
    let next_cursor = &pagination.next_cursor_field;
    let next = quote!(::core::clone::Clone::clone(&page.#next_cursor));
    let next = match &pagination.has_more_field {
        Some(has_more) => quote!(if page.#has_more { #next } else { ::core::option::Option::None }),
        None => next,
    };
    quote! {
        impl #path::Paginated for #builder {
            type Page = super::models::#page;
            type Item = #item;
            type Cursor = #cursor;

            fn with_cursor(mut self, cursor: Self::Cursor) -> Self {
                self.#cursor_field = ::core::option::Option::Some(cursor);
                self
            }

            fn cursor(&self) -> ::core::option::Option<&Self::Cursor> {
                self.#cursor_field.as_ref()
            }

            fn fetch(self) -> #path::BoxFuture<::core::result::Result<Self::Page, #path::Error>> {
                ::std::boxed::Box::pin(self.send())
            }

            fn next_cursor(page: &Self::Page) -> ::core::option::Option<Self::Cursor> {
                #next
            }

            fn into_items(page: Self::Page) -> ::std::vec::Vec<Self::Item> {
                page.#items
            }
        }

        impl #builder {
            /// Every page from this one on, each fetched when the stream is read that far.
            pub fn pages(self) -> #path::Pages<Self> {
                #path::Pages::new(self)
            }

            /// Every item of this page and the pages after it, fetched a page at a time as the
            /// stream is read.
            pub fn items(self) -> #path::Items<Self> {
                #path::Items::new(self)
            }

            /// Up to `max` items, from this page on; no page is fetched once `max` are in hand.
            pub async fn collect_items(
                self,
                max: usize,
            ) -> ::core::result::Result<::std::vec::Vec<#item>, #path::Error> {
                #path::collect_items(self, max).await
            }
        }
    }
}

/// The builder field holding a path parameter (`path_user_id`).
fn path_field(param: &Param) -> Ident {
    format_ident!("path_{}", param.name.to_string().trim_start_matches("r#"))
}

/// The builder field holding a query parameter (`query_limit`).
fn query_field(param: &Param) -> Ident {
    format_ident!("query_{}", param.name.to_string().trim_start_matches("r#"))
}

fn body_setter(field: &Field, method: HttpMethod, rt: &Runtime) -> TokenStream {
    let path = &rt.path;
    let name = &field.name;
    let wire = &field.wire;
    let docs = doc(field.doc.as_deref(), &format!("Sets `{wire}`."));
    // A required free-form object is no argument (see `Field::is_argument`): say what is sent
    // when the setter is left out.
    let docs = if field.required && field.ty == TypeRef::JsonObject {
        let note = " Required by the API: sent as `{}` (empty) when not set.";
        quote! { #docs #[doc = ""] #[doc = #note] }
    } else {
        docs
    };
    let value = input(&field.ty, rt, &quote!(super::models::), &quote!(value));
    let param = value.param;
    // How a converted value is stored: tri-state fields hold `Some(Some(v))`.
    let stored = |value: TokenStream| match (field.tri_state, field.required) {
        (true, _) => quote!(::core::option::Option::Some(::core::option::Option::Some(#value))),
        (false, true) => value,
        (false, false) => quote!(::core::option::Option::Some(#value)),
    };
    let assign = if field.ty == TypeRef::JsonObject {
        let stored = stored(quote!(value));
        // A refused value is reported by `send` and leaves the field as it was.
        quote! {
            if let ::core::option::Option::Some(value) =
                #path::defer(&mut self.error_, #path::IntoJsonObject::into_json_object(value, #wire))
            {
                self.body_.#name = #stored;
            }
        }
    } else {
        let stored = stored(value.convert);
        quote!(self.body_.#name = #stored;)
    };
    let clear = field.tri_state.then(|| {
        let bare = name.to_string();
        let bare = bare.trim_start_matches("r#");
        let clear_name = format_ident!("clear_{bare}");
        let or_clear_name = format_ident!("{bare}_or_clear");
        // Only an update has a stored value for `null` to clear; elsewhere it is an explicit
        // "none", which the docs must not call clearing.
        let (text, none) = if method == HttpMethod::Patch {
            (
                format!(" Sends `\"{wire}\": null`, which clears the stored value."),
                "clears it",
            )
        } else {
            (
                format!(
                    " Sends `\"{wire}\": null`: an explicit \"no value\" (leaving the setter out \
                     sends no `{wire}` at all)."
                ),
                "sends `null`",
            )
        };
        let or_clear_text = format!(
            " Sets `{wire}` to the value when there is one (as `.{bare}(value)`), and {none} \
             when there is none (as `.{clear_name}()`): for a value that arrives as an `Option` \
             at run time."
        );
        quote! {
            #[doc = #text]
            pub fn #clear_name(mut self) -> Self {
                self.body_.#name = ::core::option::Option::Some(::core::option::Option::None);
                self
            }

            #[doc = #or_clear_text]
            pub fn #or_clear_name(self, value: ::core::option::Option<#param>) -> Self {
                match value {
                    ::core::option::Option::Some(value) => self.#name(value),
                    ::core::option::Option::None => self.#clear_name(),
                }
            }
        }
    });
    quote! {
        #docs
        pub fn #name(mut self, value: #param) -> Self {
            #assign
            self
        }
        #clear
    }
}
