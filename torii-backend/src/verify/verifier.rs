//! [`Verifier`]: one issuer's configuration and key cache, and the checks a token must pass.

use std::sync::Arc;
use std::time::Duration;

use http::Uri;

use super::auth::{Auth, RawClaims};
use super::claims::Claims;
use super::clock::Clock;
use super::error::AuthError;
#[cfg(doc)]
use super::error::AuthErrorKind;
use super::headers::HeaderSource;
use super::jwks::{
    CacheSettings, Fetcher, JwksCache, JwksStats, KeySet, Network, ProxySetting, VerificationKey,
};
use super::sources::{TokenSource, count_refusal, find_token};
use super::token::{ClaimRules, UnverifiedToken};
use super::token_cache::{TokenCache, TokenCacheSettings, TokenCacheStats};
use crate::error::ConfigError;

/// Clock skew tolerated on `exp`, `nbf` and `iat` unless configured.
pub const DEFAULT_LEEWAY: Duration = Duration::from_secs(30);
/// Time allowed for one key set fetch unless configured.
pub const DEFAULT_HTTP_TIMEOUT: Duration = Duration::from_secs(5);
/// Largest key set document accepted unless configured.
pub const DEFAULT_MAX_JWKS_BYTES: usize = 256 * 1024;
/// Longest token parsed unless configured; longer ones are refused before parsing.
pub const DEFAULT_MAX_TOKEN_BYTES: usize = 8 * 1024;

/// Verifies Torii session tokens of one issuer, locally.
///
/// Keys come from `{issuer}/_torii/.well-known/jwks.json` (or the configured URL), are cached
/// for this issuer only, and are refreshed as described in [`CacheSettings`]. Nothing in a
/// token chooses where keys come from. Cloning is cheap and clones share the cache; make one
/// verifier per issuer and keep it (or use [`verify_token`](super::verify_token), which keeps one
/// per issuer for the whole process).
///
/// ```no_run
/// use std::time::Duration;
/// use torii_backend::verify::Verifier;
///
/// # async fn example(token: &str) -> Result<(), Box<dyn std::error::Error>> {
/// let verifier = Verifier::builder("https://auth.example.com")
///     .audience(["https://api.example.com"])
///     .leeway(Duration::from_secs(10))
///     .build()?;
/// let auth = verifier.verify(token).await?;
/// println!("{} in {}", auth.user_id, auth.environment_id);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Verifier {
    inner: Arc<Inner>,
}

struct Inner {
    rules: ClaimRules,
    sources: Vec<TokenSource>,
    jwks: Arc<JwksCache>,
    tokens: TokenCache,
    max_token_bytes: usize,
    clock: Clock,
}

impl Verifier {
    /// A builder for a verifier of tokens issued by `issuer` (for example
    /// `https://auth.example.com`; a trailing slash is ignored).
    pub fn builder(issuer: impl Into<String>) -> VerifierBuilder {
        VerifierBuilder::new(issuer.into())
    }

