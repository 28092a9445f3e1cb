//! Reads an OpenAPI document into the generator's [`Api`], checking everything it relies on.

use std::collections::{HashMap, HashSet};

use proc_macro2::Ident;
use serde_json::{Map, Value};

use crate::error::{Error, child};
use crate::ir::{
    Api, Body, Field, HttpMethod, Model, ModelShape, NamedKind, Operation, Pagination, Param,
    Resource, Segment, TypeRef,
};
use crate::naming;
use crate::schema::{SchemaReader, check_keywords, enum_variants};

const METHODS: &[(&str, HttpMethod)] = &[
    ("get", HttpMethod::Get),
    ("put", HttpMethod::Put),
    ("post", HttpMethod::Post),
    ("delete", HttpMethod::Delete),
    ("patch", HttpMethod::Patch),
];

/// Path item keys that are not operations and need no support.
const PATH_ITEM_ANNOTATIONS: &[&str] = &["summary", "description", "servers", "parameters"];

/// Method names every builder has; a setter may not take them.
const BUILDER_METHODS: &[&str] = &["send", "into_future"];

/// Method names the builders of paginated operations add.
const PAGINATION_METHODS: &[&str] = &["pages", "items", "collect_items"];

/// Reads `doc`, collecting every problem rather than stopping at the first.
pub(crate) fn read(doc: &Value) -> Result<Api, Vec<Error>> {
    let mut errors = Vec::new();
    let Some(root) = doc.as_object() else {
        return Err(vec![Error::new("", "the spec must be a JSON object")]);
    };
    match root.get("openapi").and_then(Value::as_str) {
        Some(version) if version.starts_with("3.") => {}
        Some(version) => errors.push(Error::new(
            "/openapi",
            format!("OpenAPI {version} is not supported; use 3.0 or 3.1"),
        )),
        None => errors.push(Error::new(
            "/openapi",
            "the `openapi` version field is missing",
        )),
    }

    let empty = Map::new();
    let schemas = match root.get("components").and_then(|c| c.get("schemas")) {
        None => &empty,
        Some(Value::Object(schemas)) => schemas,
        Some(_) => {
            errors.push(Error::new(
                "/components/schemas",
                "`components/schemas` must be an object",
            ));
            &empty
        }
    };
    let paths = match root.get("paths") {
        Some(Value::Object(paths)) => paths,
        _ => {
            errors.push(Error::new("/paths", "the spec must have a `paths` object"));
            &empty
        }
    };

    let components = name_components(schemas, &mut errors);
    let request_schemas = request_body_schemas(paths);
    let mut reader = SchemaReader::new(components.clone());
    let mut models = Vec::new();
    for (name, schema) in schemas {
        let Some((ident, kind)) = components.get(name) else {
            continue;
        };
        let pointer = child("/components/schemas", name);
        match read_model(
            &mut reader,
            ident,
            *kind,
            schema,
            &pointer,
            request_schemas.contains(name.as_str()),
        ) {
            Ok(model) => models.push(model),
            Err(error) => errors.push(error),
        }
    }

    let tags = read_tags(root, &mut errors);
    let mut resources: Vec<Resource> = Vec::new();
    for (path, item) in paths {
        let pointer = child("/paths", path);
        let Some(item) = item.as_object() else {
            errors.push(Error::new(pointer, "a path item must be an object"));
            continue;
        };
        for key in item.keys() {
            let known = key.starts_with("x-")
                || PATH_ITEM_ANNOTATIONS.contains(&key.as_str())
                || METHODS.iter().any(|(name, _)| name == key);
            if !known {
                errors.push(Error::new(
                    child(&pointer, key),
                    format!("`{key}` operations are not supported"),
                ));
            }
        }
        let shared_params = item.get("parameters");
        for (key, method) in METHODS {
            let Some(operation) = item.get(*key) else {
                continue;
            };
            let pointer = child(&pointer, key);
            let context = OperationContext {
                path,
                method: *method,
                pointer: &pointer,
                shared_params,
                components: &components,
                tags: &tags,
            };
            match read_operation(&mut reader, operation, &context) {
                Ok((resource, operation)) => {
                    add_operation(&mut resources, resource, operation, &mut errors)
                }
                Err(error) => errors.push(error),
            }
        }
    }

    let mut all_models = reader.into_inline_enums();
    all_models.extend(models);
    check_model_names(&all_models, &mut errors);
    let mut api = Api {
        models: all_models,
        resources,
    };
    attach_body_fields(&mut api);
    attach_pagination(&mut api);
    let mut variants = HashMap::new();
    for operation in api.resources.iter().flat_map(|r| &r.operations) {
        if let Err(error) = check_builder_names(operation) {
            errors.push(error.in_operation(&operation.operation_id));
        }
        let variant = operation.variant_name.to_string();
        if let Some(other) = variants.insert(variant, &operation.operation_id) {
            errors.push(
                Error::new(
                    "/paths",
                    format!(
                        "the operationIds `{other}` and `{}` both become `Operation::{}`",
                        operation.operation_id, operation.variant_name
                    ),
                )
                .in_operation(&operation.operation_id),
            );
        }
    }
    if errors.is_empty() {
        Ok(api)
    } else {
        Err(errors)
    }
}

