//! JSON Schema (the OpenAPI 3.x subset the Torii spec family uses) to [`TypeRef`].

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::error::Error;
use crate::ir::{Model, ModelShape, NamedKind, TypeRef, Variant};
use crate::naming;
use crate::pointer::child;

/// Keywords that only describe or constrain values; they do not change the Rust type.
const ANNOTATIONS: &[&str] = &[
    "description",
    "title",
    "example",
    "examples",
    "default",
    "deprecated",
    "readOnly",
    "writeOnly",
    "maxLength",
    "minLength",
    "maximum",
    "minimum",
    "exclusiveMaximum",
    "exclusiveMinimum",
    "multipleOf",
    "pattern",
    "maxItems",
    "minItems",
    "uniqueItems",
    "maxProperties",
    "minProperties",
    "externalDocs",
];

/// Keywords this module reads.
const HANDLED: &[&str] = &[
    "type",
    "format",
    "enum",
    "items",
    "properties",
    "required",
    "additionalProperties",
    "nullable",
    "$ref",
];

/// A schema read as a type, and whether `null` is one of its values.
#[derive(Debug, Clone)]
pub(crate) struct Typed {
    pub(crate) ty: TypeRef,
    pub(crate) nullable: bool,
}

/// Resolves schemas to types. Inline string enums become models of their own, named by
/// `x-rust-type` or after where they appear; the same name used twice must mean the same values.
#[derive(Debug)]
pub(crate) struct SchemaReader {
    /// Component schema name to its Rust type name and kind.
    components: HashMap<String, (proc_macro2::Ident, NamedKind)>,
    inline_enums: Vec<Model>,
    inline_enum_sources: HashMap<String, (Vec<String>, String)>,
}

impl SchemaReader {
    pub(crate) fn new(components: HashMap<String, (proc_macro2::Ident, NamedKind)>) -> Self {
        Self {
            components,
            inline_enums: Vec::new(),
            inline_enum_sources: HashMap::new(),
        }
    }

    /// The models for inline enums met so far, in the order they were met.
    pub(crate) fn into_inline_enums(self) -> Vec<Model> {
        self.inline_enums
    }

    /// The type of `schema` at `pointer`; `hint` names an inline enum that has no `x-rust-type`.
    pub(crate) fn read(
        &mut self,
        schema: &Value,
        pointer: &str,
        hint: &str,
    ) -> Result<Typed, Error> {
        let object = schema
            .as_object()
            .ok_or_else(|| Error::new(pointer, "a schema must be a JSON object"))?;
        check_keywords(object, pointer)?;

        if let Some(reference) = object.get("$ref") {
            let reference = reference
                .as_str()
                .ok_or_else(|| Error::new(child(pointer, "$ref"), "`$ref` must be a string"))?;
            return self
                .resolve(reference, &child(pointer, "$ref"))
                .map(|ty| Typed {
                    ty,
                    nullable: false,
                });
        }

        let (kind, mut nullable) = type_keyword(object, pointer)?;
        if object.get("nullable").and_then(Value::as_bool) == Some(true) {
            nullable = true;
        }
        let format = match object.get("format") {
            None => None,
            Some(Value::String(format)) => Some(format.as_str()),
            Some(_) => {
                return Err(Error::new(
                    child(pointer, "format"),
                    "`format` must be a string",
                ));
            }
        };
        if object.contains_key("enum") && kind != Some("string") {
            return Err(Error::new(
                child(pointer, "enum"),
                "only string enums are supported",
            ));
        }

        let ty = match kind {
            None => {
                if object.contains_key("properties") || object.contains_key("items") {
                    return Err(Error::new(
                        pointer,
                        "a schema with `properties` or `items` must state its `type`",
                    ));
                }
                TypeRef::Json
            }
            Some("string") => {
                if let Some(values) = object.get("enum") {
                    return self
                        .inline_enum(object, values, pointer, hint)
                        .map(|ty| Typed { ty, nullable });
                }
                match format {
                    None | Some("uri") => TypeRef::String,
                    Some("uuid") => TypeRef::Uuid,
                    Some("date-time") => TypeRef::DateTime,
                    Some("date") => TypeRef::Date,
                    Some(other) => return Err(unsupported_format(pointer, "string", other)),
                }
            }
            Some("integer") => match format {
                Some("int32") => TypeRef::I32,
                None | Some("int64") => TypeRef::I64,
                Some(other) => return Err(unsupported_format(pointer, "integer", other)),
            },
            Some("number") => match format {
                None | Some("double") | Some("float") => TypeRef::F64,
                Some(other) => return Err(unsupported_format(pointer, "number", other)),
            },
            Some("boolean") => TypeRef::Bool,
            Some("array") => {
                let items = object
                    .get("items")
                    .ok_or_else(|| Error::new(pointer, "an array schema must have `items`"))?;
                let item_hint = format!("{hint}Item");
                let item = self.read(items, &child(pointer, "items"), &item_hint)?;
                if item.nullable {
                    return Err(Error::new(
                        child(pointer, "items"),
                        "arrays whose items may be null are not supported",
                    ));
                }
                TypeRef::Array(Box::new(item.ty))
            }
            Some("object") => self.object_type(object, pointer, hint)?,
            Some(other) => {
                return Err(Error::new(
                    child(pointer, "type"),
                    format!("unsupported type `{other}`"),
                ));
            }
        };
        Ok(Typed { ty, nullable })
    }