    /// A verifier for `issuer` with every default.
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] when the issuer is not an https URL (http is allowed for loopback
    /// hosts).
    pub fn new(issuer: impl Into<String>) -> Result<Self, ConfigError> {
        Self::builder(issuer).build()
    }

    /// A verifier with every default for the issuer in `TORII_ISSUER`, the variable
    /// `torii-mock` prints (so a service pointed at it needs no code change).
    ///
    /// ```no_run
    /// # fn run() -> Result<(), torii_backend::ConfigError> {
    /// let verifier = torii_backend::Verifier::from_env()?;
    /// # let _ = verifier; Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] naming `TORII_ISSUER` when it is unset, empty or not UTF-8, or the
    /// one [`Verifier::new`] gives for an issuer it cannot use.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(&crate::env::process)
    }

    pub(crate) fn from_lookup(lookup: crate::env::Lookup<'_>) -> Result<Self, ConfigError> {
        Self::new(crate::env::required(lookup, crate::env::ISSUER)?)
    }

    /// The issuer, as configured (without a trailing slash).
    pub fn issuer(&self) -> &str {
        &self.inner.rules.issuer
    }

    /// Verifies `token` and returns what it says.
    ///
    /// # Errors
    ///
    /// An [`AuthError`] whose kind says which check failed.
    pub async fn verify(&self, token: &str) -> Result<Auth, AuthError> {
        let outcome = self.verify_noting_cache(token).await;
        #[cfg(feature = "metrics")]
        crate::observe::verification(match &outcome {
            Ok((_, cached)) => Ok(*cached),
            Err(error) => Err(error.kind()),
        });
        outcome.map(|(auth, _)| auth)
    }

    /// [`verify`](Self::verify), and whether the verified-token cache answered.
    async fn verify_noting_cache(&self, token: &str) -> Result<(Auth, bool), AuthError> {
        let inner = &*self.inner;
        let now = inner.clock.unix_seconds();
        // The size cap comes first, before a token is even hashed for the cache.
        if token.len() <= inner.max_token_bytes
            && let Some(verified) = inner.tokens.get(token, now)
        {
            // Only while the key that verified it is still in the issuer's usable set.
            let same_key = |key: &VerificationKey| *key.point() == verified.key;
            let still_trusted = match inner.jwks.with_cached_key(&verified.kid, same_key) {
                Some(same) => same,
                None => inner
                    .jwks
                    .key(&verified.kid)
                    .await
                    .is_ok_and(|key| same_key(&key)),
            };
            if still_trusted {
                return Ok((verified.auth.clone(), true));
            }
            inner.tokens.remove(token);
        }
        let unverified = UnverifiedToken::parse(token, inner.max_token_bytes)?;
        let check = |key: &VerificationKey| {
            unverified
                .verify_signature(key)
                .map(|payload| (payload, *key.point()))
        };
        let (payload, key) = match inner.jwks.with_cached_key(unverified.kid(), check) {
            Some(checked) => checked?,
            None => check(&*inner.jwks.key(unverified.kid()).await?)?,
        };
        let raw = RawClaims::new(payload);
        let claims = Claims::parse(raw.json())?;
        let times = inner.rules.check(&claims, now)?;
        let auth = Auth::from_claims(&claims, times, &raw, &inner.rules.issuer)?;
        let signer = (unverified.into_kid(), key);
        inner
            .tokens
            .insert(token, &auth, signer, times.expires_at, now);
        Ok((auth, false))
    }

    /// Verifies the bearer token of a request's headers (see [`HeaderSource`] for what is
    /// accepted).
    ///
    /// # Errors
    ///
    /// [`AuthErrorKind::MissingToken`] when the request carries no token in any of the
    /// verifier's [token sources](VerifierBuilder::token_sources) (by default
    /// `Authorization: Bearer`), [`AuthErrorKind::InvalidAuthorizationHeader`] when the first
    /// one it carries is unusable; otherwise as [`Verifier::verify`].
    pub async fn authenticate_request(
        &self,
        headers: impl HeaderSource,
    ) -> Result<Auth, AuthError> {
        let token = self.find_token(headers).inspect_err(count_refusal)?;
        self.verify(&token).await
    }

    /// The longest token this verifier accepts.
    pub(crate) fn max_token_len(&self) -> usize {
        self.inner.max_token_bytes
    }

    /// Where this verifier reads a request's token, in order.
    pub fn token_sources(&self) -> &[TokenSource] {
        &self.inner.sources
    }

    /// The token of a request, from the first of this verifier's sources it carries.
    pub(crate) fn find_token(&self, headers: impl HeaderSource) -> Result<String, AuthError> {
        find_token(headers, &self.inner.sources)
    }

    /// Fetches the key set now, so the first request does not wait for it.
    ///
    /// # Errors
    ///
    /// [`AuthErrorKind::JwksUnavailable`] when it cannot be fetched.
    pub async fn warm_up(&self) -> Result<(), AuthError> {
        self.inner.jwks.prefetch().await
    }

    /// What the key cache has done so far.
    pub fn jwks_stats(&self) -> JwksStats {
        self.inner.jwks.stats()
    }

    /// What the verified-token cache holds (all zero when it is disabled).
    pub fn token_cache_stats(&self) -> TokenCacheStats {
        self.inner.tokens.stats()
    }

    /// The verified-token cache, for tests.
    #[cfg(test)]
    pub(crate) fn token_cache(&self) -> &TokenCache {
        &self.inner.tokens
    }
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier")
            .field("issuer", &self.inner.rules.issuer)
            .field("audiences", &self.inner.rules.audiences)
            .field("authorized_parties", &self.inner.rules.authorized_parties)
            .field("leeway_seconds", &self.inner.rules.leeway_seconds)
            .field("jwks", &self.inner.jwks)
            .field("tokens", &self.inner.tokens)
            .finish()
    }
}

