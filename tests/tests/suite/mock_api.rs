//! End to end: every REST operation through the public client against MockTorii, with the
//! server's semantics (tri-state PATCH, deep merge, soft delete, ban, search filters, cursor
//! pagination, sessions, organizations, invitations, impersonation, allowed origins) and every
//! error path (401, 403, 404, 409, 429).

use std::collections::BTreeSet;

use torii_backend::chrono::{Duration, Utc};
use torii_backend::models::{InvitationStatus, Locale, ServerUserResponse, UserStatus};
use torii_backend::serde_json::json;
use torii_backend::testing::{ApiFault, MockTorii};
use torii_backend::uuid::Uuid;
use torii_backend::{Client, Error, Operation};
use torii_tests::mock;

async fn mock() -> (MockTorii, Client) {
    let torii = MockTorii::start().await.expect("loopback");
    let client = torii.client();
    (torii, client)
}

/// The status and `code` of an API error.
fn api_error(result: Result<impl std::fmt::Debug, Error>) -> (u16, String) {
    match result {
        Err(Error::Api(error)) => (
            error.status().as_u16(),
            error.code().unwrap_or_default().to_owned(),
        ),
        other => panic!("expected an API error, got {other:?}"),
    }
}

fn seed(torii: &MockTorii, email: &str) -> ServerUserResponse {
    torii.seed_user().email(email).insert().expect("seed")
}

#[tokio::test]
async fn users_are_created_read_updated_and_refused_as_the_server_does() {
    let (torii, client) = mock().await;
    let ada = client
        .users()
        .create()
        .email("ada@example.com")
        .first_name("Ada")
        .last_name("Byron")
        .public_metadata(json!({"plan": "free"}))
        .send()
        .await
        .expect("create");
    assert_eq!(ada.status, UserStatus::Active);
    assert_eq!(ada.name.as_deref(), Some("Ada Byron"));
    assert_eq!(ada.environment_id, torii.environment_id());
    assert_eq!(ada.public_metadata["plan"], "free");

    let fetched = client.users().get(ada.id).send().await.expect("get");
    assert_eq!(fetched, ada);
    // A user id as text, as a verified token carries it, works as well.
    let by_text = client.users().get(ada.id.to_string()).send().await;
    assert_eq!(by_text.expect("get by text").id, ada.id);

    let duplicate = client
        .users()
        .create()
        .email("ADA@example.com")
        .send()
        .await;
    assert_eq!(api_error(duplicate), (409, "email_taken".into()));
    let invalid = client.users().create().email("ada").send().await;
    assert_eq!(api_error(invalid), (400, "invalid_email".into()));
    let weak = client
        .users()
        .create()
        .email("weak@example.com")
        .password("short")
        .send()
        .await;
    assert_eq!(api_error(weak), (400, "password_too_weak".into()));
    let unknown = client.users().get(Uuid::nil()).send().await;
    assert_eq!(api_error(unknown), (404, "not_found".into()));

    let updated = client
        .users()
        .update(ada.id)
        .last_name("Lovelace")
        .locale(Locale::En)
        .unsafe_metadata(json!({"step": 2}))
        .send()
        .await
        .expect("update");
    assert_eq!(updated.name.as_deref(), Some("Ada Lovelace"));
    assert_eq!(updated.locale, Some(Locale::En));
    assert!(updated.updated_at >= ada.updated_at);
    let cleared = client
        .users()
        .update(ada.id)
        .clear_first_name()
        .clear_locale()
        .send()
        .await
        .expect("clear");
    assert_eq!(cleared.first_name, None);
    assert_eq!(cleared.last_name.as_deref(), Some("Lovelace"), "left alone");
    assert_eq!(cleared.locale, None);
    assert_eq!(cleared.unsafe_metadata["step"], 2, "left alone");
    assert_eq!(cleared.name.as_deref(), Some("Lovelace"));
}