/// The Rust name and kind of every component schema, decided before any `$ref` is followed.
fn name_components(
    schemas: &Map<String, Value>,
    errors: &mut Vec<Error>,
) -> HashMap<String, (Ident, NamedKind)> {
    let mut names = HashMap::new();
    for (name, schema) in schemas {
        let pointer = child("/components/schemas", name);
        let rust_name = match schema.get("x-rust-type") {
            Some(Value::String(rust_name)) => rust_name.clone(),
            _ => naming::pascal(name),
        };
        let Some(ident) = naming::ident(&rust_name) else {
            errors.push(Error::new(
                pointer,
                format!("`{name}` gives no valid Rust type name; set one with `x-rust-type`"),
            ));
            continue;
        };
        let has_properties = schema.get("properties").is_some();
        let kind = match schema.get("type").and_then(Value::as_str) {
            Some("string") if schema.get("enum").is_some() => NamedKind::Enum,
            Some("object") | None if has_properties => NamedKind::Struct,
            // An object with no members at all is still a struct (an empty one).
            Some("object") if schema.get("additionalProperties").is_none() => NamedKind::Struct,
            _ => NamedKind::Alias,
        };
        names.insert(name.clone(), (ident, kind));
    }
    names
}

/// Component schemas sent as a request body somewhere: their optional nullable fields are
/// tri-state.
fn request_body_schemas(paths: &Map<String, Value>) -> HashSet<String> {
    let mut names = HashSet::new();
    for item in paths.values().filter_map(Value::as_object) {
        for (key, _) in METHODS {
            let reference = item
                .get(*key)
                .and_then(|op| op.pointer("/requestBody/content/application~1json/schema/$ref"))
                .and_then(Value::as_str);
            if let Some(name) = reference.and_then(|r| r.strip_prefix("#/components/schemas/")) {
                names.insert(name.replace("~1", "/").replace("~0", "~"));
            }
        }
    }
    names
}

fn read_model(
    reader: &mut SchemaReader,
    ident: &Ident,
    kind: NamedKind,
    schema: &Value,
    pointer: &str,
    is_request: bool,
) -> Result<Model, Error> {
    let doc = schema
        .get("description")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let shape = match kind {
        NamedKind::Struct => {
            let object = schema
                .as_object()
                .ok_or_else(|| Error::new(pointer, "a schema must be a JSON object"))?;
            check_keywords(object, pointer)?;
            ModelShape::Struct(read_fields(
                reader,
                object,
                pointer,
                &ident.to_string(),
                is_request,
            )?)
        }
        NamedKind::Enum => {
            let values = schema.get("enum").unwrap_or(&Value::Null);
            ModelShape::Enum(enum_variants(values, &child(pointer, "enum"))?)
        }
        NamedKind::Alias => {
            let typed = reader.read(schema, pointer, &ident.to_string())?;
            if typed.nullable {
                return Err(Error::new(
                    pointer,
                    "a top-level schema may not be nullable",
                ));
            }
            ModelShape::Alias(typed.ty)
        }
    };
    Ok(Model {
        name: ident.clone(),
        doc,
        shape,
    })
}

