//! Organizations and their members, with their metadata bags.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::*;
use crate::models::*;
use crate::testing::backend::problem::MockError;

impl Store {
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
    /// The membership of `user_id` in `organization_id`, when there is one.
    pub(crate) fn member(
        &self,
        organization_id: Uuid,
        user_id: Uuid,
    ) -> Option<&ServerOrganizationMemberResponse> {
        self.members.get(&(organization_id, user_id))
    }

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
}

/// `org:billing_admin` is shown as "Billing admin".
pub(super) fn role_name(role: &str) -> Option<String> {
    let key = role.strip_prefix("org:").unwrap_or(role).replace('_', " ");
    let mut chars = key.chars();
    let first = chars.next()?;
    Some(first.to_uppercase().chain(chars).collect())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::test_support::{now, store_with_users};
    use super::*;

    #[test]
    fn members_are_listed_in_user_order_whatever_the_order_they_joined() {
        let (mut store, ids) =
            store_with_users(&["a@example.com", "b@example.com", "c@example.com"]);
        let organization = store
            .create_organization("Analytical", None, now())
            .expect("created");
        for user in [ids[2], ids[0], ids[1]] {
            store
                .add_member(organization.id, user, "org:member", now())
                .expect("member");
        }
        let page = store
            .list_members(organization.id, Paging::new(None, None).expect("paging"))
            .expect("listed");
        let users: Vec<Uuid> = page.items.iter().map(|m| m.user_id).collect();
        assert_eq!(users, ids);
    }

    #[test]
    fn role_names_read_as_words() {
        assert_eq!(
            role_name("org:billing_admin").as_deref(),
            Some("Billing admin")
        );
        assert_eq!(role_name("admin").as_deref(), Some("Admin"));
        assert_eq!(role_name(""), None);
    }

    #[test]
    fn each_bag_of_an_organization_has_its_own_budget() {
        let (mut store, _) = store_with_users(&[]);
        let organization = store
            .create_organization("Analytical", None, now())
            .expect("created");
        let big = json!({"k": "x".repeat(METADATA_BUDGET - 100)});
        let request = UpdateOrganizationMetadataRequest {
            public_metadata: big.as_object().cloned(),
            private_metadata: big.as_object().cloned(),
        };
        store
            .update_organization_metadata(organization.id, request)
            .expect("each bag fits on its own");
        let nothing = store
            .update_organization_metadata(
                organization.id,
                UpdateOrganizationMetadataRequest::default(),
            )
            .expect_err("nothing to update");
        assert_eq!(nothing.code(), "nothing_to_update");
    }
}
