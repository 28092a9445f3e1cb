//! Reads an OpenAPI document into the generator's [`Api`], checking everything it relies on.
//!
//! One module per part of the document: [`models`] (component schemas), [`tags`],
//! [`operations`] (each operation and the names it gives the client), [`parameters`],
//! [`bodies`] (request bodies and responses) and [`pagination`] (which operations page with a
//! cursor). Every problem is collected with the exact JSON pointer of the node it is about.

mod bodies;
mod models;
mod operations;
mod pagination;
mod parameters;
mod tags;

use std::collections::HashMap;

use serde_json::{Map, Value};

use self::models::{attach_body_fields, name_components, read_model, request_body_schemas};
use self::operations::{
    OperationContext, add_operation, check_builder_names, operation_pointer, read_operation,
};
use self::pagination::attach_pagination;
use self::tags::read_tags;
use crate::error::Error;
use crate::ir::{Api, HttpMethod, Model, Resource};
use crate::pointer::child;
use crate::schema::SchemaReader;

pub(super) const METHODS: &[(&str, HttpMethod)] = &[
    ("get", HttpMethod::Get),
    ("put", HttpMethod::Put),
    ("post", HttpMethod::Post),
    ("delete", HttpMethod::Delete),
    ("patch", HttpMethod::Patch),
];

/// Path item keys that are not operations and need no support.
const PATH_ITEM_ANNOTATIONS: &[&str] = &["summary", "description", "servers", "parameters"];

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
                    child(&operation_pointer(operation), "operationId"),
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

/// Inline enums and component schemas share one namespace. The error is about the second
/// schema of a pair and names the first.
fn check_model_names(models: &[Model], errors: &mut Vec<Error>) {
    let mut seen: HashMap<String, &str> = HashMap::new();
    for model in models {
        if let Some(first) = seen.insert(model.name.to_string(), &model.pointer) {
            errors.push(Error::new(
                &model.pointer,
                format!(
                    "this schema and the one at `{first}` are both named `{}` in Rust; rename \
                     one with `x-rust-type`",
                    model.name
                ),
            ));
        }
    }
}

#[cfg(test)]
pub(super) mod tests {
    use serde_json::json;

    use super::*;

    /// The pointers of the errors `read` finds in `doc`.
    pub(super) fn error_pointers(doc: Value) -> Vec<String> {
        match read(&doc) {
            Ok(_) => Vec::new(),
            Err(errors) => errors.iter().map(|e| e.pointer().to_owned()).collect(),
        }
    }

    #[test]
    fn a_minimal_document_reads_into_one_resource() {
        let api = read(&json!({
            "openapi": "3.1.0",
            "paths": {"/ping": {"get": {
                "operationId": "ping", "tags": ["Health"],
                "responses": {"204": {"description": "up"}}
            }}}
        }))
        .expect("valid");
        assert_eq!(api.resources.len(), 1);
        let resource = api.resources.first().expect("one");
        assert_eq!(resource.accessor.to_string(), "health");
        assert_eq!(
            resource
                .operations
                .first()
                .map(|o| o.variant_name.to_string()),
            Some("Ping".to_owned())
        );
    }

    #[test]
    fn document_level_problems_name_their_node() {
        assert_eq!(
            error_pointers(json!({"openapi": "3.1.0", "paths": {"/x": {"trace": {}}}})),
            ["/paths/~1x/trace"]
        );
        assert_eq!(
            error_pointers(json!({"openapi": "3.1.0", "paths": {"/x": 1}})),
            ["/paths/~1x"]
        );
        assert_eq!(
            error_pointers(json!({"paths": {}, "components": {"schemas": []}})),
            ["/openapi", "/components/schemas"]
        );
    }
}
