//! One operation: its names in the client (resource, method, builder, `Operation` variant), the
//! behaviours the spec states, and the checks that the names do not clash.

use std::collections::HashMap;

use proc_macro2::Ident;

use serde_json::{Map, Value};

use super::bodies::{read_body, read_responses};
use super::parameters::{path_segments, read_parameters};
use super::tags::Tag;
use crate::error::Error;
use crate::ir::{HttpMethod, NamedKind, Operation, Resource};
use crate::naming;
use crate::pointer::child;
use crate::schema::SchemaReader;

/// Method names every builder has; a setter may not take them.
pub(super) const BUILDER_METHODS: &[&str] = &["send", "into_future"];

/// Method names the builders of paginated operations add.
pub(super) const PAGINATION_METHODS: &[&str] = &["pages", "items", "collect_items"];

/// What reading one operation needs to know about the rest of the document.
pub(super) struct OperationContext<'a> {
    pub(super) path: &'a str,
    pub(super) method: HttpMethod,
    /// The operation's own pointer (`/paths/~1users/get`).
    pub(super) pointer: &'a str,
    pub(super) shared_params: Option<&'a Value>,
    pub(super) components: &'a HashMap<String, (Ident, NamedKind)>,
    pub(super) tags: &'a HashMap<String, Tag>,
}

/// The pointer of `operation` (`/paths/~1users~1{userId}/delete`).
pub(super) fn operation_pointer(operation: &Operation) -> String {
    child(
        &child("/paths", &operation.path_template),
        &operation.http_method.as_str().to_lowercase(),
    )
}

