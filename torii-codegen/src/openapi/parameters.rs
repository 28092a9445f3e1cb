//! Path and query parameters, and the path template's segments.

use serde_json::{Map, Value};

use super::operations::OperationContext;
use crate::error::Error;
use crate::ir::{NamedKind, Param, Segment, TypeRef};
use crate::naming;
use crate::pointer::child;
use crate::schema::SchemaReader;

pub(super) fn read_parameters(
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
                child(&pointer, "$ref"),
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
                child(&pointer, "name"),
                format!("the parameter `{wire}` gives no valid Rust name"),
            )
        })?;
        let param = Param {
            wire: wire.to_owned(),
            name,
            ty: typed.ty,
            required,
            schema_pointer: schema_pointer.clone(),
            doc: object
                .get("description")
                .and_then(Value::as_str)
                .map(str::to_owned),
        };
        match location {
            "path" => {
                if !required {
                    return Err(Error::new(
                        child(&pointer, "required"),
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

pub(super) fn path_segments(
    path: &str,
    params: &[Param],
    pointer: &str,
) -> Result<Vec<Segment>, Error> {
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
        if used
            .get_mut(index)
            .is_some_and(|seen| std::mem::replace(seen, true))
        {
            return Err(Error::new(
                pointer,
                format!("the path names `{{{name}}}` twice"),
            ));
        }
        segments.push(Segment::Param(index));
    }
    if let Some((param, _)) = params.iter().zip(&used).find(|(_, used)| !**used) {
        let name = &param.wire;
        return Err(Error::new(
            pointer,
            format!("the path parameter `{name}` does not appear in the path"),
        ));
    }
    Ok(segments)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use serde_json::json;

    use super::*;
    use crate::ir::HttpMethod;

    fn param(wire: &str) -> Param {
        Param {
            wire: wire.to_owned(),
            name: naming::ident(wire).expect("a name"),
            ty: TypeRef::String,
            required: true,
            schema_pointer: String::new(),
            doc: None,
        }
    }

    #[test]
    fn path_templates_split_into_literals_and_whole_segment_parameters() {
        let params = [param("userId"), param("sessionId")];
        let segments =
            path_segments("/users/{userId}/sessions/{sessionId}", &params, "/p").expect("valid");
        let shape: Vec<String> = segments
            .iter()
            .map(|s| match s {
                Segment::Literal(text) => text.clone(),
                Segment::Param(index) => format!("#{index}"),
            })
            .collect();
        assert_eq!(shape, ["users", "#0", "sessions", "#1"]);
    }

    #[test]
    fn path_templates_that_do_not_match_their_parameters_are_refused() {
        let params = [param("id"), param("other")];
        for (template, problem) in [
            ("users/{id}", "must start with `/`"),
            ("/users/x{id}", "mixes text and parameters"),
            ("/users/{id}/{id}", "twice"),
            ("/users/{nope}", "no path parameter `nope`"),
            ("/users/{id}", "`other` does not appear"),
        ] {
            let error = path_segments(template, &params, "/paths/x").expect_err(template);
            assert!(error.message().contains(problem), "{template}: {error}");
            assert_eq!(error.pointer(), "/paths/x");
        }
    }

    #[test]
    fn operation_parameters_override_path_level_ones_and_bad_ones_are_pointed_at() {
        let components = HashMap::new();
        let tags = HashMap::new();
        let shared =
            json!([{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}]);
        let context = OperationContext {
            path: "/things/{id}",
            method: HttpMethod::Get,
            pointer: "/paths/~1things~1{id}/get",
            shared_params: Some(&shared),
            components: &components,
            tags: &tags,
        };
        let mut reader = SchemaReader::new(HashMap::new());
        let operation = json!({"parameters": [
            {"name": "id", "in": "path", "required": true, "schema": {"type": "string"}},
            {"name": "limit", "in": "query", "schema": {"type": "integer"}},
        ]});
        let (path, query) = read_parameters(
            &mut reader,
            operation.as_object().expect("object"),
            &context,
            "GetThing",
        )
        .expect("valid");
        assert_eq!(path.len(), 1);
        assert_eq!(
            path.first().map(|p| &p.ty),
            Some(&TypeRef::String),
            "the operation's wins"
        );
        assert_eq!(query.first().map(|p| p.wire.as_str()), Some("limit"));

        let pointer_of = |operation: Value| {
            let mut reader = SchemaReader::new(HashMap::new());
            read_parameters(
                &mut reader,
                operation.as_object().expect("object"),
                &context,
                "X",
            )
            .err()
            .map(|error| error.pointer().to_owned())
        };
        assert_eq!(
            pointer_of(
                json!({"parameters": [{"name": "h", "in": "header", "schema": {"type": "string"}}]})
            )
            .as_deref(),
            Some("/paths/~1things~1{id}/get/parameters/0/in")
        );
        assert_eq!(
            pointer_of(
                json!({"parameters": [{"name": "q", "in": "query", "style": "form", "schema": {}}]})
            )
            .as_deref(),
            Some("/paths/~1things~1{id}/get/parameters/0/style")
        );
        assert_eq!(
            pointer_of(json!({"parameters": [{"$ref": "#/components/parameters/P"}]})).as_deref(),
            Some("/paths/~1things~1{id}/get/parameters/0/$ref")
        );
        assert_eq!(
            pointer_of(
                json!({"parameters": [{"name": "id", "in": "path", "schema": {"type": "string"}}]})
            )
            .as_deref(),
            Some("/paths/~1things~1{id}/get/parameters/0/required")
        );
    }
}
