//! Response bodies shaped as the spec says, for canned responses.

use torii_backend::serde_json::{Value, json};

/// An id used for users in tests.
pub const USER_ID: &str = "01931a73-8b00-7000-8000-000000000001";
/// An id used for a second user (an actor, a member).
pub const OTHER_USER_ID: &str = "01931a73-8b00-7000-8000-000000000002";
/// An id used for the environment.
pub const ENVIRONMENT_ID: &str = "01931a72-0000-7000-8000-000000000000";
/// An id used for organizations.
pub const ORGANIZATION_ID: &str = "01931a75-0000-7000-8000-000000000003";
/// An id used for sessions.
pub const SESSION_ID: &str = "01931a74-1234-7000-8000-000000000004";
/// An id used for invitations.
pub const INVITATION_ID: &str = "01931a76-0000-7000-8000-000000000005";

/// A `ServerUserResponse`.
pub fn user() -> Value {
    json!({
        "id": USER_ID,
        "environmentId": ENVIRONMENT_ID,
        "name": "Ada Lovelace",
        "firstName": "Ada",
        "lastName": "Lovelace",
        "locale": "en",
        "status": "active",
        "createdAt": "2026-05-16T09:30:00Z",
        "updatedAt": "2026-05-16T10:00:00Z",
        "email": "ada@example.com",
        "emailVerifiedAt": null,
        "deletedAt": null,
        "publicMetadata": {"plan": "pro"},
        "privateMetadata": {},
        "unsafeMetadata": {}
    })
}

/// A `ServerOrganizationResponse`.
pub fn organization() -> Value {
    json!({
        "id": ORGANIZATION_ID,
        "name": "Acme",
        "slug": "acme",
        "roleSetId": null,
        "publicMetadata": {},
        "privateMetadata": {"crm": "acct_1"},
        "createdAt": "2026-01-01T00:00:00Z"
    })
}

/// A `ServerOrganizationMemberResponse`.
pub fn member() -> Value {
    json!({
        "organizationId": ORGANIZATION_ID,
        "userId": OTHER_USER_ID,
        "role": "org:member",
        "roleName": "Member",
        "publicMetadata": {},
        "privateMetadata": {},
        "joinedAt": "2026-02-01T00:00:00Z"
    })
}

/// A `ServerUserOrganizationResponse`.
pub fn user_organization() -> Value {
    json!({
        "organizationId": ORGANIZATION_ID,
        "name": "Acme",
        "slug": null,
        "role": "org:administrator",
        "roleName": null,
        "publicMetadata": {"seat": "billable"},
        "privateMetadata": {},
        "joinedAt": "2026-02-01T00:00:00Z"
    })
}

/// An `EnvironmentInvitationResponse`.
pub fn invitation() -> Value {
    json!({
        "id": INVITATION_ID,
        "environmentId": ENVIRONMENT_ID,
        "email": "grace@example.com",
        "status": "PENDING",
        "expiresAt": "2026-12-01T00:00:00Z",
        "createdAt": "2026-11-01T00:00:00Z",
        "acceptedAt": null,
        "revokedAt": null
    })
}

/// An `EnvironmentInvitationDetailResponse`: the invitation with both metadata bags.
pub fn invitation_detail() -> Value {
    let mut detail = invitation();
    detail["publicMetadata"] = json!({"team": "blue"});
    detail["privateMetadata"] = json!({"crmAccount": "A-1009"});
    detail
}

/// A `UserSessionResponse`.
pub fn session() -> Value {
    json!({
        "id": SESSION_ID,
        "userId": USER_ID,
        "environmentId": ENVIRONMENT_ID,
        "userAgent": "curl/8",
        "ipAddress": "203.0.113.42",
        "createdAt": "2026-05-16T09:30:00Z",
        "expiresAt": "2026-05-23T09:30:00Z",
        "lastUsedAt": "2026-05-16T11:42:00Z",
        "activeOrganizationId": null,
        "impersonatedBy": null
    })
}

/// A cursor page holding `items`.
pub fn page(items: Vec<Value>, next_cursor: Option<&str>) -> Value {
    json!({"items": items, "nextCursor": next_cursor, "hasMore": next_cursor.is_some()})
}

/// A problem-detail error body.
pub fn problem(status: u16, code: &str, detail: &str) -> Value {
    json!({
        "type": "https://torii.so/problems/test",
        "title": "Problem",
        "status": status,
        "detail": detail,
        "code": code,
        "supportId": "sup_test_1"
    })
}
