//! JSON values generated from the spec's own schemas (proptest strategies), and the ways to
//! break them that the spec forbids, each with the JSON pointer of the field it breaks.
//!
//! The generator covers the JSON Schema the spec uses: `$ref`, `type` (with `null`), `enum`,
//! `properties`/`required`, `additionalProperties`, `items`/`uniqueItems`, `minimum`/`maximum`,
//! `minLength`/`maxLength` and the `uuid` and `date-time` formats.

use proptest::prelude::*;
use torii_backend::serde_json::{Map, Value, json};

/// The schema at `$ref`, or `schema` itself.
fn resolve<'a>(schema: &'a Value, document: &'a Value) -> &'a Value {
    match schema["$ref"].as_str().and_then(|r| r.strip_prefix('#')) {
        Some(pointer) => document.pointer(pointer).unwrap_or(&Value::Null),
        None => schema,
    }
}

/// The types a schema allows, in the order it lists them.
fn types(schema: &Value) -> Vec<String> {
    match &schema["type"] {
        Value::String(one) => vec![one.clone()],
        Value::Array(many) => many
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    }
}

/// Values valid against `schema` (resolved in `document`).
pub fn valid(schema: &Value, document: &Value) -> BoxedStrategy<Value> {
    let schema = resolve(schema, document).clone();
    let allowed = types(&schema);
    if let Some(values) = schema["enum"].as_array() {
        let mut values = values.clone();
        if allowed.iter().any(|t| t == "null") {
            values.push(Value::Null);
        }
        return proptest::sample::select(values).boxed();
    }
    let choices: Vec<BoxedStrategy<Value>> = if allowed.is_empty() {
        vec![small_string(0, 8)]
    } else {
        allowed
            .iter()
            .map(|t| of_type(t, &schema, document))
            .collect()
    };
    proptest::strategy::Union::new(choices).boxed()
}

fn small_string(min: usize, max: usize) -> BoxedStrategy<Value> {
    proptest::collection::vec(proptest::char::range('a', 'z'), min..=max.max(min))
        .prop_map(|chars| Value::String(chars.into_iter().collect()))
        .boxed()
}

fn of_type(json_type: &str, schema: &Value, document: &Value) -> BoxedStrategy<Value> {
    match json_type {
        "null" => Just(Value::Null).boxed(),
        "boolean" => any::<bool>().prop_map(Value::Bool).boxed(),
        "integer" => {
            let min = schema["minimum"].as_i64().unwrap_or(-1_000);
            let max = schema["maximum"].as_i64().unwrap_or(1_000);
            (min..=max).prop_map(|n| json!(n)).boxed()
        }
        "number" => (-1_000.0..1_000.0_f64).prop_map(|n| json!(n)).boxed(),
        "string" => match schema["format"].as_str() {
            Some("uuid") => any::<u128>()
                .prop_map(|n| Value::String(torii_backend::uuid::Uuid::from_u128(n).to_string()))
                .boxed(),
            Some("date-time") => (0_i64..2_000_000_000)
                .prop_map(|seconds| {
                    let time = torii_backend::chrono::DateTime::from_timestamp(seconds, 0)
                        .unwrap_or_default();
                    Value::String(time.to_rfc3339())
                })
                .boxed(),
            _ => {
                let min = schema["minLength"].as_u64().map_or(0, |n| n as usize);
                let max = schema["maxLength"]
                    .as_u64()
                    .map_or(12, |n| (n as usize).min(12));
                small_string(min, max)
            }
        },
        "array" => {
            let unique = schema["uniqueItems"].as_bool().unwrap_or(false);
            proptest::collection::vec(valid(&schema["items"], document), 0..4)
                .prop_map(move |items| {
                    if !unique {
                        return Value::Array(items);
                    }
                    let mut distinct: Vec<Value> = Vec::new();
                    for item in items {
                        if !distinct.contains(&item) {
                            distinct.push(item);
                        }
                    }
                    Value::Array(distinct)
                })
                .boxed()
        }
        "object" => object(schema, document),
        _ => Just(Value::Null).boxed(),
    }
}

