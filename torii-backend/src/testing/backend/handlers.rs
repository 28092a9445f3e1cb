//! One axum handler per Backend API operation: read the request, apply the store's rule, write
//! the answer. Bodies are read and written with the generated models, so the spec stays the one
//! source of truth for their shape.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use super::ApiState;
use super::problem::MockError;
use super::store::{Page, Paging};
use crate::models::{
    AllowedOriginsResponse, InvitationPage, OrganizationMemberPage, OrganizationPage,
    ServerImpersonationTokenRequest, ServerUserSearchRequest, SetAllowedOriginsRequest,
    UserOrganizationPage, UserPage,
};

type Answer = Result<Response, MockError>;
type Api = State<Arc<ApiState>>;

// ----- users -----

pub(super) async fn create_user(State(api): Api, body: Bytes) -> Answer {
    let user = api.store().create_user(parse_body(&body)?, Utc::now())?;
    Ok((StatusCode::CREATED, Json(user)).into_response())
}

pub(super) async fn get_user(State(api): Api, Path(user_id): Path<String>) -> Answer {
    json(api.store().user(parse_id(&user_id)?)?)
}

pub(super) async fn update_user(
    State(api): Api,
    Path(user_id): Path<String>,
    body: Bytes,
) -> Answer {
    let id = parse_id(&user_id)?;
    json(
        api.store()
            .update_user(id, parse_body(&body)?, Utc::now())?,
    )
}

pub(super) async fn update_user_metadata(
    State(api): Api,
    Path(user_id): Path<String>,
    body: Bytes,
) -> Answer {
    let id = parse_id(&user_id)?;
    json(
        api.store()
            .update_user_metadata(id, parse_body(&body)?, Utc::now())?,
    )
}