#[tokio::test]
async fn metadata_merges_deeply_deletes_on_null_and_keeps_to_its_budget() {
    let (torii, client) = mock().await;
    let user = torii
        .seed_user()
        .email("meta@example.com")
        .public_metadata(json!({"plan": "free", "prefs": {"theme": "dark", "tz": "UTC"}}))
        .private_metadata(json!({"crm": 7}))
        .insert()
        .expect("seed");
    let merged = client
        .users()
        .update_metadata(user.id)
        .public_metadata(json!({"prefs": {"tz": null, "lang": "da"}, "plan": "pro"}))
        .send()
        .await
        .expect("merge");
    assert_eq!(
        merged.public_metadata,
        *json!({"plan": "pro", "prefs": {"theme": "dark", "lang": "da"}})
            .as_object()
            .expect("object")
    );
    assert_eq!(
        merged.private_metadata["crm"], 7,
        "a bag left out is unchanged"
    );

    // The three bags together may hold 8 KB; a merge past that changes nothing.
    let too_big = client
        .users()
        .update_metadata(user.id)
        .unsafe_metadata(json!({"blob": "x".repeat(8 * 1024)}))
        .send()
        .await;
    assert_eq!(api_error(too_big), (400, "metadata_too_large".into()));
    assert_eq!(torii.user(user.id).expect("stored"), merged);
}

#[tokio::test]
async fn delete_is_soft_and_a_second_delete_is_403() {
    let (torii, client) = mock().await;
    let user = seed(&torii, "leaving@example.com");
    let session = torii.create_session(user.id).expect("session");
    client.users().delete(user.id).send().await.expect("delete");

    let stored = torii.user(user.id).expect("kept");
    assert_eq!(stored.status, UserStatus::Deleted);
    assert!(stored.deleted_at.is_some());
    let again = client.users().delete(user.id).send().await;
    assert_eq!(api_error(again), (403, "forbidden".into()));
    assert_eq!(api_error(client.users().get(user.id).send().await).0, 403);
    let sessions = client.sessions().list_for_user(user.id).send().await;
    assert_eq!(api_error(sessions).0, 403);
    let revoke = client.sessions().revoke(user.id, session.id).send().await;
    assert_eq!(api_error(revoke).0, 403);
    // Not listed unless asked for by status; the email is free again.
    let listed = client.users().list().send().await.expect("list");
    assert!(listed.items.is_empty());
    let deleted = client
        .users()
        .list()
        .statuses([UserStatus::Deleted])
        .send()
        .await
        .expect("list deleted");
    assert_eq!(deleted.items.len(), 1);
    seed(&torii, "leaving@example.com");
}

#[tokio::test]
async fn ban_revokes_every_session_and_unban_restores_the_user() {
    let (torii, client) = mock().await;
    let user = seed(&torii, "banned@example.com");
    for _ in 0..3 {
        torii.create_session(user.id).expect("session");
    }
    let sessions = client.sessions().list_for_user(user.id).send().await;
    assert_eq!(sessions.expect("list").len(), 3);

    let banned = client.users().ban(user.id).send().await.expect("ban");
    assert_eq!(banned.status, UserStatus::Banned);
    let sessions = client.sessions().list_for_user(user.id).send().await;
    assert!(sessions.expect("list").is_empty());
    assert_eq!(
        torii
            .create_session(user.id)
            .map_err(|e| e.status().as_u16()),
        Err(403),
        "a banned user cannot sign in"
    );

    let unbanned = client.users().unban(user.id).send().await.expect("unban");
    assert_eq!(unbanned.status, UserStatus::Active);
    torii.create_session(user.id).expect("may sign in again");
    assert_eq!(
        api_error(client.users().ban(Uuid::nil()).send().await).0,
        404
    );
    assert_eq!(
        api_error(client.users().unban(Uuid::nil()).send().await).0,
        404
    );
}

