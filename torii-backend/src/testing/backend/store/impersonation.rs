//! Impersonation tokens: minted for an operator acting as a user.

use uuid::Uuid;

use super::allowed_origins::origin_of;
use super::*;
use crate::models::*;
use crate::testing::backend::problem::MockError;

impl Store {
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
}

#[cfg(test)]
mod tests {
    use super::super::test_support::store_with_users;
    use super::*;

    fn request(actor: Uuid, redirect: Option<&str>) -> ServerImpersonationTokenRequest {
        ServerImpersonationTokenRequest {
            actor_user_id: actor,
            reason: "ticket 7".to_owned(),
            redirect_url: redirect.map(|url| Some(url.to_owned())),
            expires_in_seconds: None,
        }
    }

    #[test]
    fn a_redirect_must_be_on_an_allowed_origin() {
        let (mut store, ids) = store_with_users(&["target@example.com", "operator@example.com"]);
        let (target, operator) = (ids[0], ids[1]);
        let refused = store
            .mint_impersonation_token(
                target,
                &request(operator, Some("https://app.example.com/x")),
                "t1".into(),
            )
            .expect_err("no origin is allowed yet");
        assert_eq!(refused.status().as_u16(), 400);
        store
            .set_allowed_origins(vec!["https://app.example.com".into()])
            .expect("set");
        let minted = store
            .mint_impersonation_token(
                target,
                &request(operator, Some("https://app.example.com/x")),
                "t2".into(),
            )
            .expect("allowed");
        assert!(
            minted
                .url
                .is_some_and(|url| url.starts_with("https://app.example.com/x"))
        );
        assert_eq!(
            store.impersonation_tokens(),
            1,
            "the refused one was not minted"
        );
    }
}
