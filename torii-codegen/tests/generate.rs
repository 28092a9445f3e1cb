//! The generator end to end on whole documents: snapshots of the generated code (formatted with
//! prettyplease, so a review shows what users get), and the errors bad documents produce.

use torii_codegen::{Config, Error, generate};

fn pretty(spec: &str) -> String {
    let tokens = generate(spec, &Config::default()).unwrap_or_else(|errors| {
        panic!(
            "generation failed: {}",
            errors
                .iter()
                .map(Error::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        )
    });
    let file: syn::File = syn::parse2(tokens).expect("the generated code parses as a Rust file");
    prettyplease::unparse(&file)
}

fn errors(spec: &str) -> Vec<String> {
    match generate(spec, &Config::default()) {
        Ok(_) => panic!("generation should fail"),
        Err(errors) => errors.iter().map(Error::to_string).collect(),
    }
}

fn read(path: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(path);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn snapshot_of_the_torii_spec() {
    insta::assert_snapshot!("server_v1", pretty(&read("spec/server-v1.json")));
}

#[test]
fn snapshot_of_the_kitchen_sink_spec() {
    insta::assert_snapshot!(
        "kitchen_sink",
        pretty(&read("tests/specs/kitchen-sink.json"))
    );
}

#[test]
fn the_runtime_path_is_configurable() {
    let spec = read("tests/specs/kitchen-sink.json");
    let tokens = generate(&spec, &Config::default().runtime_path("crate::rt"))
        .expect("generates")
        .to_string();
    assert!(tokens.contains("crate :: rt :: Transport"));
    assert!(!tokens.contains("torii_backend"));
    assert!(
        tokens.contains("\"crate::rt::serde\""),
        "serde attributes follow the runtime path"
    );
    let errors =
        generate(&spec, &Config::default().runtime_path("not a path")).expect_err("invalid path");
    assert!(errors[0].message().contains("not a Rust path"));
}

/// A minimal valid document with `operation` as the only operation at `/things/{id}` (GET).
fn with_operation(operation: &str) -> String {
    format!(
        r#"{{"openapi": "3.1.0", "paths": {{"/things/{{id}}": {{"get": {operation}}}}},
            "components": {{"schemas": {{"Thing": {{"type": "object", "properties": {{"id": {{"type": "string"}}}}}}}}}}}}"#
    )
}

#[test]
fn bad_documents_give_errors_naming_pointer_and_operation() {
    let cases: &[(&str, &str)] = &[
        ("[]", "the spec must be a JSON object (at `/`)"),
        (
            r#"{"openapi": "2.0", "paths": {}}"#,
            "OpenAPI 2.0 is not supported; use 3.0 or 3.1 (at `/openapi`)",
        ),
        (
            r#"{"openapi": "3.1.0"}"#,
            "the spec must have a `paths` object (at `/paths`)",
        ),
        (
            &with_operation(r#"{"tags": ["T"], "responses": {"200": {"description": "x"}}}"#),
            "every operation needs an `operationId` (at `/paths/~1things~1{id}/get`)",
        ),
        (
            &with_operation(
                r#"{"operationId": "getThing", "responses": {"200": {"description": "x"}}}"#,
            ),
            "every operation needs a tag; its first tag names the resource (at `/paths/~1things~1{id}/get/tags`, operationId `getThing`)",
        ),
        (
            &with_operation(
                r#"{"operationId": "getThing", "tags": ["T"], "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                    "responses": {"200": {"description": "x", "content": {"text/plain": {"schema": {"type": "string"}}}}}}"#,
            ),
            "success responses of type `text/plain` are not supported (only application/json) (at `/paths/~1things~1{id}/get/responses/200/content/text~1plain`, operationId `getThing`)",
        ),
        (
            &with_operation(
                r#"{"operationId": "getThing", "tags": ["T"], "parameters": [{"name": "id", "in": "header", "schema": {"type": "string"}}],
                    "responses": {"204": {"description": "x"}}}"#,
            ),
            "`header` parameters are not supported (only path and query) (at `/paths/~1things~1{id}/get/parameters/0/in`, operationId `getThing`)",
        ),
        (
            &with_operation(
                r#"{"operationId": "getThing", "tags": ["T"], "responses": {"204": {"description": "x"}}}"#,
            ),
            "the path names `{id}` but no path parameter `id` is declared (at `/paths/~1things~1{id}`, operationId `getThing`)",
        ),
        (
            &with_operation(
                r#"{"operationId": "getThing", "tags": ["T"], "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                    "responses": {"404": {"description": "x"}}}"#,
            ),
            "an operation needs a 2xx response (at `/paths/~1things~1{id}/get/responses`, operationId `getThing`)",
        ),
        (
            &with_operation(
                r#"{"operationId": "getThing", "tags": ["T"], "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                    "requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}},
                    "responses": {"204": {"description": "x"}}}"#,
            ),
            "a request body schema must `$ref` an object schema in `components/schemas` (at `/paths/~1things~1{id}/get/requestBody/content/application~1json/schema`, operationId `getThing`)",
        ),
    ];
    for (spec, expected) in cases {
        assert_eq!(errors(spec), [*expected], "{spec}");
    }
}