/// A revoked or banned session's token still verifies locally until it expires;
/// `Client::session_is_active` is the one call that tells.
#[tokio::test]
async fn session_is_active_tells_what_local_verification_cannot() {
    let (torii, client) = mock().await;
    let verifier = torii.verifier();
    let user = seed(&torii, "revoked@example.com");
    let kept = torii.create_session(user.id).expect("session");
    let revoked = torii.create_session(user.id).expect("session");
    let kept = verifier
        .verify(&torii.session_token(&kept))
        .await
        .expect("verify");
    let revoked_token = torii.session_token(&revoked);
    let auth = verifier.verify(&revoked_token).await.expect("verify");
    assert!(client.session_is_active(&auth).await.expect("checked"));

    client
        .sessions()
        .revoke(user.id, revoked.id)
        .send()
        .await
        .expect("revoke");
    let still = verifier
        .verify(&revoked_token)
        .await
        .expect("verifies until exp");
    assert!(!client.session_is_active(&still).await.expect("checked"));
    assert!(
        client.session_is_active(&kept).await.expect("checked"),
        "only that one"
    );

    client.users().ban(user.id).send().await.expect("ban");
    assert!(
        !client.session_is_active(&kept).await.expect("checked"),
        "a ban ends it"
    );

    // A user that no longer exists has no active session.
    let gone = seed(&torii, "gone@example.com");
    let session = torii.create_session(gone.id).expect("session");
    let auth = verifier
        .verify(&torii.session_token(&session))
        .await
        .expect("verify");
    client.users().delete(gone.id).send().await.expect("delete");
    assert!(!client.session_is_active(&auth).await.expect("checked"));

    // A token without `sid` names no session: refused before anything is sent.
    let calls = torii.calls(Operation::ListSessions);
    let no_sid = verifier
        .verify(&torii.token().subject(user.id.to_string()).sign())
        .await
        .expect("verify");
    match client.session_is_active(&no_sid).await {
        Err(Error::InvalidArgument(error)) => assert_eq!(error.name(), "sid"),
        other => panic!("expected InvalidArgument, got {other:?}"),
    }
    // A `sid` the server could not have issued names no session: inactive, nothing sent.
    let odd_sid = verifier
        .verify(
            &torii
                .token()
                .subject(user.id.to_string())
                .session_id("not-a-session")
                .sign(),
        )
        .await
        .expect("verify");
    assert!(!client.session_is_active(&odd_sid).await.expect("checked"));
    assert_eq!(torii.calls(Operation::ListSessions), calls);
}

#[tokio::test]
async fn sessions_of_a_minted_token_are_listed_and_revoked() {
    let (torii, client) = mock().await;
    let user = seed(&torii, "sessions@example.com");
    let first = torii.create_session(user.id).expect("session");
    let second = torii.create_session(user.id).expect("session");
    let other = torii.create_session(seed(&torii, "other@example.com").id);

    // The token a frontend would hold names its session; the API lists that session.
    let token = torii.session_token(&second);
    let auth = torii.verifier().verify(&token).await.expect("verify");
    assert_eq!(auth.user_id, user.id.to_string());
    let session_id = auth.session_id.expect("sid");
    let listed = client.sessions().list_for_user(&auth.user_id).send().await;
    let listed: Vec<Uuid> = listed.expect("list").iter().map(|s| s.id).collect();
    assert_eq!(listed, [second.id, first.id], "most recently used first");
    assert!(listed.iter().any(|id| id.to_string() == session_id));

    client
        .sessions()
        .revoke(user.id, second.id)
        .send()
        .await
        .expect("revoke");
    // Safe to repeat.
    client
        .sessions()
        .revoke(user.id, second.id)
        .send()
        .await
        .expect("revoke again");
    let listed = client.sessions().list_for_user(user.id).send().await;
    assert_eq!(listed.expect("list")[0].id, first.id);

    client
        .sessions()
        .revoke_all_for_user(user.id)
        .send()
        .await
        .expect("revoke all");
    let listed = client.sessions().list_for_user(user.id).send().await;
    assert!(listed.expect("list").is_empty());
    let other = other.expect("other session");
    let others = client.sessions().list_for_user(other.user_id).send().await;
    assert_eq!(others.expect("list").len(), 1, "other users keep theirs");
}