fn read_fields(
    reader: &mut SchemaReader,
    object: &Map<String, Value>,
    pointer: &str,
    type_name: &str,
    is_request: bool,
) -> Result<Vec<Field>, Error> {
    let empty = Map::new();
    let properties = match object.get("properties") {
        None => &empty,
        Some(Value::Object(properties)) => properties,
        Some(_) => {
            return Err(Error::new(
                child(pointer, "properties"),
                "`properties` must be an object",
            ));
        }
    };
    if let Some(extra) = object.get("additionalProperties")
        && extra != &Value::Bool(false)
        && !properties.is_empty()
    {
        return Err(Error::new(
            child(pointer, "additionalProperties"),
            "objects with both `properties` and `additionalProperties` are not supported",
        ));
    }
    let required = required_list(object, pointer, properties)?;
    let mut fields: Vec<Field> = Vec::new();
    for (wire, schema) in properties {
        let field_pointer = child(&child(pointer, "properties"), wire);
        let name = naming::ident(&naming::snake(wire)).ok_or_else(|| {
            Error::new(
                &field_pointer,
                format!("the property `{wire}` gives no valid Rust field name"),
            )
        })?;
        if let Some(other) = fields.iter().find(|f| f.name == name) {
            return Err(Error::new(
                &field_pointer,
                format!(
                    "the properties `{}` and `{wire}` give the same Rust field name `{name}`",
                    other.wire
                ),
            ));
        }
        let hint = format!("{type_name}{}", naming::pascal(wire));
        let typed = reader.read(schema, &field_pointer, &hint)?;
        let is_required = required.contains(wire.as_str());
        fields.push(Field {
            wire: wire.clone(),
            name,
            ty: typed.ty,
            required: is_required,
            nullable: typed.nullable,
            tri_state: is_request && !is_required && typed.nullable,
            doc: schema
                .get("description")
                .and_then(Value::as_str)
                .map(str::to_owned),
        });
    }
    Ok(fields)
}

fn required_list<'a>(
    object: &'a Map<String, Value>,
    pointer: &str,
    properties: &Map<String, Value>,
) -> Result<HashSet<&'a str>, Error> {
    let pointer = child(pointer, "required");
    let Some(list) = object.get("required") else {
        return Ok(HashSet::new());
    };
    let list = list
        .as_array()
        .ok_or_else(|| Error::new(&pointer, "`required` must be an array of property names"))?;
    let mut names = HashSet::new();
    for (index, name) in list.iter().enumerate() {
        let name = name.as_str().ok_or_else(|| {
            Error::new(
                child(&pointer, &index.to_string()),
                "`required` entries must be strings",
            )
        })?;
        if !properties.contains_key(name) {
            return Err(Error::new(
                child(&pointer, &index.to_string()),
                format!("`{name}` is required but is not among the properties"),
            ));
        }
        names.insert(name);
    }
    Ok(names)
}

/// Tag name to the resource accessor name and its docs.
fn read_tags(
    root: &Map<String, Value>,
    errors: &mut Vec<Error>,
) -> HashMap<String, (String, Option<String>)> {
    let mut tags = HashMap::new();
    let Some(list) = root.get("tags").and_then(Value::as_array) else {
        return tags;
    };
    for (index, tag) in list.iter().enumerate() {
        let pointer = child("/tags", &index.to_string());
        let Some(name) = tag.get("name").and_then(Value::as_str) else {
            errors.push(Error::new(pointer, "a tag needs a `name`"));
            continue;
        };
        let resource = match tag.get("x-rust-resource") {
            Some(Value::String(resource)) => resource.clone(),
            Some(_) => {
                errors.push(Error::new(
                    child(&pointer, "x-rust-resource"),
                    "`x-rust-resource` must be a string",
                ));
                continue;
            }
            None => naming::resource_from_tag(name),
        };
        let doc = tag
            .get("description")
            .and_then(Value::as_str)
            .map(str::to_owned);
        tags.insert(name.to_owned(), (resource, doc));
    }
    tags
}

struct OperationContext<'a> {
    path: &'a str,
    method: HttpMethod,
    pointer: &'a str,
    shared_params: Option<&'a Value>,
    components: &'a HashMap<String, (Ident, NamedKind)>,
    tags: &'a HashMap<String, (String, Option<String>)>,
}

/// A resource as the operation names it: accessor, then docs.
struct ResourceName {
    accessor: String,
    doc: Option<String>,
}

