//! The Backend API half of [`MockTorii`] (features `testing` and `api`): every operation of
//! `spec/server-v1.json` over an in-memory environment, on the same loopback server as the
//! issuer.
//!
//! The rules it follows are documented on the `testing` module.

pub(crate) mod control;
mod faults;
mod handlers;
mod page;
mod problem;
mod requests;
mod seed;
mod snapshot;
mod store;
mod validate;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::Router;
use axum::extract::{RawPathParams, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, MethodRouter, on};
use uuid::Uuid;

pub use faults::ApiFault;
pub use problem::MockError;
pub use requests::RecordedRequest;
pub use seed::UserSeed;
pub use snapshot::{Snapshot, SnapshotError};

use super::MockTorii;
use super::issuer::IssuerState;
use super::server::DropConnection;
use crate::Operation;
use crate::models::{
    EnvironmentInvitationDetailResponse, ServerOrganizationMemberResponse,
    ServerOrganizationResponse, ServerUserResponse, UserSessionResponse,
};
use faults::FaultPlan;
pub(crate) use problem::method_not_allowed_as_problem;
use problem::problem_response;
use requests::RequestLog;
use store::Store;

/// The mock's Backend API state, shared by its handlers and the [`MockTorii`] handle.
#[derive(Debug)]
pub(crate) struct ApiState {
    secret_key: String,
    store: Mutex<Store>,
    faults: Mutex<FaultPlan>,
    calls: Mutex<BTreeMap<Operation, usize>>,
    requests: Mutex<RequestLog>,
}

impl ApiState {
    /// A new environment; `secret_key` is the key it accepts (a generated one when `None`),
    /// and `records` what it starts with.
    pub(crate) fn new(secret_key: Option<String>, records: Option<store::Records>) -> Self {
        let store = match records {
            Some(records) => Store::from_records(records, random_salt()),
            None => Store::new(random_salt()),
        };
        Self {
            secret_key: secret_key.unwrap_or_else(|| format!("sk_test_mock_{}", random_hex(16))),
            store: Mutex::new(store),
            faults: Mutex::new(FaultPlan::default()),
            calls: Mutex::new(BTreeMap::new()),
            requests: Mutex::new(RequestLog::default()),
        }
    }

    /// Whether `headers` carry the secret key as a bearer token.
    fn is_authorized(&self, headers: &axum::http::HeaderMap) -> bool {
        let expected = format!("Bearer {}", self.secret_key);
        headers
            .get(header::AUTHORIZATION)
            .is_some_and(|value| value.as_bytes() == expected.as_bytes())
    }

    /// Every user, session, organization, invitation and origin gone, planned faults and call
    /// counts too; the environment id, the secret key and the signing keys stay.
    fn reset(&self) {
        let mut store = self.store();
        *store = store.emptied(random_salt());
        drop(store);
        self.forget_activity();
    }

    /// Planned faults, call counts and the request log: what a reset or an import starts
    /// without.
    fn forget_activity(&self) {
        self.faults().clear();
        self.calls().clear();
        self.requests().clear();
    }

    fn call_counts(&self) -> BTreeMap<Operation, usize> {
        self.calls().clone()
    }

