//! The mock's in-memory environment and the Backend API's rules over it, free of HTTP so that
//! each rule reads as what the spec says: one module per resource, each with the rules the spec
//! states only in prose (its schemas are checked before any of this runs, see `validate`).

mod allowed_origins;
mod impersonation;
mod invitations;
mod organizations;
mod sessions;
mod users;

use std::collections::BTreeMap;
use std::ops::Bound;

use chrono::Utc;
use serde_json::Value;
use uuid::Uuid;

pub(crate) use self::invitations::Invitation;
use super::problem::MockError;
use crate::models::{
    ServerOrganizationMemberResponse, ServerOrganizationResponse, ServerUserResponse,
    UpdateOrganizationMetadataRequest, UserSessionResponse,
};
use crate::rest::args::JsonObject;

/// What the metadata bags may hold after a merge: all three of a user's bags together, or each
/// bag of an organization or membership, measured as compact JSON.
pub(crate) const METADATA_BUDGET: usize = 8 * 1024;

/// Page size limits of every cursor-paginated operation.
pub(crate) const DEFAULT_PAGE_SIZE: usize = 20;
const MAX_PAGE_SIZE: usize = 100;

/// One page of a listing ordered by id.
#[derive(Debug)]
pub(crate) struct Page<T> {
    pub(crate) items: Vec<T>,
    pub(crate) next_cursor: Option<Uuid>,
    pub(crate) has_more: bool,
}

/// Where a listing starts and how much of it to return.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Paging {
    pub(crate) limit: usize,
    pub(crate) cursor: Option<Uuid>,
}

impl Paging {
    pub(crate) fn new(limit: Option<i64>, cursor: Option<Uuid>) -> Result<Self, MockError> {
        let limit = match limit {
            None => DEFAULT_PAGE_SIZE,
            Some(limit) => usize::try_from(limit)
                .ok()
                .filter(|limit| (1..=MAX_PAGE_SIZE).contains(limit))
                .ok_or_else(|| {
                    MockError::bad_request(
                        "invalid_limit",
                        format!("limit must be between 1 and {MAX_PAGE_SIZE}, not {limit}"),
                    )
                })?,
        };
        Ok(Self { limit, cursor })
    }

    /// The page after the cursor of `entries`, which must be in ascending id order.
    fn page<'a, T: Clone + 'a>(self, entries: impl IntoIterator<Item = (Uuid, &'a T)>) -> Page<T> {
        let mut rest = entries
            .into_iter()
            .filter(|(id, _)| self.cursor.is_none_or(|cursor| *id > cursor));
        let taken: Vec<(Uuid, &T)> = rest.by_ref().take(self.limit).collect();
        let has_more = rest.next().is_some();
        Page {
            next_cursor: has_more.then(|| taken.last().map(|(id, _)| *id)).flatten(),
            has_more,
            items: taken.into_iter().map(|(_, item)| item.clone()).collect(),
        }
    }
}

/// Time-ordered ids in the UUIDv7 layout: the mock's start time, then a counter, then a
/// per-mock random salt, so that ids sort in creation order (the order every listing uses)
/// and two mocks never share one.
#[derive(Debug)]
struct IdSource {
    start_millis: u128,
    salt: u128,
    next: u128,
}

impl IdSource {
    fn new(salt: u32) -> Self {
        let start_millis = u128::try_from(Utc::now().timestamp_millis()).unwrap_or(0);
        Self {
            start_millis: start_millis & ((1 << 48) - 1),
            salt: u128::from(salt) & 0xF_FFFF,
            next: 1,
        }
    }

    fn next(&mut self) -> Uuid {
        let counter = self.next & ((1 << 40) - 1);
        self.next += 1;
        let bits = (self.start_millis << 80)
            | (0x7 << 76) // version 7
            | (0b10 << 62) // RFC 9562 variant
            | (counter << 20)
            | self.salt;
        Uuid::from_u128(bits)
    }
}

/// One Torii environment in memory.
#[derive(Debug)]
pub(crate) struct Store {
    environment_id: Uuid,
    ids: IdSource,
    users: BTreeMap<Uuid, ServerUserResponse>,
    sessions: BTreeMap<Uuid, UserSessionResponse>,
    organizations: BTreeMap<Uuid, ServerOrganizationResponse>,
    /// Keyed by (organization, user), so one organization's members are a range in user order.
    members: BTreeMap<(Uuid, Uuid), ServerOrganizationMemberResponse>,
    invitations: BTreeMap<Uuid, Invitation>,
    allowed_origins: Vec<String>,
    impersonation_tokens: usize,
}

impl Store {
    pub(crate) fn new(salt: u32) -> Self {
        let mut ids = IdSource::new(salt);
        Self {
            environment_id: ids.next(),
            ids,
            users: BTreeMap::new(),
            sessions: BTreeMap::new(),
            organizations: BTreeMap::new(),
            members: BTreeMap::new(),
            invitations: BTreeMap::new(),
            allowed_origins: Vec::new(),
            impersonation_tokens: 0,
        }
    }

