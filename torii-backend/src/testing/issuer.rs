//! The issuer half of [`MockTorii`]: JWKS, OIDC discovery, token minting, rotation, faults.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Map, Value, json};

use super::MockTorii;
use super::keys::SigningKey;

/// A way to break the mock's JWKS endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum JwksFault {
    /// Answer 503 Service Unavailable.
    Down,
    /// Answer this status with a valid key set as the body.
    Status(u16),
    /// Wait this long, then answer normally.
    Slow(Duration),
    /// Never answer.
    Hang,
    /// Answer 200 with a body that is not JSON.
    Garbage,
    /// Answer 200 with a valid key set padded to this many bytes.
    Oversized(usize),
    /// Answer 302 to this URL.
    Redirect(String),
}

pub(super) struct IssuerState {
    pub(super) issuer: String,
    /// The default `pid` of minted tokens: an import may change it.
    environment: Mutex<String>,
    keys: Mutex<Vec<Arc<SigningKey>>>,
    fetches: AtomicUsize,
    fault: Mutex<Option<JwksFault>>,
    next_kid: AtomicUsize,
}

impl IssuerState {
    pub(super) fn new(issuer: String, environment: String) -> Self {
        Self {
            issuer,
            environment: Mutex::new(environment),
            keys: Mutex::new(Vec::new()),
            fetches: AtomicUsize::new(0),
            fault: Mutex::new(None),
            next_kid: AtomicUsize::new(1),
        }
    }

    pub(super) fn keys(&self) -> MutexGuard<'_, Vec<Arc<SigningKey>>> {
        self.keys
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    #[cfg_attr(not(feature = "api"), allow(dead_code))]
    pub(super) fn set_environment(&self, environment: String) {
        *self
            .environment
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = environment;
    }

    /// A token builder with the defaults [`MockTorii::token`] documents.
    pub(super) fn token(self: &Arc<Self>) -> TokenBuilder {
        let now = unix_now();
        let environment = self
            .environment
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        let mut claims = Map::new();
        claims.insert("iss".into(), json!(self.issuer));
        claims.insert("sub".into(), json!("user_test"));
        claims.insert("pid".into(), json!(environment));
        claims.insert("iat".into(), json!(now));
        claims.insert("exp".into(), json!(now + 300));
        TokenBuilder {
            state: Arc::clone(self),
            header: Map::new(),
            claims,
            signing_kid: None,
        }
    }

    /// A new current key with a fresh `kid`, which it returns.
    pub(super) fn rotate_key(&self) -> String {
        let mut keys = self.keys();
        // An imported key set may already hold the next number's kid.
        let kid = std::iter::repeat_with(|| {
            format!("mock-key-{}", self.next_kid.fetch_add(1, Ordering::Relaxed))
        })
        .find(|kid| keys.iter().all(|key| key.kid() != kid))
        .unwrap_or_default();
        keys.push(Arc::new(SigningKey::generate(&kid)));
        kid
    }

    /// Removes the key `kid`; whether there was one.
    pub(super) fn remove_key(&self, kid: &str) -> bool {
        let mut keys = self.keys();
        let before = keys.len();
        keys.retain(|key| key.kid() != kid);
        keys.len() != before
    }

    /// Replaces every key (the last one current), as an import does.
    #[cfg_attr(not(feature = "api"), allow(dead_code))]
    pub(super) fn replace_keys(&self, keys: Vec<SigningKey>) {
        *self.keys() = keys.into_iter().map(Arc::new).collect();
    }

    fn fault(&self) -> Option<JwksFault> {
        self.fault
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    fn jwks(&self) -> Value {
        json!({"keys": self.keys().iter().map(|k| k.public_jwk()).collect::<Vec<_>>()})
    }

    fn current(&self) -> Option<Arc<SigningKey>> {
        self.keys().last().cloned()
    }
}

/// The issuer's routes: the JWKS and OIDC discovery.
pub(super) fn router(state: Arc<IssuerState>) -> Router {
    Router::new()
        .route("/_torii/.well-known/jwks.json", get(jwks))
        .route("/.well-known/openid-configuration", get(discovery))
        .with_state(state)
}

/// The issuer half: tokens, keys and JWKS faults.
impl MockTorii {
    /// A token builder with valid defaults: this issuer, `sub` `user_test`, `pid` the mock's
    /// environment (its [`environment_id`](MockTorii::environment_id) with feature `api`,
    /// `env_test` without),
    /// issued now, expiring in 5 minutes, signed with the current key.
    pub fn token(&self) -> TokenBuilder {
        self.issuer.token()
    }