fn read_operation(
    reader: &mut SchemaReader,
    operation: &Value,
    context: &OperationContext<'_>,
) -> Result<(ResourceName, Operation), Error> {
    let pointer = context.pointer;
    let operation = operation
        .as_object()
        .ok_or_else(|| Error::new(pointer, "an operation must be an object"))?;
    let operation_id = operation
        .get("operationId")
        .and_then(Value::as_str)
        .ok_or_else(|| Error::new(pointer, "every operation needs an `operationId`"))?;
    let in_op = |error: Error| error.in_operation(operation_id);
    if operation.contains_key("callbacks") {
        return Err(in_op(Error::new(
            child(pointer, "callbacks"),
            "callbacks are not supported",
        )));
    }

    let tag = operation
        .get("tags")
        .and_then(Value::as_array)
        .and_then(|tags| tags.first())
        .and_then(Value::as_str)
        .ok_or_else(|| {
            in_op(Error::new(
                pointer,
                "every operation needs a tag; its first tag names the resource",
            ))
        })?;
    let (accessor, resource_doc) = match context.tags.get(tag) {
        Some((accessor, doc)) => (accessor.clone(), doc.clone()),
        None => (naming::resource_from_tag(tag), None),
    };
    let method = match operation.get("x-rust-method") {
        Some(Value::String(method)) => method.clone(),
        Some(_) => {
            return Err(in_op(Error::new(
                child(pointer, "x-rust-method"),
                "`x-rust-method` must be a string",
            )));
        }
        None => naming::method_from_operation_id(operation_id, &accessor),
    };
    let method_name = naming::ident(&method).ok_or_else(|| {
        in_op(Error::new(
            pointer,
            format!("`{method}` is not a valid Rust method name; set one with `x-rust-method`"),
        ))
    })?;
    let builder = format!("{}{}", naming::pascal(&accessor), naming::pascal(&method));
    let builder_name = naming::ident(&builder).ok_or_else(|| {
        in_op(Error::new(
            pointer,
            format!("`{builder}` is not a valid Rust type name"),
        ))
    })?;
    let op_hint = naming::pascal(operation_id);
    let variant_name = match operation.get("x-rust-operation") {
        Some(Value::String(name)) => naming::ident(name).ok_or_else(|| {
            in_op(Error::new(
                child(pointer, "x-rust-operation"),
                format!("`{name}` is not a valid Rust variant name"),
            ))
        })?,
        Some(_) => {
            return Err(in_op(Error::new(
                child(pointer, "x-rust-operation"),
                "`x-rust-operation` must be a string",
            )));
        }
        None => naming::ident(&op_hint).ok_or_else(|| {
            in_op(Error::new(
                child(pointer, "operationId"),
                format!(
                    "`{operation_id}` does not make a Rust name for the `Operation` table; \
                     set one with `x-rust-operation`"
                ),
            ))
        })?,
    };
    let repeat_success = read_repeat_success(operation, pointer).map_err(in_op)?;

    let (path_params, query_params) =
        read_parameters(reader, operation, context, &op_hint).map_err(in_op)?;
    let segments = path_segments(context.path, &path_params, pointer).map_err(in_op)?;
    let body = read_body(operation, context).map_err(in_op)?;
    let response = read_responses(reader, operation, pointer, &op_hint).map_err(in_op)?;

    let result = Operation {
        operation_id: operation_id.to_owned(),
        variant_name,
        repeat_success,
        method_name,
        builder_name,
        http_method: context.method,
        path_template: context.path.to_owned(),
        segments,
        path_params,
        query_params,
        body,
        response,
        // Set once every model is known (`attach_pagination`).
        pagination: None,
        summary: operation
            .get("summary")
            .and_then(Value::as_str)
            .map(str::to_owned),
        description: operation
            .get("description")
            .and_then(Value::as_str)
            .map(str::to_owned),
    };
    Ok((
        ResourceName {
            accessor,
            doc: resource_doc,
        },
        result,
    ))
}

