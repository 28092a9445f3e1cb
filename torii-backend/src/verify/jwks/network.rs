//! How the key set fetch reaches the issuer: directly or through an HTTP CONNECT proxy, and
//! which certificate authorities it trusts.
//!
//! Proxies follow the rules curl and reqwest use: `HTTPS_PROXY` (or `https_proxy`), else
//! `ALL_PROXY` (or `all_proxy`), unless the host is in `NO_PROXY` (or `no_proxy`): a
//! comma-separated list of domains (each matching its subdomains too), IP addresses, CIDR
//! ranges, or `*`. Loopback hosts always go direct. The route is decided once, when the verifier
//! is built: it fetches from one URL.

use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use http::Uri;
use http::header::HeaderValue;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::connect::proxy::Tunnel;
use hyper_util::client::proxy::matcher::Matcher;
use hyper_util::rt::TokioIo;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use tokio::net::TcpStream;

use crate::error::ConfigError;

/// Where the proxy setting comes from.
#[derive(Clone, Default)]
pub(crate) enum ProxySetting {
    /// `HTTPS_PROXY`, `ALL_PROXY` and `NO_PROXY`, read when the verifier is built.
    #[default]
    Environment,
    /// This proxy for every host but loopback; the environment is not read.
    Explicit(String),
    /// Always direct; the environment is not read.
    Direct,
}

impl fmt::Debug for ProxySetting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Environment => f.write_str("Environment"),
            Self::Explicit(url) => f
                .debug_tuple("Explicit")
                .field(&without_credentials(url))
                .finish(),
            Self::Direct => f.write_str("Direct"),
        }
    }
}

/// `url` with any `user:password@` replaced, for logs and `Debug`.
fn without_credentials(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    let host = match authority.rsplit_once('@') {
        Some((_, host)) => format!("***@{host}"),
        None => authority.to_owned(),
    };
    if scheme.is_empty() {
        format!("{host}{path}")
    } else {
        format!("{scheme}://{host}{path}")
    }
}

/// How the fetch reaches the key set URL.
#[derive(Clone)]
pub(crate) enum Route {
    Direct,
    Tunnel {
        proxy: Uri,
        auth: Option<HeaderValue>,
    },
}

impl fmt::Debug for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Direct => f.write_str("Direct"),
            // The proxy's credentials are in `auth`, never printed; the URI has none.
            Self::Tunnel { proxy, auth } => f
                .debug_struct("Tunnel")
                .field("proxy", proxy)
                .field("credentials", &auth.is_some())
                .finish(),
        }
    }
}

impl Route {
    /// The route to `target` under `setting`, with `env` looking up environment variables.
    ///
    /// # Errors
    ///
    /// A proxy that is not an `http://` URL (https and SOCKS proxies are not supported), named
    /// with the variable or option it came from.
    pub(crate) fn to(
        target: &Uri,
        setting: &ProxySetting,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let Some(host) = target.host() else {
            return Ok(Self::Direct);
        };
        if crate::net::is_loopback(host) || target.scheme_str() != Some("https") {
            // Plain http is allowed only to loopback, which never goes through a proxy.
            return Ok(Self::Direct);
        }
        let (origin, matcher) = match setting {
            ProxySetting::Direct => return Ok(Self::Direct),
            ProxySetting::Explicit(url) => {
                check_proxy_url(url, "the proxy")?;
                ("the proxy", Matcher::builder().https(url.as_str()).build())
            }
            ProxySetting::Environment => {
                let first = |names: [&'static str; 2]| {
                    names.into_iter().find_map(|name| {
                        env(name)
                            .filter(|value| !value.trim().is_empty())
                            .map(|value| (name, value))
                    })
                };
                let Some((name, url)) = first(["HTTPS_PROXY", "https_proxy"])
                    .or_else(|| first(["ALL_PROXY", "all_proxy"]))
                else {
                    return Ok(Self::Direct);
                };
                check_proxy_url(&url, name)?;
                let no_proxy = first(["NO_PROXY", "no_proxy"]).map(|(_, list)| list);
                let matcher = Matcher::builder()
                    .https(url.as_str())
                    .no(no_proxy.unwrap_or_default().as_str())
                    .build();
                (name, matcher)
            }
        };
        match matcher.intercept(target) {
            None => Ok(Self::Direct),
            Some(intercept) if intercept.uri().scheme_str() == Some("http") => Ok(Self::Tunnel {
                proxy: intercept.uri().clone(),
                auth: intercept.basic_auth().cloned(),
            }),
            Some(_) => Err(ConfigError::new(format!(
                "{origin} is not an http:// proxy URL: the key set fetch tunnels through HTTP \
                 proxies only"
            ))),
        }
    }
}

/// Refuses what the matcher would otherwise ignore in silence, so a mistyped proxy is a
/// configuration error rather than a direct connection that a firewall drops.
fn check_proxy_url(url: &str, origin: &str) -> Result<(), ConfigError> {
    let usable = url
        .trim()
        .parse::<Uri>()
        .ok()
        .filter(|uri| uri.authority().is_some() || uri.host().is_some())
        .is_some_and(|uri| matches!(uri.scheme_str(), None | Some("http")));
    if usable {
        Ok(())
    } else {
        Err(ConfigError::new(format!(
            "{origin} is not an http:// proxy URL ({}): the key set fetch tunnels through HTTP \
             proxies only",
            without_credentials(url.trim())
        )))
    }
}

