//! The control API under `/_mock/v1/`: what a test in any language does to a running mock
//! (mint a session token, reset, rotate keys, plan faults, read counters and the recent
//! requests, export a snapshot), and torii-mock's page at `/_mock/`, which drives it.
//! Each route has a Rust counterpart on [`MockTorii`](crate::testing::MockTorii); both call the
//! same code. Every route but `health` needs the secret key, and every refusal is problem+json.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use chrono::{TimeZone, Utc};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::problem::MockError;
use super::snapshot::json_pointer;
use super::{ApiFault, ApiState};
use crate::Operation;
use crate::testing::issuer::IssuerState;

/// The prefix of every control route.
pub(crate) const PREFIX: &str = "/_mock/v1";

/// The default lifetime of a token from `POST tokens`, as the issuer's own default.
const DEFAULT_TOKEN_SECONDS: u64 = 300;
/// The longest lifetime `POST tokens` gives a token: a day.
const MAX_TOKEN_SECONDS: u64 = 24 * 60 * 60;

/// Claims `POST tokens` sets itself, which `claims` may not replace.
const RESERVED_CLAIMS: &[&str] = &["iss", "sub", "pid", "sid", "iat", "exp", "o"];

#[derive(Clone)]
struct Control {
    issuer: Arc<IssuerState>,
    api: Arc<ApiState>,
}

type Answer = Result<Response, MockError>;

/// The control routes, `health` open, the rest behind the secret key.
pub(crate) fn router(issuer: Arc<IssuerState>, api: Arc<ApiState>) -> Router {
    let control = Control { issuer, api };
    let guarded = Router::new()
        .route("/tokens", post(mint_token))
        .route("/reset", post(reset))
        .route("/keys/rotate", post(rotate_key))
        .route("/keys/{kid}", delete(remove_key))
        .route("/faults", post(add_fault).delete(clear_faults))
        .route("/calls", get(calls))
        .route("/export", get(export))
        .route("/requests", get(requests))
        .layer(from_fn_with_state(control.clone(), require_secret_key));
    let routes = Router::new()
        .route("/health", get(health))
        .merge(guarded)
        .with_state(control);
    Router::new()
        .nest(PREFIX, routes)
        .merge(super::page::router())
}

async fn require_secret_key(
    State(control): State<Control>,
    request: Request,
    next: Next,
) -> Response {
    if control.api.is_authorized(request.headers()) {
        next.run(request).await
    } else {
        MockError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_secret_key",
            "the control API needs the mock's secret key as `Authorization: Bearer sk_test_…`",
        )
        .into_response()
    }
}

async fn health(State(control): State<Control>) -> Response {
    axum::Json(json!({
        "status": "ok",
        "issuer": control.issuer.issuer,
        "environmentId": control.api.environment_id(),
    }))
    .into_response()
}

/// `POST tokens`: the body.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct TokenRequest {
    user_id: Uuid,
    #[serde(default)]
    session_id: Option<Uuid>,
    #[serde(default)]
    organization_id: Option<Uuid>,
    #[serde(default)]
    claims: Option<Map<String, Value>>,
    #[serde(default)]
    expires_in_seconds: Option<u64>,
}