/// `x-torii-repeat-success`: the statuses that a repeat of an applied call answers, which
/// confirm that it was applied. Absent means none.
fn read_repeat_success(operation: &Map<String, Value>, pointer: &str) -> Result<Vec<u16>, Error> {
    const KEY: &str = "x-torii-repeat-success";
    let Some(value) = operation.get(KEY) else {
        return Ok(Vec::new());
    };
    let pointer = child(pointer, KEY);
    let statuses = value
        .as_array()
        .ok_or_else(|| Error::new(&pointer, format!("`{KEY}` must be an array of statuses")))?;
    let mut read = Vec::with_capacity(statuses.len());
    for (index, status) in statuses.iter().enumerate() {
        match status.as_u64().and_then(|code| u16::try_from(code).ok()) {
            Some(code @ 100..=599) => read.push(code),
            _ => {
                return Err(Error::new(
                    child(&pointer, &index.to_string()),
                    "a status must be a number from 100 to 599",
                ));
            }
        }
    }
    Ok(read)
}

fn read_parameters(
    reader: &mut SchemaReader,
    operation: &Map<String, Value>,
    context: &OperationContext<'_>,
    op_hint: &str,
) -> Result<(Vec<Param>, Vec<Param>), Error> {
    // Operation-level parameters override path-level ones with the same name and location.
    let mut listed: Vec<(String, &Value)> = Vec::new();
    let shared = context
        .shared_params
        .map(|p| (child(&child("/paths", context.path), "parameters"), p));
    let own = operation
        .get("parameters")
        .map(|p| (child(context.pointer, "parameters"), p));
    for (pointer, params) in shared.into_iter().chain(own) {
        let params = params
            .as_array()
            .ok_or_else(|| Error::new(&pointer, "`parameters` must be an array"))?;
        for (index, param) in params.iter().enumerate() {
            let key = (param.get("name"), param.get("in"));
            listed.retain(|(_, p)| (p.get("name"), p.get("in")) != key);
            listed.push((child(&pointer, &index.to_string()), param));
        }
    }

    let mut path_params = Vec::new();
    let mut query_params = Vec::new();
    for (pointer, param) in listed {
        let object = param
            .as_object()
            .ok_or_else(|| Error::new(&pointer, "a parameter must be an object"))?;
        if object.contains_key("$ref") {
            return Err(Error::new(
                &pointer,
                "parameter `$ref`s are not supported; write the parameter inline",
            ));
        }
        let wire = object
            .get("name")
            .and_then(Value::as_str)
            .ok_or_else(|| Error::new(&pointer, "a parameter needs a `name`"))?;
        let location = object.get("in").and_then(Value::as_str).unwrap_or("");
        let required = object
            .get("required")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        for key in ["style", "explode", "allowReserved", "content"] {
            if object.contains_key(key) {
                return Err(Error::new(
                    child(&pointer, key),
                    format!("the parameter option `{key}` is not supported"),
                ));
            }
        }
        let schema = object
            .get("schema")
            .ok_or_else(|| Error::new(&pointer, "a parameter needs a `schema`"))?;
        let schema_pointer = child(&pointer, "schema");
        let typed = reader.read(
            schema,
            &schema_pointer,
            &format!("{op_hint}{}", naming::pascal(wire)),
        )?;
        let name = naming::ident(&naming::snake(wire)).ok_or_else(|| {
            Error::new(
                &pointer,
                format!("the parameter `{wire}` gives no valid Rust name"),
            )
        })?;
        let param = Param {
            wire: wire.to_owned(),
            name,
            ty: typed.ty,
            required,
            doc: object
                .get("description")
                .and_then(Value::as_str)
                .map(str::to_owned),
        };
        match location {
            "path" => {
                if !required {
                    return Err(Error::new(
                        &pointer,
                        "path parameters must be `required: true`",
                    ));
                }
                if !matches!(
                    param.ty,
                    TypeRef::String | TypeRef::Uuid | TypeRef::I32 | TypeRef::I64
                ) {
                    return Err(Error::new(
                        schema_pointer,
                        "path parameters must be strings or integers",
                    ));
                }
                path_params.push(param);
            }
            "query" => {
                let scalar = |ty: &TypeRef| {
                    matches!(
                        ty,
                        TypeRef::String
                            | TypeRef::Uuid
                            | TypeRef::DateTime
                            | TypeRef::Date
                            | TypeRef::I32
                            | TypeRef::I64
                            | TypeRef::F64
                            | TypeRef::Bool
                            | TypeRef::Named(_, NamedKind::Enum)
                    )
                };
                let supported = match &param.ty {
                    TypeRef::Array(item) => scalar(item),
                    other => scalar(other),
                };
                if !supported {
                    return Err(Error::new(
                        schema_pointer,
                        "query parameters must be scalars or arrays of scalars",
                    ));
                }
                query_params.push(param);
            }
            other => {
                return Err(Error::new(
                    child(&pointer, "in"),
                    format!("`{other}` parameters are not supported (only path and query)"),
                ));
            }
        }
    }
    Ok((path_params, query_params))
}