    /// A `$ref` to a component schema.
    fn resolve(&self, reference: &str, pointer: &str) -> Result<TypeRef, Error> {
        let name = reference.strip_prefix("#/components/schemas/").ok_or_else(|| {
            Error::new(
                pointer,
                format!("`{reference}` is not supported: only `#/components/schemas/...` references are"),
            )
        })?;
        let name = crate::pointer::unescape_token(name);
        match self.components.get(&name) {
            Some((ident, kind)) => Ok(TypeRef::Named(ident.clone(), *kind)),
            None => Err(Error::new(
                pointer,
                format!("`{reference}` names no schema in `components/schemas`"),
            )),
        }
    }

    /// An object used as a value (not a component struct): a map or a free-form bag.
    fn object_type(
        &mut self,
        object: &Map<String, Value>,
        pointer: &str,
        hint: &str,
    ) -> Result<TypeRef, Error> {
        if object.contains_key("properties") {
            return Err(Error::new(
                child(pointer, "properties"),
                "inline object schemas with `properties` are not supported; move the schema to \
                 `components/schemas` and `$ref` it",
            ));
        }
        match object.get("additionalProperties") {
            None | Some(Value::Bool(true)) => Ok(TypeRef::JsonObject),
            Some(Value::Object(schema)) if schema.is_empty() => Ok(TypeRef::JsonObject),
            Some(value @ Value::Object(_)) => {
                let pointer = child(pointer, "additionalProperties");
                let inner = self.read(value, &pointer, &format!("{hint}Value"))?;
                if inner.nullable {
                    return Err(Error::new(
                        pointer,
                        "map values that may be null are not supported",
                    ));
                }
                Ok(TypeRef::Map(Box::new(inner.ty)))
            }
            Some(_) => Err(Error::new(
                child(pointer, "additionalProperties"),
                "only `additionalProperties: true` or a schema is supported",
            )),
        }
    }

    fn inline_enum(
        &mut self,
        object: &Map<String, Value>,
        values: &Value,
        pointer: &str,
        hint: &str,
    ) -> Result<TypeRef, Error> {
        let name = match object.get("x-rust-type") {
            Some(Value::String(name)) => name.clone(),
            Some(_) => {
                return Err(Error::new(
                    child(pointer, "x-rust-type"),
                    "`x-rust-type` must be a string",
                ));
            }
            None => hint.to_owned(),
        };
        let ident = naming::ident(&name).ok_or_else(|| {
            Error::new(
                pointer,
                format!("`{name}` is not a valid Rust type name for this enum"),
            )
        })?;
        if self.components.contains_key(&name) {
            return Err(Error::new(
                pointer,
                format!(
                    "the enum name `{name}` is already taken by a component schema; set another with `x-rust-type`"
                ),
            ));
        }
        let variants = enum_variants(values, &child(pointer, "enum"))?;
        let wires: Vec<String> = variants.iter().map(|v| v.wire.clone()).collect();
        match self.inline_enum_sources.get(&name) {
            Some((known, _)) if *known == wires => {}
            Some((_, first)) => {
                return Err(Error::new(
                    pointer,
                    format!("the enum name `{name}` is used at `{first}` with other values"),
                ));
            }
            None => {
                self.inline_enum_sources
                    .insert(name.clone(), (wires, pointer.to_owned()));
                self.inline_enums.push(Model {
                    name: ident.clone(),
                    pointer: pointer.to_owned(),
                    doc: object
                        .get("description")
                        .and_then(Value::as_str)
                        .map(str::to_owned),
                    shape: ModelShape::Enum(variants),
                });
            }
        }
        Ok(TypeRef::Named(ident, NamedKind::Enum))
    }
}