    /// Adds a new signing key with a fresh `kid` and makes it current; older keys stay in the
    /// JWKS (as during a real rotation). Returns the new `kid`.
    pub fn rotate_key(&self) -> String {
        self.issuer.rotate_key()
    }

    /// Adds a new signing key with this `kid` and makes it current (two mocks given the same
    /// `kid` have colliding kids with different keys).
    pub fn add_key(&self, kid: &str) {
        self.issuer.keys().push(Arc::new(SigningKey::generate(kid)));
    }

    /// Removes the key `kid` from the JWKS; tokens it signed stop verifying once verifiers
    /// refetch.
    pub fn remove_key(&self, kid: &str) {
        self.issuer.remove_key(kid);
    }

    /// The `kid` of the current signing key.
    pub fn current_kid(&self) -> Option<String> {
        self.issuer.current().map(|key| key.kid().to_owned())
    }

    /// Signs `header` and `claims` exactly as given (any text, duplicate members and invalid
    /// JSON included) with the current key: for tests of what a verifier does with tokens no
    /// honest issuer makes.
    ///
    /// # Panics
    ///
    /// When the mock has no key left (all removed).
    #[allow(clippy::expect_used)] // the `# Panics` above, after `remove_key` of every key
    pub fn sign_raw(&self, header: &str, claims: &str) -> String {
        self.issuer
            .current()
            .expect("the mock has a signing key")
            .sign_text(header, claims)
    }

    /// The key set the JWKS endpoint serves.
    pub fn jwks(&self) -> Value {
        self.issuer.jwks()
    }

    /// How many requests the JWKS endpoint has received.
    pub fn jwks_fetches(&self) -> usize {
        self.issuer.fetches.load(Ordering::SeqCst)
    }

    /// Breaks the JWKS endpoint (`Some`) or mends it (`None`).
    pub fn set_jwks_fault(&self, fault: Option<JwksFault>) {
        *self
            .issuer
            .fault
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = fault;
    }
}

/// Builds and signs a token for a [`MockTorii`]. Every setter overrides a default; the header
/// is `{"alg": "ES256", "typ": "JWT", "kid": <signing key>}` unless changed with
/// [`TokenBuilder::header`].
#[must_use = "call `.sign()` to get the token"]
pub struct TokenBuilder {
    state: Arc<IssuerState>,
    header: Map<String, Value>,
    claims: Map<String, Value>,
    signing_kid: Option<String>,
}

impl TokenBuilder {
    /// Sets `sub`.
    pub fn subject(self, user_id: impl Into<String>) -> Self {
        self.claim("sub", user_id.into())
    }

    /// Sets `pid`.
    pub fn environment(self, environment_id: impl Into<String>) -> Self {
        self.claim("pid", environment_id.into())
    }

    /// Sets `sid`.
    pub fn session_id(self, session_id: impl Into<String>) -> Self {
        self.claim("sid", session_id.into())
    }

    /// Sets `iss` (the mock's issuer by default).
    pub fn issuer(self, issuer: impl Into<String>) -> Self {
        self.claim("iss", issuer.into())
    }

    /// Sets any claim.
    pub fn claim(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.claims.insert(name.to_owned(), value.into());
        self
    }

    /// Removes a claim, default or not.
    pub fn without(mut self, name: &str) -> Self {
        self.claims.remove(name);
        self
    }

    /// Expires `lifetime` from now.
    pub fn expires_in(self, lifetime: Duration) -> Self {
        self.claim("exp", unix_now() + lifetime.as_secs())
    }

