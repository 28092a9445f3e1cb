//! Sessions: created by sign-in (seeded here), listed, revoked one by one or all at once.

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use super::*;
use crate::models::*;
use crate::testing::backend::problem::MockError;

/// How long a session lives unless renewed.
const SESSION_LIFETIME: Duration = Duration::days(7);

impl Store {
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

    /// The session `id`, when it is live.
    pub(crate) fn session(&self, id: Uuid) -> Option<&UserSessionResponse> {
        self.sessions.get(&id)
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
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{now, store_with_users};
    use super::*;

    #[test]
    fn revoking_is_per_session_and_safe_to_repeat() {
        let (mut store, ids) = store_with_users(&["ada@example.com"]);
        let first = store.create_session(ids[0], now()).expect("session");
        let second = store.create_session(ids[0], now()).expect("session");
        store.revoke_session(ids[0], first.id).expect("revoked");
        store
            .revoke_session(ids[0], first.id)
            .expect("again: already gone");
        let left: Vec<Uuid> = store
            .sessions_of(ids[0], now())
            .expect("listed")
            .iter()
            .map(|s| s.id)
            .collect();
        assert_eq!(left, [second.id]);
        store.revoke_all_sessions(ids[0]).expect("all");
        assert!(store.sessions_of(ids[0], now()).expect("listed").is_empty());
    }

    #[test]
    fn a_session_lives_for_the_session_lifetime() {
        let (mut store, ids) = store_with_users(&["ada@example.com"]);
        let started = now();
        let session = store.create_session(ids[0], started).expect("session");
        assert_eq!(session.expires_at, started + SESSION_LIFETIME);
    }
}