async fn mint_token(State(control): State<Control>, body: Bytes) -> Answer {
    let request: TokenRequest = parse(&body)?;
    let lifetime = request.expires_in_seconds.unwrap_or(DEFAULT_TOKEN_SECONDS);
    if !(1..=MAX_TOKEN_SECONDS).contains(&lifetime) {
        return Err(MockError::bad_request(
            "invalid_request",
            format!(
                "`/expiresInSeconds` must be between 1 and {MAX_TOKEN_SECONDS}, not {lifetime}"
            ),
        ));
    }
    let claims = request.claims.unwrap_or_default();
    if let Some(reserved) = claims
        .keys()
        .find(|name| RESERVED_CLAIMS.contains(&name.as_str()))
    {
        return Err(MockError::bad_request(
            "reserved_claim",
            format!(
                "the claim {reserved:?} is set by the mock; name the user, session or organization instead"
            ),
        ));
    }
    let (session, organization) = {
        let mut store = control.api.store();
        let session = match request.session_id {
            Some(id) => store
                .session(id)
                .filter(|session| session.user_id == request.user_id)
                .cloned()
                .ok_or_else(|| MockError::not_found("live session of this user", id))?,
            None => store.create_session(request.user_id, Utc::now())?,
        };
        let organization = match request.organization_id {
            None => None,
            Some(id) => {
                let slug = store.organization(id)?.slug.clone();
                let role = store
                    .member(id, request.user_id)
                    .map(|member| member.role.clone())
                    .ok_or_else(|| {
                        MockError::bad_request(
                            "not_a_member",
                            format!(
                                "user {} is not a member of organization {id}",
                                request.user_id
                            ),
                        )
                    })?;
                let mut active = json!({"id": id.to_string(), "rol": role});
                if let (Some(slug), Some(active)) = (slug, active.as_object_mut()) {
                    active.insert("slg".into(), json!(slug));
                }
                Some(active)
            }
        };
        (session, organization)
    };
    let mut token = control
        .issuer
        .token()
        .subject(session.user_id.to_string())
        .environment(session.environment_id.to_string())
        .session_id(session.id.to_string())
        .expires_in(Duration::from_secs(lifetime));
    if let Some(organization) = organization {
        token = token.claim("o", organization);
    }
    for (name, value) in claims {
        token = token.claim(&name, value);
    }
    let expires_at = token
        .claims()
        .get("exp")
        .and_then(Value::as_i64)
        .and_then(|exp| Utc.timestamp_opt(exp, 0).single());
    let answer = json!({
        "token": token.sign(),
        "sessionId": session.id,
        "expiresAt": expires_at,
    });
    Ok((StatusCode::CREATED, axum::Json(answer)).into_response())
}

async fn reset(State(control): State<Control>) -> Response {
    control.api.reset();
    StatusCode::NO_CONTENT.into_response()
}

async fn rotate_key(State(control): State<Control>) -> Response {
    axum::Json(json!({"kid": control.issuer.rotate_key()})).into_response()
}