#[tokio::test]
async fn search_applies_every_filter() {
    let (torii, client) = mock().await;
    let now = Utc::now();
    let ada = torii
        .seed_user()
        .email("ada@analytical.example")
        .first_name("Ada")
        .last_name("Lovelace")
        .created_at(now - Duration::days(10))
        .insert()
        .expect("seed");
    let grace = torii
        .seed_user()
        .email("grace@navy.example")
        .first_name("Grace")
        .created_at(now - Duration::days(5))
        .banned()
        .insert()
        .expect("seed");
    let nameless = torii
        .seed_user()
        .email("anon@navy.example")
        .insert()
        .expect("seed");
    let org = torii.create_organization("Navy").expect("org");
    torii
        .add_member(org.id, grace.id, "org:member")
        .expect("member");

    let ids = |page: Vec<ServerUserResponse>| page.into_iter().map(|u| u.id).collect::<Vec<_>>();
    let users = client.users();
    let cases: Vec<(&str, torii_backend::builders::UsersList, Vec<Uuid>)> = vec![
        (
            "no filter",
            users.list(),
            vec![ada.id, grace.id, nameless.id],
        ),
        ("name, any case", users.list().name("LOVE"), vec![ada.id]),
        ("no name", users.list().clear_name(), vec![nameless.id]),
        (
            "email part",
            users.list().email("NAVY"),
            vec![grace.id, nameless.id],
        ),
        (
            "blank email filters nothing",
            users.list().email("  "),
            vec![ada.id, grace.id, nameless.id],
        ),
        (
            "null email filters nothing",
            users.list().clear_email(),
            vec![ada.id, grace.id, nameless.id],
        ),
        (
            "exact addresses",
            users
                .list()
                .email_addresses(["GRACE@navy.example", "navy.example"]),
            vec![grace.id],
        ),
        (
            "no addresses match nobody",
            users.list().email_addresses(Vec::<String>::new()),
            vec![],
        ),
        (
            "ids",
            users.list().user_ids([ada.id, nameless.id]),
            vec![ada.id, nameless.id],
        ),
        (
            "statuses",
            users.list().statuses([UserStatus::Banned]),
            vec![grace.id],
        ),
        (
            "created after",
            users.list().created_after(now - Duration::days(5)),
            vec![grace.id, nameless.id],
        ),
        (
            "created before",
            users.list().created_before(now - Duration::days(5)),
            vec![ada.id, grace.id],
        ),
        (
            "organization",
            users.list().organization_id(org.id),
            vec![grace.id],
        ),
        (
            "ids and email together",
            users.list().user_ids([ada.id, grace.id]).email("navy"),
            vec![grace.id],
        ),
    ];
    for (what, request, expected) in cases {
        let page = request
            .send()
            .await
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(ids(page.items), expected, "{what}");
        assert!(!page.has_more);
    }
    let too_many = users.list().user_ids(vec![Uuid::nil(); 101]).send().await;
    assert_eq!(api_error(too_many), (400, "too_many_ids".into()));
}