#[test]
fn operation_table_extensions_are_checked_where_they_are_written() {
    let op = |extra: &str| {
        with_operation(&format!(
            r#"{{"operationId": "getThing", "tags": ["T"], "parameters": [{{"name": "id", "in": "path", "required": true, "schema": {{"type": "string"}}}}],
                "responses": {{"204": {{"description": "x"}}}}{extra}}}"#
        ))
    };
    assert_eq!(
        errors(&op(r#", "x-torii-repeat-success": [403, 42]"#)),
        [
            "a status must be a number from 100 to 599 (at `/paths/~1things~1{id}/get/x-torii-repeat-success/1`, operationId `getThing`)"
        ]
    );
    assert_eq!(
        errors(&op(r#", "x-torii-repeat-success": 403"#)),
        [
            "`x-torii-repeat-success` must be an array of statuses (at `/paths/~1things~1{id}/get/x-torii-repeat-success`, operationId `getThing`)"
        ]
    );
    assert_eq!(
        errors(&op(r#", "x-rust-operation": "not a name""#)),
        [
            "`not a name` is not a valid Rust variant name (at `/paths/~1things~1{id}/get/x-rust-operation`, operationId `getThing`)"
        ]
    );
    generate(
        &op(r#", "x-torii-repeat-success": [403], "x-rust-operation": "FetchThing""#),
        &Config::default(),
    )
    .expect("valid extensions");
}

#[test]
fn names_that_clash_are_reported_at_the_second_of_the_pair() {
    let spec = r#"{"openapi": "3.1.0", "paths": {
        "/a": {"get": {"operationId": "getA", "tags": ["T"], "x-rust-operation": "Same", "responses": {"204": {"description": "x"}}}},
        "/b": {"get": {"operationId": "getB", "tags": ["T"], "x-rust-operation": "Same", "responses": {"204": {"description": "x"}}}}},
        "components": {"schemas": {
            "A": {"type": "object", "properties": {}, "x-rust-type": "Thing"},
            "B": {"type": "object", "properties": {}, "x-rust-type": "Thing"}}}}"#;
    let found = errors(spec);
    assert_eq!(found.len(), 2, "{found:#?}");
    assert!(
        found.contains(&"this schema and the one at `/components/schemas/A` are both named `Thing` in Rust; rename one with `x-rust-type` (at `/components/schemas/B`)".to_owned()),
        "{found:#?}"
    );
    assert!(
        found.contains(&"the operationIds `getA` and `getB` both become `Operation::Same` (at `/paths/~1b/get/operationId`, operationId `getB`)".to_owned()),
        "{found:#?}"
    );
}

#[test]
fn every_problem_is_reported_not_just_the_first() {
    let spec = r#"{"openapi": "3.1.0", "paths": {"/a": {"get": {"tags": ["T"], "responses": {}}}},
        "components": {"schemas": {"A": {"type": "object", "properties": {"x": {"allOf": []}}},
                                   "B": {"type": "object", "properties": {"y": {"type": "string", "format": "email"}}}}}}"#;
    let found = errors(spec);
    assert_eq!(found.len(), 3, "{found:#?}");
    assert!(
        found[0].contains("`allOf`")
            && found[0].contains("/components/schemas/A/properties/x/allOf")
    );
    assert!(
        found[1].contains("`email`")
            && found[1].contains("/components/schemas/B/properties/y/format")
    );
    assert!(found[2].contains("`operationId`"));
}

#[test]
fn clashing_names_are_errors() {
    let spec = r#"{"openapi": "3.1.0", "paths": {
        "/a": {"get": {"operationId": "listThings", "tags": ["Things"], "responses": {"204": {"description": "x"}}}},
        "/b": {"get": {"operationId": "list_things", "tags": ["Things"], "responses": {"204": {"description": "x"}}}}}}"#;
    let found = errors(spec);
    assert_eq!(found.len(), 1);
    assert!(
        found[0].contains("`listThings` and `list_things` both become `things().list()`; rename one with `x-rust-method`"),
        "{found:?}"
    );
}

#[test]
fn arbitrary_documents_never_panic() {
    // Shapes a hand-written spec gets wrong: wrong JSON types in every position the reader looks.
    let values = [
        "null",
        "1",
        "\"x\"",
        "[]",
        "{}",
        "true",
        r#"{"$ref": 1}"#,
        r#"{"type": 5}"#,
    ];
    let templates = [
        r#"{"openapi": "3.1.0", "paths": {"/x": V}}"#,
        r#"{"openapi": "3.1.0", "paths": {"/x": {"get": V}}}"#,
        r#"{"openapi": "3.1.0", "paths": {"/x": {"get": {"operationId": "a", "tags": ["t"], "parameters": V, "responses": {"204": {}}}}}}"#,
        r#"{"openapi": "3.1.0", "paths": {"/x": {"get": {"operationId": "a", "tags": ["t"], "parameters": [V], "responses": {"204": {}}}}}}"#,
        r#"{"openapi": "3.1.0", "paths": {"/x": {"get": {"operationId": "a", "tags": ["t"], "responses": V}}}}"#,
        r#"{"openapi": "3.1.0", "paths": {"/x": {"get": {"operationId": "a", "tags": ["t"], "responses": {"200": {"content": V}}}}}}"#,
        r#"{"openapi": "3.1.0", "paths": {"/x": {"get": {"operationId": "a", "tags": ["t"], "requestBody": V, "responses": {"204": {}}}}}}"#,
        r#"{"openapi": "3.1.0", "paths": {}, "components": {"schemas": V}}"#,
        r#"{"openapi": "3.1.0", "paths": {}, "components": {"schemas": {"A": V}}}"#,
        r#"{"openapi": "3.1.0", "paths": {}, "components": {"schemas": {"A": {"type": "object", "properties": {"p": V}}}}}"#,
        r#"{"openapi": "3.1.0", "paths": {}, "components": {"schemas": {"A": {"type": "object", "properties": {"p": {}}, "required": V}}}}"#,
        r#"{"openapi": "3.1.0", "paths": {}, "components": {"schemas": {"A": {"type": "string", "enum": V}}}}"#,
        r#"{"openapi": "3.1.0", "paths": {}, "tags": V}"#,
        r#"{"openapi": "3.1.0", "paths": {}, "tags": [V]}"#,
    ];
    for template in templates {
        for value in values {
            let spec = template.replace('V', value);
            // Either outcome is fine; a panic fails the test.
            let _ = generate(&spec, &Config::default());
        }
    }
}

/// A list operation with the given query parameters and a page schema with the given
/// properties.
fn paged_spec(query: &str, page_properties: &str) -> String {
    format!(
        r##"{{"openapi": "3.1.0", "paths": {{"/things": {{"get": {{"operationId": "listThings", "tags": ["Things"],
            "parameters": [{query}],
            "responses": {{"200": {{"description": "ok", "content": {{"application/json": {{"schema": {{"$ref": "#/components/schemas/Page"}}}}}}}}}}}}}}}},
            "components": {{"schemas": {{"Page": {{"type": "object", "required": ["items"], "properties": {{{page_properties}}}}}}}}}}}"##
    )
}

