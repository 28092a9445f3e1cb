//! Network policy shared by the REST client and the JWKS fetcher.

use std::net::IpAddr;

/// Whether a URL with this scheme and host may be used: `https`, or `http` to a loopback host
/// (127.0.0.0/8, `::1`, `localhost`) for local development and tests.
///
/// # Errors
///
/// What is wrong with the URL, in words that complete "the URL ...".
pub(crate) fn require_https_or_loopback(
    scheme: &str,
    host: Option<&str>,
) -> Result<(), &'static str> {
    match scheme {
        "https" if host.is_some_and(|h| !h.is_empty()) => Ok(()),
        "http" if host.is_some_and(is_loopback) => Ok(()),
        "http" => Err("must use https (http is allowed only for loopback hosts)"),
        _ => Err("must be an https URL"),
    }
}

/// Whether `host` (a name, an IPv4 address or a bracketed IPv6 one) is this machine: 127.0.0.0/8,
/// `::1` or `localhost`.
pub(crate) fn is_loopback(host: &str) -> bool {
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    match bare.parse::<IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => bare.eq_ignore_ascii_case("localhost"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_anywhere_http_only_on_loopback() {
        for (scheme, host) in [
            ("https", "api.torii.so"),
            ("http", "127.0.0.1"),
            ("http", "127.8.0.1"),
            ("http", "[::1]"),
            ("http", "localhost"),
        ] {
            assert!(
                require_https_or_loopback(scheme, Some(host)).is_ok(),
                "{scheme}://{host}"
            );
        }
        for (scheme, host) in [
            ("http", "api.torii.so"),
            ("http", "10.0.0.1"),
            ("ftp", "x"),
            ("file", ""),
            ("http", "localhost.evil.com"),
            ("https", ""),
        ] {
            assert!(
                require_https_or_loopback(scheme, Some(host)).is_err(),
                "{scheme}://{host}"
            );
        }
        assert!(require_https_or_loopback("https", None).is_err());
    }
}