#[tokio::test]
async fn cursor_pagination_walks_every_listing_in_a_stable_order() {
    let (torii, client) = mock().await;
    let users = mock::users(&torii, 7);

    let mut seen = Vec::new();
    let mut cursor = None;
    let mut requests = 0;
    loop {
        let mut request = client.users().list().limit(3);
        if let Some(cursor) = cursor {
            request = request.cursor(cursor);
        }
        let page = request.send().await.expect("page");
        requests += 1;
        assert_eq!(page.has_more, page.next_cursor.is_some());
        seen.extend(page.items.iter().map(|u| u.id));
        if !page.has_more {
            break;
        }
        assert_eq!(page.items.len(), 3);
        cursor = page.next_cursor;
    }
    assert_eq!(seen, users, "each user once, in creation order");
    assert_eq!(requests, 3);

    let bad_limit = client.users().list().limit(0).send().await;
    assert_eq!(api_error(bad_limit), (400, "invalid_limit".into()));
    let default = client.users().list().send().await.expect("default page");
    assert_eq!(default.items.len(), 7, "20 by default");

    // The other paginated listings follow the same rules.
    let orgs = mock::organizations(&torii, 5);
    let first = client
        .organizations()
        .list()
        .limit(2)
        .send()
        .await
        .expect("page");
    assert_eq!(
        first.items.iter().map(|o| o.id).collect::<Vec<_>>(),
        orgs[..2]
    );
    let second = client
        .organizations()
        .list()
        .limit(2)
        .cursor(first.next_cursor.expect("cursor"))
        .send()
        .await
        .expect("page");
    assert_eq!(
        second.items.iter().map(|o| o.id).collect::<Vec<_>>(),
        orgs[2..4]
    );
    for org in &orgs {
        torii
            .add_member(*org, users[0], "org:member")
            .expect("member");
    }
    let memberships = client
        .users()
        .list_organizations(users[0])
        .limit(4)
        .send()
        .await
        .expect("page");
    assert_eq!(memberships.items.len(), 4);
    assert!(memberships.has_more);
    assert_eq!(memberships.next_cursor, Some(orgs[3]));
}

#[tokio::test]
async fn organizations_and_memberships() {
    let (torii, client) = mock().await;
    let acme = torii.create_organization("Acme Rockets").expect("org");
    torii.create_organization("Globex").expect("org");
    // Members come back in user-id order, whatever order they joined in.
    let users: Vec<Uuid> = (0..3)
        .map(|n| seed(&torii, &format!("m{n}@acme.example")).id)
        .collect();
    for user in users.iter().rev() {
        torii
            .add_member(acme.id, *user, "org:member")
            .expect("member");
    }
    torii
        .add_member(acme.id, users[0], "org:billing_admin")
        .expect("role change");

    let found = client.organizations().list().name("rocket").send().await;
    let found = found.expect("list");
    assert_eq!(found.items.len(), 1);
    assert_eq!(found.items[0].name, "Acme Rockets");
    let got = client
        .organizations()
        .get(acme.id)
        .send()
        .await
        .expect("get");
    assert_eq!(got, acme);
    assert_eq!(
        api_error(client.organizations().get(Uuid::nil()).send().await).0,
        404
    );

    let members = client.organizations().list_members(acme.id).send().await;
    let members = members.expect("members");
    assert_eq!(
        members.items.iter().map(|m| m.user_id).collect::<Vec<_>>(),
        users
    );
    assert_eq!(members.items[0].role, "org:billing_admin");
    assert_eq!(members.items[0].role_name.as_deref(), Some("Billing admin"));
    let missing = client
        .organizations()
        .list_members(Uuid::nil())
        .send()
        .await;
    assert_eq!(api_error(missing).0, 404);

    let updated = client
        .organizations()
        .update_metadata(acme.id)
        .public_metadata(json!({"tier": "gold", "flags": {"beta": true}}))
        .send()
        .await
        .expect("org metadata");
    assert_eq!(updated.public_metadata["flags"]["beta"], true);
    let neither = client.organizations().update_metadata(acme.id).send().await;
    assert_eq!(api_error(neither), (400, "nothing_to_update".into()));
    let over = client
        .organizations()
        .update_metadata(acme.id)
        .private_metadata(json!({"blob": "x".repeat(8 * 1024)}))
        .send()
        .await;
    assert_eq!(api_error(over), (400, "metadata_too_large".into()));

    let member = client
        .organizations()
        .update_member_metadata(acme.id, users[1])
        .private_metadata(json!({"seat": 12}))
        .send()
        .await
        .expect("member metadata");
    assert_eq!(member.private_metadata["seat"], 12);
    let seen_from_user = client.users().list_organizations(users[1]).send().await;
    let seen_from_user = seen_from_user.expect("memberships");
    assert_eq!(seen_from_user.items[0].private_metadata["seat"], 12);
    assert_eq!(seen_from_user.items[0].name, "Acme Rockets");
    let stranger = seed(&torii, "stranger@example.com");
    let not_member = client
        .organizations()
        .update_member_metadata(acme.id, stranger.id)
        .private_metadata(json!({"seat": 1}))
        .send()
        .await;
    assert_eq!(api_error(not_member).0, 404);
    let forbidden = client.users().list_organizations(Uuid::nil()).send().await;
    assert_eq!(
        api_error(forbidden).0,
        403,
        "unknown users look like foreign ones"
    );
}

