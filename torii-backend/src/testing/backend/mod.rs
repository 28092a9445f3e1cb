//! The Backend API half of [`MockTorii`] (features `testing` and `api`): every operation of
//! `spec/server-v1.json` over an in-memory environment, on the same loopback server as the
//! issuer.
//!
//! The rules it follows are documented on the `testing` module.

mod faults;
mod handlers;
mod problem;
mod seed;
mod store;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::Router;
use axum::extract::{Request, State};
use axum::handler::Handler;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, on};
use uuid::Uuid;

pub use faults::ApiFault;
pub use problem::MockError;
pub use seed::UserSeed;

use super::MockTorii;
use super::server::DropConnection;
use crate::models::{
    ServerOrganizationMemberResponse, ServerOrganizationResponse, ServerUserResponse,
    UserSessionResponse,
};
use faults::FaultPlan;
use problem::problem_response;
use store::Store;

/// The operationId of every operation the mock serves, which is every operation of the spec
/// (a test compares the two).
pub(crate) const OPERATIONS: [&str; 25] = [
    "list",
    "set",
    "createUser",
    "getUser",
    "updateUser",
    "updateUserMetadata",
    "deleteUser",
    "banUser",
    "unbanUser",
    "searchUsers",
    "listUserOrganizations",
    "listSessions",
    "revokeSession",
    "revokeAllSessions",
    "listOrganizations",
    "getOrganization",
    "updateOrganizationMetadata",
    "listMembers",
    "updateMemberMetadata",
    "list_1",
    "create",
    "get",
    "resend",
    "revoke",
    "mintImpersonationToken",
];

/// The mock's Backend API state, shared by its handlers and the [`MockTorii`] handle.
#[derive(Debug)]
pub(crate) struct ApiState {
    secret_key: String,
    store: Mutex<Store>,
    faults: Mutex<FaultPlan>,
    calls: Mutex<BTreeMap<&'static str, usize>>,
}

impl ApiState {
    pub(crate) fn new() -> Self {
        let salt = u32::from_str_radix(&random_hex(4), 16).unwrap_or(0);
        Self {
            secret_key: format!("sk_test_mock_{}", random_hex(16)),
            store: Mutex::new(Store::new(salt)),
            faults: Mutex::new(FaultPlan::default()),
            calls: Mutex::new(BTreeMap::new()),
        }
    }

    pub(crate) fn environment_id(&self) -> Uuid {
        self.store().environment_id()
    }

    fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn faults(&self) -> MutexGuard<'_, FaultPlan> {
        self.faults.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn calls(&self) -> MutexGuard<'_, BTreeMap<&'static str, usize>> {
        self.calls.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The routes of every operation, each behind the gate that counts it, injects planned faults
/// and checks the secret key.
pub(crate) fn router(api: Arc<ApiState>) -> Router {
    use handlers::*;
    const V1: &str = "/api/server/v1";
    let (get, post, put, patch, delete) = (
        MethodFilter::GET,
        MethodFilter::POST,
        MethodFilter::PUT,
        MethodFilter::PATCH,
        MethodFilter::DELETE,
    );
    Routes::new(api)
        .add("list", get, "/allowed-origins", list_allowed_origins)
        .add("set", put, "/allowed-origins", set_allowed_origins)
        .add("createUser", post, "/users", create_user)
        .add("searchUsers", post, "/users/search", search_users)
        .add("getUser", get, "/users/{userId}", get_user)
        .add("updateUser", patch, "/users/{userId}", update_user)
        .add("deleteUser", delete, "/users/{userId}", delete_user)
        .add(
            "updateUserMetadata",
            patch,
            "/users/{userId}/metadata",
            update_user_metadata,
        )
        .add("banUser", post, "/users/{userId}/ban", ban_user)
        .add("unbanUser", post, "/users/{userId}/unban", unban_user)
        .add(
            "listUserOrganizations",
            get,
            "/users/{userId}/organizations",
            list_user_organizations,
        )
        .add(
            "listSessions",
            get,
            "/users/{userId}/sessions",
            list_sessions,
        )
        .add(
            "revokeAllSessions",
            delete,
            "/users/{userId}/sessions",
            revoke_all_sessions,
        )
        .add(
            "revokeSession",
            delete,
            "/users/{userId}/sessions/{sessionId}",
            revoke_session,
        )
        .add(
            "mintImpersonationToken",
            post,
            "/users/{userId}/impersonation-token",
            mint_impersonation_token,
        )
        .add(
            "listOrganizations",
            get,
            "/organizations",
            list_organizations,
        )
        .add(
            "getOrganization",
            get,
            "/organizations/{organizationId}",
            get_organization,
        )
        .add(
            "updateOrganizationMetadata",
            patch,
            "/organizations/{organizationId}/metadata",
            update_organization_metadata,
        )
        .add(
            "listMembers",
            get,
            "/organizations/{organizationId}/members",
            list_members,
        )
        .add(
            "updateMemberMetadata",
            patch,
            "/organizations/{organizationId}/members/{memberUserId}/metadata",
            update_member_metadata,
        )
        .add("list_1", get, "/invitations", list_invitations)
        .add("create", post, "/invitations", create_invitation)
        .add("get", get, "/invitations/{invitationId}", get_invitation)
        .add(
            "revoke",
            delete,
            "/invitations/{invitationId}",
            revoke_invitation,
        )
        .add(
            "resend",
            post,
            "/invitations/{invitationId}/resend",
            resend_invitation,
        )
        .finish(V1)
}

struct Routes {
    api: Arc<ApiState>,
    router: Router<Arc<ApiState>>,
}

impl Routes {
    fn new(api: Arc<ApiState>) -> Self {
        Self {
            api,
            router: Router::new(),
        }
    }

    fn add<H, T>(
        mut self,
        operation: &'static str,
        method: MethodFilter,
        path: &str,
        handler: H,
    ) -> Self
    where
        H: Handler<T, Arc<ApiState>>,
        T: 'static,
    {
        debug_assert!(
            OPERATIONS.contains(&operation),
            "{operation} is not in OPERATIONS"
        );
        let gate = Gate {
            api: Arc::clone(&self.api),
            operation,
        };
        self.router = self.router.route(
            path,
            on(method, handler).layer(from_fn_with_state(gate, gate_request)),
        );
        self
    }

    fn finish(self, prefix: &str) -> Router {
        Router::new()
            .nest(prefix, self.router.with_state(self.api))
            .fallback(|| async {
                problem_response(StatusCode::NOT_FOUND, "not_found", "no such operation")
            })
    }
}

#[derive(Clone)]
struct Gate {
    api: Arc<ApiState>,
    operation: &'static str,
}

/// What every request meets before its handler: it is counted, then gets any fault planned
/// for it, then must carry the secret key.
async fn gate_request(State(gate): State<Gate>, request: Request, next: Next) -> Response {
    *gate.api.calls().entry(gate.operation).or_default() += 1;
    let fault = gate.api.faults().take(gate.operation);
    match fault {
        None => {}
        Some(ApiFault::Slow(delay)) => tokio::time::sleep(delay).await,
        Some(ApiFault::Hang) => std::future::pending().await,
        Some(ApiFault::DropConnection) => {
            let mut response = Response::default();
            response.extensions_mut().insert(DropConnection);
            return response;
        }
        Some(ApiFault::RateLimited { retry_after }) => {
            let mut response = problem_response(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                "too many requests; slow down",
            );
            if let Some(delay) = retry_after {
                let seconds = delay.as_secs() + u64::from(delay.subsec_nanos() > 0);
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
            }
            return response;
        }
        Some(ApiFault::Unavailable) => {
            return problem_response(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "the service is unavailable; try again",
            );
        }
        Some(ApiFault::Status(status)) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            return problem_response(status, "injected_fault", "a fault injected by the test");
        }
        Some(ApiFault::RawBody { status, body }) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            return (status, [(header::CONTENT_TYPE, "text/plain")], body).into_response();
        }
    }
    let expected = format!("Bearer {}", gate.api.secret_key);
    let authorized = request
        .headers()
        .get(header::AUTHORIZATION)
        .is_some_and(|value| value.as_bytes() == expected.as_bytes());
    if !authorized {
        return problem_response(
            StatusCode::UNAUTHORIZED,
            "invalid_secret_key",
            "the secret key is missing or not valid",
        );
    }
    next.run(request).await
}