const CURSOR: &str = r#"{"name": "cursor", "in": "query", "schema": {"type": "string"}}"#;
const ITEMS: &str = r#""items": {"type": "array", "items": {"type": "integer"}}"#;

#[test]
fn cursor_pages_get_streams_and_other_lists_do_not() {
    let paged = pretty(&paged_spec(
        CURSOR,
        &format!(r#"{ITEMS}, "nextCursor": {{"type": ["string", "null"]}}"#),
    ));
    assert!(paged.contains("impl ::torii_backend::__private::Paginated for ThingsList"));
    assert!(paged.contains("pub fn items(self)"));
    // Without `hasMore`, the next cursor alone says whether a page follows.
    assert!(!paged.contains("has_more"));

    for (query, properties) in [
        // no cursor parameter
        (
            "",
            format!(r#"{ITEMS}, "nextCursor": {{"type": "string"}}"#),
        ),
        // no next cursor in the page
        (CURSOR, ITEMS.to_owned()),
        // a next cursor of another type than the parameter
        (
            CURSOR,
            format!(r#"{ITEMS}, "nextCursor": {{"type": "integer"}}"#),
        ),
        // `hasMore` that is not a boolean
        (
            CURSOR,
            format!(
                r#"{ITEMS}, "nextCursor": {{"type": "string"}}, "hasMore": {{"type": "string"}}"#
            ),
        ),
    ] {
        let plain = pretty(&paged_spec(query, &properties));
        assert!(!plain.contains("Paginated for"), "{query} {properties}");
    }
}

#[test]
fn a_paginated_builder_refuses_setters_named_like_its_stream_methods() {
    let items_param = r#"{"name": "items", "in": "query", "schema": {"type": "string"}}"#;
    let spec = paged_spec(
        &format!("{CURSOR}, {items_param}"),
        &format!(r#"{ITEMS}, "nextCursor": {{"type": "string"}}"#),
    );
    let found = errors(&spec);
    assert!(
        found[0].contains("the setter `items` would clash with the builder method of that name"),
        "{found:?}"
    );
}