async fn remove_key(State(control): State<Control>, Path(kid): Path<String>) -> Answer {
    let keys = control.issuer.keys().len();
    let known = control.issuer.keys().iter().any(|key| key.kid() == kid);
    if !known {
        return Err(MockError::not_found("signing key", format!("{kid:?}")));
    }
    if keys == 1 {
        return Err(MockError::new(
            StatusCode::CONFLICT,
            "last_signing_key",
            "the mock's only signing key cannot be removed: rotate first",
        ));
    }
    control.issuer.remove_key(&kid);
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `POST faults`: the body.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct FaultRequest {
    /// The operation whose requests get the fault; every operation's when absent.
    #[serde(default)]
    operation_id: Option<String>,
    /// How many requests get it.
    #[serde(default = "one")]
    requests: usize,
    fault: FaultSpec,
}

fn one() -> usize {
    1
}

/// An [`ApiFault`] as JSON: `{"type": "unavailable"}`, `{"type": "status", "status": 500}`, ...
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase", deny_unknown_fields)]
enum FaultSpec {
    #[serde(rename_all = "camelCase")]
    RateLimited {
        #[serde(default)]
        retry_after_seconds: Option<u64>,
    },
    Unavailable,
    Status {
        status: u16,
    },
    RawBody {
        status: u16,
        body: String,
    },
    #[serde(rename_all = "camelCase")]
    Slow {
        delay_ms: u64,
    },
    Hang,
    DropConnection,
}

impl FaultSpec {
    fn into_fault(self) -> Result<ApiFault, MockError> {
        let status = |status: u16| {
            if (100..=999).contains(&status) {
                Ok(status)
            } else {
                Err(MockError::bad_request(
                    "invalid_request",
                    format!("`/fault/status` must be a status code, not {status}"),
                ))
            }
        };
        Ok(match self {
            Self::RateLimited {
                retry_after_seconds,
            } => ApiFault::RateLimited {
                retry_after: retry_after_seconds.map(Duration::from_secs),
            },
            Self::Unavailable => ApiFault::Unavailable,
            Self::Status { status: code } => ApiFault::Status(status(code)?),
            Self::RawBody { status: code, body } => ApiFault::RawBody {
                status: status(code)?,
                body,
            },
            Self::Slow { delay_ms } => ApiFault::Slow(Duration::from_millis(delay_ms)),
            Self::Hang => ApiFault::Hang,
            Self::DropConnection => ApiFault::DropConnection,
        })
    }
}

async fn add_fault(State(control): State<Control>, body: Bytes) -> Answer {
    let request: FaultRequest = parse(&body)?;
    let operation = match request.operation_id.as_deref() {
        None => None,
        Some(id) => Some(Operation::from_id(id).ok_or_else(|| {
            MockError::bad_request(
                "unknown_operation",
                format!("the spec has no operation {id:?}"),
            )
        })?),
    };
    if request.requests == 0 {
        return Err(MockError::bad_request(
            "invalid_request",
            "`/requests` must be at least 1",
        ));
    }
    let fault = request.fault.into_fault()?;
    control.api.faults().add(operation, request.requests, fault);
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn clear_faults(State(control): State<Control>) -> Response {
    control.api.faults().clear();
    StatusCode::NO_CONTENT.into_response()
}

async fn calls(State(control): State<Control>) -> Response {
    let counts = control.api.call_counts();
    let by_id: Map<String, Value> = counts
        .iter()
        .map(|(operation, count)| (operation.id().to_owned(), json!(count)))
        .collect();
    let total: usize = counts.values().sum();
    axum::Json(json!({"calls": by_id, "total": total})).into_response()
}

async fn requests(State(control): State<Control>) -> Response {
    let requests: Vec<Value> = control
        .api
        .requests()
        .newest_first()
        .iter()
        .map(super::RecordedRequest::to_json)
        .collect();
    axum::Json(json!({ "requests": requests })).into_response()
}

async fn export(State(control): State<Control>) -> Response {
    let snapshot = control.api.snapshot(&control.issuer);
    (
        [(header::CONTENT_TYPE, "application/json")],
        snapshot.to_json(),
    )
        .into_response()
}

/// A JSON body of a control route; what is wrong is named by JSON pointer, as the API's own
/// refusals are.
fn parse<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, MockError> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let pointer = json_pointer(error.path());
        MockError::bad_request(
            "invalid_request",
            format!(
                "the body is not valid at `{pointer}`: {}",
                error.into_inner()
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fault names the request log shows ([`ApiFault::kind`]) are the ones `POST faults`
    /// takes: each reads back as the same fault.
    #[test]
    fn a_faults_kind_is_its_type_in_post_faults() {
        let faults = [
            ApiFault::RateLimited { retry_after: None },
            ApiFault::Unavailable,
            ApiFault::Status(500),
            ApiFault::RawBody {
                status: 502,
                body: "bad gateway".to_owned(),
            },
            ApiFault::Slow(Duration::from_millis(5)),
            ApiFault::Hang,
            ApiFault::DropConnection,
        ];
        for fault in faults {
            let mut spec = json!({"type": fault.kind()});
            match &fault {
                ApiFault::Status(status) => spec["status"] = json!(status),
                ApiFault::RawBody { status, body } => {
                    spec["status"] = json!(status);
                    spec["body"] = json!(body);
                }
                ApiFault::Slow(delay) => spec["delayMs"] = json!(delay.as_millis()),
                _ => {}
            }
            let read: FaultSpec = serde_json::from_value(spec).expect("a fault of POST faults");
            assert_eq!(read.into_fault().ok(), Some(fault));
        }
    }
}