#[tokio::test]
async fn invitations_from_creation_to_acceptance() {
    let (torii, client) = mock().await;
    seed(&torii, "member@example.com");
    let invitation = client
        .invitations()
        .create("new@example.com")
        .expires_in_days(3)
        .public_metadata(json!({"team": "red"}))
        .send()
        .await
        .expect("create");
    assert_eq!(invitation.status, InvitationStatus::Pending);
    assert_eq!(
        invitation.expires_at - invitation.created_at,
        Duration::days(3)
    );
    let taken = client
        .invitations()
        .create("MEMBER@example.com")
        .send()
        .await;
    assert_eq!(api_error(taken), (409, "email_taken".into()));
    let long = client
        .invitations()
        .create("x@example.com")
        .expires_in_days(90)
        .send()
        .await;
    assert_eq!(api_error(long), (400, "invalid_expiry".into()));
    let second = client
        .invitations()
        .create("other@example.com")
        .send()
        .await;
    let second = second.expect("create");

    let got = client
        .invitations()
        .get(invitation.id)
        .send()
        .await
        .expect("get");
    assert_eq!(got.id, invitation.id);
    assert_eq!(
        (got.status.clone(), got.expires_at, got.email.as_str()),
        (
            InvitationStatus::Pending,
            invitation.expires_at,
            "new@example.com"
        )
    );
    assert_eq!(got.public_metadata["team"], "red", "create keeps the bags");
    assert!(got.private_metadata.is_empty());
    assert_eq!(
        api_error(client.invitations().get(Uuid::nil()).send().await).0,
        404
    );
    let resent = client
        .invitations()
        .resend(invitation.id)
        .send()
        .await
        .expect("resend");
    assert!(resent.expires_at >= invitation.expires_at);

    client
        .invitations()
        .revoke(second.id)
        .send()
        .await
        .expect("revoke");
    client
        .invitations()
        .revoke(second.id)
        .send()
        .await
        .expect("safe to repeat");
    let resend_revoked = client.invitations().resend(second.id).send().await;
    assert_eq!(
        api_error(resend_revoked),
        (400, "invitation_not_pending".into())
    );

    let pending = client.invitations().list().status(["PENDING"]).send().await;
    assert_eq!(pending.expect("list").items, [resent]);
    let revoked = client
        .invitations()
        .list()
        .status(["REVOKED"])
        .search("other")
        .send()
        .await;
    assert_eq!(revoked.expect("list").items[0].id, second.id);
    let all = client.invitations().list().send().await.expect("list");
    assert_eq!(all.items.len(), 2);

    let user = torii.accept_invitation(invitation.id).expect("accept");
    assert_eq!(user.email.as_deref(), Some("new@example.com"));
    assert_eq!(user.public_metadata["team"], "red");
    let accepted = client
        .invitations()
        .get(invitation.id)
        .send()
        .await
        .expect("get");
    assert_eq!(accepted.status, InvitationStatus::Accepted);
    assert!(accepted.accepted_at.is_some());
}

/// The status, `code` and `invitationStatus` member of a refused metadata update.
fn not_pending(result: Result<impl std::fmt::Debug, Error>) -> (u16, String, Option<String>) {
    match result {
        Err(Error::Api(error)) => (
            error.status().as_u16(),
            error.code().unwrap_or_default().to_owned(),
            error
                .problem_member("invitationStatus")
                .and_then(|status| status.as_str())
                .map(str::to_owned),
        ),
        other => panic!("expected an API error, got {other:?}"),
    }
}

