//! [`MockTorii`] itself: one loopback server carrying the issuer and, with `api`, the Backend
//! API.

use std::sync::Arc;

use tokio::task::JoinHandle;

#[cfg(feature = "api")]
use super::backend::{self, ApiState};
use super::issuer::{self, IssuerState};
use super::server;
use crate::verify::Verifier;

/// An in-process Torii on loopback, for tests. See the [module docs](super).
///
/// The server stops when the `MockTorii` is dropped.
pub struct MockTorii {
    pub(super) issuer: Arc<IssuerState>,
    #[cfg(feature = "api")]
    pub(super) api: Arc<ApiState>,
    server: JoinHandle<()>,
}

impl MockTorii {
    /// Starts a mock on 127.0.0.1 with a free port and one signing key.
    ///
    /// # Errors
    ///
    /// When no loopback port can be bound.
    pub async fn start() -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        #[cfg(feature = "api")]
        let api = Arc::new(ApiState::new());
        #[cfg(feature = "api")]
        let environment = api.environment_id().to_string();
        #[cfg(not(feature = "api"))]
        let environment = "env_test".to_owned();
        let issuer = Arc::new(IssuerState::new(url, environment));
        let app = issuer::router(Arc::clone(&issuer));
        #[cfg(feature = "api")]
        let app = app.merge(backend::router(Arc::clone(&api)));
        let mock = Self {
            issuer,
            #[cfg(feature = "api")]
            api,
            server: server::serve(listener, app),
        };
        mock.rotate_key();
        Ok(mock)
    }

    /// The issuer URL, `http://127.0.0.1:<port>`.
    pub fn issuer(&self) -> &str {
        &self.issuer.issuer
    }

    /// The JWKS URL, `{issuer}/_torii/.well-known/jwks.json`.
    pub fn jwks_url(&self) -> String {
        format!("{}/_torii/.well-known/jwks.json", self.issuer())
    }

    /// A verifier for this issuer with the default settings.
    ///
    /// # Panics
    ///
    /// Never: the mock's issuer is a loopback URL, which a verifier always accepts.
    #[allow(clippy::expect_used)] // the `# Panics` above: a loopback issuer is always valid
    pub fn verifier(&self) -> Verifier {
        Verifier::new(self.issuer()).expect("a loopback issuer is a valid verifier configuration")
    }
}

impl Drop for MockTorii {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl std::fmt::Debug for MockTorii {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kids: Vec<String> = self
            .issuer
            .keys()
            .iter()
            .map(|k| k.kid().to_owned())
            .collect();
        let mut debug = f.debug_struct("MockTorii");
        debug
            .field("issuer", &self.issuer.issuer)
            .field("kids", &kids)
            .field("jwks_fetches", &self.jwks_fetches());
        #[cfg(feature = "api")]
        debug.field("api_requests", &self.api_requests());
        debug.finish_non_exhaustive()
    }
}