/// Every required property, each optional one or not, and for a free-form bag a few members.
fn object(schema: &Value, document: &Value) -> BoxedStrategy<Value> {
    let required: Vec<String> = schema["required"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect();
    let properties: Vec<(String, BoxedStrategy<Option<Value>>)> = schema["properties"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(name, property)| {
            let value = valid(property, document);
            let value = if required.contains(name) {
                value.prop_map(Some).boxed()
            } else {
                proptest::option::of(value).boxed()
            };
            (name.clone(), value)
        })
        .collect();
    let free_form = schema["additionalProperties"] == json!(true) && properties.is_empty();
    let extra = if free_form {
        proptest::collection::btree_map("[a-z]{1,6}", small_string(0, 6), 0..3)
            .prop_map(|members| members.into_iter().collect::<Map<String, Value>>())
            .boxed()
    } else {
        Just(Map::new()).boxed()
    };
    let (names, values): (Vec<String>, Vec<BoxedStrategy<Option<Value>>>) =
        properties.into_iter().unzip();
    (values, extra)
        .prop_map(move |(values, mut extra)| {
            for (name, value) in names.iter().zip(values) {
                if let Some(value) = value {
                    extra.insert(name.clone(), value);
                }
            }
            Value::Object(extra)
        })
        .boxed()
}

/// One way to break a valid object that the spec forbids: the broken body, and the pointer of
/// the field a refusal must name.
#[derive(Debug, Clone)]
pub struct Breakage {
    /// What was done, for failure messages.
    pub what: String,
    /// The pointer of the broken field (`/locale`).
    pub pointer: String,
}

/// Every breakage the top-level properties of `schema` allow, applied to `body`.
pub fn breakages(body: &Value, schema: &Value, document: &Value) -> Vec<(Breakage, Value)> {
    let schema = resolve(schema, document);
    let mut found = Vec::new();
    let Some(object) = body.as_object() else {
        return found;
    };
    let required = schema["required"].as_array().cloned().unwrap_or_default();
    for (name, property) in schema["properties"].as_object().into_iter().flatten() {
        let property = resolve(property, document);
        let pointer = format!("/{name}");
        let mut with = |what: &str, value: Option<Value>| {
            let mut broken = object.clone();
            match value {
                Some(value) => broken.insert(name.clone(), value),
                None => broken.remove(name),
            };
            found.push((
                Breakage {
                    what: format!("{what} `{name}`"),
                    pointer: pointer.clone(),
                },
                Value::Object(broken),
            ));
        };
        if required.iter().any(|r| r == name) {
            with("left out the required", None);
        }
        let allowed = types(property);
        if !allowed.is_empty() {
            let wrong = [
                json!(true),
                json!(12345),
                json!("text"),
                json!({"a": 1}),
                json!([1]),
            ]
            .into_iter()
            .find(|candidate| !allowed.iter().any(|t| type_matches(t, candidate)));
            if let Some(wrong) = wrong {
                with("gave the wrong type to", Some(wrong));
            }
        }
        if property["enum"].is_array() {
            with("put a value outside the enum in", Some(json!("NOT_LISTED")));
        }
        if let Some(max) = property["maxLength"].as_u64() {
            with(
                "went past the maxLength of",
                Some(json!("x".repeat(max as usize + 1))),
            );
        }
        if let Some(max) = property["maximum"].as_i64() {
            with("went past the maximum of", Some(json!(max + 1)));
        }
        if let Some(min) = property["minimum"].as_i64() {
            with("went below the minimum of", Some(json!(min - 1)));
        }
        if property["format"] == "uuid" || property["format"] == "date-time" {
            with("broke the format of", Some(json!("not-formatted")));
        }
        if property["uniqueItems"] == json!(true)
            && let Some(item) = property["items"]["enum"].as_array().and_then(|v| v.first())
        {
            with("repeated an item of", Some(json!([item, item])));
        }
    }
    found
}

fn type_matches(json_type: &str, value: &Value) -> bool {
    match json_type {
        "null" => value.is_null(),
        "boolean" => value.is_boolean(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "string" => value.is_string(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        _ => false,
    }
}
