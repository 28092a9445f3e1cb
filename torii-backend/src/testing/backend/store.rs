//! The mock's in-memory environment and the Backend API's rules over it, free of HTTP so that
//! each rule reads as what the spec says.

use std::collections::BTreeMap;
use std::ops::Bound;

use chrono::{DateTime, Duration, Utc};
use serde_json::Value;
use uuid::Uuid;

use super::problem::MockError;
use crate::models::{
    CreateEnvironmentInvitationServerRequest, CreateUserRequest, EnvironmentInvitationResponse,
    InvitationStatus, ServerImpersonationTokenRequest, ServerImpersonationTokenResponse,
    ServerOrganizationMemberResponse, ServerOrganizationResponse, ServerUserOrganizationResponse,
    ServerUserResponse, ServerUserSearchRequest, UpdateOrganizationMetadataRequest,
    UpdateUserMetadataRequest, UpdateUserRequest, UserSessionResponse, UserStatus,
};
use crate::rest::args::JsonObject;

/// What the metadata bags may hold after a merge: all three of a user's bags together, or each
/// bag of an organization or membership, measured as compact JSON.
pub(crate) const METADATA_BUDGET: usize = 8 * 1024;

/// The most ids or addresses one search may name.
const MAX_SEARCH_IDS: usize = 100;

/// How long a session lives unless renewed.
const SESSION_LIFETIME: Duration = Duration::days(7);

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

#[derive(Debug, Clone)]
struct Invitation {
    response: EnvironmentInvitationResponse,
    public_metadata: JsonObject,
    private_metadata: JsonObject,
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

    // ----- users -----

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
    fn user_or_forbidden(&self, id: Uuid) -> Result<&ServerUserResponse, MockError> {
        self.user(id).map_err(|_| MockError::forbidden("user", id))
    }