/// Options of a [`Verifier`].
///
/// # Defaults
///
/// - Keys from `{issuer}/_torii/.well-known/jwks.json`.
/// - Leeway [`DEFAULT_LEEWAY`] (30 s); audience and authorized party not checked.
/// - Key set fetch: [`DEFAULT_HTTP_TIMEOUT`] (5 s), at most [`DEFAULT_MAX_JWKS_BYTES`]
///   (256 KiB), no redirects, https only (http for loopback).
/// - Cache: [`CacheSettings::default`] (fresh 5 min, refetch cooldown 30 s, stale grace 1 h).
/// - Tokens longer than [`DEFAULT_MAX_TOKEN_BYTES`] (8 KiB) are refused unparsed.
#[derive(Debug, Clone)]
pub struct VerifierBuilder {
    issuer: String,
    audiences: Option<Vec<String>>,
    authorized_parties: Option<Vec<String>>,
    leeway: Duration,
    jwks_url: Option<String>,
    static_jwks: Option<String>,
    sources: Vec<TokenSource>,
    http_timeout: Duration,
    network: Network,
    max_jwks_bytes: usize,
    max_token_bytes: usize,
    cache: CacheSettings,
    token_cache: TokenCacheSettings,
    clock: Clock,
}

impl VerifierBuilder {
    fn new(issuer: String) -> Self {
        Self {
            issuer,
            audiences: None,
            authorized_parties: None,
            leeway: DEFAULT_LEEWAY,
            jwks_url: None,
            static_jwks: None,
            sources: vec![TokenSource::Authorization],
            http_timeout: DEFAULT_HTTP_TIMEOUT,
            network: Network::default(),
            max_jwks_bytes: DEFAULT_MAX_JWKS_BYTES,
            max_token_bytes: DEFAULT_MAX_TOKEN_BYTES,
            cache: CacheSettings::default(),
            token_cache: TokenCacheSettings::default(),
            clock: Clock::System,
        }
    }

    /// Accept only tokens whose `aud` names one of `audiences`.
    pub fn audience<I: IntoIterator<Item = S>, S: Into<String>>(mut self, audiences: I) -> Self {
        self.audiences = Some(audiences.into_iter().map(Into::into).collect());
        self
    }

    /// Accept only tokens whose `azp` (the origin that requested the token) is one of
    /// `parties`.
    pub fn authorized_parties<I: IntoIterator<Item = S>, S: Into<String>>(
        mut self,
        parties: I,
    ) -> Self {
        self.authorized_parties = Some(parties.into_iter().map(Into::into).collect());
        self
    }