#[tokio::test]
async fn invitation_metadata_merges_while_pending_and_is_refused_otherwise() {
    let (torii, client) = mock().await;
    let invite = |email: &'static str| {
        client
            .invitations()
            .create(email)
            .public_metadata(json!({"team": "red", "seats": {"max": 3}}))
            .private_metadata(json!({"crm": "A-1"}))
    };
    let invitation = invite("grace@example.com").await.expect("create");
    let id = invitation.id;

    let merged = client
        .invitations()
        .update_metadata(id)
        .public_metadata(json!({"team": null, "seats": {"min": 1}}))
        .await
        .expect("merge");
    let expected_public = json!({"seats": {"max": 3, "min": 1}});
    assert_eq!(
        json!(merged.public_metadata),
        expected_public,
        "deep merge, null removes"
    );
    assert_eq!(
        json!(merged.private_metadata),
        json!({"crm": "A-1"}),
        "a bag left out stays"
    );
    let read = client.invitations().get(id).await.expect("get");
    assert_eq!(read, merged, "what get answers is what was stored");

    // Refusals store nothing: the invitation reads the same after each of them.
    let unchanged = || {
        let stored = torii.invitation(id).expect("stored");
        assert_eq!(json!(stored.public_metadata), expected_public);
        assert_eq!(json!(stored.private_metadata), json!({"crm": "A-1"}));
    };
    let neither = client.invitations().update_metadata(id).await;
    assert_eq!(api_error(neither), (400, "nothing_to_update".into()));
    unchanged();
    // 8 KB for both bags together, as at create: each half fits alone, not with the other.
    let half = "x".repeat(4200);
    let over = client
        .invitations()
        .update_metadata(id)
        .public_metadata(json!({"notes": half}))
        .private_metadata(json!({"notes": half}))
        .await;
    assert_eq!(api_error(over), (400, "metadata_too_large".into()));
    unchanged();
    let fits = client
        .invitations()
        .update_metadata(id)
        .private_metadata(json!({"notes": half}))
        .await;
    assert_eq!(
        fits.expect("within the budget").private_metadata["notes"],
        half
    );
    let unknown = client
        .invitations()
        .update_metadata(Uuid::nil())
        .public_metadata(json!({"team": "blue"}))
        .await;
    assert_eq!(api_error(unknown), (404, "not_found".into()));

    // Once accepted, revoked or expired, the invitation is closed to changes: 409 with its
    // state, and its bags as they were.
    let accepted = invite("ada@example.com").await.expect("create").id;
    torii.accept_invitation(accepted).expect("accept");
    let revoked = invite("alan@example.com").await.expect("create").id;
    client.invitations().revoke(revoked).await.expect("revoke");
    let expired = invite("edsger@example.com").await.expect("create").id;
    assert_eq!(
        torii.expire_invitation(expired).expect("expire").status,
        InvitationStatus::Expired
    );
    for (closed, state) in [
        (accepted, "ACCEPTED"),
        (revoked, "REVOKED"),
        (expired, "EXPIRED"),
    ] {
        let refused = client
            .invitations()
            .update_metadata(closed)
            .public_metadata(json!({"team": "blue"}))
            .await;
        assert_eq!(
            not_pending(refused),
            (409, "invitation_not_pending".into(), Some(state.into())),
            "{state}"
        );
        let stored = torii.invitation(closed).expect("stored");
        assert_eq!(
            stored.public_metadata["team"], "red",
            "{state}: nothing stored"
        );
    }
}

