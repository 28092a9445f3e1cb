//! Requests checked against the spec before any handler runs, as the server checks them: the
//! body (present when required, JSON, and valid against its schema) and every path and query
//! parameter against its own schema, with formats (`uuid`, `date-time`, `email`) enforced.
//!
//! The rules are the spec's own JSON Schemas (OpenAPI 3.1 schemas are JSON Schema 2020-12),
//! located through the operation table and checked by the `jsonschema` crate, so no rule is
//! written twice. What the spec states only in prose stays in the resource modules.

use std::collections::HashMap;
use std::sync::OnceLock;

use jsonschema::Validator;
use serde_json::{Value, json};

use super::problem::MockError;
use crate::__private::{ParamLocation, ParamSpec};
use crate::Operation;

/// The code of every answer to a request the spec refuses.
pub(crate) const INVALID_REQUEST: &str = "invalid_request";

/// The spec the mock serves, the one torii-backend's client is generated from.
const SPEC: &str = include_str!("../../../spec/server-v1.json");

/// What one operation's requests are checked against.
struct Rules {
    body: Option<(Validator, bool)>,
    params: Vec<Param>,
}

/// A parameter with its compiled schema and the JSON type the schema gives it.
struct Param {
    spec: &'static ParamSpec,
    validator: Validator,
    json_type: String,
    /// For an array, the JSON type of its items.
    item_type: String,
}

/// The rules of every operation, built once from the spec.
fn rules(operation: Operation) -> Option<&'static Rules> {
    static RULES: OnceLock<HashMap<Operation, Rules>> = OnceLock::new();
    RULES.get_or_init(build_rules).get(&operation)
}

fn build_rules() -> HashMap<Operation, Rules> {
    let Ok(spec) = serde_json::from_str::<Value>(SPEC) else {
        return HashMap::new();
    };
    let mut spec = spec;
    allow_null_in_nullable_enums(&mut spec);
    // A body schema is checked as `{"$ref": ..., "components": ...}`: the document's own
    // references (`#/components/schemas/...`) then resolve inside the schema being checked.
    let components = spec.get("components").cloned().unwrap_or(Value::Null);
    let compile = |schema: &Value| {
        jsonschema::options()
            .should_validate_formats(true)
            .build(schema)
            .ok()
    };
    Operation::ALL
        .iter()
        .map(|&operation| {
            let spec_facts = operation.spec();
            let body = spec_facts.body.as_ref().and_then(|body| {
                let schema = json!({"$ref": body.schema, "components": components});
                compile(&schema).map(|validator| (validator, body.required))
            });
            let params = spec_facts
                .params
                .iter()
                .filter_map(|param| {
                    let schema = spec.pointer(param.schema)?;
                    Some(Param {
                        spec: param,
                        validator: compile(schema)?,
                        json_type: json_type(Some(schema)),
                        item_type: json_type(schema.get("items")),
                    })
                })
                .collect();
            (operation, Rules { body, params })
        })
        .collect()
}

/// The spec writes a nullable enum as `{"type": ["string", "null"], "enum": [...]}` without
/// `null` in the `enum`, as OpenAPI generators do, and the server accepts `null` there (it is how
/// a locale is cleared: the cross-SDK wire fixtures send it). Read literally as JSON Schema the
/// `enum` would refuse it, so `null` is added to such enums.
fn allow_null_in_nullable_enums(schema: &mut Value) {
    match schema {
        Value::Object(object) => {
            let nullable = object
                .get("type")
                .and_then(Value::as_array)
                .is_some_and(|types| types.iter().any(|t| t == "null"));
            if let (true, Some(Value::Array(values))) = (nullable, object.get_mut("enum"))
                && !values.contains(&Value::Null)
            {
                values.push(Value::Null);
            }
            object.values_mut().for_each(allow_null_in_nullable_enums);
        }
        Value::Array(items) => items.iter_mut().for_each(allow_null_in_nullable_enums),
        _ => {}
    }
}

