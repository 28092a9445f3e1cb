//! The tag objects: which resource accessor each tag names, and its docs.

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::error::Error;
use crate::naming;
use crate::pointer::child;

/// What a tag object says about the resource it names.
#[derive(Debug, Clone)]
pub(super) struct Tag {
    /// The accessor (`users`), from `x-rust-resource` or the tag's name.
    pub(super) accessor: String,
    pub(super) doc: Option<String>,
    /// Where the accessor name comes from, for errors about it.
    pub(super) pointer: String,
}

/// Tag name to what its tag object says. Tags that operations use without declaring them get
/// their accessor from the name alone (see `operations`).
pub(super) fn read_tags(
    root: &Map<String, Value>,
    errors: &mut Vec<Error>,
) -> HashMap<String, Tag> {
    let mut tags = HashMap::new();
    let list = match root.get("tags") {
        None => return tags,
        Some(Value::Array(list)) => list,
        Some(_) => {
            errors.push(Error::new(
                "/tags",
                "`tags` must be an array of tag objects",
            ));
            return tags;
        }
    };
    for (index, tag) in list.iter().enumerate() {
        let pointer = child("/tags", &index.to_string());
        let Some(name) = tag.get("name").and_then(Value::as_str) else {
            errors.push(Error::new(child(&pointer, "name"), "a tag needs a `name`"));
            continue;
        };
        let (accessor, pointer) = match tag.get("x-rust-resource") {
            Some(Value::String(resource)) => (resource.clone(), child(&pointer, "x-rust-resource")),
            Some(_) => {
                errors.push(Error::new(
                    child(&pointer, "x-rust-resource"),
                    "`x-rust-resource` must be a string",
                ));
                continue;
            }
            None => (naming::resource_from_tag(name), child(&pointer, "name")),
        };
        let doc = tag
            .get("description")
            .and_then(Value::as_str)
            .map(str::to_owned);
        tags.insert(
            name.to_owned(),
            Tag {
                accessor,
                doc,
                pointer,
            },
        );
    }
    tags
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn read(root: Value) -> (HashMap<String, Tag>, Vec<Error>) {
        let mut errors = Vec::new();
        let tags = read_tags(root.as_object().expect("an object"), &mut errors);
        (tags, errors)
    }

    #[test]
    fn accessors_come_from_the_extension_or_the_name() {
        let (tags, errors) = read(json!({"tags": [
            {"name": "Server Users", "description": "People."},
            {"name": "Server Allowed Origins", "x-rust-resource": "origins"},
        ]}));
        assert!(errors.is_empty(), "{errors:?}");
        let users = &tags["Server Users"];
        assert_eq!(users.accessor, "users");
        assert_eq!(users.doc.as_deref(), Some("People."));
        assert_eq!(users.pointer, "/tags/0/name");
        let origins = &tags["Server Allowed Origins"];
        assert_eq!(origins.accessor, "origins");
        assert_eq!(origins.pointer, "/tags/1/x-rust-resource");
    }

    #[test]
    fn each_problem_names_its_exact_node() {
        let (tags, errors) = read(
            json!({"tags": [{"description": "no name"}, {"name": "A", "x-rust-resource": 3}]}),
        );
        assert!(tags.is_empty());
        let pointers: Vec<&str> = errors.iter().map(Error::pointer).collect();
        assert_eq!(pointers, ["/tags/0/name", "/tags/1/x-rust-resource"]);
        let (_, errors) = read(json!({"tags": {"name": "A"}}));
        assert_eq!(errors.first().map(Error::pointer), Some("/tags"));
    }
}