/// The certificate authorities the fetch trusts: Mozilla's (`webpki-roots`) and those of
/// `extra_pem`, each a PEM document with one or more certificates.
///
/// # Errors
///
/// A PEM document with no certificate, or one rustls cannot use.
pub(crate) fn root_store(extra_pem: &[Vec<u8>]) -> Result<rustls::RootCertStore, ConfigError> {
    let mut roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    for (index, pem) in extra_pem.iter().enumerate() {
        let which = index + 1;
        let mut found = 0;
        for certificate in CertificateDer::pem_slice_iter(pem) {
            let certificate = certificate.map_err(|error| {
                ConfigError::new(format!(
                    "root certificate {which} is not a readable PEM document: {error}"
                ))
            })?;
            roots.add(certificate).map_err(|error| {
                ConfigError::new(format!(
                    "root certificate {which} cannot be used as a trust anchor: {error}"
                ))
            })?;
            found += 1;
        }
        if found == 0 {
            return Err(ConfigError::new(format!(
                "root certificate {which} holds no PEM certificate (a `-----BEGIN CERTIFICATE-----` \
                 block is needed)"
            )));
        }
    }
    Ok(roots)
}

type BoxError = Box<dyn StdError + Send + Sync>;

/// The TCP connector under TLS: straight to the host, or through a CONNECT tunnel.
#[derive(Clone)]
pub(crate) enum Connector {
    Direct(HttpConnector),
    Tunnel(Tunnel<HttpConnector>),
}

impl Connector {
    pub(crate) fn new(route: &Route) -> Self {
        let mut tcp = HttpConnector::new();
        // The TLS connector above calls this one with `https` URIs.
        tcp.enforce_http(false);
        match route {
            Route::Direct => Self::Direct(tcp),
            Route::Tunnel { proxy, auth } => {
                let tunnel = Tunnel::new(proxy.clone(), tcp);
                Self::Tunnel(match auth {
                    Some(auth) => tunnel.with_auth(auth.clone()),
                    None => tunnel,
                })
            }
        }
    }
}