/// `bytes` random bytes as lowercase hex.
pub(crate) fn random_hex(bytes: usize) -> String {
    let mut buffer = vec![0_u8; bytes];
    // aws-lc's generator only fails when the OS has no entropy source, where nothing in this
    // process would work; the mock then still runs, with less random names.
    let _ = aws_lc_rs::rand::fill(&mut buffer);
    buffer.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// The Backend API half: the client, seeding, faults and counters.
impl MockTorii {
    /// The secret key the mock accepts (`sk_test_mock_…`, different for every mock).
    pub fn secret_key(&self) -> &str {
        &self.api.secret_key
    }

    /// The API URL: the same server as the issuer.
    pub fn api_url(&self) -> &str {
        self.issuer()
    }

    /// The id of the mock's environment, `environmentId` of everything it returns.
    pub fn environment_id(&self) -> Uuid {
        self.api.environment_id()
    }

    /// A [`Client`](crate::Client) for this mock, with the default settings.
    ///
    /// # Panics
    ///
    /// Never: the mock's key and loopback URL are always a valid configuration.
    #[allow(clippy::expect_used)] // the `# Panics` above: the mock's own key and URL are valid
    pub fn client(&self) -> crate::Client {
        crate::Client::builder()
            .secret_key(self.secret_key())
            .api_url(self.api_url())
            .build()
            .expect("the mock's secret key and loopback URL are a valid configuration")
    }

    /// Starts a user to add directly, without a request: see [`UserSeed`].
    pub fn seed_user(&self) -> UserSeed<'_> {
        UserSeed::new(self)
    }

    /// The user `id` as stored, deleted or not.
    pub fn user(&self, id: Uuid) -> Option<ServerUserResponse> {
        self.api.store().stored_user(id).cloned()
    }

    /// Opens a session for the user, as a sign-in would; it is listed by
    /// `sessions().list_for_user` until revoked or the user is banned or deleted.
    ///
    /// # Errors
    ///
    /// 404 for an unknown user, 403 for a deleted or banned one.
    pub fn create_session(&self, user_id: Uuid) -> Result<UserSessionResponse, MockError> {
        self.api.store().create_session(user_id, chrono::Utc::now())
    }

    /// A session token of `session`: `sub` its user, `pid` the environment, `sid` its id.
    pub fn session_token(&self, session: &UserSessionResponse) -> String {
        self.token()
            .subject(session.user_id.to_string())
            .environment(session.environment_id.to_string())
            .session_id(session.id.to_string())
            .sign()
    }

    /// Adds an organization.
    ///
    /// # Errors
    ///
    /// 400 when `name` is blank.
    pub fn create_organization(&self, name: &str) -> Result<ServerOrganizationResponse, MockError> {
        self.api
            .store()
            .create_organization(name, None, chrono::Utc::now())
    }

    /// Makes the user a member of the organization with `role` (e.g. `org:member`), or
    /// changes the role of a member.
    ///
    /// # Errors
    ///
    /// 404 for an unknown organization or user, 403 for a deleted user.
    pub fn add_member(
        &self,
        organization_id: Uuid,
        user_id: Uuid,
        role: &str,
    ) -> Result<ServerOrganizationMemberResponse, MockError> {
        self.api
            .store()
            .add_member(organization_id, user_id, role, chrono::Utc::now())
    }

    /// Accepts a pending invitation as its invitee would: creates the user with the
    /// invitation's email and metadata.
    ///
    /// # Errors
    ///
    /// 404 for an unknown invitation, 400 when it is not pending, 409 when the email has
    /// become a user's meanwhile.
    pub fn accept_invitation(&self, invitation_id: Uuid) -> Result<ServerUserResponse, MockError> {
        self.api
            .store()
            .accept_invitation(invitation_id, chrono::Utc::now())
    }

    /// How many impersonation tokens were minted.
    pub fn impersonation_tokens(&self) -> usize {
        self.api.store().impersonation_tokens()
    }

    /// Serves `fault` to the next `requests` Backend API requests, whatever their operation.
    /// Planned faults are served in the order they were planned.
    pub fn fail_next(&self, requests: usize, fault: ApiFault) {
        self.api.faults().add(None, requests, fault);
    }

    /// Serves `fault` to the next `requests` requests to one operation, named by its
    /// `operationId` in the spec (`getUser`, `searchUsers`, …).
    ///
    /// # Errors
    ///
    /// When the spec has no such operation.
    pub fn fail_operation(
        &self,
        operation_id: &str,
        requests: usize,
        fault: ApiFault,
    ) -> Result<(), MockError> {
        let operation = known_operation(operation_id)?;
        self.api.faults().add(Some(operation), requests, fault);
        Ok(())
    }

    /// Drops every planned fault not yet served.
    pub fn clear_faults(&self) {
        self.api.faults().clear();
    }

    /// How many requests reached the operation `operation_id` (retries and faulted requests
    /// included); 0 for a name that is not an operation.
    pub fn calls(&self, operation_id: &str) -> usize {
        self.api.calls().get(operation_id).copied().unwrap_or(0)
    }

    /// How many Backend API requests the mock received, all operations together.
    pub fn api_requests(&self) -> usize {
        self.api.calls().values().sum()
    }
}

fn known_operation(operation_id: &str) -> Result<&'static str, MockError> {
    OPERATIONS
        .iter()
        .copied()
        .find(|operation| *operation == operation_id)
        .ok_or_else(|| {
            MockError::bad_request(
                "unknown_operation",
                format!("the spec has no operation {operation_id:?}"),
            )
        })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn the_mock_serves_exactly_the_operations_of_the_spec() {
        let spec: serde_json::Value =
            serde_json::from_str(include_str!("../../../spec/server-v1.json"))
                .expect("the spec is JSON");
        let in_spec: BTreeSet<&str> = spec["paths"]
            .as_object()
            .into_iter()
            .flat_map(|paths| paths.values())
            .filter_map(serde_json::Value::as_object)
            .flat_map(|operations| operations.values())
            .filter_map(|operation| operation["operationId"].as_str())
            .collect();
        let served: BTreeSet<&str> = OPERATIONS.into_iter().collect();
        assert_eq!(served, in_spec);
        assert_eq!(
            served.len(),
            OPERATIONS.len(),
            "no operation is listed twice"
        );
    }

    #[test]
    fn an_unknown_operation_cannot_be_faulted() {
        let error = known_operation("getUsers").expect_err("not an operation");
        assert_eq!(error.code(), "unknown_operation");
        assert!(error.detail().contains("getUsers"));
        assert_eq!(known_operation("getUser"), Ok("getUser"));
    }
}