pub(super) fn read_operation(
    reader: &mut SchemaReader,
    operation: &Value,
    context: &OperationContext<'_>,
) -> Result<(Tag, Operation), Error> {
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

    let tag_pointer = child(&child(pointer, "tags"), "0");
    let tag = operation
        .get("tags")
        .and_then(Value::as_array)
        .and_then(|tags| tags.first())
        .and_then(Value::as_str)
        .ok_or_else(|| {
            in_op(Error::new(
                child(pointer, "tags"),
                "every operation needs a tag; its first tag names the resource",
            ))
        })?;
    let resource = context.tags.get(tag).cloned().unwrap_or_else(|| Tag {
        accessor: naming::resource_from_tag(tag),
        doc: None,
        pointer: tag_pointer,
    });
    let (method, method_pointer) = match operation.get("x-rust-method") {
        Some(Value::String(method)) => (method.clone(), child(pointer, "x-rust-method")),
        Some(_) => {
            return Err(in_op(Error::new(
                child(pointer, "x-rust-method"),
                "`x-rust-method` must be a string",
            )));
        }
        None => (
            naming::method_from_operation_id(operation_id, &resource.accessor),
            child(pointer, "operationId"),
        ),
    };
    let method_name = naming::ident(&method).ok_or_else(|| {
        in_op(Error::new(
            &method_pointer,
            format!("`{method}` is not a valid Rust method name; set one with `x-rust-method`"),
        ))
    })?;
    let builder = format!(
        "{}{}",
        naming::pascal(&resource.accessor),
        naming::pascal(&method)
    );
    let builder_name = naming::ident(&builder).ok_or_else(|| {
        in_op(Error::new(
            &method_pointer,
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
    let safe = read_safe(operation, pointer).map_err(in_op)?;

    let (path_params, query_params) =
        read_parameters(reader, operation, context, &op_hint).map_err(in_op)?;
    let segments =
        path_segments(context.path, &path_params, &child("/paths", context.path)).map_err(in_op)?;
    let body = read_body(operation, context).map_err(in_op)?;
    let response = read_responses(reader, operation, pointer, &op_hint).map_err(in_op)?;

    let result = Operation {
        operation_id: operation_id.to_owned(),
        // The bare names, before any `r#` an identifier needs.
        name: format!("{}.{method}", resource.accessor),
        variant_name,
        repeat_success,
        safe,
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
    Ok((resource, result))
}

/// `x-torii-repeat-success`: the statuses that a repeat of an applied call answers, which
/// confirm that it was applied. Absent means none.
pub(super) fn read_repeat_success(
    operation: &Map<String, Value>,
    pointer: &str,
) -> Result<Vec<u16>, Error> {
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

/// `x-torii-safe`: `true` on an operation that only reads although its method is not GET (a
/// search sent as POST for its body), so that it is retried as a read. Absent means false.
pub(super) fn read_safe(operation: &Map<String, Value>, pointer: &str) -> Result<bool, Error> {
    const KEY: &str = "x-torii-safe";
    match operation.get(KEY) {
        None => Ok(false),
        Some(Value::Bool(safe)) => Ok(*safe),
        Some(_) => Err(Error::new(
            child(pointer, KEY),
            format!("`{KEY}` must be true or false"),
        )),
    }
}

/// Setter and argument names must not clash with each other or with the builder's own methods.
pub(super) fn check_builder_names(operation: &Operation) -> Result<(), Error> {
    let pointer = operation_pointer(operation);
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
        if let Some(twice) = names
            .iter()
            .zip(names.iter().skip(1))
            .find_map(|(a, b)| (a == b).then_some(a))
        {
            return Err(Error::new(
                pointer,
                format!("two parameters or body properties both become `{twice}`"),
            ));
        }
    }
    Ok(())
}

pub(super) fn add_operation(
    resources: &mut Vec<Resource>,
    name: Tag,
    operation: Operation,
    errors: &mut Vec<Error>,
) {
    let Some(accessor) = naming::ident(&name.accessor) else {
        errors.push(
            Error::new(
                &name.pointer,
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
                errors.push(
                    Error::new(
                        &name.pointer,
                        format!("`{type_name}` is not a valid Rust type name"),
                    )
                    .in_operation(&operation.operation_id),
                );
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
    let Some(resource) = resources.get_mut(index) else {
        return;
    };
    if let Some(other) = resource
        .operations
        .iter()
        .find(|o| o.method_name == operation.method_name)
    {
        errors.push(
            Error::new(
                operation_pointer(&operation),
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::openapi::tests::error_pointers;

    fn repeat(operation: Value) -> Result<Vec<u16>, String> {
        read_repeat_success(operation.as_object().expect("object"), "/paths/~1x/delete")
            .map_err(|error| error.pointer().to_owned())
    }

    #[test]
    fn repeat_success_statuses_are_read_from_the_extension_only() {
        assert_eq!(repeat(json!({})), Ok(vec![]));
        assert_eq!(
            repeat(json!({"x-torii-repeat-success": [403, 404]})),
            Ok(vec![403, 404])
        );
        assert_eq!(
            repeat(json!({"x-torii-repeat-success": [403, 600]})),
            Err("/paths/~1x/delete/x-torii-repeat-success/1".to_owned())
        );
        assert_eq!(
            repeat(json!({"x-torii-repeat-success": ["403"]})),
            Err("/paths/~1x/delete/x-torii-repeat-success/0".to_owned())
        );
        assert_eq!(
            repeat(json!({"x-torii-repeat-success": {}})),
            Err("/paths/~1x/delete/x-torii-repeat-success".to_owned())
        );
    }

    #[test]
    fn safe_is_read_from_the_extension_only_and_must_be_a_boolean() {
        let safe = |operation: Value| {
            read_safe(operation.as_object().expect("object"), "/paths/~1x/post")
                .map_err(|error| error.pointer().to_owned())
        };
        assert_eq!(safe(json!({})), Ok(false));
        assert_eq!(safe(json!({"x-torii-safe": true})), Ok(true));
        assert_eq!(safe(json!({"x-torii-safe": false})), Ok(false));
        assert_eq!(
            safe(json!({"x-torii-safe": "yes"})),
            Err("/paths/~1x/post/x-torii-safe".to_owned())
        );
    }

    fn one_operation(operation: Value) -> Value {
        json!({"openapi": "3.1.0", "paths": {"/x": {"get": operation}}})
    }

    #[test]
    fn names_come_from_extensions_or_the_operation_id_and_bad_ones_are_pointed_at() {
        let ok = json!({"operationId": "getX", "tags": ["T"], "responses": {"204": {}}});
        assert!(error_pointers(one_operation(ok)).is_empty());
        let with = |key: &str, value: Value| {
            let mut operation =
                json!({"operationId": "getX", "tags": ["T"], "responses": {"204": {}}});
            if let Some(object) = operation.as_object_mut() {
                object.insert(key.to_owned(), value);
            }
            error_pointers(one_operation(operation))
        };
        assert_eq!(
            with("x-rust-method", json!("not valid")),
            ["/paths/~1x/get/x-rust-method"]
        );
        assert_eq!(
            with("x-rust-method", json!(1)),
            ["/paths/~1x/get/x-rust-method"]
        );
        assert_eq!(
            with("x-rust-operation", json!("9x")),
            ["/paths/~1x/get/x-rust-operation"]
        );
        assert_eq!(with("tags", json!([])), ["/paths/~1x/get/tags"]);
        assert_eq!(with("callbacks", json!({})), ["/paths/~1x/get/callbacks"]);
    }

    #[test]
    fn setters_may_not_take_the_builders_own_names() {
        let doc = json!({
            "openapi": "3.1.0",
            "paths": {"/x": {"get": {
                "operationId": "getX", "tags": ["T"],
                "parameters": [{"name": "send", "in": "query", "schema": {"type": "string"}}],
                "responses": {"204": {}}
            }}}
        });
        assert_eq!(error_pointers(doc), ["/paths/~1x/get"]);
    }

    #[test]
    fn a_resource_name_that_is_not_rust_is_reported_where_it_was_written() {
        let doc = json!({
            "openapi": "3.1.0",
            "tags": [{"name": "T", "x-rust-resource": "not valid"}],
            "paths": {"/x": {"get": {"operationId": "getX", "tags": ["T"], "responses": {"204": {}}}}}
        });
        assert_eq!(error_pointers(doc), ["/tags/0/x-rust-resource"]);
    }
}