    /// Expired `ago` ago (issued a minute before that).
    pub fn expired(self, ago: Duration) -> Self {
        let exp = unix_now().saturating_sub(ago.as_secs());
        self.claim("exp", exp).claim("iat", exp.saturating_sub(60))
    }

    /// Not valid until `delay` from now (`nbf`).
    pub fn not_before_in(self, delay: Duration) -> Self {
        let nbf = unix_now() + delay.as_secs();
        self.claim("nbf", nbf).claim("exp", nbf + 300)
    }

    /// Signs with the key `kid` when the mock has it, and names `kid` in the header either way
    /// (so an unknown `kid` can be sent).
    pub fn kid(mut self, kid: impl Into<String>) -> Self {
        let kid = kid.into();
        self.header.insert("kid".into(), json!(kid));
        self.signing_kid = Some(kid);
        self
    }

    /// Sets a header member (`Value::Null` removes it, including `alg` and `kid`).
    pub fn header(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.header.insert(name.to_owned(), value.into());
        self
    }

    /// The claims as they will be signed.
    pub fn claims(&self) -> &Map<String, Value> {
        &self.claims
    }

    /// The signed token.
    ///
    /// # Panics
    ///
    /// When the mock has no key left (all removed).
    #[allow(clippy::expect_used)] // the `# Panics` above, after `remove_key` of every key
    pub fn sign(self) -> String {
        let key = {
            let keys = self.state.keys();
            let wanted = self.signing_kid.as_deref();
            keys.iter()
                .rev()
                .find(|k| wanted.is_none_or(|kid| k.kid() == kid))
                .or_else(|| keys.last())
                .cloned()
                .expect("the mock has a signing key")
        };
        let mut header = Map::new();
        header.insert("alg".into(), json!("ES256"));
        header.insert("typ".into(), json!("JWT"));
        header.insert("kid".into(), json!(key.kid()));
        for (name, value) in self.header {
            match value {
                Value::Null => header.remove(&name),
                value => header.insert(name, value),
            };
        }
        key.sign(&Value::Object(header), &Value::Object(self.claims))
    }
}

impl std::fmt::Debug for TokenBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenBuilder")
            .field("header", &self.header)
            .field("claims", &self.claims)
            .finish_non_exhaustive()
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

async fn jwks(State(state): State<Arc<IssuerState>>) -> Response {
    state.fetches.fetch_add(1, Ordering::SeqCst);
    let json_response = |status: StatusCode, body: String| {
        (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
    };
    match state.fault() {
        None => json_response(StatusCode::OK, state.jwks().to_string()),
        Some(JwksFault::Down) => (StatusCode::SERVICE_UNAVAILABLE, "issuer down").into_response(),
        Some(JwksFault::Status(code)) => json_response(
            StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            state.jwks().to_string(),
        ),
        Some(JwksFault::Slow(delay)) => {
            tokio::time::sleep(delay).await;
            json_response(StatusCode::OK, state.jwks().to_string())
        }
        Some(JwksFault::Hang) => std::future::pending().await,
        Some(JwksFault::Garbage) => {
            json_response(StatusCode::OK, "{\"keys\": [ this is not json".to_owned())
        }
        Some(JwksFault::Oversized(bytes)) => {
            let mut document = state.jwks();
            if let Some(members) = document.as_object_mut() {
                members.insert("padding".into(), json!("x".repeat(bytes)));
            }
            json_response(StatusCode::OK, document.to_string())
        }
        Some(JwksFault::Redirect(location)) => {
            (StatusCode::FOUND, [(header::LOCATION, location)], "").into_response()
        }
    }
}

async fn discovery(State(state): State<Arc<IssuerState>>) -> Response {
    axum::Json(json!({
        "issuer": state.issuer,
        "jwks_uri": format!("{}/_torii/.well-known/jwks.json", state.issuer),
        "id_token_signing_alg_values_supported": ["ES256"],
        "subject_types_supported": ["public"],
        "response_types_supported": ["code"],
    }))
    .into_response()
}