impl tower_service::Service<Uri> for Connector {
    type Response = TokioIo<TcpStream>;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        match self {
            Self::Direct(tcp) => tcp.poll_ready(cx).map_err(Into::into),
            Self::Tunnel(tunnel) => tunnel.poll_ready(cx).map_err(Into::into),
        }
    }

    fn call(&mut self, target: Uri) -> Self::Future {
        match self {
            Self::Direct(tcp) => {
                let connecting = tcp.call(target);
                Box::pin(async move { connecting.await.map_err(Into::into) })
            }
            Self::Tunnel(tunnel) => {
                let connecting = tunnel.call(target);
                Box::pin(async move {
                    connecting
                        .await
                        .map_err(|error| format!("through the proxy: {error}").into())
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn route(target: &str, setting: &ProxySetting, env: &[(&str, &str)]) -> Result<Route, String> {
        let env: HashMap<&str, &str> = env.iter().copied().collect();
        let target: Uri = target.parse().expect("uri");
        Route::to(&target, setting, |name| {
            env.get(name).map(|v| (*v).to_owned())
        })
        .map_err(|error| error.to_string())
    }

    fn proxy_of(route: Result<Route, String>) -> Option<String> {
        match route.expect("a route") {
            Route::Direct => None,
            Route::Tunnel { proxy, .. } => Some(proxy.to_string()),
        }
    }

    const KEYS: &str = "https://auth.example.com/_torii/.well-known/jwks.json";
    const ENV: ProxySetting = ProxySetting::Environment;

    #[test]
    fn the_environment_names_the_proxy_as_curl_reads_it() {
        assert_eq!(proxy_of(route(KEYS, &ENV, &[])), None);
        let https = [("HTTPS_PROXY", "http://proxy.corp:3128")];
        assert_eq!(
            proxy_of(route(KEYS, &ENV, &https)).as_deref(),
            Some("http://proxy.corp:3128/")
        );
        let lower = [("https_proxy", "proxy.corp:8080")];
        assert_eq!(
            proxy_of(route(KEYS, &ENV, &lower)).as_deref(),
            Some("http://proxy.corp:8080/")
        );
        let all = [("ALL_PROXY", "http://all.corp:1")];
        assert_eq!(
            proxy_of(route(KEYS, &ENV, &all)).as_deref(),
            Some("http://all.corp:1/")
        );
        // HTTPS_PROXY wins over ALL_PROXY; HTTP_PROXY is for http URLs, which never leave
        // loopback here.
        let both = [
            ("ALL_PROXY", "http://all.corp:1"),
            ("HTTPS_PROXY", "http://s.corp:2"),
            ("HTTP_PROXY", "http://h.corp:3"),
        ];
        assert_eq!(
            proxy_of(route(KEYS, &ENV, &both)).as_deref(),
            Some("http://s.corp:2/")
        );
        assert_eq!(
            proxy_of(route(KEYS, &ENV, &[("HTTP_PROXY", "http://h.corp:3")])),
            None
        );
        // An empty variable is unset.
        assert_eq!(proxy_of(route(KEYS, &ENV, &[("HTTPS_PROXY", " ")])), None);
    }

    #[test]
    fn no_proxy_hosts_and_loopback_go_direct() {
        let proxy = ("HTTPS_PROXY", "http://proxy.corp:3128");
        for list in [
            "example.com",
            ".example.com",
            "auth.example.com",
            "other.org, example.com",
            "*",
        ] {
            assert_eq!(
                proxy_of(route(KEYS, &ENV, &[proxy, ("NO_PROXY", list)])),
                None,
                "{list}"
            );
            assert_eq!(
                proxy_of(route(KEYS, &ENV, &[proxy, ("no_proxy", list)])),
                None,
                "{list}"
            );
        }
        for list in ["other.org", "ample.com", "10.0.0.0/8"] {
            assert!(
                proxy_of(route(KEYS, &ENV, &[proxy, ("NO_PROXY", list)])).is_some(),
                "{list}"
            );
        }
        let by_ip = "https://10.1.2.3/keys";
        assert_eq!(
            proxy_of(route(by_ip, &ENV, &[proxy, ("NO_PROXY", "10.0.0.0/8")])),
            None
        );
        assert_eq!(
            proxy_of(route(by_ip, &ENV, &[proxy, ("NO_PROXY", "10.1.2.3")])),
            None
        );
        for loopback in [
            "https://127.0.0.1:8443/keys",
            "https://localhost/keys",
            "https://[::1]/keys",
            "http://127.0.0.1:80/keys",
        ] {
            assert_eq!(
                proxy_of(route(loopback, &ENV, &[proxy])),
                None,
                "{loopback}"
            );
            let explicit = ProxySetting::Explicit("http://proxy.corp:3128".into());
            assert_eq!(
                proxy_of(route(loopback, &explicit, &[])),
                None,
                "{loopback}"
            );
        }
    }

    #[test]
    fn an_explicit_setting_replaces_the_environment() {
        let env = [
            ("HTTPS_PROXY", "http://env.corp:1"),
            ("NO_PROXY", "example.com"),
        ];
        let explicit = ProxySetting::Explicit("http://mine.corp:2".into());
        assert_eq!(
            proxy_of(route(KEYS, &explicit, &env)).as_deref(),
            Some("http://mine.corp:2/")
        );
        assert_eq!(proxy_of(route(KEYS, &ProxySetting::Direct, &env)), None);
    }

    #[test]
    fn proxy_credentials_become_a_basic_header_and_are_never_printed() {
        let explicit = ProxySetting::Explicit("http://ada:s3cret@proxy.corp:3128".into());
        let route = route(KEYS, &explicit, &[]).expect("a route");
        let Route::Tunnel { proxy, auth } = &route else {
            panic!("tunnel expected");
        };
        assert_eq!(proxy.to_string(), "http://proxy.corp:3128/");
        // base64("ada:s3cret")
        assert_eq!(
            auth.as_ref().map(|v| v.as_bytes()),
            Some(&b"Basic YWRhOnMzY3JldA=="[..])
        );
        for printed in [format!("{route:?}"), format!("{explicit:?}")] {
            assert!(
                !printed.contains("s3cret") && !printed.contains("YWRh"),
                "{printed}"
            );
        }
    }

    #[test]
    fn a_proxy_that_cannot_tunnel_is_a_configuration_error_naming_its_origin() {
        for (env, origin) in [
            ([("HTTPS_PROXY", "socks5://proxy.corp:1080")], "HTTPS_PROXY"),
            ([("all_proxy", "https://proxy.corp:443")], "all_proxy"),
            ([("HTTPS_PROXY", "http://")], "HTTPS_PROXY"),
        ] {
            let message = route(KEYS, &ENV, &env).expect_err("refused");
            assert!(
                message.contains(origin) && message.contains("http://"),
                "{message}"
            );
        }
        let explicit = ProxySetting::Explicit("socks5://u:pw@proxy.corp:1080".into());
        let message = route(KEYS, &explicit, &[]).expect_err("refused");
        assert!(
            message.contains("the proxy is not") && !message.contains("pw"),
            "{message}"
        );
    }

    #[test]
    fn root_certificates_must_be_pem_certificates() {
        assert!(
            root_store(&[]).is_ok_and(|roots| roots.len() == webpki_roots::TLS_SERVER_ROOTS.len())
        );
        let empty = root_store(&[b"no pem here".to_vec()]).expect_err("no certificate");
        assert!(
            empty.to_string().contains("holds no PEM certificate"),
            "{empty}"
        );
        let garbage = b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n".to_vec();
        let unusable = root_store(&[garbage]).expect_err("not a certificate");
        assert!(
            unusable.to_string().contains("root certificate 1"),
            "{unusable}"
        );
    }
}