/// Checks one request of `operation`: its path parameters (`path`, as routing matched them),
/// its raw query string and its body.
///
/// # Errors
///
/// The server's 400 for the first problem found, naming the field by JSON pointer (`/locale`,
/// `/statuses/1`) or the parameter by name.
pub(crate) fn check_request(
    operation: Operation,
    path: &[(String, String)],
    query: Option<&str>,
    body: &[u8],
) -> Result<(), MockError> {
    let Some(rules) = rules(operation) else {
        return Ok(());
    };
    let pairs: Vec<(String, String)> = query
        .map(|query| {
            url::form_urlencoded::parse(query.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    for param in &rules.params {
        let name = param.spec.name;
        let value = match param.spec.location {
            ParamLocation::Path => path
                .iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| Value::String(value.clone())),
            ParamLocation::Query => query_value(param, &pairs),
        };
        let Some(value) = value else {
            if param.spec.required {
                return Err(refused(format!("the parameter `{name}` is required")));
            }
            continue;
        };
        if let Some(error) = param.validator.iter_errors(&value).next() {
            return Err(refused(format!(
                "the parameter `{name}` is not valid: {}",
                error.masked()
            )));
        }
    }
    let Some((validator, required)) = &rules.body else {
        return Ok(());
    };
    if body.iter().all(u8::is_ascii_whitespace) {
        return if *required {
            Err(refused("a request body is required"))
        } else {
            Ok(())
        };
    }
    let body: Value = serde_json::from_slice(body)
        .map_err(|error| refused(format!("the body is not JSON: {error}")))?;
    if !body.is_object() {
        return Err(refused("the body must be a JSON object"));
    }
    match validator.iter_errors(&body).next() {
        None => Ok(()),
        Some(error) => Err(refused(format!(
            "`{}`: {}",
            field_pointer(error.instance_path().as_str(), error.kind()),
            error.masked()
        ))),
    }
}

/// The query value of `param` as JSON: every pair of that name for an array, the first one
/// otherwise, read as the type its schema gives it where the text spells one (text that does
/// not stays a string, which the schema then refuses).
fn query_value(param: &Param, pairs: &[(String, String)]) -> Option<Value> {
    let mut values = pairs
        .iter()
        .filter(|(name, _)| name == param.spec.name)
        .map(|(_, value)| value.as_str());
    if param.json_type == "array" {
        let items: Vec<Value> = values.map(|text| typed(&param.item_type, text)).collect();
        return (!items.is_empty()).then_some(Value::Array(items));
    }
    values.next().map(|text| typed(&param.json_type, text))
}

/// `text` as a value of the JSON type `json_type`, where it spells one.
fn typed(json_type: &str, text: &str) -> Value {
    match json_type {
        "integer" | "number" | "boolean" => scalar(text),
        _ => Value::String(text.to_owned()),
    }
}

/// The `type` a schema states, or "" when it states none (or several).
fn json_type(schema: Option<&Value>) -> String {
    schema
        .and_then(|schema| schema.get("type"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// A query value read as the JSON it spells: a number, `true`/`false`, or else a string.
fn scalar(text: &str) -> Value {
    serde_json::from_str::<Value>(text)
        .ok()
        .filter(|value| value.is_number() || value.is_boolean())
        .unwrap_or_else(|| Value::String(text.to_owned()))
}

/// The pointer of the field an error is about: for a missing required property, the property
/// itself rather than the object that lacks it.
fn field_pointer(instance_path: &str, kind: &jsonschema::error::ValidationErrorKind) -> String {
    match kind {
        jsonschema::error::ValidationErrorKind::Required { property } => {
            let name = property.as_str().unwrap_or_default();
            format!(
                "{instance_path}/{}",
                name.replace('~', "~0").replace('/', "~1")
            )
        }
        _ => instance_path.to_owned(),
    }
}

fn refused(detail: impl Into<String>) -> MockError {
    MockError::bad_request(INVALID_REQUEST, detail)
}
