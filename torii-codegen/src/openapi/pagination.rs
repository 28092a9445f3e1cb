//! Which operations page with a cursor, found by their shape rather than by name.

use std::collections::HashMap;

use super::models::struct_fields;
use crate::ir::{Api, Field, NamedKind, Operation, Pagination, TypeRef};

/// Marks the operations that page with a cursor: a `cursor` query parameter, answered by an
/// object with an `items` array and a `nextCursor` of the cursor's type (and maybe `hasMore`).
/// Anything else is an ordinary operation.
pub(super) fn attach_pagination(api: &mut Api) {
    let structs = struct_fields(api);
    for operation in api
        .resources
        .iter_mut()
        .flat_map(|r| r.operations.iter_mut())
    {
        operation.pagination = pagination_of(operation, &structs);
    }
}

pub(super) fn pagination_of(
    operation: &Operation,
    structs: &HashMap<String, Vec<Field>>,
) -> Option<Pagination> {
    let cursor = operation
        .query_params
        .iter()
        .find(|p| p.wire == "cursor" && !p.required)?;
    let Some(TypeRef::Named(page, NamedKind::Struct)) = &operation.response else {
        return None;
    };
    let fields = structs.get(&page.to_string())?;
    let field = |wire: &str| fields.iter().find(|f| f.wire == wire);
    let items = field("items").filter(|f| f.required && !f.nullable)?;
    let TypeRef::Array(item) = &items.ty else {
        return None;
    };
    // The next cursor must come back as an `Option` of the cursor parameter's type.
    let next_cursor = field("nextCursor")
        .filter(|f| f.ty == cursor.ty && (!f.required || f.nullable) && !f.tri_state)?;
    let has_more = match field("hasMore") {
        None => None,
        Some(f) if f.ty == TypeRef::Bool && f.required && !f.nullable => Some(f.name.clone()),
        Some(_) => return None,
    };
    Some(Pagination {
        cursor: cursor.clone(),
        page: page.clone(),
        items_field: items.name.clone(),
        item: (**item).clone(),
        next_cursor_field: next_cursor.name.clone(),
        has_more_field: has_more,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use crate::openapi::read;

    /// The pagination the reader finds for the one operation of a document whose page schema
    /// has `page` as its properties.
    fn found(page: Value, cursor_required: bool) -> Option<(String, String, bool)> {
        let required: Vec<&str> = ["items", "hasMore"]
            .into_iter()
            .filter(|name| page.get(name).is_some())
            .collect();
        let api = read(&json!({
            "openapi": "3.1.0",
            "paths": {"/things": {"get": {
                "operationId": "listThings", "tags": ["Things"],
                "parameters": [{"name": "cursor", "in": "query", "required": cursor_required, "schema": {"type": "string"}}],
                "responses": {"200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Page"}}}}}
            }}},
            "components": {"schemas": {
                "Thing": {"type": "object", "properties": {"id": {"type": "string"}}},
                "Page": {"type": "object", "properties": page, "required": required}
            }}
        }))
        .expect("valid");
        let operation = api.resources.first()?.operations.first()?;
        let pagination = operation.pagination.as_ref()?;
        Some((
            pagination.page.to_string(),
            pagination.items_field.to_string(),
            pagination.has_more_field.is_some(),
        ))
    }

    #[test]
    fn a_cursor_page_is_found_by_its_shape() {
        let items = json!({"type": "array", "items": {"$ref": "#/components/schemas/Thing"}});
        let cursor = json!({"type": ["string", "null"]});
        assert_eq!(
            found(
                json!({"items": items, "nextCursor": cursor, "hasMore": {"type": "boolean"}}),
                false
            ),
            Some(("Page".to_owned(), "items".to_owned(), true))
        );
        assert_eq!(
            found(json!({"items": items, "nextCursor": cursor}), false),
            Some(("Page".to_owned(), "items".to_owned(), false))
        );
        // Without a next cursor, or with a required cursor, it is an ordinary operation.
        assert_eq!(found(json!({"items": items}), false), None);
        assert_eq!(
            found(json!({"items": items, "nextCursor": cursor}), true),
            None
        );
    }
}