/// The variants of a string `enum`; `null` entries are allowed and skipped (nullability is read
/// from `type`).
pub(crate) fn enum_variants(values: &Value, pointer: &str) -> Result<Vec<Variant>, Error> {
    let values = values
        .as_array()
        .ok_or_else(|| Error::new(pointer, "`enum` must be an array"))?;
    let mut variants: Vec<Variant> = Vec::new();
    for (index, value) in values.iter().enumerate() {
        let wire = match value {
            Value::Null => continue,
            Value::String(wire) => wire,
            _ => {
                return Err(Error::new(
                    child(pointer, &index.to_string()),
                    "only string enum values are supported",
                ));
            }
        };
        let name = naming::variant(wire);
        let ident = naming::ident(&name).ok_or_else(|| {
            Error::new(
                child(pointer, &index.to_string()),
                format!("the enum value `{wire}` gives no valid Rust variant name"),
            )
        })?;
        if name == "Unknown" {
            return Err(Error::new(
                child(pointer, &index.to_string()),
                "the enum value `unknown` clashes with the `Unknown(String)` variant that keeps values the spec does not list",
            ));
        }
        if let Some(previous) = variants.iter().find(|v| v.name == ident) {
            return Err(Error::new(
                child(pointer, &index.to_string()),
                format!(
                    "the enum values `{}` and `{wire}` give the same variant name `{name}`",
                    previous.wire
                ),
            ));
        }
        variants.push(Variant {
            wire: wire.clone(),
            name: ident,
        });
    }
    if variants.is_empty() {
        return Err(Error::new(
            pointer,
            "an enum needs at least one string value",
        ));
    }
    Ok(variants)
}

/// Fails on keywords that would change the meaning of the schema and that the generator does not
/// implement (`oneOf`, `allOf`, `const`, ...).
pub(crate) fn check_keywords(object: &Map<String, Value>, pointer: &str) -> Result<(), Error> {
    for key in object.keys() {
        let known = key.starts_with("x-")
            || ANNOTATIONS.contains(&key.as_str())
            || HANDLED.contains(&key.as_str());
        if !known {
            return Err(Error::new(
                child(pointer, key),
                format!("the schema keyword `{key}` is not supported by generate_api!"),
            ));
        }
    }
    Ok(())
}

/// The single non-null type named by `type` (a string, or an array with at most one other type
/// beside `"null"`), and whether `"null"` was listed.
fn type_keyword<'a>(
    object: &'a Map<String, Value>,
    pointer: &str,
) -> Result<(Option<&'a str>, bool), Error> {
    let pointer = child(pointer, "type");
    match object.get("type") {
        None => Ok((None, false)),
        Some(Value::String(kind)) => Ok((Some(kind.as_str()), false)),
        Some(Value::Array(kinds)) => {
            let mut nullable = false;
            let mut found = None;
            for kind in kinds {
                match kind.as_str() {
                    Some("null") => nullable = true,
                    Some(kind) if found.is_none() => found = Some(kind),
                    Some(_) => {
                        return Err(Error::new(
                            pointer,
                            "a `type` array may hold one type besides \"null\"; unions are not supported",
                        ));
                    }
                    None => return Err(Error::new(pointer, "`type` entries must be strings")),
                }
            }
            Ok((found, nullable))
        }
        Some(_) => Err(Error::new(
            pointer,
            "`type` must be a string or an array of strings",
        )),
    }
}