    /// Applies `change` to the live user `id` as one transaction: nothing changes when the
    /// result breaks a rule.
    fn change_user(
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

    fn user_with_email(&self, email: &str) -> Option<&ServerUserResponse> {
        self.users.values().find(|user| {
            user.status != UserStatus::Deleted
                && user
                    .email
                    .as_deref()
                    .is_some_and(|e| e.eq_ignore_ascii_case(email))
        })
    }

    // ----- sessions -----

    pub(crate) fn create_session(
        &mut self,
        user_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<UserSessionResponse, MockError> {
        let user = self.user(user_id)?;
        if user.status == UserStatus::Banned {
            return Err(MockError::new(
                http::StatusCode::FORBIDDEN,
                "user_banned",
                format!("user {user_id} is banned and cannot hold a session"),
            ));
        }
        let session = UserSessionResponse {
            id: self.ids.next(),
            user_id,
            environment_id: self.environment_id,
            user_agent: Some("torii-mock".to_owned()),
            ip_address: Some("127.0.0.1".to_owned()),
            created_at: now,
            expires_at: now + SESSION_LIFETIME,
            last_used_at: now,
            active_organization_id: None,
            impersonated_by: None,
        };
        self.sessions.insert(session.id, session.clone());
        Ok(session)
    }

    /// The user's live sessions, most recently used first.
    pub(crate) fn sessions_of(
        &self,
        user_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Vec<UserSessionResponse>, MockError> {
        self.user_or_forbidden(user_id)?;
        let mut sessions: Vec<UserSessionResponse> = self
            .sessions
            .values()
            .filter(|session| session.user_id == user_id && session.expires_at > now)
            .cloned()
            .collect();
        sessions.sort_by(|a, b| b.last_used_at.cmp(&a.last_used_at).then(b.id.cmp(&a.id)));
        Ok(sessions)
    }

    /// Safe to repeat: a session already gone also succeeds.
    pub(crate) fn revoke_session(
        &mut self,
        user_id: Uuid,
        session_id: Uuid,
    ) -> Result<(), MockError> {
        self.user_or_forbidden(user_id)?;
        if self
            .sessions
            .get(&session_id)
            .is_some_and(|session| session.user_id == user_id)
        {
            self.sessions.remove(&session_id);
        }
        Ok(())
    }

    pub(crate) fn revoke_all_sessions(&mut self, user_id: Uuid) -> Result<(), MockError> {
        self.user_or_forbidden(user_id)?;
        self.sessions
            .retain(|_, session| session.user_id != user_id);
        Ok(())
    }

    // ----- organizations -----

    pub(crate) fn create_organization(
        &mut self,
        name: &str,
        slug: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<ServerOrganizationResponse, MockError> {
        if name.trim().is_empty() {
            return Err(MockError::bad_request(
                "invalid_name",
                "an organization needs a name",
            ));
        }
        let organization = ServerOrganizationResponse {
            id: self.ids.next(),
            name: name.to_owned(),
            slug: slug.map(str::to_owned),
            role_set_id: None,
            public_metadata: JsonObject::new(),
            private_metadata: JsonObject::new(),
            created_at: now,
        };
        self.organizations
            .insert(organization.id, organization.clone());
        Ok(organization)
    }

    pub(crate) fn organization(&self, id: Uuid) -> Result<&ServerOrganizationResponse, MockError> {
        self.organizations
            .get(&id)
            .ok_or_else(|| MockError::not_found("organization", id))
    }

    pub(crate) fn list_organizations(
        &self,
        name: Option<&str>,
        paging: Paging,
    ) -> Page<ServerOrganizationResponse> {
        paging.page(
            self.organizations
                .iter()
                .map(|(id, organization)| (*id, organization))
                .filter(|(_, organization)| {
                    name.is_none_or(|n| contains_ci(&organization.name, n))
                }),
        )
    }

    pub(crate) fn update_organization_metadata(
        &mut self,
        id: Uuid,
        request: UpdateOrganizationMetadataRequest,
    ) -> Result<ServerOrganizationResponse, MockError> {
        let mut organization = self.organization(id)?.clone();
        merge_bags(
            &mut organization.public_metadata,
            &mut organization.private_metadata,
            request,
        )?;
        self.organizations.insert(id, organization.clone());
        Ok(organization)
    }

    pub(crate) fn add_member(
        &mut self,
        organization_id: Uuid,
        user_id: Uuid,
        role: &str,
        now: DateTime<Utc>,
    ) -> Result<ServerOrganizationMemberResponse, MockError> {
        self.organization(organization_id)?;
        self.user(user_id)?;
        let member = ServerOrganizationMemberResponse {
            organization_id,
            user_id,
            role: role.to_owned(),
            role_name: role_name(role),
            public_metadata: JsonObject::new(),
            private_metadata: JsonObject::new(),
            joined_at: now,
        };
        self.members
            .insert((organization_id, user_id), member.clone());
        Ok(member)
    }

    /// Members in user-id order, as the spec says.
    pub(crate) fn list_members(
        &self,
        organization_id: Uuid,
        paging: Paging,
    ) -> Result<Page<ServerOrganizationMemberResponse>, MockError> {
        self.organization(organization_id)?;
        let range = (
            Bound::Included((organization_id, Uuid::nil())),
            Bound::Included((organization_id, Uuid::max())),
        );
        Ok(paging.page(
            self.members
                .range(range)
                .map(|((_, user_id), member)| (*user_id, member)),
        ))
    }

    pub(crate) fn update_member_metadata(
        &mut self,
        organization_id: Uuid,
        user_id: Uuid,
        request: UpdateOrganizationMetadataRequest,
    ) -> Result<ServerOrganizationMemberResponse, MockError> {
        self.organization(organization_id)?;
        let mut member = self
            .members
            .get(&(organization_id, user_id))
            .cloned()
            .ok_or_else(|| {
                MockError::not_found(
                    "member",
                    format!("{user_id} in organization {organization_id}"),
                )
            })?;
        merge_bags(
            &mut member.public_metadata,
            &mut member.private_metadata,
            request,
        )?;
        self.members
            .insert((organization_id, user_id), member.clone());
        Ok(member)
    }

    // ----- invitations -----

    pub(crate) fn create_invitation(
        &mut self,
        request: CreateEnvironmentInvitationServerRequest,
        now: DateTime<Utc>,
    ) -> Result<EnvironmentInvitationResponse, MockError> {
        check_email(&request.email)?;
        if self.user_with_email(&request.email).is_some() {
            return Err(MockError::new(
                http::StatusCode::CONFLICT,
                "email_taken",
                "the email already belongs to a user of the environment",
            ));
        }
        let days = request.expires_in_days.flatten().unwrap_or(7);
        if !(1..=30).contains(&days) {
            return Err(MockError::bad_request(
                "invalid_expiry",
                format!("expiresInDays must be between 1 and 30, not {days}"),
            ));
        }
        let public_metadata = strip_nulls(request.public_metadata);
        let private_metadata = strip_nulls(request.private_metadata);
        check_budget(
            &[&public_metadata, &private_metadata],
            "the invitation's metadata",
        )?;
        let response = EnvironmentInvitationResponse {
            id: self.ids.next(),
            environment_id: self.environment_id,
            email: request.email,
            status: InvitationStatus::Pending,
            expires_at: now + Duration::days(i64::from(days)),
            created_at: now,
            accepted_at: None,
            revoked_at: None,
        };
        self.invitations.insert(
            response.id,
            Invitation {
                response: response.clone(),
                public_metadata,
                private_metadata,
            },
        );
        Ok(response)
    }

    pub(crate) fn invitation(
        &self,
        id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<EnvironmentInvitationResponse, MockError> {
        let invitation = self
            .invitations
            .get(&id)
            .ok_or_else(|| MockError::not_found("invitation", id))?;
        let mut response = invitation.response.clone();
        if response.status == InvitationStatus::Pending && response.expires_at <= now {
            response.status = InvitationStatus::Expired;
        }
        Ok(response)
    }

    pub(crate) fn list_invitations(
        &self,
        statuses: &[String],
        search: Option<&str>,
        paging: Paging,
        now: DateTime<Utc>,
    ) -> Page<EnvironmentInvitationResponse> {
        let current: Vec<(Uuid, EnvironmentInvitationResponse)> = self
            .invitations
            .keys()
            .filter_map(|id| Some((*id, self.invitation(*id, now).ok()?)))
            .filter(|(_, invitation)| {
                statuses.is_empty()
                    || statuses
                        .iter()
                        .any(|s| s.eq_ignore_ascii_case(invitation.status.as_str()))
            })
            .filter(|(_, invitation)| search.is_none_or(|s| contains_ci(&invitation.email, s)))
            .collect();
        paging.page(current.iter().map(|(id, invitation)| (*id, invitation)))
    }

    fn pending_invitation(
        &mut self,
        id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<&mut Invitation, MockError> {
        let status = self.invitation(id, now)?.status;
        if status != InvitationStatus::Pending {
            return Err(MockError::bad_request(
                "invitation_not_pending",
                format!("invitation {id} is {}", status.as_str()),
            ));
        }
        self.invitations
            .get_mut(&id)
            .ok_or_else(|| MockError::not_found("invitation", id))
    }

    /// A new link: the expiry starts again from now.
    pub(crate) fn resend_invitation(
        &mut self,
        id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<EnvironmentInvitationResponse, MockError> {
        let invitation = self.pending_invitation(id, now)?;
        let lifetime = invitation.response.expires_at - invitation.response.created_at;
        invitation.response.expires_at = now + lifetime;
        Ok(invitation.response.clone())
    }

    /// Safe to repeat on a revoked invitation; an accepted or expired one cannot be revoked.
    pub(crate) fn revoke_invitation(
        &mut self,
        id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<(), MockError> {
        if self.invitation(id, now)?.status == InvitationStatus::Revoked {
            return Ok(());
        }
        let invitation = self.pending_invitation(id, now)?;
        invitation.response.status = InvitationStatus::Revoked;
        invitation.response.revoked_at = Some(now);
        Ok(())
    }

    /// What happens when the invitee follows the link: a user with the invitation's metadata.
    pub(crate) fn accept_invitation(
        &mut self,
        id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<ServerUserResponse, MockError> {
        let invitation = self.pending_invitation(id, now)?.clone();
        let user = self.create_user(
            CreateUserRequest {
                email: Some(Some(invitation.response.email.clone())),
                public_metadata: Some(invitation.public_metadata),
                private_metadata: Some(invitation.private_metadata),
                ..CreateUserRequest::default()
            },
            now,
        )?;
        if let Some(invitation) = self.invitations.get_mut(&id) {
            invitation.response.status = InvitationStatus::Accepted;
            invitation.response.accepted_at = Some(now);
        }
        Ok(user)
    }

    // ----- impersonation -----

    pub(crate) fn mint_impersonation_token(
        &mut self,
        user_id: Uuid,
        request: &ServerImpersonationTokenRequest,
        token: String,
    ) -> Result<ServerImpersonationTokenResponse, MockError> {
        match self.users.get(&user_id) {
            None => return Err(MockError::forbidden("user", user_id)),
            Some(user) if user.status == UserStatus::Deleted => {
                return Err(MockError::bad_request(
                    "user_deleted",
                    format!("user {user_id} is deleted"),
                ));
            }
            Some(_) => {}
        }
        self.user_or_forbidden(request.actor_user_id)?;
        // The spec bounds the reason's length and the lifetime (checked before any handler);
        // that a reason says something is only its prose.
        if request.reason.trim().is_empty() {
            return Err(MockError::bad_request(
                "invalid_reason",
                "reason is required: it is written to the audit log",
            ));
        }
        let lifetime = request.expires_in_seconds.flatten().unwrap_or(600);
        let url = match request.redirect_url.as_ref().and_then(Option::as_deref) {
            None => None,
            Some(redirect) => {
                let origin = origin_of(redirect).ok_or_else(|| {
                    MockError::bad_request("invalid_redirect_url", "redirectUrl is not a URL")
                })?;
                if !self.allowed_origins.contains(&origin) {
                    return Err(MockError::bad_request(
                        "origin_not_allowed",
                        format!("{origin} is not an allowed origin"),
                    ));
                }
                let mut url = url::Url::parse(redirect).map_err(|_| {
                    MockError::bad_request("invalid_redirect_url", "redirectUrl is not a URL")
                })?;
                url.query_pairs_mut()
                    .append_pair("__torii_impersonation", &token);
                Some(url.to_string())
            }
        };
        self.impersonation_tokens += 1;
        Ok(ServerImpersonationTokenResponse {
            token,
            expires_in_seconds: lifetime,
            url,
        })
    }

    pub(crate) fn impersonation_tokens(&self) -> usize {
        self.impersonation_tokens
    }

    // ----- allowed origins -----

    pub(crate) fn allowed_origins(&self) -> &[String] {
        &self.allowed_origins
    }

    /// Replaces the list; each entry must be a bare origin (`scheme://host[:port]`).
    pub(crate) fn set_allowed_origins(
        &mut self,
        origins: Vec<String>,
    ) -> Result<&[String], MockError> {
        let mut normalized = Vec::with_capacity(origins.len());
        for origin in origins {
            let parsed = bare_origin(&origin).ok_or_else(|| {
                MockError::bad_request(
                    "invalid_origin",
                    format!("{origin:?} is not an origin (scheme://host[:port])"),
                )
            })?;
            if !normalized.contains(&parsed) {
                normalized.push(parsed);
            }
        }
        self.allowed_origins = normalized;
        Ok(&self.allowed_origins)
    }
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

fn strip_nulls(bag: JsonObject) -> JsonObject {
    let mut clean = JsonObject::new();
    merge(&mut clean, bag);
    clean
}

fn merge_bags(
    public: &mut JsonObject,
    private: &mut JsonObject,
    request: UpdateOrganizationMetadataRequest,
) -> Result<(), MockError> {
    if request.public_metadata.is_none() && request.private_metadata.is_none() {
        return Err(MockError::bad_request(
            "nothing_to_update",
            "send publicMetadata, privateMetadata or both",
        ));
    }
    let mut new_public = public.clone();
    let mut new_private = private.clone();
    if let Some(patch) = request.public_metadata {
        merge(&mut new_public, patch);
    }
    if let Some(patch) = request.private_metadata {
        merge(&mut new_private, patch);
    }
    check_budget(&[&new_public], "publicMetadata")?;
    check_budget(&[&new_private], "privateMetadata")?;
    *public = new_public;
    *private = new_private;
    Ok(())
}

fn check_user_budget(user: &ServerUserResponse) -> Result<(), MockError> {
    check_budget(
        &[
            &user.public_metadata,
            &user.private_metadata,
            &user.unsafe_metadata,
        ],
        "the user's metadata",
    )
}

fn check_budget(bags: &[&JsonObject], what: &str) -> Result<(), MockError> {
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

fn check_email(email: &str) -> Result<(), MockError> {
    match email.split_once('@') {
        Some((local, domain)) if !local.is_empty() && domain.contains('.') => Ok(()),
        _ => Err(MockError::bad_request(
            "invalid_email",
            format!("{email:?} is not an email address"),
        )),
    }
}

fn full_name(user: &ServerUserResponse) -> Option<String> {
    match (user.first_name.as_deref(), user.last_name.as_deref()) {
        (None, None) => None,
        (Some(first), None) => Some(first.to_owned()),
        (None, Some(last)) => Some(last.to_owned()),
        (Some(first), Some(last)) => Some(format!("{first} {last}")),
    }
}

/// `org:billing_admin` is shown as "Billing admin".
fn role_name(role: &str) -> Option<String> {
    let key = role.strip_prefix("org:").unwrap_or(role).replace('_', " ");
    let mut chars = key.chars();
    let first = chars.next()?;
    Some(first.to_uppercase().chain(chars).collect())
}

fn contains_ci(haystack: &str, needle: &str) -> bool {
    haystack.to_lowercase().contains(&needle.to_lowercase())
}

/// `scheme://host[:port]` of an absolute URL, or `None`.
fn origin_of(url: &str) -> Option<String> {
    origin(&url::Url::parse(url).ok()?)
}

/// The origin `text` names when it is nothing but an origin (a trailing `/` allowed).
fn bare_origin(text: &str) -> Option<String> {
    let parsed = url::Url::parse(text).ok()?;
    let bare = matches!(parsed.path(), "" | "/")
        && parsed.query().is_none()
        && parsed.fragment().is_none()
        && parsed.username().is_empty()
        && parsed.password().is_none();
    origin(&parsed).filter(|_| bare)
}

fn origin(parsed: &url::Url) -> Option<String> {
    let host = parsed.host_str()?;
    Some(match parsed.port() {
        Some(port) => format!("{}://{host}:{port}", parsed.scheme()),
        None => format!("{}://{host}", parsed.scheme()),
    })
}
