//! Network policy shared by the REST client and the JWKS fetcher.

use reqwest::Url;

/// Whether `url` may be used: `https`, or `http` to a loopback host (127.0.0.0/8, `::1`,
/// `localhost`) for local development and tests.
///
/// # Errors
///
/// What is wrong with the URL, in words.
pub(crate) fn require_https_or_loopback(url: &Url) -> Result<(), &'static str> {
    match url.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(url) => Ok(()),
        "http" => Err("must use https (http is allowed only for loopback hosts)"),
        _ => Err("must be an https URL"),
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_anywhere_http_only_on_loopback() {
        for good in [
            "https://api.torii.so",
            "http://127.0.0.1:9000",
            "http://127.8.0.1",
            "http://[::1]:1",
            "http://localhost/x",
        ] {
            assert!(
                require_https_or_loopback(&Url::parse(good).expect("url")).is_ok(),
                "{good}"
            );
        }
        for bad in [
            "http://api.torii.so",
            "http://10.0.0.1",
            "ftp://x",
            "file:///etc/passwd",
            "http://localhost.evil.com",
        ] {
            assert!(
                require_https_or_loopback(&Url::parse(bad).expect("url")).is_err(),
                "{bad}"
            );
        }
    }
}
