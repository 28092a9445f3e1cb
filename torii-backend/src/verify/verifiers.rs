//! Several issuers behind one verifier: [`Verifiers`].

use std::fmt;
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;

use super::auth::Auth;
use super::error::{AuthError, AuthErrorKind};
use super::headers::HeaderSource;
use super::sources::{TokenSource, count_refusal, find_token};
use super::verifier::{Verifier, normalize_issuer};

/// A fixed set of issuers, one [`Verifier`] each: staging and production, or one Torii
/// environment per customer, behind one middleware.
///
/// A token's `iss`, read before anything is verified, only chooses which verifier checks it.
/// That verifier then checks everything, with its own keys, as it would alone: a token signed
/// by issuer B's key that claims issuer A fails A's signature check, and a token whose `iss` is
/// none of the set is [`IssuerMismatch`](AuthErrorKind::IssuerMismatch) with nothing fetched.
/// [`Auth::issuer`] says which issuer accepted it.
///
/// ```
/// use torii_backend::verify::{Verifier, Verifiers};
///
/// # fn build() -> Result<Verifiers, torii_backend::ConfigError> {
/// let verifiers = Verifiers::new([
///     Verifier::new("https://auth.staging.example.com")?,
///     Verifier::new("https://auth.example.com")?,
/// ]);
/// # Ok(verifiers) }
/// ```
///
/// Cloning is cheap, and clones share the verifiers and their caches.
#[derive(Clone)]
pub struct Verifiers {
    inner: Arc<Inner>,
}

struct Inner {
    /// By normalized issuer; when an issuer is given twice, the first verifier wins.
    verifiers: Vec<(String, Verifier)>,
    sources: Vec<TokenSource>,
    /// The largest token any verifier of the set accepts: a longer one is refused before its
    /// issuer is read, as each verifier refuses it before parsing.
    max_token_len: usize,
}

impl Verifiers {
    /// A set of `verifiers`, one per issuer (when two have the same issuer, the first is used).
    /// Requests are read with the [token sources](super::VerifierBuilder::token_sources) of the
    /// first verifier.
    pub fn new(verifiers: impl IntoIterator<Item = Verifier>) -> Self {
        let mut set: Vec<(String, Verifier)> = Vec::new();
        for verifier in verifiers {
            let issuer = normalize_issuer(verifier.issuer());
            if !set.iter().any(|(known, _)| *known == issuer) {
                set.push((issuer, verifier));
            }
        }
        let sources = set.first().map_or_else(
            || vec![TokenSource::Authorization],
            |(_, first)| first.token_sources().to_vec(),
        );
        let max_token_len = set
            .iter()
            .map(|(_, verifier)| verifier.max_token_len())
            .max()
            .unwrap_or(0);
        Self {
            inner: Arc::new(Inner {
                verifiers: set,
                sources,
                max_token_len,
            }),
        }
    }

    /// The verifiers of the set, one per issuer, in the order given.
    pub fn verifiers(&self) -> impl Iterator<Item = &Verifier> {
        self.inner.verifiers.iter().map(|(_, verifier)| verifier)
    }

    /// Verifies `token` with the verifier of the issuer it names.
    ///
    /// # Errors
    ///
    /// [`AuthErrorKind::IssuerMismatch`] when its `iss` is not one of the set (nothing is
    /// fetched), [`AuthErrorKind::Malformed`] when it has no readable `iss`; otherwise as
    /// [`Verifier::verify`].
    pub async fn verify(&self, token: &str) -> Result<Auth, AuthError> {
        if let [(_, only)] = self.inner.verifiers.as_slice() {
            // One issuer: its verifier checks `iss` itself.
            return only.verify(token).await;
        }
        match self.verifier_for(token) {
            Ok(verifier) => verifier.verify(token).await,
            Err(refused) => {
                // Refused before any verifier saw it: counted here, as a verifier would.
                #[cfg(feature = "metrics")]
                crate::observe::verification(Err(refused.kind()));
                Err(refused)
            }
        }
    }

    /// Verifies the token of a request's headers, read from the first verifier's token
    /// sources.
    ///
    /// # Errors
    ///
    /// As [`Verifier::authenticate_request`] and [`Verifiers::verify`].
    pub async fn authenticate_request(
        &self,
        headers: impl HeaderSource,
    ) -> Result<Auth, AuthError> {
        let token = self.find_token(headers).inspect_err(count_refusal)?;
        self.verify(&token).await
    }

    pub(crate) fn find_token(&self, headers: impl HeaderSource) -> Result<String, AuthError> {
        find_token(headers, &self.inner.sources)
    }

    /// The verifier of the issuer `token` names, read without verifying anything.
    fn verifier_for(&self, token: &str) -> Result<&Verifier, AuthError> {
        if token.len() > self.inner.max_token_len {
            return Err(AuthError::new(
                AuthErrorKind::TokenTooLarge,
                format!(
                    "the token is longer than {} bytes",
                    self.inner.max_token_len
                ),
            ));
        }
        let issuer = unverified_issuer(token)?;
        let issuer = issuer.strip_suffix('/').unwrap_or(&issuer);
        self.inner
            .verifiers
            .iter()
            .find(|(known, _)| known == issuer)
            .map(|(_, verifier)| verifier)
            .ok_or_else(|| {
                AuthError::new(
                    AuthErrorKind::IssuerMismatch,
                    "the token's issuer is none of the configured issuers",
                )
            })
    }
}

impl From<Verifier> for Verifiers {
    fn from(verifier: Verifier) -> Self {
        Self::new([verifier])
    }
}

impl fmt::Debug for Verifiers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.inner.verifiers.iter().map(|(issuer, _)| issuer))
            .finish()
    }
}

/// The `iss` of a token's payload, read without any check: it only chooses a verifier, which
/// then checks it. The payload is scanned once, every other member skipped unread.
fn unverified_issuer(token: &str) -> Result<String, AuthError> {
    #[derive(Deserialize)]
    struct Issuer<'a> {
        #[serde(borrow)]
        iss: Option<std::borrow::Cow<'a, str>>,
    }
    let malformed = || AuthError::new(AuthErrorKind::Malformed, "the token has no readable issuer");
    let payload = token.split('.').nth(1).ok_or_else(malformed)?;
    let bytes = URL_SAFE_NO_PAD.decode(payload).map_err(|_| malformed())?;
    let read: Issuer<'_> = serde_json::from_slice(&bytes).map_err(|_| malformed())?;
    read.iss
        .map(std::borrow::Cow::into_owned)
        .ok_or_else(malformed)
}
