//! Users: creation, profile updates, metadata, soft delete, ban and search.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::*;
use crate::models::*;
use crate::testing::backend::problem::MockError;

/// The most ids or addresses one search may name (the spec's prose).
const MAX_SEARCH_IDS: usize = 100;

impl Store {
    pub(crate) fn create_user(
        &mut self,
        request: CreateUserRequest,
        now: DateTime<Utc>,
    ) -> Result<ServerUserResponse, MockError> {
        let email = request.email.flatten();
        if let Some(email) = &email {
            check_email(email)?;
            if self.user_with_email(email).is_some() {
                return Err(MockError::new(
                    http::StatusCode::CONFLICT,
                    "email_taken",
                    "a user with this email already exists in the environment",
                ));
            }
        }
        if let Some(Some(password)) = &request.password
            && password.chars().count() < 8
        {
            return Err(MockError::bad_request(
                "password_too_weak",
                "the password must have at least 8 characters",
            ));
        }
        let mut user = ServerUserResponse {
            id: self.ids.next(),
            environment_id: self.environment_id,
            name: None,
            first_name: request.first_name.flatten(),
            last_name: request.last_name.flatten(),
            locale: None,
            status: UserStatus::Active,
            created_at: now,
            updated_at: now,
            email,
            email_verified_at: None,
            deleted_at: None,
            public_metadata: strip_nulls(request.public_metadata.unwrap_or_default()),
            private_metadata: strip_nulls(request.private_metadata.unwrap_or_default()),
            unsafe_metadata: strip_nulls(request.unsafe_metadata.unwrap_or_default()),
        };
        check_user_budget(&user)?;
        user.name = full_name(&user);
        self.users.insert(user.id, user.clone());
        Ok(user)
    }

    /// The live user `id`: 404 when it never existed, 403 once deleted (the delete revoked the
    /// key's grant on it).
    pub(crate) fn user(&self, id: Uuid) -> Result<&ServerUserResponse, MockError> {
        match self.users.get(&id) {
            None => Err(MockError::not_found("user", id)),
            Some(user) if user.status == UserStatus::Deleted => {
                Err(MockError::forbidden("user", id))
            }
            Some(user) => Ok(user),
        }
    }

    /// The user `id` as stored, deleted or not.
    pub(crate) fn stored_user(&self, id: Uuid) -> Option<&ServerUserResponse> {
        self.users.get(&id)
    }

    /// As [`Store::user`], for operations whose spec answers 403 for unknown users too.
    pub(super) fn user_or_forbidden(&self, id: Uuid) -> Result<&ServerUserResponse, MockError> {
        self.user(id).map_err(|_| MockError::forbidden("user", id))
    }

    /// Applies `change` to the live user `id` as one transaction: nothing changes when the
    /// result breaks a rule.
    pub(super) fn change_user(
        &mut self,
        id: Uuid,
        now: DateTime<Utc>,
        change: impl FnOnce(&mut ServerUserResponse),
    ) -> Result<ServerUserResponse, MockError> {
        let mut user = self.user(id)?.clone();
        change(&mut user);
        check_user_budget(&user)?;
        user.name = full_name(&user);
        user.updated_at = now;
        self.users.insert(id, user.clone());
        Ok(user)
    }

    pub(crate) fn update_user(
        &mut self,
        id: Uuid,
        request: UpdateUserRequest,
        now: DateTime<Utc>,
    ) -> Result<ServerUserResponse, MockError> {
        self.change_user(id, now, |user| {
            if let Some(first_name) = request.first_name {
                user.first_name = first_name;
            }
            if let Some(last_name) = request.last_name {
                user.last_name = last_name;
            }
            if let Some(locale) = request.locale {
                user.locale = locale;
            }
            if let Some(bag) = request.unsafe_metadata {
                merge(&mut user.unsafe_metadata, bag);
            }
        })
    }

    pub(crate) fn update_user_metadata(
        &mut self,
        id: Uuid,
        request: UpdateUserMetadataRequest,
        now: DateTime<Utc>,
    ) -> Result<ServerUserResponse, MockError> {
        self.change_user(id, now, |user| {
            for (bag, patch) in [
                (&mut user.public_metadata, request.public_metadata),
                (&mut user.private_metadata, request.private_metadata),
                (&mut user.unsafe_metadata, request.unsafe_metadata),
            ] {
                if let Some(patch) = patch {
                    merge(bag, patch);
                }
            }
        })
    }

