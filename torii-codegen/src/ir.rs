//! What the generator knows about an API once the spec has been read and checked: plain data,
//! with every name already a valid Rust identifier.

use proc_macro2::Ident;

/// The whole API.
#[derive(Debug)]
pub(crate) struct Api {
    pub(crate) models: Vec<Model>,
    pub(crate) resources: Vec<Resource>,
}

/// The Rust type of a value on the wire.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum TypeRef {
    String,
    Uuid,
    DateTime,
    Date,
    I32,
    I64,
    F64,
    Bool,
    /// Any JSON value (`{}`).
    Json,
    /// A JSON object with free-form members (a metadata bag).
    JsonObject,
    /// An object whose members all have one type.
    Map(Box<TypeRef>),
    Array(Box<TypeRef>),
    /// A generated model, by its type name.
    Named(Ident, NamedKind),
}

/// What kind of model a [`TypeRef::Named`] points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NamedKind {
    Struct,
    Enum,
    Alias,
}

/// One generated model type.
#[derive(Debug)]
pub(crate) struct Model {
    pub(crate) name: Ident,
    /// Where in the spec the schema is, for errors about it.
    pub(crate) pointer: String,
    pub(crate) doc: Option<String>,
    pub(crate) shape: ModelShape,
}

#[derive(Debug)]
pub(crate) enum ModelShape {
    Struct(Vec<Field>),
    /// A string enum; unknown values are kept, not rejected.
    Enum(Vec<Variant>),
    /// A named schema that is not an object or enum, emitted as a type alias.
    Alias(TypeRef),
}

#[derive(Debug, Clone)]
pub(crate) struct Variant {
    pub(crate) wire: String,
    pub(crate) name: Ident,
}

/// A property of an object schema.
#[derive(Debug, Clone)]
pub(crate) struct Field {
    pub(crate) wire: String,
    pub(crate) name: Ident,
    pub(crate) ty: TypeRef,
    pub(crate) required: bool,
    pub(crate) nullable: bool,
    /// Optional and nullable in a request body: absent, null and a value are three different
    /// requests, so the field is `Option<Option<T>>`.
    pub(crate) tri_state: bool,
    pub(crate) doc: Option<String>,
}

impl Field {
    /// A required body property becomes an argument of the resource method, so that leaving it
    /// out does not compile; a required free-form object instead starts empty and gets a setter.
    pub(crate) fn is_argument(&self) -> bool {
        self.required && self.ty != TypeRef::JsonObject
    }
}

/// Operations grouped under one accessor (`users()`).
#[derive(Debug)]
pub(crate) struct Resource {
    pub(crate) accessor: Ident,
    pub(crate) type_name: Ident,
    pub(crate) doc: Option<String>,
    pub(crate) operations: Vec<Operation>,
}

#[derive(Debug)]
pub(crate) struct Operation {
    pub(crate) operation_id: String,
    /// `resource.method` as the client spells the call (`invitations.create`).
    pub(crate) name: String,
    /// Its variant in the generated `Operation` table (`GetUser`).
    pub(crate) variant_name: Ident,
    /// Statuses a repeat answers once the call was applied (`x-torii-repeat-success`).
    pub(crate) repeat_success: Vec<u16>,
    /// A read sent with another method (`x-torii-safe`): retried as a GET is.
    pub(crate) safe: bool,
    pub(crate) method_name: Ident,
    pub(crate) builder_name: Ident,
    pub(crate) http_method: HttpMethod,
    pub(crate) path_template: String,
    pub(crate) segments: Vec<Segment>,
    pub(crate) path_params: Vec<Param>,
    pub(crate) query_params: Vec<Param>,
    pub(crate) body: Option<Body>,
    /// `None` when the success response has no body.
    pub(crate) response: Option<TypeRef>,
    /// Set when the operation pages through a list with a cursor.
    pub(crate) pagination: Option<Pagination>,
    pub(crate) summary: Option<String>,
    pub(crate) description: Option<String>,
}

/// How a cursor-paginated operation pages: a `cursor` query parameter, and a response object
/// with the page's `items`, the `nextCursor` to send back and, optionally, `hasMore`.
#[derive(Debug, Clone)]
pub(crate) struct Pagination {
    /// The `cursor` query parameter.
    pub(crate) cursor: Param,
    pub(crate) page: Ident,
    pub(crate) items_field: Ident,
    pub(crate) item: TypeRef,
    pub(crate) next_cursor_field: Ident,
    pub(crate) has_more_field: Option<Ident>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HttpMethod {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl HttpMethod {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
            Self::Put => "PUT",
            Self::Patch => "PATCH",
            Self::Delete => "DELETE",
        }
    }
}

/// One `/`-separated piece of a path template.
#[derive(Debug, Clone)]
pub(crate) enum Segment {
    Literal(String),
    /// Index into [`Operation::path_params`].
    Param(usize),
}

#[derive(Debug, Clone)]
pub(crate) struct Param {
    pub(crate) wire: String,
    pub(crate) name: Ident,
    pub(crate) ty: TypeRef,
    pub(crate) required: bool,
    /// The JSON pointer of the parameter's schema in the spec, for servers that validate.
    pub(crate) schema_pointer: String,
    pub(crate) doc: Option<String>,
}

/// The JSON request body: a named object schema whose fields become setters, except the
/// required ones, which become arguments of the resource method.
#[derive(Debug)]
pub(crate) struct Body {
    pub(crate) type_name: Ident,
    /// The `$ref` of the body's schema (`#/components/schemas/UpdateUserRequest`).
    pub(crate) schema_ref: String,
    /// `requestBody.required`: whether a request without a body is refused.
    pub(crate) required: bool,
    pub(crate) fields: Vec<Field>,
}
