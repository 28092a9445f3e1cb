//! `spec/server-v1.json` is ours (our descriptions, our `x-rust-*` naming), but its wire facts
//! must equal the server's published spec: paths, methods, operationIds, parameters, schema and
//! property names, types, formats, nullability, enums, required lists, response codes and media
//! types. This test names every difference.

#![cfg(not(torii_no_reference))]

use torii_backend::serde_json::{Map, Value};
use torii_tests::reference;

/// Keys whose object children are names chosen by the API (paths, properties, ...), never
/// keywords to drop.
const NAME_MAPS: &[&str] = &[
    "paths",
    "properties",
    "schemas",
    "responses",
    "content",
    "securitySchemes",
];

/// Prose and examples: not wire facts.
const PROSE: &[&str] = &["description", "summary", "example", "examples"];

/// The wire facts of an OpenAPI document: prose, examples, vendor extensions, `info` and
/// `servers` removed; tags reduced to their names.
fn wire_facts(doc: &Value) -> Value {
    let mut facts = strip(doc, None, false);
    if let Value::Object(root) = &mut facts {
        root.remove("info");
        root.remove("servers");
        if let Some(Value::Array(tags)) = root.get_mut("tags") {
            for tag in tags.iter_mut() {
                *tag = tag.get("name").cloned().unwrap_or(Value::Null);
            }
        }
    }
    facts
}

/// `parent` is the key under which `value` sits, and `in_names` whether that key is itself a
/// name (a property called `properties` holds a schema, not a name map).
fn strip(value: &Value, parent: Option<&str>, in_names: bool) -> Value {
    match value {
        Value::Object(object) => {
            let names = !in_names && parent.is_some_and(|p| NAME_MAPS.contains(&p));
            let kept: Map<String, Value> = object
                .iter()
                .filter(|(key, _)| {
                    names || !(PROSE.contains(&key.as_str()) || key.starts_with("x-"))
                })
                .map(|(key, child)| (key.clone(), strip(child, Some(key), names)))
                .collect();
            Value::Object(kept)
        }
        Value::Array(items) => {
            Value::Array(items.iter().map(|item| strip(item, None, false)).collect())
        }
        other => other.clone(),
    }
}

/// Every difference between `ours` and `theirs`, one line each, with its JSON pointer.
fn differences(ours: &Value, theirs: &Value) -> Vec<String> {
    let mut found = Vec::new();
    diff("", ours, theirs, &mut found);
    found
}

fn diff(pointer: &str, ours: &Value, theirs: &Value, found: &mut Vec<String>) {
    let at = |key: &str| format!("{pointer}/{}", key.replace('~', "~0").replace('/', "~1"));
    match (ours, theirs) {
        (Value::Object(a), Value::Object(b)) => {
            for key in a.keys().filter(|k| !b.contains_key(*k)) {
                found.push(format!("{}: only in our spec", at(key)));
            }
            for key in b.keys().filter(|k| !a.contains_key(*k)) {
                found.push(format!("{}: missing from our spec", at(key)));
            }
            for (key, value) in a {
                if let Some(other) = b.get(key) {
                    diff(&at(key), value, other, found);
                }
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (index, (x, y)) in a.iter().zip(b).enumerate() {
                diff(&at(&index.to_string()), x, y, found);
            }
        }
        (a, b) if a != b => found.push(format!("{pointer}: ours {a}, reference {b}")),
        _ => {}
    }
}

#[test]
fn our_spec_has_the_reference_wire_facts() {
    let ours = wire_facts(&torii_tests::reference::repo_json("spec/server-v1.json"));
    let theirs = wire_facts(&reference::json("server-v1.json"));
    let found = differences(&ours, &theirs);
    assert!(
        found.is_empty(),
        "spec/server-v1.json differs from the reference:\n{}",
        found.join("\n")
    );
}

#[test]
fn our_spec_is_in_our_words() {
    let ours = torii_tests::reference::repo_json("spec/server-v1.json");
    let theirs = reference::json("server-v1.json");
    assert_eq!(ours["servers"][0]["url"], "https://api.torii.so");
    let op = "/paths/~1api~1server~1v1~1users~1{userId}/delete/description";
    let (a, b) = (ours.pointer(op), theirs.pointer(op));
    assert!(a.is_some() && b.is_some());
    assert_ne!(a, b, "descriptions are written in our own words");
}

#[test]
fn renaming_one_property_is_named() {
    let theirs = wire_facts(&reference::json("server-v1.json"));
    let mut ours = theirs.clone();
    let properties = ours
        .pointer_mut("/components/schemas/UpdateUserRequest/properties")
        .and_then(Value::as_object_mut)
        .expect("properties");
    let value = properties.remove("lastName").expect("lastName");
    properties.insert("familyName".to_owned(), value);
    let found = differences(&ours, &theirs);
    assert_eq!(
        found,
        [
            "/components/schemas/UpdateUserRequest/properties/familyName: only in our spec",
            "/components/schemas/UpdateUserRequest/properties/lastName: missing from our spec",
        ]
    );
}

#[test]
fn every_kind_of_wire_fact_is_compared() {
    let theirs = wire_facts(&reference::json("server-v1.json"));
    let mutations: &[(&str, Value)] = &[
        (
            "/paths/~1api~1server~1v1~1users/post/operationId",
            Value::from("makeUser"),
        ),
        (
            "/components/schemas/UpdateUserRequest/properties/firstName/type/1",
            Value::from("integer"),
        ),
        (
            "/components/schemas/ServerUserResponse/properties/id/format",
            Value::from("uri"),
        ),
        (
            "/components/schemas/ServerUserResponse/properties/status/enum/0",
            Value::from("enabled"),
        ),
        (
            "/components/schemas/ServerUserResponse/required/0",
            Value::from("name"),
        ),
        (
            "/paths/~1api~1server~1v1~1users~1search/post/parameters/0/in",
            Value::from("header"),
        ),
    ];
    for (pointer, replacement) in mutations {
        let mut ours = theirs.clone();
        *ours
            .pointer_mut(pointer)
            .unwrap_or_else(|| panic!("{pointer} exists")) = replacement.clone();
        let found = differences(&ours, &theirs);
        assert_eq!(found.len(), 1, "{pointer}: {found:?}");
        assert!(found[0].starts_with(pointer), "{pointer}: {found:?}");
    }
    // A response code and a media type are keys: renaming them shows as one missing, one extra.
    let mut ours = theirs.clone();
    let responses = ours
        .pointer_mut("/paths/~1api~1server~1v1~1users/post/responses")
        .and_then(Value::as_object_mut)
        .expect("responses");
    let created = responses.remove("201").expect("201");
    responses.insert("200".to_owned(), created);
    assert_eq!(differences(&ours, &theirs).len(), 2);
    // Prose is not a wire fact.
    let mut ours = reference::json("server-v1.json");
    ours["paths"]["/api/server/v1/users"]["post"]["summary"] = Value::from("Something else");
    assert!(differences(&wire_facts(&ours), &theirs).is_empty());
}
