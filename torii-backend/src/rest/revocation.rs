//! Whether a verified token's session is still live: the one check local verification cannot
//! make.

use http::StatusCode;

use crate::error::{Error, InvalidArgument};
use crate::verify::Auth;

impl crate::Client {
    /// Whether the session of a verified token is still active on the server: not revoked,
    /// not ended by a ban, its user not deleted.
    ///
    /// Local verification cannot know this: a token verifies until its `exp` (Torii's session
    /// tokens live for minutes) even after `sessions().revoke(..)`, `revoke_all_for_user(..)`
    /// or `users().ban(..)`. Call this where acting on a revoked session for those minutes
    /// matters (changing a password, paying, deleting data), not on every request.
    ///
    /// **Cost:** one API call (`GET /users/{userId}/sessions`), retried as any GET is.
    ///
    /// It answers `false`, never an error, when the server does not show the user to this
    /// client's key: 404, and the 403 it answers for a deleted user (and for a user of another
    /// environment than the key's, which no session of this environment can belong to).
    ///
    /// ```no_run
    /// # async fn handler(torii: torii_backend::Client, auth: torii_backend::Auth) -> Result<(), torii_backend::Error> {
    /// if !torii.session_is_active(&auth).await? {
    ///     // Treat as signed out: answer 401 and let the client sign in again.
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] when the token names no session (`sid`), and nothing is sent;
    /// otherwise the errors of the API call.
    pub async fn session_is_active(&self, auth: &Auth) -> Result<bool, Error> {
        let Some(session_id) = auth.session_id.as_deref() else {
            return Err(InvalidArgument::new(
                "sid",
                "the token names no session, so there is none to look up",
            )
            .into());
        };
        let Ok(session_id) = uuid::Uuid::parse_str(session_id) else {
            // Not a session id the server could have issued: no session of the user has it.
            return Ok(false);
        };
        match self.sessions().list_for_user(&auth.user_id).send().await {
            Ok(sessions) => Ok(sessions.iter().any(|session| session.id == session_id)),
            Err(Error::Api(error))
                if matches!(
                    error.status(),
                    StatusCode::NOT_FOUND | StatusCode::FORBIDDEN
                ) =>
            {
                Ok(false)
            }
            Err(error) => Err(error),
        }
    }
}