    pub(crate) fn environment_id(&self) -> Uuid {
        self.environment_id
    }

    /// Everything stored, as a snapshot carries it.
    pub(crate) fn records(&self) -> Records {
        Records {
            environment_id: self.environment_id,
            users: self.users.values().cloned().collect(),
            sessions: self.sessions.values().cloned().collect(),
            organizations: self.organizations.values().cloned().collect(),
            members: self.members.values().cloned().collect(),
            invitations: self.invitations.values().cloned().collect(),
            allowed_origins: self.allowed_origins.clone(),
            impersonation_tokens: self.impersonation_tokens,
        }
    }

    /// A store holding `records`, which [`Records::check`] has accepted. New ids sort after
    /// the imported ones, which came from an earlier clock.
    pub(crate) fn from_records(records: Records, salt: u32) -> Self {
        let Records {
            environment_id,
            users,
            sessions,
            organizations,
            members,
            invitations,
            allowed_origins,
            impersonation_tokens,
        } = records;
        Self {
            environment_id,
            ids: IdSource::new(salt),
            users: users.into_iter().map(|user| (user.id, user)).collect(),
            sessions: sessions.into_iter().map(|s| (s.id, s)).collect(),
            organizations: organizations.into_iter().map(|o| (o.id, o)).collect(),
            members: members
                .into_iter()
                .map(|m| ((m.organization_id, m.user_id), m))
                .collect(),
            invitations: invitations.into_iter().map(|i| (i.id, i)).collect(),
            allowed_origins,
            impersonation_tokens,
        }
    }

    /// The same environment with nothing in it: no users, sessions, organizations,
    /// invitations or allowed origins.
    pub(crate) fn emptied(&self, salt: u32) -> Self {
        let mut empty = Self::new(salt);
        empty.environment_id = self.environment_id;
        empty
    }
}

/// What a [`Store`] holds, in the shape of a snapshot's members (the models' own JSON).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Records {
    pub(crate) environment_id: Uuid,
    pub(crate) users: Vec<ServerUserResponse>,
    pub(crate) sessions: Vec<UserSessionResponse>,
    pub(crate) organizations: Vec<ServerOrganizationResponse>,
    pub(crate) members: Vec<ServerOrganizationMemberResponse>,
    pub(crate) invitations: Vec<Invitation>,
    pub(crate) allowed_origins: Vec<String>,
    pub(crate) impersonation_tokens: usize,
}

impl Records {
    /// The first thing in the records that the server could not have stored, with its JSON
    /// pointer inside the records: a duplicate id, a record of another environment, or a
    /// session or membership whose user or organization is not there.
    pub(crate) fn check(&self) -> Result<(), (String, String)> {
        let environment = self.environment_id;
        let mut users = std::collections::BTreeSet::new();
        for (index, user) in self.users.iter().enumerate() {
            if !users.insert(user.id) {
                return Err((
                    format!("/users/{index}/id"),
                    format!("user {} appears twice", user.id),
                ));
            }
            if user.environment_id != environment {
                return Err(other_environment("users", index));
            }
        }
        let mut sessions = std::collections::BTreeSet::new();
        for (index, session) in self.sessions.iter().enumerate() {
            if !sessions.insert(session.id) {
                return Err((
                    format!("/sessions/{index}/id"),
                    format!("session {} appears twice", session.id),
                ));
            }
            if session.environment_id != environment {
                return Err(other_environment("sessions", index));
            }
            if !users.contains(&session.user_id) {
                return Err((
                    format!("/sessions/{index}/userId"),
                    format!("no user {} in the snapshot", session.user_id),
                ));
            }
        }
        let mut organizations = std::collections::BTreeSet::new();
        for (index, organization) in self.organizations.iter().enumerate() {
            if !organizations.insert(organization.id) {
                return Err((
                    format!("/organizations/{index}/id"),
                    format!("organization {} appears twice", organization.id),
                ));
            }
        }
        let mut members = std::collections::BTreeSet::new();
        for (index, member) in self.members.iter().enumerate() {
            if !organizations.contains(&member.organization_id) {
                return Err((
                    format!("/members/{index}/organizationId"),
                    format!("no organization {} in the snapshot", member.organization_id),
                ));
            }
            if !users.contains(&member.user_id) {
                return Err((
                    format!("/members/{index}/userId"),
                    format!("no user {} in the snapshot", member.user_id),
                ));
            }
            if !members.insert((member.organization_id, member.user_id)) {
                return Err((
                    format!("/members/{index}"),
                    "the membership appears twice".to_owned(),
                ));
            }
        }
        let mut invitations = std::collections::BTreeSet::new();
        for (index, invitation) in self.invitations.iter().enumerate() {
            if !invitations.insert(invitation.id) {
                return Err((
                    format!("/invitations/{index}/id"),
                    format!("invitation {} appears twice", invitation.id),
                ));
            }
            if invitation.environment_id != environment {
                return Err(other_environment("invitations", index));
            }
        }
        Ok(())
    }
}

