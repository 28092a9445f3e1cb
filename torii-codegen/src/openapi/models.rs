//! Component schemas: their Rust names, and each one read into a [`Model`].

use std::collections::{HashMap, HashSet};

use proc_macro2::Ident;
use serde_json::{Map, Value};

use super::METHODS;
use crate::error::Error;
use crate::ir::{Api, Field, Model, ModelShape, NamedKind};
use crate::naming;
use crate::pointer::{child, schema_ref_name};
use crate::schema::{SchemaReader, check_keywords, enum_variants};

/// The Rust name and kind of every component schema, decided before any `$ref` is followed.
pub(super) fn name_components(
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
pub(super) fn request_body_schemas(paths: &Map<String, Value>) -> HashSet<String> {
    let mut names = HashSet::new();
    for item in paths.values().filter_map(Value::as_object) {
        for (key, _) in METHODS {
            let reference = item
                .get(*key)
                .and_then(|op| op.pointer("/requestBody/content/application~1json/schema/$ref"))
                .and_then(Value::as_str);
            if let Some(name) = reference.and_then(schema_ref_name) {
                names.insert(name);
            }
        }
    }
    names
}

pub(super) fn read_model(
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
        pointer: pointer.to_owned(),
        doc,
        shape,
    })
}

pub(super) fn read_fields(
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

pub(super) fn required_list<'a>(
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

/// The fields of every object model, by model name.
pub(super) fn struct_fields(api: &Api) -> HashMap<String, Vec<Field>> {
    api.models
        .iter()
        .filter_map(|m| match &m.shape {
            ModelShape::Struct(fields) => Some((m.name.to_string(), fields.clone())),
            _ => None,
        })
        .collect()
}

/// Fills each body with the fields of its schema (read once, with the models).
pub(super) fn attach_body_fields(api: &mut Api) {
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn object(value: Value) -> Map<String, Value> {
        value.as_object().cloned().expect("an object")
    }

    #[test]
    fn components_are_named_and_classified_before_any_ref_is_followed() {
        let mut errors = Vec::new();
        let names = name_components(
            &object(json!({
                "user_response": {"type": "object", "properties": {"id": {"type": "string"}}},
                "Page": {"type": "object", "properties": {}, "x-rust-type": "UserPage"},
                "Locale": {"type": "string", "enum": ["en"]},
                "Bag": {"type": "object", "additionalProperties": true},
                "9lives": {"type": "string"},
            })),
            &mut errors,
        );
        let name = |schema: &str| {
            names
                .get(schema)
                .map(|(ident, kind)| (ident.to_string(), *kind))
        };
        assert_eq!(
            name("user_response"),
            Some(("UserResponse".to_owned(), NamedKind::Struct))
        );
        assert_eq!(
            name("Page"),
            Some(("UserPage".to_owned(), NamedKind::Struct))
        );
        assert_eq!(name("Locale"), Some(("Locale".to_owned(), NamedKind::Enum)));
        assert_eq!(name("Bag"), Some(("Bag".to_owned(), NamedKind::Alias)));
        assert_eq!(name("9lives"), None);
        let pointers: Vec<&str> = errors.iter().map(Error::pointer).collect();
        assert_eq!(pointers, ["/components/schemas/9lives"]);
    }

    #[test]
    fn request_bodies_are_found_through_escaped_references() {
        let paths = object(json!({
            "/a": {"post": {"requestBody": {"content": {"application/json": {"schema":
                {"$ref": "#/components/schemas/Create~1Request"}}}}}},
            "/b": {"get": {}},
        }));
        let found = request_body_schemas(&paths);
        assert_eq!(found.len(), 1);
        assert!(found.contains("Create/Request"));
    }

    #[test]
    fn required_lists_are_checked_name_by_name() {
        let properties = object(json!({"a": {}, "b": {}}));
        let pointer_of = |schema: Value| {
            required_list(&object(schema), "/components/schemas/S", &properties)
                .err()
                .map(|error| error.pointer().to_owned())
        };
        assert_eq!(pointer_of(json!({"required": ["a", "b"]})), None);
        assert_eq!(
            pointer_of(json!({"required": "a"})).as_deref(),
            Some("/components/schemas/S/required")
        );
        assert_eq!(
            pointer_of(json!({"required": ["a", "c"]})).as_deref(),
            Some("/components/schemas/S/required/1")
        );
    }
}