fn unsupported_format(pointer: &str, kind: &str, format: &str) -> Error {
    Error::new(
        child(pointer, "format"),
        format!(
            "the {kind} format `{format}` is not supported (supported: uuid, date-time, date, uri, int32, int64, float, double)"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn reader() -> SchemaReader {
        let mut components = HashMap::new();
        components.insert(
            "User".to_owned(),
            (naming::ident("User").expect("valid"), NamedKind::Struct),
        );
        SchemaReader::new(components)
    }

    fn read(schema: Value) -> Result<Typed, Error> {
        reader().read(&schema, "/s", "Hint")
    }

    #[test]
    fn scalars_and_formats() {
        let cases = [
            (json!({"type": "string"}), TypeRef::String),
            (json!({"type": "string", "format": "uri"}), TypeRef::String),
            (json!({"type": "string", "format": "uuid"}), TypeRef::Uuid),
            (
                json!({"type": "string", "format": "date-time"}),
                TypeRef::DateTime,
            ),
            (json!({"type": "string", "format": "date"}), TypeRef::Date),
            (json!({"type": "integer", "format": "int32"}), TypeRef::I32),
            (json!({"type": "integer", "format": "int64"}), TypeRef::I64),
            (json!({"type": "integer"}), TypeRef::I64),
            (json!({"type": "number"}), TypeRef::F64),
            (json!({"type": "boolean"}), TypeRef::Bool),
            (json!({}), TypeRef::Json),
            (
                json!({"type": "object", "additionalProperties": true}),
                TypeRef::JsonObject,
            ),
            (
                json!({"type": "object", "additionalProperties": {}}),
                TypeRef::JsonObject,
            ),
            (
                json!({"type": "object", "additionalProperties": {"type": "string"}}),
                TypeRef::Map(Box::new(TypeRef::String)),
            ),
            (
                json!({"type": "array", "items": {"type": "string", "format": "uuid"}}),
                TypeRef::Array(Box::new(TypeRef::Uuid)),
            ),
        ];
        for (schema, expected) in cases {
            let typed = read(schema.clone()).unwrap_or_else(|e| panic!("{schema}: {e}"));
            assert_eq!(typed.ty, expected, "{schema}");
            assert!(!typed.nullable);
        }
    }

    #[test]
    fn nullability_from_type_arrays_and_nullable() {
        assert!(
            read(json!({"type": ["string", "null"]}))
                .expect("ok")
                .nullable
        );
        assert!(
            read(json!({"type": "string", "nullable": true}))
                .expect("ok")
                .nullable
        );
        assert!(!read(json!({"type": ["string"]})).expect("ok").nullable);
    }

    #[test]
    fn refs_resolve_to_components() {
        let typed = read(json!({"$ref": "#/components/schemas/User"})).expect("ok");
        assert!(matches!(typed.ty, TypeRef::Named(ref n, NamedKind::Struct) if n == "User"));
        let error = read(json!({"$ref": "#/components/schemas/Nope"})).expect_err("unknown");
        assert_eq!(error.pointer(), "/s/$ref");
        let error = read(json!({"$ref": "other.json#/x"})).expect_err("external");
        assert!(error.message().contains("only `#/components/schemas/...`"));
    }

    #[test]
    fn inline_enums_are_named_and_shared() {
        let mut reader = reader();
        let a = json!({"type": ["string", "null"], "enum": ["en", "da", null], "x-rust-type": "Locale"});
        let b = json!({"type": "string", "enum": ["en", "da"], "x-rust-type": "Locale"});
        let first = reader.read(&a, "/a", "A").expect("ok");
        assert!(first.nullable);
        reader.read(&b, "/b", "B").expect("same values, same name");
        let c = json!({"type": "string", "enum": ["en"], "x-rust-type": "Locale"});
        let error = reader.read(&c, "/c", "C").expect_err("other values");
        assert!(error.message().contains("used at `/a`"), "{error}");
        let hinted = reader
            .read(&json!({"type": "string", "enum": ["x"]}), "/d", "ThingKind")
            .expect("ok");
        assert!(matches!(hinted.ty, TypeRef::Named(ref n, NamedKind::Enum) if n == "ThingKind"));
        let models = reader.into_inline_enums();
        let names: Vec<String> = models.iter().map(|m| m.name.to_string()).collect();
        assert_eq!(names, ["Locale", "ThingKind"]);
    }

    #[test]
    fn unsupported_constructs_are_named() {
        let cases = [
            (json!({"oneOf": []}), "/s/oneOf", "`oneOf`"),
            (
                json!({"type": "string", "format": "email"}),
                "/s/format",
                "`email`",
            ),
            (json!({"type": ["string", "integer"]}), "/s/type", "unions"),
            (
                json!({"type": "object", "properties": {}}),
                "/s/properties",
                "inline object",
            ),
            (
                json!({"type": "integer", "enum": [1]}),
                "/s/enum",
                "string enums",
            ),
            (json!({"type": "array"}), "/s", "`items`"),
            (
                json!({"type": "string", "enum": ["unknown"]}),
                "/s/enum/0",
                "Unknown(String)",
            ),
            (
                json!({"type": "string", "enum": ["a-b", "a_b"]}),
                "/s/enum/1",
                "same variant",
            ),
            (json!({"type": "tuple"}), "/s/type", "`tuple`"),
            (json!([]), "/s", "JSON object"),
        ];
        for (schema, pointer, needle) in cases {
            let error = read(schema.clone()).expect_err("must fail");
            assert_eq!(error.pointer(), pointer, "{schema}");
            assert!(error.message().contains(needle), "{schema}: {error}");
        }
    }
}