fn path_segments(path: &str, params: &[Param], pointer: &str) -> Result<Vec<Segment>, Error> {
    if !path.starts_with('/') {
        return Err(Error::new(pointer, "a path must start with `/`"));
    }
    let mut segments = Vec::new();
    let mut used = vec![false; params.len()];
    for piece in path.split('/').skip(1) {
        if !piece.contains(['{', '}']) {
            segments.push(Segment::Literal(piece.to_owned()));
            continue;
        }
        let name = piece
            .strip_prefix('{')
            .and_then(|rest| rest.strip_suffix('}'))
            .filter(|name| !name.contains(['{', '}']))
            .ok_or_else(|| {
                Error::new(pointer, format!("the path segment `{piece}` mixes text and parameters; only whole-segment parameters are supported"))
            })?;
        let index = params.iter().position(|p| p.wire == name).ok_or_else(|| {
            Error::new(
                pointer,
                format!("the path names `{{{name}}}` but no path parameter `{name}` is declared"),
            )
        })?;
        if std::mem::replace(&mut used[index], true) {
            return Err(Error::new(
                pointer,
                format!("the path names `{{{name}}}` twice"),
            ));
        }
        segments.push(Segment::Param(index));
    }
    if let Some(unused) = used.iter().position(|u| !u) {
        let name = &params[unused].wire;
        return Err(Error::new(
            pointer,
            format!("the path parameter `{name}` does not appear in the path"),
        ));
    }
    Ok(segments)
}

fn read_body(
    operation: &Map<String, Value>,
    context: &OperationContext<'_>,
) -> Result<Option<Body>, Error> {
    let Some(body) = operation.get("requestBody") else {
        return Ok(None);
    };
    let pointer = child(context.pointer, "requestBody");
    if body.get("$ref").is_some() {
        return Err(Error::new(
            pointer,
            "request body `$ref`s are not supported; write the body inline",
        ));
    }
    let content = body
        .get("content")
        .and_then(Value::as_object)
        .ok_or_else(|| Error::new(&pointer, "a request body needs `content`"))?;
    let content_pointer = child(&pointer, "content");
    if let Some(other) = content.keys().find(|media| *media != "application/json") {
        return Err(Error::new(
            child(&content_pointer, other),
            format!("request bodies of type `{other}` are not supported (only application/json)"),
        ));
    }
    let schema_pointer = child(&child(&content_pointer, "application/json"), "schema");
    let reference = content
        .get("application/json")
        .and_then(|media| media.get("schema"))
        .and_then(|schema| schema.get("$ref"))
        .and_then(Value::as_str)
        .ok_or_else(|| {
            Error::new(
                &schema_pointer,
                "a request body schema must `$ref` an object schema in `components/schemas`",
            )
        })?;
    let name = reference
        .strip_prefix("#/components/schemas/")
        .map(|name| name.replace("~1", "/").replace("~0", "~"));
    match name
        .as_deref()
        .and_then(|name| context.components.get(name))
    {
        Some((ident, NamedKind::Struct)) => Ok(Some(Body {
            type_name: ident.clone(),
            fields: Vec::new(),
        })),
        _ => Err(Error::new(
            schema_pointer,
            format!("`{reference}` is not an object schema in `components/schemas`"),
        )),
    }
}