    fn snapshot(&self, issuer: &IssuerState) -> Snapshot {
        let records = self.store().records();
        Snapshot::new(&self.secret_key, &issuer.keys(), records)
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

    fn calls(&self) -> MutexGuard<'_, BTreeMap<Operation, usize>> {
        self.calls.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn requests(&self) -> MutexGuard<'_, RequestLog> {
        self.requests.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The routes of every operation of the spec, each at the method and path template the
/// operation table gives it, behind the gate that counts it, injects planned faults and checks
/// the secret key.
pub(crate) fn router(api: Arc<ApiState>) -> Router {
    let routes = Operation::ALL
        .iter()
        .fold(Router::new(), |router, &operation| {
            let gate = Gate {
                api: Arc::clone(&api),
                operation,
            };
            router.route(
                operation.path_template(),
                handler(operation).layer(from_fn_with_state(gate, gate_request)),
            )
        });
    routes.with_state(api).fallback(|| async {
        problem_response(StatusCode::NOT_FOUND, "not_found", "no such operation")
    })
}

/// The handler of `operation`, on its method. The match is exhaustive: an operation added to the
/// spec does not compile until the mock serves it.
fn handler(operation: Operation) -> MethodRouter<Arc<ApiState>> {
    use handlers::*;
    let method = MethodFilter::try_from(operation.method()).unwrap_or(MethodFilter::GET);
    match operation {
        Operation::ListAllowedOrigins => on(method, list_allowed_origins),
        Operation::SetAllowedOrigins => on(method, set_allowed_origins),
        Operation::CreateUser => on(method, create_user),
        Operation::SearchUsers => on(method, search_users),
        Operation::GetUser => on(method, get_user),
        Operation::UpdateUser => on(method, update_user),
        Operation::DeleteUser => on(method, delete_user),
        Operation::UpdateUserMetadata => on(method, update_user_metadata),
        Operation::BanUser => on(method, ban_user),
        Operation::UnbanUser => on(method, unban_user),
        Operation::ListUserOrganizations => on(method, list_user_organizations),
        Operation::ListSessions => on(method, list_sessions),
        Operation::RevokeAllSessions => on(method, revoke_all_sessions),
        Operation::RevokeSession => on(method, revoke_session),
        Operation::MintImpersonationToken => on(method, mint_impersonation_token),
        Operation::ListOrganizations => on(method, list_organizations),
        Operation::GetOrganization => on(method, get_organization),
        Operation::UpdateOrganizationMetadata => on(method, update_organization_metadata),
        Operation::ListMembers => on(method, list_members),
        Operation::UpdateMemberMetadata => on(method, update_member_metadata),
        Operation::ListInvitations => on(method, list_invitations),
        Operation::CreateInvitation => on(method, create_invitation),
        Operation::GetInvitation => on(method, get_invitation),
        Operation::UpdateInvitationMetadata => on(method, update_invitation_metadata),
        Operation::RevokeInvitation => on(method, revoke_invitation),
        Operation::ResendInvitation => on(method, resend_invitation),
    }
}

#[derive(Clone)]
struct Gate {
    api: Arc<ApiState>,
    operation: Operation,
}

/// What every request meets before its handler: it is counted, then gets any fault planned
/// for it, then must carry the secret key, then must be what the spec allows (see
/// [`validate`]); only then does the handler see it, so a refused request changes nothing.
/// Its answer goes into the request log.
async fn gate_request(
    State(gate): State<Gate>,
    path: RawPathParams,
    request: Request,
    next: Next,
) -> Response {
    if request.method() != gate.operation.method() {
        // Another method on this path: not a call of the operation. Routing answers it (405),
        // with no count, no fault used up and no line in the log.
        return next.run(request).await;
    }
    let (at, started) = (std::time::SystemTime::now(), std::time::Instant::now());
    *gate.api.calls().entry(gate.operation).or_default() += 1;
    let fault = gate.api.faults().take(gate.operation);
    let response = answer(&gate, fault.clone(), path, request, next).await;
    let dropped = response.extensions().get::<DropConnection>().is_some();
    gate.api.requests().push(RecordedRequest {
        at,
        operation: gate.operation,
        status: (!dropped).then(|| response.status().as_u16()),
        duration: started.elapsed(),
        fault,
    });
    response
}

/// The answer to a request that met `fault` (if one was planned) at the gate.
async fn answer(
    gate: &Gate,
    fault: Option<ApiFault>,
    path: RawPathParams,
    request: Request,
    next: Next,
) -> Response {
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
    if !gate.api.is_authorized(request.headers()) {
        return problem_response(
            StatusCode::UNAUTHORIZED,
            "invalid_secret_key",
            "the secret key is missing or not valid",
        );
    }
    let (parts, body) = request.into_parts();
    let Ok(body) = axum::body::to_bytes(body, MAX_BODY_BYTES).await else {
        return problem_response(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            "the request body is too large",
        );
    };
    let path: Vec<(String, String)> = path
        .iter()
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .collect();
    if let Err(refused) = validate::check_request(gate.operation, &path, parts.uri.query(), &body) {
        return refused.into_response();
    }
    next.run(Request::from_parts(parts, axum::body::Body::from(body)))
        .await
}

/// The largest request body the mock reads; the API's bodies are a few KB at most.
const MAX_BODY_BYTES: usize = 1024 * 1024;

/// The per-store random part of its ids.
fn random_salt() -> u32 {
    u32::from_str_radix(&random_hex(4), 16).unwrap_or(0)
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

    /// The variables a service reads to use this mock, one `NAME=value` line each:
    /// `TORII_ISSUER`, `TORII_API_URL` and `TORII_SECRET_KEY`, as `Verifier::from_env()` and
    /// `Client::from_env()` read them, then `TORII_MOCK_UI`, the [page](Self::ui_url) with the
    /// key in its fragment. Ready for `eval`, `source` or a dotenv file: no value needs
    /// quoting.
    pub fn env_lines(&self) -> String {
        format!(
            "TORII_ISSUER={}\nTORII_API_URL={}\nTORII_SECRET_KEY={}\nTORII_MOCK_UI={}\n",
            self.issuer(),
            self.api_url(),
            self.secret_key(),
            self.ui_url()
        )
    }

    /// The address of the mock's page, with the secret key in the URL fragment
    /// (`http://127.0.0.1:PORT/_mock/#key=sk_test_…`), which browsers do not send: the page
    /// takes it from there, so the key never reaches a request line or a server log.
    pub fn ui_url(&self) -> String {
        format!("{}{}#key={}", self.issuer(), page::PATH, self.secret_key())
    }

    /// Writes [`env_lines`](Self::env_lines) to `path` atomically (a temporary file, then a
    /// rename), so a script that waits for the file reads it whole.
    ///
    /// # Errors
    ///
    /// When the temporary file cannot be written or renamed.
    pub fn write_env_file(&self, path: impl AsRef<std::path::Path>) -> std::io::Result<()> {
        snapshot::write_atomically(path.as_ref(), self.env_lines().as_bytes())
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

    /// The invitation `id` as stored, with its metadata and its status as of now.
    pub fn invitation(&self, id: Uuid) -> Option<EnvironmentInvitationDetailResponse> {
        self.api.store().invitation(id, chrono::Utc::now()).ok()
    }

    /// Lets a pending invitation lapse now, as if its expiry had passed: from then on it reads
    /// as `EXPIRED` and can no longer be accepted, resent, revoked or changed.
    ///
    /// # Errors
    ///
    /// 404 for an unknown invitation, 400 when it is not pending.
    pub fn expire_invitation(
        &self,
        invitation_id: Uuid,
    ) -> Result<EnvironmentInvitationDetailResponse, MockError> {
        self.api
            .store()
            .expire_invitation(invitation_id, chrono::Utc::now())
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

    /// Serves `fault` to the next `requests` requests to `operation`.
    ///
    /// ```
    /// use torii_backend::Operation;
    /// use torii_backend::testing::{ApiFault, MockTorii};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let torii = MockTorii::start().await.expect("loopback is available");
    /// torii.fail_operation(Operation::GetUser, 1, ApiFault::Unavailable);
    /// # }
    /// ```
    pub fn fail_operation(&self, operation: Operation, requests: usize, fault: ApiFault) {
        self.api.faults().add(Some(operation), requests, fault);
    }

    /// Drops every planned fault not yet served.
    pub fn clear_faults(&self) {
        self.api.faults().clear();
    }

    /// How many requests reached `operation` (retries and faulted requests included).
    pub fn calls(&self, operation: Operation) -> usize {
        self.api.calls().get(&operation).copied().unwrap_or(0)
    }

    /// The number of requests each operation received, for the operations that received any
    /// (the control API's `GET /_mock/v1/calls`).
    pub fn call_counts(&self) -> BTreeMap<Operation, usize> {
        self.api.call_counts()
    }

    /// Empties the environment, as the control API's `POST /_mock/v1/reset` does: every user,
    /// session, organization, membership, invitation and allowed origin is gone, and so are
    /// planned faults, call counts and the request log. The environment id, the secret key and
    /// the signing keys stay, so verifiers and clients made for the mock keep working.
    pub fn reset(&self) {
        self.api.reset();
    }

    /// Everything the mock holds, to save and resume later (`GET /_mock/v1/export`): see
    /// [`Snapshot`].
    pub fn export(&self) -> Snapshot {
        self.api.snapshot(&self.issuer)
    }

    /// Replaces what the mock holds with `snapshot`: its environment, records and signing keys
    /// (tokens the snapshot's keys signed verify again). The mock keeps its own secret key;
    /// start a mock from a snapshot ([`MockToriiBuilder::snapshot`](super::MockToriiBuilder::snapshot))
    /// to take the snapshot's key too. Planned faults, call counts and the request log are
    /// cleared.
    pub fn import(&self, snapshot: &Snapshot) {
        // `Snapshot::from_json` accepted the keys, so they parse again here.
        let keys = snapshot.keys().unwrap_or_default();
        let records = snapshot.records();
        let environment = records.environment_id;
        *self.api.store() = Store::from_records(records, random_salt());
        self.api.forget_activity();
        self.issuer.set_environment(environment.to_string());
        if !keys.is_empty() {
            self.issuer.replace_keys(keys);
        }
    }

    /// The most recent Backend API requests, newest first (at most 500; `GET /_mock/v1/requests`,
    /// and the list on torii-mock's page): the operation, status, duration and any fault, never
    /// a body, header or id. Cleared by [`reset`](Self::reset) and [`import`](Self::import).
    pub fn recent_requests(&self) -> Vec<RecordedRequest> {
        self.api.requests().newest_first()
    }

    /// How many Backend API requests the mock received, all operations together.
    pub fn api_requests(&self) -> usize {
        self.api.calls().values().sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every operation of the table answers at its own method and path, not with the fallback
    /// that says no such operation exists, and is counted under its own name.
    #[tokio::test]
    async fn every_operation_of_the_table_is_routed_and_counted() {
        use tower_service::Service;
        let api = Arc::new(ApiState::new(None, None));
        let mut router = router(Arc::clone(&api));
        for operation in Operation::ALL {
            let path = operation
                .path_template()
                .replace("{userId}", "0193a000-0000-7000-8000-000000000001")
                .replace(['{', '}'], "");
            let request = axum::http::Request::builder()
                .method(operation.method())
                .uri(path)
                .body(axum::body::Body::empty())
                .expect("a request");
            let response = router.call(request).await.expect("infallible");
            // Without the secret key the gate answers 401, after counting: a 404 here would be
            // the fallback.
            assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{operation}");
            assert_eq!(api.calls().get(operation), Some(&1), "{operation}");
        }
        assert_eq!(api.calls().len(), Operation::ALL.len());
    }
}