    /// Clock skew tolerated on `exp`, `nbf` and `iat` (whole seconds).
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway;
        self
    }

    /// Fetch keys from `url` instead of `{issuer}/_torii/.well-known/jwks.json`.
    pub fn jwks_url(mut self, url: impl Into<String>) -> Self {
        self.jwks_url = Some(url.into());
        self
    }

    /// Verify with the keys of `jwks`, a JWKS document given up front (from the dashboard or a
    /// file), instead of fetching them: the verifier then never makes a request, and a token
    /// whose `kid` is not in the document is [`UnknownKey`](AuthErrorKind::UnknownKey). Its
    /// keys are filtered by the same rules as fetched ones. For air-gapped hosts, edge workers
    /// and tests.
    ///
    /// ```
    /// use torii_backend::verify::Verifier;
    ///
    /// let jwks = r#"{"keys": [{"kty": "EC", "crv": "P-256", "kid": "k1", "alg": "ES256",
    ///     "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
    ///     "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}"#;
    /// let verifier = Verifier::builder("https://auth.example.com").static_jwks(jwks).build()?;
    /// # let _ = verifier; Ok::<(), torii_backend::ConfigError>(())
    /// ```
    pub fn static_jwks(mut self, jwks: impl Into<String>) -> Self {
        self.static_jwks = Some(jwks.into());
        self
    }

    /// Where requests carry their token, tried in order by [`Verifier::authenticate_request`]
    /// and the middleware: `[TokenSource::Authorization]` by default. A source that is there
    /// but unusable is an error, not a reason to try the next one.
    ///
    /// A [`TokenSource::Cookie`] needs [`authorized_parties`](Self::authorized_parties):
    /// the browser sends a cookie on requests other sites make too, and a token's `azp` (the
    /// origin it was issued to) is what tells your frontend's requests from a forged one. A
    /// cookie source without it is refused by [`build`](Self::build).
    pub fn token_sources(mut self, sources: impl IntoIterator<Item = TokenSource>) -> Self {
        self.sources = sources.into_iter().collect();
        self
    }

    /// Time allowed for one key set fetch.
    pub fn http_timeout(mut self, timeout: Duration) -> Self {
        self.http_timeout = timeout;
        self
    }

    /// Fetch the key set through the HTTP proxy at `url` (`http://host:port`, with
    /// `user:password@` for a proxy that asks for credentials), with a CONNECT tunnel, instead
    /// of the one the environment names. Loopback hosts still go direct.
    ///
    /// By default the proxy comes from the environment when the verifier is built, as curl and
    /// reqwest read it: `HTTPS_PROXY` (or `https_proxy`), else `ALL_PROXY` (or `all_proxy`),
    /// for every host but loopback and those `NO_PROXY` (or `no_proxy`) lists: domains (which
    /// match their subdomains), IP addresses, CIDR ranges or `*`. Only `http://` proxies are
    /// supported; another kind is refused by [`build`](Self::build).
    ///
    /// ```
    /// use torii_backend::verify::Verifier;
    ///
    /// let verifier = Verifier::builder("https://auth.example.com")
    ///     .proxy("http://proxy.internal:3128")
    ///     .build()?;
    /// # let _ = verifier; Ok::<(), torii_backend::ConfigError>(())
    /// ```
    pub fn proxy(mut self, url: impl Into<String>) -> Self {
        self.network.proxy = ProxySetting::Explicit(url.into());
        self
    }

    /// Fetch the key set directly, whatever the proxy variables of the environment say.
    pub fn no_proxy(mut self) -> Self {
        self.network.proxy = ProxySetting::Direct;
        self
    }

    /// Trust the certificate authorities in `pem` (one or more `-----BEGIN CERTIFICATE-----`
    /// blocks) for the key set fetch, in addition to the built-in Mozilla roots: for a
    /// self-hosted Torii behind an internal CA, or a TLS-inspecting proxy. May be called more
    /// than once; a document with no usable certificate is refused by [`build`](Self::build).
    ///
    /// ```no_run
    /// use torii_backend::verify::Verifier;
    ///
    /// let ca = std::fs::read("/etc/ssl/internal-ca.pem")?;
    /// let verifier = Verifier::builder("https://auth.internal")
    ///     .add_root_certificate(&ca)
    ///     .build()?;
    /// # let _ = verifier; Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_root_certificate(mut self, pem: &[u8]) -> Self {
        self.network.roots.push(pem.to_vec());
        self
    }

    /// Largest key set document accepted, in bytes.
    pub fn max_jwks_bytes(mut self, bytes: usize) -> Self {
        self.max_jwks_bytes = bytes;
        self
    }

    /// Longest token accepted, in bytes.
    pub fn max_token_bytes(mut self, bytes: usize) -> Self {
        self.max_token_bytes = bytes;
        self
    }

    /// How keys are cached.
    pub fn cache(mut self, settings: CacheSettings) -> Self {
        self.cache = settings;
        self
    }

    /// How verified tokens are remembered, so that a token sent again is not verified again
    /// until it expires (on by default; [`TokenCacheSettings`] says why this is safe).
    /// [`TokenCacheSettings::disabled`] turns it off.
    pub fn token_cache(mut self, settings: TokenCacheSettings) -> Self {
        self.token_cache = settings;
        self
    }

    #[cfg(all(test, feature = "testing"))]
    pub(crate) fn clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// Builds the verifier. No request is made until the first token (or
    /// [`Verifier::warm_up`]).
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] when the issuer or JWKS URL is not a usable https URL (http is
    /// allowed for loopback hosts), the proxy (given or from the environment) is not an
    /// `http://` URL, or a root certificate cannot be read.
    pub fn build(self) -> Result<Verifier, ConfigError> {
        let config = ConfigError::new;
        let issuer = normalize_issuer(&self.issuer);
        check_url(&issuer).map_err(|problem| config(format!("the issuer {problem}")))?;
        if self.sources.is_empty() {
            return Err(config(
                "no token source was given: a verifier needs at least one place to read tokens \
                 from"
                    .to_owned(),
            ));
        }
        let reads_cookies = self
            .sources
            .iter()
            .any(|source| matches!(source, TokenSource::Cookie(_)));
        if reads_cookies && self.authorized_parties.as_ref().is_none_or(Vec::is_empty) {
            return Err(config(
                "a cookie token source needs authorized_parties: browsers send cookies on \
                 requests other sites make too, and the token's `azp` (the origin it was \
                 issued to) is what refuses those (CSRF)"
                    .to_owned(),
            ));
        }
        let jwks = match self.static_jwks {
            Some(document) => {
                if self.jwks_url.is_some() {
                    return Err(config(
                        "both static_jwks and jwks_url were given; keys come from one of them"
                            .to_owned(),
                    ));
                }
                let keys = KeySet::from_json(document.as_bytes()).map_err(|problem| {
                    config(format!("the static key set cannot be used: {problem}"))
                })?;
                if keys.len() == 0 {
                    return Err(config(format!(
                        "the static key set has no key torii can use ({} skipped: an ES256 \
                         verification key on P-256 is needed)",
                        keys.skipped()
                    )));
                }
                JwksCache::with_static_keys(keys, self.cache, self.clock.clone())
            }
            None => {
                let jwks_url = self
                    .jwks_url
                    .unwrap_or_else(|| format!("{issuer}/_torii/.well-known/jwks.json"));
                let jwks_uri = check_url(&jwks_url)
                    .map_err(|problem| config(format!("the JWKS URL {problem}")))?;
                let fetcher = Fetcher::new(
                    jwks_uri,
                    self.http_timeout,
                    self.max_jwks_bytes,
                    &self.network,
                )?;
                JwksCache::new(fetcher, self.cache, self.clock.clone())
            }
        };
        Ok(Verifier {
            inner: Arc::new(Inner {
                rules: ClaimRules {
                    issuer,
                    audiences: self.audiences,
                    authorized_parties: self.authorized_parties,
                    leeway_seconds: self.leeway.as_secs(),
                },
                sources: self.sources,
                jwks: Arc::new(jwks),
                tokens: TokenCache::new(self.token_cache),
                max_token_bytes: self.max_token_bytes,
                clock: self.clock,
            }),
        })
    }
}

/// `text` as a URI that the network policy allows, with no query, fragment or credentials.
fn check_url(text: &str) -> Result<Uri, String> {
    let uri: Uri = text.parse().map_err(|_| "is not a URL".to_owned())?;
    let credentials = uri.authority().is_some_and(|a| a.as_str().contains('@'));
    if uri.query().is_some() || text.contains('#') || credentials {
        return Err("must not have a query, fragment or credentials".to_owned());
    }
    crate::net::require_https_or_loopback(uri.scheme_str().unwrap_or(""), uri.host())?;
    Ok(uri)
}

/// The issuer without one trailing slash, so `https://a/` and `https://a` are one issuer.
pub(crate) fn normalize_issuer(issuer: &str) -> String {
    let issuer = issuer.trim();
    issuer.strip_suffix('/').unwrap_or(issuer).to_owned()
}