fn read_responses(
    reader: &mut SchemaReader,
    operation: &Map<String, Value>,
    pointer: &str,
    op_hint: &str,
) -> Result<Option<TypeRef>, Error> {
    let pointer = child(pointer, "responses");
    let responses = operation
        .get("responses")
        .and_then(Value::as_object)
        .ok_or_else(|| Error::new(&pointer, "an operation needs `responses`"))?;
    let mut success: Option<(String, Option<TypeRef>)> = None;
    for (code, response) in responses {
        let response_pointer = child(&pointer, code);
        let is_success = code.starts_with('2');
        let content = match response.get("content") {
            None => None,
            Some(Value::Object(content)) if content.is_empty() => None,
            Some(Value::Object(content)) => Some(content),
            Some(_) => {
                return Err(Error::new(
                    child(&response_pointer, "content"),
                    "`content` must be an object",
                ));
            }
        };
        if !is_success {
            if let Some(other) = content
                .into_iter()
                .flat_map(|content| content.keys())
                .find(|m| *m != "application/json" && *m != "application/problem+json")
            {
                return Err(Error::new(
                    child(&child(&response_pointer, "content"), other),
                    format!(
                        "error responses of type `{other}` are not supported (only application/json and application/problem+json)"
                    ),
                ));
            }
            continue;
        }
        let ty = match content {
            None => None,
            Some(content) => {
                let content_pointer = child(&response_pointer, "content");
                if let Some(other) = content.keys().find(|m| *m != "application/json") {
                    return Err(Error::new(
                        child(&content_pointer, other),
                        format!(
                            "success responses of type `{other}` are not supported (only application/json)"
                        ),
                    ));
                }
                let media_pointer = child(&content_pointer, "application/json");
                let schema = content
                    .get("application/json")
                    .and_then(|media| media.get("schema"))
                    .ok_or_else(|| {
                        Error::new(&media_pointer, "a JSON response needs a `schema`")
                    })?;
                let typed = reader.read(
                    schema,
                    &child(&media_pointer, "schema"),
                    &format!("{op_hint}Response"),
                )?;
                if typed.nullable {
                    return Err(Error::new(
                        media_pointer,
                        "a response body that may be null is not supported",
                    ));
                }
                Some(typed.ty)
            }
        };
        match &success {
            None => success = Some((code.clone(), ty)),
            Some((first, known)) if *known != ty => {
                return Err(Error::new(
                    response_pointer,
                    format!(
                        "the success responses {first} and {code} have different bodies; only one success type is supported"
                    ),
                ));
            }
            Some(_) => {}
        }
    }
    match success {
        Some((_, ty)) => Ok(ty),
        None => Err(Error::new(pointer, "an operation needs a 2xx response")),
    }
}

/// Setter and argument names must not clash with each other or with the builder's own methods.
fn check_builder_names(operation: &Operation) -> Result<(), Error> {
    let pointer = child(
        &child("/paths", &operation.path_template),
        &operation.http_method.as_str().to_lowercase(),
    );
    let body_fields = operation.body.iter().flat_map(|b| b.fields.iter());
    let mut setters: Vec<String> = operation
        .query_params
        .iter()
        .map(|p| p.name.to_string())
        .collect();
    let mut arguments: Vec<String> = operation
        .path_params
        .iter()
        .map(|p| p.name.to_string())
        .collect();
    arguments.extend(
        operation
            .query_params
            .iter()
            .filter(|p| p.required)
            .map(|p| p.name.to_string()),
    );
    for field in body_fields {
        if field.is_argument() {
            arguments.push(field.name.to_string());
        } else {
            setters.push(field.name.to_string());
            if field.tri_state {
                setters.push(format!("clear_{}", field.name));
                setters.push(format!("{}_or_clear", field.name));
            }
        }
    }
    let taken = |name: &str| {
        BUILDER_METHODS.contains(&name)
            || (operation.pagination.is_some() && PAGINATION_METHODS.contains(&name))
    };
    if let Some(name) = setters.iter().find(|name| taken(name)) {
        return Err(Error::new(
            pointer,
            format!("the setter `{name}` would clash with the builder method of that name"),
        ));
    }
    for names in [&mut setters, &mut arguments] {
        names.sort();
        if let Some(pair) = names.windows(2).find(|w| w[0] == w[1]) {
            return Err(Error::new(
                pointer,
                format!(
                    "two parameters or body properties both become `{}`",
                    pair[0]
                ),
            ));
        }
    }
    Ok(())
}