#[tokio::test]
async fn impersonation_tokens_and_allowed_origins() {
    let (torii, client) = mock().await;
    let target = seed(&torii, "target@example.com");
    let operator = seed(&torii, "operator@example.com");

    let minted = client
        .impersonation()
        .mint_token(target.id, operator.id, "ticket 4521")
        .send()
        .await
        .expect("mint");
    assert_eq!(minted.expires_in_seconds, 600);
    assert!(minted.token.starts_with("imp_"));
    assert_eq!(minted.url, None, "no landing page known");

    let not_allowed = client
        .impersonation()
        .mint_token(target.id, operator.id, "ticket")
        .redirect_url("https://app.example.com/home")
        .send()
        .await;
    assert_eq!(api_error(not_allowed), (400, "origin_not_allowed".into()));

    let origins = client
        .allowed_origins()
        .set(["https://app.example.com/", "capacitor://localhost"])
        .send()
        .await
        .expect("set");
    assert_eq!(
        origins.origins,
        ["https://app.example.com", "capacitor://localhost"]
    );
    let listed = client.allowed_origins().list().send().await.expect("list");
    assert_eq!(listed, origins);
    let bad = client
        .allowed_origins()
        .set(["https://app.example.com/path"])
        .send()
        .await;
    assert_eq!(api_error(bad), (400, "invalid_origin".into()));

    let with_url = client
        .impersonation()
        .mint_token(target.id, operator.id, "ticket")
        .redirect_url("https://app.example.com/home")
        .expires_in_seconds(60)
        .send()
        .await
        .expect("mint with a landing page");
    assert_eq!(with_url.expires_in_seconds, 60);
    let url = with_url.url.expect("url");
    assert!(url.starts_with("https://app.example.com/home?"), "{url}");
    assert!(url.contains(&with_url.token));
    assert_ne!(with_url.token, minted.token);

    let short = client
        .impersonation()
        .mint_token(target.id, operator.id, "ticket")
        .expires_in_seconds(59)
        .send()
        .await;
    // The spec's `minimum: 60`, refused before the handler.
    assert_eq!(api_error(short), (400, "invalid_request".into()));
    let stranger = client
        .impersonation()
        .mint_token(target.id, Uuid::nil(), "ticket")
        .send()
        .await;
    assert_eq!(api_error(stranger).0, 403);
    client
        .users()
        .delete(target.id)
        .send()
        .await
        .expect("delete");
    let deleted = client
        .impersonation()
        .mint_token(target.id, operator.id, "ticket")
        .send()
        .await;
    assert_eq!(api_error(deleted), (400, "user_deleted".into()));
    assert_eq!(torii.impersonation_tokens(), 2);
}

#[tokio::test]
async fn error_paths_carry_code_support_id_and_the_operation() {
    let (torii, client) = mock().await;
    let wrong_key = Client::builder()
        .secret_key("sk_test_not_the_mock_key")
        .api_url(torii.api_url())
        .build()
        .expect("client");
    let Err(Error::Api(error)) = wrong_key.users().list().send().await else {
        panic!("a wrong key is refused");
    };
    assert_eq!(error.status().as_u16(), 401);
    assert_eq!(error.code(), Some("invalid_secret_key"));
    assert!(error.support_id().is_some_and(|id| id.starts_with("mock-")));
    assert_eq!(error.message(), "the secret key is missing or not valid");
    assert_eq!(error.operation(), "users.list");

    torii.fail_operation(
        Operation::GetUser,
        1,
        ApiFault::RateLimited {
            retry_after: Some(std::time::Duration::from_secs(7)),
        },
    );
    let once = Client::builder()
        .secret_key(torii.secret_key())
        .api_url(torii.api_url())
        .retry_policy(torii_backend::rest::RetryPolicy::disabled())
        .build()
        .expect("client");
    let Err(Error::Api(limited)) = once.users().get(Uuid::nil()).send().await else {
        panic!("rate limited");
    };
    assert_eq!(limited.status().as_u16(), 429);
    assert_eq!(
        limited.retry_after(),
        Some(std::time::Duration::from_secs(7))
    );
    assert_eq!(
        api_error(client.users().get(Uuid::nil()).send().await).0,
        404
    );

    let support_ids: BTreeSet<String> = [error.support_id(), limited.support_id()]
        .into_iter()
        .flatten()
        .map(str::to_owned)
        .collect();
    assert_eq!(support_ids.len(), 2, "each answer has its own support id");
}