fn other_environment(list: &str, index: usize) -> (String, String) {
    (
        format!("/{list}/{index}/environmentId"),
        "not the snapshot's environmentId".to_owned(),
    )
}

/// Merges `patch` into `target`: objects merge key by key, a `null` removes the key, anything
/// else replaces.
pub(crate) fn merge(target: &mut JsonObject, patch: JsonObject) {
    for (key, value) in patch {
        match value {
            Value::Null => {
                target.remove(&key);
            }
            Value::Object(inner) => match target.get_mut(&key) {
                Some(Value::Object(existing)) => merge(existing, inner),
                _ => {
                    target.insert(key, Value::Object(strip_nulls(inner)));
                }
            },
            value => {
                target.insert(key, value);
            }
        }
    }
}

pub(super) fn strip_nulls(bag: JsonObject) -> JsonObject {
    let mut clean = JsonObject::new();
    merge(&mut clean, bag);
    clean
}

/// Both bags after merging the patches the request names into them; a request naming neither
/// is refused. The stored bags are untouched, so a budget check can still refuse the result.
pub(super) fn merged_bags(
    public: &JsonObject,
    private: &JsonObject,
    public_patch: Option<JsonObject>,
    private_patch: Option<JsonObject>,
) -> Result<(JsonObject, JsonObject), MockError> {
    if public_patch.is_none() && private_patch.is_none() {
        return Err(MockError::bad_request(
            "nothing_to_update",
            "send publicMetadata, privateMetadata or both",
        ));
    }
    let mut new_public = public.clone();
    let mut new_private = private.clone();
    if let Some(patch) = public_patch {
        merge(&mut new_public, patch);
    }
    if let Some(patch) = private_patch {
        merge(&mut new_private, patch);
    }
    Ok((new_public, new_private))
}

/// An organization's or a membership's bags after the merge, each within the budget alone.
pub(super) fn merge_bags(
    public: &mut JsonObject,
    private: &mut JsonObject,
    request: UpdateOrganizationMetadataRequest,
) -> Result<(), MockError> {
    let (new_public, new_private) = merged_bags(
        public,
        private,
        request.public_metadata,
        request.private_metadata,
    )?;
    check_budget(&[&new_public], "publicMetadata")?;
    check_budget(&[&new_private], "privateMetadata")?;
    *public = new_public;
    *private = new_private;
    Ok(())
}

pub(super) fn check_budget(bags: &[&JsonObject], what: &str) -> Result<(), MockError> {
    let size: usize = bags
        .iter()
        .map(|bag| serde_json::to_string(bag).map_or(usize::MAX, |json| json.len()))
        .fold(0, usize::saturating_add);
    if size > METADATA_BUDGET {
        return Err(MockError::bad_request(
            "metadata_too_large",
            format!("{what} would take {size} bytes; at most {METADATA_BUDGET} are allowed"),
        ));
    }
    Ok(())
}

pub(super) fn check_email(email: &str) -> Result<(), MockError> {
    match email.split_once('@') {
        Some((local, domain)) if !local.is_empty() && domain.contains('.') => Ok(()),
        _ => Err(MockError::bad_request(
            "invalid_email",
            format!("{email:?} is not an email address"),
        )),
    }
}

pub(super) fn contains_ci(haystack: &str, needle: &str) -> bool {
    haystack.to_lowercase().contains(&needle.to_lowercase())
}

/// What the resource modules' tests share: a store, a clock reading and seeded users.
#[cfg(test)]
pub(super) mod test_support {
    use chrono::{DateTime, Utc};
    use uuid::Uuid;

    use super::Store;
    use crate::models::CreateUserRequest;

    pub(crate) fn now() -> DateTime<Utc> {
        Utc::now()
    }

    /// A store with one user per address.
    pub(crate) fn store_with_users(emails: &[&str]) -> (Store, Vec<Uuid>) {
        let mut store = Store::new(7);
        let ids = emails
            .iter()
            .map(|email| {
                let request = CreateUserRequest {
                    email: Some(Some((*email).to_owned())),
                    ..CreateUserRequest::default()
                };
                store.create_user(request, now()).expect("created").id
            })
            .collect();
        (store, ids)
    }
}