fn add_operation(
    resources: &mut Vec<Resource>,
    name: ResourceName,
    operation: Operation,
    errors: &mut Vec<Error>,
) {
    let Some(accessor) = naming::ident(&name.accessor) else {
        errors.push(
            Error::new(
                "/tags",
                format!(
                    "`{}` is not a valid Rust method name; set one with `x-rust-resource`",
                    name.accessor
                ),
            )
            .in_operation(&operation.operation_id),
        );
        return;
    };
    let index = match resources.iter().position(|r| r.accessor == accessor) {
        Some(index) => index,
        None => {
            let type_name = naming::pascal(&name.accessor);
            let Some(type_name) = naming::ident(&type_name) else {
                errors.push(Error::new(
                    "/tags",
                    format!("`{type_name}` is not a valid Rust type name"),
                ));
                return;
            };
            resources.push(Resource {
                accessor,
                type_name,
                doc: name.doc,
                operations: Vec::new(),
            });
            resources.len() - 1
        }
    };
    let resource = &mut resources[index];
    if let Some(other) = resource
        .operations
        .iter()
        .find(|o| o.method_name == operation.method_name)
    {
        errors.push(
            Error::new(
                "/paths",
                format!(
                    "the operations `{}` and `{}` both become `{}().{}()`; rename one with `x-rust-method`",
                    other.operation_id, operation.operation_id, resource.accessor, operation.method_name
                ),
            )
            .in_operation(&operation.operation_id),
        );
        return;
    }
    resource.operations.push(operation);
}

/// Inline enums and component schemas share one namespace.
fn check_model_names(models: &[Model], errors: &mut Vec<Error>) {
    let mut seen = HashSet::new();
    for model in models {
        if !seen.insert(model.name.to_string()) {
            errors.push(Error::new(
                "/components/schemas",
                format!(
                    "two schemas are both named `{}` in Rust; rename one with `x-rust-type`",
                    model.name
                ),
            ));
        }
    }
}

/// The fields of every object model, by model name.
fn struct_fields(api: &Api) -> HashMap<String, Vec<Field>> {
    api.models
        .iter()
        .filter_map(|m| match &m.shape {
            ModelShape::Struct(fields) => Some((m.name.to_string(), fields.clone())),
            _ => None,
        })
        .collect()
}

/// Fills each body with the fields of its schema (read once, with the models).
fn attach_body_fields(api: &mut Api) {
    let structs = struct_fields(api);
    for operation in api
        .resources
        .iter_mut()
        .flat_map(|r| r.operations.iter_mut())
    {
        if let Some(body) = &mut operation.body {
            body.fields = structs
                .get(&body.type_name.to_string())
                .cloned()
                .unwrap_or_default();
        }
    }
}

/// Marks the operations that page with a cursor: a `cursor` query parameter, answered by an
/// object with an `items` array and a `nextCursor` of the cursor's type (and maybe `hasMore`).
/// Anything else is an ordinary operation.
fn attach_pagination(api: &mut Api) {
    let structs = struct_fields(api);
    for operation in api
        .resources
        .iter_mut()
        .flat_map(|r| r.operations.iter_mut())
    {
        operation.pagination = pagination_of(operation, &structs);
    }
}

fn pagination_of(
    operation: &Operation,
    structs: &HashMap<String, Vec<Field>>,
) -> Option<Pagination> {
    let cursor = operation
        .query_params
        .iter()
        .find(|p| p.wire == "cursor" && !p.required)?;
    let Some(TypeRef::Named(page, NamedKind::Struct)) = &operation.response else {
        return None;
    };
    let fields = structs.get(&page.to_string())?;
    let field = |wire: &str| fields.iter().find(|f| f.wire == wire);
    let items = field("items").filter(|f| f.required && !f.nullable)?;
    let TypeRef::Array(item) = &items.ty else {
        return None;
    };
    // The next cursor must come back as an `Option` of the cursor parameter's type.
    let next_cursor = field("nextCursor")
        .filter(|f| f.ty == cursor.ty && (!f.required || f.nullable) && !f.tri_state)?;
    let has_more = match field("hasMore") {
        None => None,
        Some(f) if f.ty == TypeRef::Bool && f.required && !f.nullable => Some(f.name.clone()),
        Some(_) => return None,
    };
    Some(Pagination {
        cursor: cursor.clone(),
        page: page.clone(),
        items_field: items.name.clone(),
        item: (**item).clone(),
        next_cursor_field: next_cursor.name.clone(),
        has_more_field: has_more,
    })
}