    /// Soft-deletes the user: its sessions and memberships end, and from now on the key sees it
    /// as outside its environment (403), which is how a repeated delete is recognised.
    pub(crate) fn delete_user(&mut self, id: Uuid, now: DateTime<Utc>) -> Result<(), MockError> {
        self.change_user(id, now, |user| {
            user.status = UserStatus::Deleted;
            user.deleted_at = Some(now);
        })?;
        self.sessions.retain(|_, session| session.user_id != id);
        self.members.retain(|(_, user), _| *user != id);
        Ok(())
    }

    pub(crate) fn ban_user(
        &mut self,
        id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<ServerUserResponse, MockError> {
        let user = self.change_user(id, now, |user| user.status = UserStatus::Banned)?;
        self.sessions.retain(|_, session| session.user_id != id);
        Ok(user)
    }

    pub(crate) fn unban_user(
        &mut self,
        id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<ServerUserResponse, MockError> {
        self.change_user(id, now, |user| user.status = UserStatus::Active)
    }

    pub(crate) fn search_users(
        &self,
        filter: &ServerUserSearchRequest,
        paging: Paging,
    ) -> Result<Page<ServerUserResponse>, MockError> {
        for (name, len) in [
            ("userIds", filter.user_ids.as_ref().map_or(0, Vec::len)),
            (
                "emailAddresses",
                filter.email_addresses.as_ref().map_or(0, Vec::len),
            ),
        ] {
            if len > MAX_SEARCH_IDS {
                return Err(MockError::bad_request(
                    "too_many_ids",
                    format!("{name} has {len} entries; at most {MAX_SEARCH_IDS} are allowed"),
                ));
            }
        }
        let members_of = filter.organization_id.flatten();
        let matches = |user: &&ServerUserResponse| {
            let statuses = filter.statuses.as_deref();
            // Deleted users are outside the key's reach unless asked for by status.
            let status_ok = statuses.map_or(user.status != UserStatus::Deleted, |statuses| {
                statuses.contains(&user.status)
            });
            status_ok
                && filter
                    .user_ids
                    .as_ref()
                    .is_none_or(|ids| ids.contains(&user.id))
                && filter.email_addresses.as_ref().is_none_or(|emails| {
                    let email = user.email.as_deref().unwrap_or_default();
                    user.email.is_some() && emails.iter().any(|e| e.eq_ignore_ascii_case(email))
                })
                && match filter
                    .email
                    .as_ref()
                    .and_then(Option::as_deref)
                    .map(str::trim)
                {
                    None | Some("") => true,
                    Some(part) => user.email.as_deref().is_some_and(|e| contains_ci(e, part)),
                }
                && match &filter.name {
                    None => true,
                    Some(None) => user.name.is_none(),
                    Some(Some(part)) => user.name.as_deref().is_some_and(|n| contains_ci(n, part)),
                }
                && filter
                    .created_after
                    .flatten()
                    .is_none_or(|after| user.created_at >= after)
                && filter
                    .created_before
                    .flatten()
                    .is_none_or(|before| user.created_at <= before)
                && members_of.is_none_or(|org| self.members.contains_key(&(org, user.id)))
        };
        Ok(paging.page(
            self.users
                .iter()
                .map(|(id, user)| (*id, user))
                .filter(|(_, user)| matches(user)),
        ))
    }

    pub(crate) fn user_organizations(
        &self,
        user_id: Uuid,
        paging: Paging,
    ) -> Result<Page<ServerUserOrganizationResponse>, MockError> {
        self.user_or_forbidden(user_id)?;
        let memberships: Vec<(Uuid, ServerUserOrganizationResponse)> = self
            .members
            .values()
            .filter(|member| member.user_id == user_id)
            .filter_map(|member| {
                let organization = self.organizations.get(&member.organization_id)?;
                Some((
                    organization.id,
                    ServerUserOrganizationResponse {
                        organization_id: organization.id,
                        name: organization.name.clone(),
                        slug: organization.slug.clone(),
                        role: member.role.clone(),
                        role_name: member.role_name.clone(),
                        public_metadata: member.public_metadata.clone(),
                        private_metadata: member.private_metadata.clone(),
                        joined_at: member.joined_at,
                    },
                ))
            })
            .collect();
        Ok(paging.page(memberships.iter().map(|(id, item)| (*id, item))))
    }

    pub(super) fn user_with_email(&self, email: &str) -> Option<&ServerUserResponse> {
        self.users.values().find(|user| {
            user.status != UserStatus::Deleted
                && user
                    .email
                    .as_deref()
                    .is_some_and(|e| e.eq_ignore_ascii_case(email))
        })
    }
}

pub(super) fn check_user_budget(user: &ServerUserResponse) -> Result<(), MockError> {
    check_budget(
        &[
            &user.public_metadata,
            &user.private_metadata,
            &user.unsafe_metadata,
        ],
        "the user's metadata",
    )
}

pub(super) fn full_name(user: &ServerUserResponse) -> Option<String> {
    match (user.first_name.as_deref(), user.last_name.as_deref()) {
        (None, None) => None,
        (Some(first), None) => Some(first.to_owned()),
        (None, Some(last)) => Some(last.to_owned()),
        (Some(first), Some(last)) => Some(format!("{first} {last}")),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::test_support::{now, store_with_users};
    use super::*;

    fn bag(value: serde_json::Value) -> JsonObject {
        value.as_object().cloned().expect("an object")
    }

    #[test]
    fn an_email_belongs_to_one_user() {
        let (mut store, _) = store_with_users(&["ada@example.com"]);
        let again = CreateUserRequest {
            email: Some(Some("ada@example.com".to_owned())),
            ..CreateUserRequest::default()
        };
        let error = store.create_user(again, now()).expect_err("taken");
        assert_eq!(
            (error.status().as_u16(), error.code()),
            (409, "email_taken")
        );
    }

    #[test]
    fn a_delete_is_soft_and_a_second_one_is_forbidden() {
        let (mut store, ids) = store_with_users(&["ada@example.com"]);
        let ada = ids[0];
        store.delete_user(ada, now()).expect("deleted");
        assert_eq!(
            store.stored_user(ada).map(|u| &u.status),
            Some(&UserStatus::Deleted)
        );
        let again = store
            .delete_user(ada, now())
            .expect_err("the key's grant is gone");
        assert_eq!(again.status().as_u16(), 403);
    }

    #[test]
    fn a_ban_revokes_every_session_of_the_user_only() {
        let (mut store, ids) = store_with_users(&["ada@example.com", "grace@example.com"]);
        let (ada, grace) = (ids[0], ids[1]);
        for user in [ada, ada, grace] {
            store.create_session(user, now()).expect("session");
        }
        store.ban_user(ada, now()).expect("banned");
        assert!(store.sessions_of(ada, now()).expect("listed").is_empty());
        assert_eq!(store.sessions_of(grace, now()).expect("listed").len(), 1);
    }

    #[test]
    fn metadata_merges_deeply_and_a_null_removes_a_key() {
        let (mut store, ids) = store_with_users(&["ada@example.com"]);
        let patch = |value| UpdateUserMetadataRequest {
            public_metadata: Some(bag(value)),
            ..UpdateUserMetadataRequest::default()
        };
        store
            .update_user_metadata(ids[0], patch(json!({"a": {"x": 1, "y": 2}, "b": 1})), now())
            .expect("first");
        let user = store
            .update_user_metadata(
                ids[0],
                patch(json!({"a": {"y": null, "z": 3}, "b": null})),
                now(),
            )
            .expect("second");
        assert_eq!(
            serde_json::Value::Object(user.public_metadata),
            json!({"a": {"x": 1, "z": 3}})
        );
    }

    #[test]
    fn the_three_bags_of_a_user_share_one_budget_and_a_refusal_changes_nothing() {
        let (mut store, ids) = store_with_users(&["ada@example.com"]);
        let half = "x".repeat(METADATA_BUDGET / 2);
        let request = UpdateUserMetadataRequest {
            public_metadata: Some(bag(json!({"p": half}))),
            private_metadata: Some(bag(json!({"q": half}))),
            ..UpdateUserMetadataRequest::default()
        };
        let error = store
            .update_user_metadata(ids[0], request, now())
            .expect_err("too large");
        assert_eq!(error.code(), "metadata_too_large");
        let user = store.stored_user(ids[0]).expect("kept");
        assert!(user.public_metadata.is_empty() && user.private_metadata.is_empty());
    }

    #[test]
    fn search_pages_in_id_order_with_a_cursor_that_resumes_after_the_last_item() {
        let emails: Vec<String> = (0..5).map(|n| format!("u{n}@example.com")).collect();
        let emails: Vec<&str> = emails.iter().map(String::as_str).collect();
        let (store, ids) = store_with_users(&emails);
        let filter = ServerUserSearchRequest::default();
        let first = store
            .search_users(&filter, Paging::new(Some(2), None).expect("paging"))
            .expect("page");
        assert_eq!(
            first.items.iter().map(|u| u.id).collect::<Vec<_>>(),
            ids[..2]
        );
        assert!(first.has_more);
        assert_eq!(first.next_cursor, Some(ids[1]));
        let rest = store
            .search_users(
                &filter,
                Paging::new(Some(10), first.next_cursor).expect("paging"),
            )
            .expect("page");
        assert_eq!(
            rest.items.iter().map(|u| u.id).collect::<Vec<_>>(),
            ids[2..]
        );
        assert!(!rest.has_more);
    }
}
