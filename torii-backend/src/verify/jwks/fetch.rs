//! Fetching an issuer's key set, hardened: https (or loopback), no redirects, status 200 only,
//! a timeout over the whole exchange and a body cap.
//!
//! The client is hyper with rustls (aws-lc-rs, Mozilla's roots from `webpki-roots` and any the
//! user adds) rather than reqwest, so that a verify-only build stays small. hyper follows no
//! redirects by itself. The route (direct or a CONNECT tunnel) is in [`super::network`].

use std::time::Duration;

use bytes::Bytes;
use http::{Request, StatusCode, Uri, header};
use http_body_util::{BodyExt, Empty, Limited};
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

use super::error::{JwksFetchError, JwksFetchErrorKind};
use super::keys::KeySet;
use super::network::{Connector, ProxySetting, Route, root_store};
use crate::error::ConfigError;

/// How the fetch reaches the network: the proxy setting and the extra trusted roots.
#[derive(Clone, Default)]
pub(crate) struct Network {
    pub(crate) proxy: ProxySetting,
    /// PEM documents, each with one or more CA certificates.
    pub(crate) roots: Vec<Vec<u8>>,
}

/// Downloads and reads one issuer's JWKS.
#[derive(Clone)]
pub(crate) struct Fetcher {
    http: Client<HttpsConnector<Connector>, Empty<Bytes>>,
    uri: Uri,
    route: Route,
    timeout: Duration,
    max_body: usize,
}

impl Fetcher {
    /// A fetcher for `uri`, which the caller has already checked against the network policy.
    ///
    /// # Errors
    ///
    /// An unusable proxy (from the environment or `network`) or root certificate.
    pub(crate) fn new(
        uri: Uri,
        timeout: Duration,
        max_body: usize,
        network: &Network,
    ) -> Result<Self, ConfigError> {
        let route = Route::to(&uri, &network.proxy, |name| std::env::var(name).ok())?;
        // The TLS provider is named here, not taken from a process default, so that a build in
        // which rustls has several providers enabled cannot fail at run time.
        let tls = rustls::ClientConfig::builder_with_provider(
            rustls::crypto::aws_lc_rs::default_provider().into(),
        )
        .with_safe_default_protocol_versions()
        .map_err(|error| {
            ConfigError::new(format!("TLS for the key set could not be set up: {error}"))
        })?
        .with_root_certificates(root_store(&network.roots)?)
        .with_no_client_auth();
        let https = HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .wrap_connector(Connector::new(&route));
        let http = Client::builder(TokioExecutor::new()).build(https);
        Ok(Self {
            http,
            uri,
            route,
            timeout,
            max_body,
        })
    }

    pub(crate) fn uri(&self) -> &Uri {
        &self.uri
    }

    /// Fetches and reads the key set.
    ///
    /// # Errors
    ///
    /// What went wrong, in words fit for a log line (no secrets are involved here).
    pub(crate) async fn fetch(&self) -> Result<KeySet, JwksFetchError> {
        let body = tokio::time::timeout(self.timeout, self.download())
            .await
            .map_err(|_| {
                JwksFetchError::new(
                    JwksFetchErrorKind::Timeout,
                    format!("the key set request timed out after {:?}", self.timeout),
                )
            })??;
        KeySet::from_json(&body)
            .map_err(|problem| JwksFetchError::new(JwksFetchErrorKind::InvalidDocument, problem))
    }

    async fn download(&self) -> Result<Bytes, JwksFetchError> {
        let failed = |kind, message: String| JwksFetchError::new(kind, message);
        let request = Request::get(self.uri.clone())
            .header(header::ACCEPT, "application/json")
            .header(
                header::USER_AGENT,
                concat!("torii-rs/", env!("CARGO_PKG_VERSION")),
            )
            .body(Empty::new())
            .map_err(|error| {
                failed(
                    JwksFetchErrorKind::Request,
                    format!("the key set request could not be built: {error}"),
                )
            })?;
        let response = self.http.request(request).await.map_err(|error| {
            failed(
                JwksFetchErrorKind::Request,
                format!("the key set request failed: {}", with_causes(&error)),
            )
        })?;
        if response.status() != StatusCode::OK {
            return Err(JwksFetchError::status_code(response.status().as_u16()));
        }
        let too_large = || {
            failed(
                JwksFetchErrorKind::TooLarge,
                format!("the key set is larger than {} bytes", self.max_body),
            )
        };
        let declared = response
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|length| length > self.max_body as u64) {
            return Err(too_large());
        }
        let collected = Limited::new(response.into_body(), self.max_body)
            .collect()
            .await
            .map_err(|error| {
                if error.is::<http_body_util::LengthLimitError>() {
                    too_large()
                } else {
                    failed(
                        JwksFetchErrorKind::Body,
                        format!("reading the key set failed: {error}"),
                    )
                }
            })?;
        Ok(collected.to_bytes())
    }
}

impl std::fmt::Debug for Network {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The roots are whole PEM documents: their count says enough.
        f.debug_struct("Network")
            .field("proxy", &self.proxy)
            .field("extra_roots", &self.roots.len())
            .finish()
    }
}

impl std::fmt::Debug for Fetcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fetcher")
            .field("uri", &self.uri)
            .field("route", &self.route)
            .field("timeout", &self.timeout)
            .field("max_body", &self.max_body)
            .finish_non_exhaustive()
    }
}

/// `error` and each of its causes, joined by ": ". hyper's own message is one word
/// ("client error (Connect)"); what failed (a refused tunnel, an unknown certificate authority)
/// is in the causes.
fn with_causes(error: &(dyn std::error::Error + 'static)) -> String {
    let mut message = error.to_string();
    let mut cause = error.source();
    while let Some(inner) = cause {
        let text = inner.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        cause = inner.source();
    }
    message
}
