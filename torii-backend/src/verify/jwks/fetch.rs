//! Fetching an issuer's key set, hardened: https (or loopback), no redirects, status 200 only,
//! a timeout and a body cap.

use std::time::Duration;

use reqwest::{StatusCode, Url};

use super::keys::KeySet;

/// Downloads and reads one issuer's JWKS.
#[derive(Debug, Clone)]
pub(crate) struct Fetcher {
    http: reqwest::Client,
    url: Url,
    max_body: usize,
}

impl Fetcher {
    /// A fetcher for `url`, which the caller has already checked against the network policy.
    pub(crate) fn new(url: Url, timeout: Duration, max_body: usize) -> Result<Self, String> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("torii-rs/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|_| "the HTTP client for the key set could not be created".to_owned())?;
        Ok(Self {
            http,
            url,
            max_body,
        })
    }

    pub(crate) fn url(&self) -> &Url {
        &self.url
    }

    /// Fetches and reads the key set.
    ///
    /// # Errors
    ///
    /// What went wrong, in words fit for a log line (no secrets are involved here).
    pub(crate) async fn fetch(&self) -> Result<KeySet, String> {
        let mut response = self
            .http
            .get(self.url.clone())
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|error| {
                if error.is_timeout() {
                    "the key set request timed out".to_owned()
                } else {
                    format!("the key set request failed: {error}")
                }
            })?;
        if response.status() != StatusCode::OK {
            return Err(format!(
                "the key set request answered {}, not 200",
                response.status().as_u16()
            ));
        }
        if response
            .content_length()
            .is_some_and(|length| length > self.max_body as u64)
        {
            return Err(format!(
                "the key set is larger than {} bytes",
                self.max_body
            ));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|error| format!("reading the key set failed: {error}"))?
        {
            if body.len() + chunk.len() > self.max_body {
                return Err(format!(
                    "the key set is larger than {} bytes",
                    self.max_body
                ));
            }
            body.extend_from_slice(&chunk);
        }
        KeySet::from_json(&body)
    }
}
