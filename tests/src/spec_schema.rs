//! Checks a response body against what `spec/server-v1.json` declares for its operation and
//! status: the subset of JSON Schema the spec uses (`type` with `null`, `properties`,
//! `required`, `items`, `enum`, `$ref`, `additionalProperties`, the `uuid` and `date-time`
//! formats, `minimum`/`maximum`). An object may not carry a member its schema does not name,
//! except the problem-detail extension members Torii sends: `code` and `supportId` on every
//! problem, and `invitationStatus`, which the spec's prose gives `updateMetadata`'s 409.

use torii_backend::chrono::DateTime;
use torii_backend::serde_json::{self, Value};
use torii_backend::uuid::Uuid;

use crate::reference;

/// The spec, parsed.
#[derive(Debug)]
pub struct Spec {
    document: Value,
    undeclared_error: Value,
}

impl Spec {
    /// Our spec, `spec/server-v1.json`.
    pub fn ours() -> Self {
        let problem = serde_json::json!({"$ref": "#/components/schemas/ProblemDetail"});
        Self {
            document: reference::repo_json("spec/server-v1.json"),
            undeclared_error: serde_json::json!({
                "content": {"application/problem+json": {"schema": problem}}
            }),
        }
    }

    /// Every operation as `(operationId, method, path template)`.
    pub fn operations(&self) -> Vec<(String, String, String)> {
        let mut operations = Vec::new();
        for (path, item) in self.document["paths"].as_object().into_iter().flatten() {
            for (method, operation) in item.as_object().into_iter().flatten() {
                if let Some(id) = operation["operationId"].as_str() {
                    operations.push((id.to_owned(), method.to_uppercase(), path.clone()));
                }
            }
        }
        operations
    }

    /// Checks `body` against the response the operation declares for `status`, and that the
    /// content type is the declared one; an error status the operation does not declare must be
    /// a problem detail. `Err` lists every problem found.
    pub fn check_response(
        &self,
        operation_id: &str,
        status: u16,
        content_type: Option<&str>,
        body: &str,
    ) -> Result<(), Vec<String>> {
        let operation = self
            .operation(operation_id)
            .ok_or_else(|| vec![format!("no operation {operation_id}")])?;
        let declared_response = &operation["responses"][status.to_string()];
        let response = if !declared_response.is_null() {
            declared_response
        } else if status >= 400 {
            // Some operations declare no error answers at all; the server's errors are
            // problem details whatever the operation.
            &self.undeclared_error
        } else {
            return Err(vec![format!(
                "{operation_id} does not declare status {status}"
            )]);
        };
        let Some(content) = response["content"].as_object().filter(|c| !c.is_empty()) else {
            return if body.is_empty() {
                Ok(())
            } else {
                Err(vec![format!(
                    "{operation_id} {status} declares no body, got {body:?}"
                )])
            };
        };
        let media_type = content_type
            .unwrap_or_default()
            .split(';')
            .next()
            .unwrap_or_default()
            .trim();
        let Some(declared) = content.get(media_type) else {
            return Err(vec![format!(
                "{operation_id} {status}: content type {media_type:?} is not one of {:?}",
                content.keys().collect::<Vec<_>>()
            )]);
        };
        let value: Value = torii_backend::serde_json::from_str(body)
            .map_err(|error| vec![format!("{operation_id} {status}: not JSON ({error})")])?;
        let mut problems = Vec::new();
        self.check(&declared["schema"], &value, "$", &mut problems);
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }

    fn operation(&self, operation_id: &str) -> Option<&Value> {
        self.document["paths"]
            .as_object()?
            .values()
            .filter_map(Value::as_object)
            .flat_map(|item| item.values())
            .find(|operation| operation["operationId"] == operation_id)
    }

    fn resolve<'a>(&'a self, schema: &'a Value) -> &'a Value {
        match schema["$ref"].as_str() {
            Some(reference) => {
                let name = reference.trim_start_matches("#/components/schemas/");
                &self.document["components"]["schemas"][name]
            }
            None => schema,
        }
    }

    fn check(&self, schema: &Value, value: &Value, at: &str, problems: &mut Vec<String>) {
        let is_problem_detail = schema["$ref"]
            .as_str()
            .is_some_and(|r| r.ends_with("/ProblemDetail"));
        let schema = self.resolve(schema);
        let types: Vec<&str> = match &schema["type"] {
            Value::String(one) => vec![one.as_str()],
            Value::Array(many) => many.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        if value.is_null() {
            if !types.contains(&"null") && !types.is_empty() {
                problems.push(format!("{at}: null is not allowed"));
            }
            return;
        }
        if let Some(allowed) = schema["enum"].as_array()
            && !allowed.contains(value)
        {
            problems.push(format!("{at}: {value} is not one of {allowed:?}"));
        }
        let kind = match value {
            Value::Bool(_) => "boolean",
            Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
            Value::Null => "null",
        };
        let type_ok = types.is_empty()
            || types.contains(&kind)
            || (kind == "integer" && types.contains(&"number"));
        if !type_ok {
            problems.push(format!("{at}: a {kind}, expected {types:?}"));
            return;
        }
        match value {
            Value::String(text) => match schema["format"].as_str() {
                Some("uuid") if Uuid::parse_str(text).is_err() => {
                    problems.push(format!("{at}: {text:?} is not a uuid"));
                }
                Some("date-time") if DateTime::parse_from_rfc3339(text).is_err() => {
                    problems.push(format!("{at}: {text:?} is not an RFC 3339 date-time"));
                }
                _ => {}
            },
            Value::Number(number) => {
                let n = number.as_f64().unwrap_or(f64::NAN);
                if schema["minimum"].as_f64().is_some_and(|min| n < min)
                    || schema["maximum"].as_f64().is_some_and(|max| n > max)
                {
                    problems.push(format!("{at}: {n} is out of range"));
                }
            }
            Value::Array(items) => {
                for (index, item) in items.iter().enumerate() {
                    self.check(&schema["items"], item, &format!("{at}[{index}]"), problems);
                }
            }
            Value::Object(members) => {
                let properties = schema["properties"].as_object();
                for required in schema["required"].as_array().into_iter().flatten() {
                    if let Some(name) = required.as_str()
                        && !members.contains_key(name)
                    {
                        problems.push(format!("{at}: required member {name:?} is missing"));
                    }
                }
                for (name, member) in members {
                    let at = format!("{at}.{name}");
                    match properties.and_then(|p| p.get(name)) {
                        Some(property) => self.check(property, member, &at, problems),
                        None if properties.is_none() => {}
                        None if is_problem_detail
                            && matches!(
                                name.as_str(),
                                "code" | "supportId" | "invitationStatus"
                            ) => {}
                        None if schema["additionalProperties"].is_object()
                            || schema["additionalProperties"] == true => {}
                        None => problems.push(format!("{at}: not in the schema")),
                    }
                }
            }
            _ => {}
        }
    }
}