pub(super) async fn delete_user(State(api): Api, Path(user_id): Path<String>) -> Answer {
    api.store().delete_user(parse_id(&user_id)?, Utc::now())?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub(super) async fn ban_user(State(api): Api, Path(user_id): Path<String>) -> Answer {
    json(api.store().ban_user(parse_id(&user_id)?, Utc::now())?)
}

pub(super) async fn unban_user(State(api): Api, Path(user_id): Path<String>) -> Answer {
    json(api.store().unban_user(parse_id(&user_id)?, Utc::now())?)
}

pub(super) async fn search_users(
    State(api): Api,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Answer {
    let paging = Query::parse(query.as_deref()).paging()?;
    let filter: ServerUserSearchRequest = parse_body(&body)?;
    let page = api.store().search_users(&filter, paging)?;
    json(UserPage::from(page))
}

pub(super) async fn list_user_organizations(
    State(api): Api,
    Path(user_id): Path<String>,
    RawQuery(query): RawQuery,
) -> Answer {
    let paging = Query::parse(query.as_deref()).paging()?;
    let page = api
        .store()
        .user_organizations(parse_id(&user_id)?, paging)?;
    json(UserOrganizationPage::from(page))
}

// ----- sessions -----

pub(super) async fn list_sessions(State(api): Api, Path(user_id): Path<String>) -> Answer {
    json(api.store().sessions_of(parse_id(&user_id)?, Utc::now())?)
}

pub(super) async fn revoke_session(
    State(api): Api,
    Path((user_id, session_id)): Path<(String, String)>,
) -> Answer {
    let (user_id, session_id) = (parse_id(&user_id)?, parse_id(&session_id)?);
    api.store().revoke_session(user_id, session_id)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub(super) async fn revoke_all_sessions(State(api): Api, Path(user_id): Path<String>) -> Answer {
    api.store().revoke_all_sessions(parse_id(&user_id)?)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

// ----- organizations -----

pub(super) async fn list_organizations(State(api): Api, RawQuery(query): RawQuery) -> Answer {
    let query = Query::parse(query.as_deref());
    let paging = query.paging()?;
    let page = api.store().list_organizations(query.first("name"), paging);
    json(OrganizationPage::from(page))
}

pub(super) async fn get_organization(
    State(api): Api,
    Path(organization_id): Path<String>,
) -> Answer {
    json(api.store().organization(parse_id(&organization_id)?)?)
}

pub(super) async fn update_organization_metadata(
    State(api): Api,
    Path(organization_id): Path<String>,
    body: Bytes,
) -> Answer {
    let id = parse_id(&organization_id)?;
    json(
        api.store()
            .update_organization_metadata(id, parse_body(&body)?)?,
    )
}

pub(super) async fn list_members(
    State(api): Api,
    Path(organization_id): Path<String>,
    RawQuery(query): RawQuery,
) -> Answer {
    let paging = Query::parse(query.as_deref()).paging()?;
    let page = api
        .store()
        .list_members(parse_id(&organization_id)?, paging)?;
    json(OrganizationMemberPage::from(page))
}

pub(super) async fn update_member_metadata(
    State(api): Api,
    Path((organization_id, user_id)): Path<(String, String)>,
    body: Bytes,
) -> Answer {
    let (organization_id, user_id) = (parse_id(&organization_id)?, parse_id(&user_id)?);
    let request = parse_body(&body)?;
    json(
        api.store()
            .update_member_metadata(organization_id, user_id, request)?,
    )
}

// ----- invitations -----

pub(super) async fn list_invitations(State(api): Api, RawQuery(query): RawQuery) -> Answer {
    let query = Query::parse(query.as_deref());
    let paging = query.paging()?;
    let statuses: Vec<String> = query.all("status").map(str::to_owned).collect();
    let page = api
        .store()
        .list_invitations(&statuses, query.first("search"), paging, Utc::now());
    json(InvitationPage::from(page))
}

pub(super) async fn create_invitation(State(api): Api, body: Bytes) -> Answer {
    let invitation = api
        .store()
        .create_invitation(parse_body(&body)?, Utc::now())?;
    Ok((StatusCode::CREATED, Json(invitation)).into_response())
}

pub(super) async fn get_invitation(State(api): Api, Path(invitation_id): Path<String>) -> Answer {
    json(
        api.store()
            .invitation(parse_id(&invitation_id)?, Utc::now())?,
    )
}

pub(super) async fn update_invitation_metadata(
    State(api): Api,
    Path(invitation_id): Path<String>,
    body: Bytes,
) -> Answer {
    let invitation_id = parse_id(&invitation_id)?;
    json(
        api.store()
            .update_invitation_metadata(invitation_id, parse_body(&body)?, Utc::now())?,
    )
}

pub(super) async fn resend_invitation(
    State(api): Api,
    Path(invitation_id): Path<String>,
) -> Answer {
    json(
        api.store()
            .resend_invitation(parse_id(&invitation_id)?, Utc::now())?,
    )
}

pub(super) async fn revoke_invitation(
    State(api): Api,
    Path(invitation_id): Path<String>,
) -> Answer {
    api.store()
        .revoke_invitation(parse_id(&invitation_id)?, Utc::now())?;
    Ok(StatusCode::OK.into_response())
}

// ----- impersonation and allowed origins -----

pub(super) async fn mint_impersonation_token(
    State(api): Api,
    Path(user_id): Path<String>,
    body: Bytes,
) -> Answer {
    let user_id = parse_id(&user_id)?;
    let request: ServerImpersonationTokenRequest = parse_body(&body)?;
    let token = format!("imp_{}", super::random_hex(24));
    json(
        api.store()
            .mint_impersonation_token(user_id, &request, token)?,
    )
}

pub(super) async fn list_allowed_origins(State(api): Api) -> Answer {
    let origins = api.store().allowed_origins().to_vec();
    json(AllowedOriginsResponse { origins })
}

pub(super) async fn set_allowed_origins(State(api): Api, body: Bytes) -> Answer {
    let request: SetAllowedOriginsRequest = parse_body(&body)?;
    let origins = api.store().set_allowed_origins(request.origins)?.to_vec();
    json(AllowedOriginsResponse { origins })
}

/// Each generated page model is a [`Page`] of its items.
macro_rules! pages {
    ($($page:ident of $item:ident),* $(,)?) => {$(
        impl From<Page<crate::models::$item>> for $page {
            fn from(page: Page<crate::models::$item>) -> Self {
                Self {
                    items: page.items,
                    next_cursor: page.next_cursor,
                    has_more: page.has_more,
                }
            }
        }
    )*};
}

pages! {
    UserPage of ServerUserResponse,
    UserOrganizationPage of ServerUserOrganizationResponse,
    OrganizationPage of ServerOrganizationResponse,
    OrganizationMemberPage of ServerOrganizationMemberResponse,
    InvitationPage of EnvironmentInvitationResponse,
}

// ----- reading requests -----

fn json(value: impl serde::Serialize) -> Answer {
    Ok(Json(value).into_response())
}

fn parse_id(text: &str) -> Result<Uuid, MockError> {
    Uuid::parse_str(text)
        .map_err(|_| MockError::bad_request("invalid_id", format!("{text:?} is not a UUID")))
}

/// A JSON body; an empty one is read as `{}` (every body of the API may be empty).
fn parse_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, MockError> {
    let body = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}".as_slice()
    } else {
        body
    };
    serde_json::from_slice(body).map_err(|error| {
        MockError::bad_request("invalid_body", format!("the body is not valid: {error}"))
    })
}

/// The query string as pairs, repeated keys kept (`status=A&status=B`).
struct Query(Vec<(String, String)>);

impl Query {
    fn parse(query: Option<&str>) -> Self {
        let pairs = url::form_urlencoded::parse(query.unwrap_or_default().as_bytes());
        Self(pairs.into_owned().collect())
    }

    fn all<'a>(&'a self, name: &str) -> impl Iterator<Item = &'a str> {
        self.0
            .iter()
            .filter(move |(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    fn first(&self, name: &str) -> Option<&str> {
        self.all(name).next()
    }

    fn paging(&self) -> Result<Paging, MockError> {
        let limit = self
            .first("limit")
            .map(|text| {
                text.parse::<i64>().map_err(|_| {
                    MockError::bad_request(
                        "invalid_limit",
                        format!("limit {text:?} is not a number"),
                    )
                })
            })
            .transpose()?;
        let cursor = self.first("cursor").map(parse_id).transpose()?;
        Paging::new(limit, cursor)
    }
}
