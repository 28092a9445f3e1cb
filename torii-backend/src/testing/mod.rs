//! A Torii you can run in your own tests (feature `testing`): [`MockTorii`].
//!
//! It listens on 127.0.0.1 with a free port, serves the issuer's JWKS and OIDC discovery
//! documents, mints tokens with any claims, `kid` and times, rotates keys, counts key set
//! fetches, and breaks its JWKS endpoint on request ([`JwksFault`]).
//!
//! With feature `api` (on by default) the same server is the Backend API too: every operation
//! of the spec over an in-memory environment with the server's rules, seeding helpers, fault
//! injection ([`ApiFault`]) and call counters; [`MockTorii::client`] is a client for it.
//!
//! # The Backend API: what it does as the real server does
//!
//! - The secret key ([`MockTorii::secret_key`]) is required as `Authorization: Bearer …`;
//!   anything else is 401.
//! - Every request is checked against the spec before it is handled: the body (present when
//!   the spec requires one, JSON, an object, valid against its schema with its enums, bounds,
//!   `uniqueItems` and formats) and every path and query parameter against its schema. A
//!   refusal is a 400 with `code` `invalid_request` and a `detail` naming the field by JSON
//!   pointer; nothing is stored.
//! - Errors are `application/problem+json` with `type`, `title`, `status`, `detail`, and
//!   Torii's `code` and `supportId`.
//! - Users: a duplicate email is 409; PATCH fields are tri-state; metadata merges deeply and a
//!   `null` inside a bag removes that key; the three bags of a user may hold 8 KB together
//!   (organization and membership bags 8 KB each); delete is a soft delete after which the user
//!   answers 403, so a second delete is 403; ban revokes every session.
//! - Invitations keep both metadata bags from `create` (8 KB together) and `get` answers them.
//!   `updateMetadata` deep-merges into a pending invitation within the same budget, refuses a
//!   body naming neither bag (400 `nothing_to_update`), and answers 409
//!   `invitation_not_pending` with the state in `invitationStatus` once the invitation is
//!   accepted, revoked or expired.
//! - Search applies every filter of `ServerUserSearchRequest`. Deleted users are only listed
//!   when `statuses` asks for them.
//! - Every listing is ordered by id (ids are time-ordered, so this is creation order; members
//!   are ordered by user id) and paginated by cursor: `limit` 1 to 100 (20 by default),
//!   `nextCursor` the id of the last item when `hasMore`.
//!
//! # The Backend API: what is only the mock's
//!
//! - Seeding: [`MockTorii::seed_user`], [`MockTorii::create_session`],
//!   [`MockTorii::create_organization`], [`MockTorii::add_member`],
//!   [`MockTorii::accept_invitation`], [`MockTorii::expire_invitation`]; reading back
//!   [`MockTorii::user`] and [`MockTorii::invitation`] as stored.
//! - Faults ([`ApiFault`]): for the next requests ([`MockTorii::fail_next`]) or the next
//!   requests to one operation ([`MockTorii::fail_operation`]).
//! - Counting: [`MockTorii::calls`] per operation, faulted requests included.
//!
//! ```
//! use torii_backend::testing::MockTorii;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let torii = MockTorii::start().await.expect("loopback is available");
//! let token = torii.token().subject("user_1").claim("plan", "pro").sign();
//! let auth = torii.verifier().verify(&token).await.expect("a valid token");
//! assert_eq!(auth.user_id, "user_1");
//! # }
//! ```

#[cfg(feature = "api")]
mod backend;
mod issuer;
mod keys;
mod mock;
mod server;

#[cfg(feature = "api")]
pub use backend::{ApiFault, MockError, RecordedRequest, Snapshot, SnapshotError, UserSeed};
pub use issuer::{JwksFault, TokenBuilder};
pub use mock::{MockTorii, MockToriiBuilder, StartError};
