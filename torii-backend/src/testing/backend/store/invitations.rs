//! Invitations: created, read with their metadata, resent, revoked, accepted, and their
//! metadata merged while they are pending.

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use super::*;
use crate::models::*;
use crate::testing::backend::problem::MockError;

/// An invitation as stored: the detail model, which holds everything the summary has.
pub(crate) type Invitation = EnvironmentInvitationDetailResponse;

/// The summary the listing, `create` and `resend` answer with.
fn summary(invitation: &Invitation) -> EnvironmentInvitationResponse {
    EnvironmentInvitationResponse {
        id: invitation.id,
        environment_id: invitation.environment_id,
        email: invitation.email.clone(),
        status: invitation.status.clone(),
        expires_at: invitation.expires_at,
        created_at: invitation.created_at,
        accepted_at: invitation.accepted_at,
        revoked_at: invitation.revoked_at,
    }
}

impl Store {
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
        check_invitation_budget(&public_metadata, &private_metadata)?;
        let invitation = Invitation {
            id: self.ids.next(),
            environment_id: self.environment_id,
            email: request.email,
            status: InvitationStatus::Pending,
            expires_at: now + Duration::days(i64::from(days)),
            created_at: now,
            accepted_at: None,
            revoked_at: None,
            public_metadata,
            private_metadata,
        };
        let answer = summary(&invitation);
        self.invitations.insert(invitation.id, invitation);
        Ok(answer)
    }

    /// The invitation with its metadata, its status as of `now` (a pending one past its
    /// expiry reads as expired).
    pub(crate) fn invitation(&self, id: Uuid, now: DateTime<Utc>) -> Result<Invitation, MockError> {
        let mut invitation = self
            .invitations
            .get(&id)
            .ok_or_else(|| MockError::not_found("invitation", id))?
            .clone();
        if invitation.status == InvitationStatus::Pending && invitation.expires_at <= now {
            invitation.status = InvitationStatus::Expired;
        }
        Ok(invitation)
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
            .filter_map(|id| Some((*id, summary(&self.invitation(*id, now).ok()?))))
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

    /// The invitation, to change, when it is still pending.
    pub(super) fn pending_invitation(
        &mut self,
        id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<&mut Invitation, MockError> {
        let status = self.invitation(id, now)?.status;
        if status != InvitationStatus::Pending {
            return Err(not_pending(http::StatusCode::BAD_REQUEST, id, &status));
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
        let lifetime = invitation.expires_at - invitation.created_at;
        invitation.expires_at = now + lifetime;
        Ok(summary(invitation))
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
        invitation.status = InvitationStatus::Revoked;
        invitation.revoked_at = Some(now);
        Ok(())
    }

    /// Deep-merges the bags of `request` into a pending invitation; both bags together must
    /// stay within the budget, as at `create`. A refused request changes nothing.
    pub(crate) fn update_invitation_metadata(
        &mut self,
        id: Uuid,
        request: UpdateEnvironmentInvitationMetadataRequest,
        now: DateTime<Utc>,
    ) -> Result<Invitation, MockError> {
        let status = self.invitation(id, now)?.status;
        if status != InvitationStatus::Pending {
            // The spec gives this operation a 409 with the state in `invitationStatus`.
            return Err(not_pending(http::StatusCode::CONFLICT, id, &status)
                .with_member("invitationStatus", status.as_str()));
        }
        let invitation = self.pending_invitation(id, now)?;
        let (public, private) = merged_bags(
            &invitation.public_metadata,
            &invitation.private_metadata,
            request.public_metadata,
            request.private_metadata,
        )?;
        check_invitation_budget(&public, &private)?;
        invitation.public_metadata = public;
        invitation.private_metadata = private;
        Ok(invitation.clone())
    }

    /// Moves a pending invitation's expiry to `now`, so that it reads as expired from then on.
    pub(crate) fn expire_invitation(
        &mut self,
        id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Invitation, MockError> {
        let invitation = self.pending_invitation(id, now)?;
        invitation.expires_at = now;
        let id = invitation.id;
        self.invitation(id, now)
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
                email: Some(Some(invitation.email)),
                public_metadata: Some(invitation.public_metadata),
                private_metadata: Some(invitation.private_metadata),
                ..CreateUserRequest::default()
            },
            now,
        )?;
        if let Some(invitation) = self.invitations.get_mut(&id) {
            invitation.status = InvitationStatus::Accepted;
            invitation.accepted_at = Some(now);
        }
        Ok(user)
    }
}

fn not_pending(status: http::StatusCode, id: Uuid, state: &InvitationStatus) -> MockError {
    MockError::new(
        status,
        "invitation_not_pending",
        format!("invitation {id} is {}", state.as_str()),
    )
}

fn check_invitation_budget(public: &JsonObject, private: &JsonObject) -> Result<(), MockError> {
    check_budget(&[public, private], "the invitation's metadata")
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{now, store_with_users};
    use super::*;

    fn invite(store: &mut Store, email: &str) -> EnvironmentInvitationResponse {
        let request = CreateEnvironmentInvitationServerRequest {
            email: email.to_owned(),
            expires_in_days: None,
            redirect_url: None,
            public_metadata: JsonObject::new(),
            private_metadata: JsonObject::new(),
        };
        store.create_invitation(request, now()).expect("invited")
    }

    #[test]
    fn an_accepted_invitation_makes_a_user_and_is_no_longer_pending() {
        let (mut store, _) = store_with_users(&[]);
        let invitation = invite(&mut store, "ada@example.com");
        let user = store
            .accept_invitation(invitation.id, now())
            .expect("accepted");
        assert_eq!(user.email.as_deref(), Some("ada@example.com"));
        assert_eq!(
            store.invitation(invitation.id, now()).expect("kept").status,
            InvitationStatus::Accepted
        );
        assert!(
            store.resend_invitation(invitation.id, now()).is_err(),
            "only a pending one is resent"
        );
    }

    #[test]
    fn an_address_that_already_has_a_user_cannot_be_invited() {
        let (mut store, _) = store_with_users(&["ada@example.com"]);
        let request = CreateEnvironmentInvitationServerRequest {
            email: "ada@example.com".to_owned(),
            expires_in_days: None,
            redirect_url: None,
            public_metadata: JsonObject::new(),
            private_metadata: JsonObject::new(),
        };
        let error = store.create_invitation(request, now()).expect_err("taken");
        assert_eq!(error.code(), "email_taken");
    }
}
