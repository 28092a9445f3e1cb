//! Request bodies and responses: which model an operation sends, and which it answers.

use serde_json::{Map, Value};

use super::operations::OperationContext;
use crate::error::Error;
use crate::ir::{Body, NamedKind, TypeRef};
use crate::pointer::{child, schema_ref_name};
use crate::schema::SchemaReader;

pub(super) fn read_body(
    operation: &Map<String, Value>,
    context: &OperationContext<'_>,
) -> Result<Option<Body>, Error> {
    let Some(body) = operation.get("requestBody") else {
        return Ok(None);
    };
    let pointer = child(context.pointer, "requestBody");
    if body.get("$ref").is_some() {
        return Err(Error::new(
            child(&pointer, "$ref"),
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
    let name = schema_ref_name(reference);
    match name
        .as_deref()
        .and_then(|name| context.components.get(name))
    {
        Some((ident, NamedKind::Struct)) => Ok(Some(Body {
            type_name: ident.clone(),
            schema_ref: reference.to_owned(),
            required: body
                .get("required")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            fields: Vec::new(),
        })),
        _ => Err(Error::new(
            schema_pointer,
            format!("`{reference}` is not an object schema in `components/schemas`"),
        )),
    }
}

pub(super) fn read_responses(
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

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use serde_json::json;

    use super::*;
    use crate::ir::HttpMethod;
    use crate::naming;

    fn with_context<T>(run: impl FnOnce(&OperationContext<'_>) -> T) -> T {
        let components = HashMap::from([
            (
                "Create".to_owned(),
                (naming::ident("Create").expect("name"), NamedKind::Struct),
            ),
            (
                "Locale".to_owned(),
                (naming::ident("Locale").expect("name"), NamedKind::Enum),
            ),
        ]);
        let tags = HashMap::new();
        run(&OperationContext {
            path: "/things",
            method: HttpMethod::Post,
            pointer: "/paths/~1things/post",
            shared_params: None,
            components: &components,
            tags: &tags,
        })
    }

    fn body(operation: Value) -> Result<Option<String>, String> {
        with_context(|context| {
            read_body(operation.as_object().expect("object"), context)
                .map(|body| body.map(|b| b.type_name.to_string()))
                .map_err(|error| error.pointer().to_owned())
        })
    }

    #[test]
    fn a_body_is_a_reference_to_an_object_schema() {
        let json_body = |schema: Value| json!({"requestBody": {"content": {"application/json": {"schema": schema}}}});
        assert_eq!(body(json!({})), Ok(None));
        assert_eq!(
            body(json_body(json!({"$ref": "#/components/schemas/Create"}))),
            Ok(Some("Create".to_owned()))
        );
        let schema = "/paths/~1things/post/requestBody/content/application~1json/schema";
        assert_eq!(
            body(json_body(json!({"$ref": "#/components/schemas/Locale"}))),
            Err(schema.to_owned())
        );
        assert_eq!(
            body(json_body(json!({"type": "object"}))),
            Err(schema.to_owned())
        );
        assert_eq!(
            body(json!({"requestBody": {"content": {"text/plain": {}}}})),
            Err("/paths/~1things/post/requestBody/content/text~1plain".to_owned())
        );
        assert_eq!(
            body(json!({"requestBody": {"$ref": "#/components/requestBodies/B"}})),
            Err("/paths/~1things/post/requestBody/$ref".to_owned())
        );
    }

    #[test]
    fn one_success_type_per_operation() {
        let responses = |responses: Value| {
            let mut reader = SchemaReader::new(HashMap::new());
            read_responses(
                &mut reader,
                json!({"responses": responses}).as_object().expect("object"),
                "/paths/~1x/get",
                "GetX",
            )
            .map_err(|error| error.pointer().to_owned())
        };
        let string = json!({"content": {"application/json": {"schema": {"type": "string"}}}});
        let number = json!({"content": {"application/json": {"schema": {"type": "integer"}}}});
        assert_eq!(
            responses(json!({"200": string, "404": {}})),
            Ok(Some(TypeRef::String))
        );
        assert_eq!(responses(json!({"204": {}})), Ok(None));
        assert_eq!(
            responses(json!({"200": string, "201": number})),
            Err("/paths/~1x/get/responses/201".to_owned())
        );
        assert_eq!(
            responses(json!({"404": {}})),
            Err("/paths/~1x/get/responses".to_owned())
        );
        assert_eq!(
            responses(json!({"400": {"content": {"text/html": {}}}})),
            Err("/paths/~1x/get/responses/400/content/text~1html".to_owned())
        );
    }
}
