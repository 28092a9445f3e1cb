//! Network peers for the key set fetch, all on loopback: a certificate authority made in the
//! test, a TLS front that serves an issuer under a name only the test knows, and an HTTP CONNECT
//! proxy that records its tunnels.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair, KeyUsagePurpose};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// A certificate authority that exists only in this test: nothing trusts it unless told to.
#[derive(Debug)]
pub struct TestCa {
    issuer: CertifiedIssuer<'static, KeyPair>,
}

impl TestCa {
    /// A new CA with a fresh P-256 key.
    ///
    /// # Panics
    ///
    /// When rcgen cannot make the key or certificate.
    pub fn new() -> Self {
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("ca params");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "torii-rs test CA");
        let key = KeyPair::generate().expect("ca key");
        Self {
            issuer: CertifiedIssuer::self_signed(params, key).expect("ca certificate"),
        }
    }

    /// The CA certificate, PEM-encoded, as `add_root_certificate` takes it.
    pub fn pem(&self) -> String {
        self.issuer.pem()
    }

    /// A TLS server configuration for `names` (DNS names or IP addresses), signed by this CA.
    ///
    /// # Panics
    ///
    /// When a name cannot go into a certificate.
    pub fn server_config(&self, names: &[&str]) -> ServerConfig {
        let names: Vec<String> = names.iter().map(|name| (*name).to_owned()).collect();
        let key = KeyPair::generate().expect("server key");
        let certificate = CertificateParams::new(names)
            .expect("server params")
            .signed_by(&key, &self.issuer)
            .expect("server certificate");
        let chain = vec![
            CertificateDer::from(certificate.der().to_vec()),
            CertificateDer::from(self.issuer.der().to_vec()),
        ];
        let private = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        ServerConfig::builder_with_provider(Arc::new(
            tokio_rustls::rustls::crypto::aws_lc_rs::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_no_client_auth()
        .with_single_cert(chain, private)
        .expect("server config")
    }
}

impl Default for TestCa {
    fn default() -> Self {
        Self::new()
    }
}

/// Serves TLS on 127.0.0.1 with a certificate for `names` from `ca`, and forwards the decrypted
/// bytes of each connection to `backend` (a plain-HTTP server such as MockTorii). Returns the
/// TLS address.
///
/// # Panics
///
/// When no loopback port can be bound.
pub async fn tls_front(ca: &TestCa, names: &[&str], backend: SocketAddr) -> SocketAddr {
    let acceptor = TlsAcceptor::from(Arc::new(ca.server_config(names)));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                // A client that refuses our certificate ends the handshake: nothing to forward.
                let Ok(mut tls) = acceptor.accept(client).await else {
                    return;
                };
                let Ok(mut upstream) = TcpStream::connect(backend).await else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut upstream).await;
            });
        }
    });
    addr
}

/// One CONNECT request the proxy answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tunnel {
    /// The `host:port` the client asked for.
    pub target: String,
    /// Its `Proxy-Authorization` header, if any.
    pub authorization: Option<String>,
}

/// An HTTP CONNECT proxy on 127.0.0.1 that sends every tunnel to one upstream address, whatever
/// host the client names (so a name that no resolver knows still reaches the test's server),
/// and records each tunnel.
#[derive(Debug, Clone)]
pub struct ConnectProxy {
    addr: SocketAddr,
    tunnels: Arc<Mutex<Vec<Tunnel>>>,
}

impl ConnectProxy {
    /// Starts the proxy in a task of the current runtime.
    ///
    /// # Panics
    ///
    /// When no loopback port can be bound.
    pub async fn start(upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let tunnels = Arc::new(Mutex::new(Vec::new()));
        let recorded = Arc::clone(&tunnels);
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let recorded = Arc::clone(&recorded);
                tokio::spawn(async move {
                    let _ = tunnel(client, upstream, &recorded).await;
                });
            }
        });
        Self { addr, tunnels }
    }

    /// `http://127.0.0.1:port`, for `HTTPS_PROXY` or `VerifierBuilder::proxy`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The tunnels opened so far.
    ///
    /// # Panics
    ///
    /// When a proxy task panicked holding the record.
    pub fn tunnels(&self) -> Vec<Tunnel> {
        self.tunnels.lock().expect("tunnels").clone()
    }
}

async fn tunnel(
    mut client: TcpStream,
    upstream: SocketAddr,
    recorded: &Mutex<Vec<Tunnel>>,
) -> std::io::Result<()> {
    // The request head: CONNECT host:port HTTP/1.1, headers, a blank line. Nothing follows it
    // until the proxy answers, so reading up to the blank line takes no tunnelled bytes.
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let mut byte = [0u8; 1];
        if client.read(&mut byte).await? == 0 || head.len() > 16 * 1024 {
            return Ok(());
        }
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or_default();
    let mut words = request_line.split(' ');
    if words.next() != Some("CONNECT") {
        client
            .write_all(b"HTTP/1.1 405 Method Not Allowed\r\ncontent-length: 0\r\n\r\n")
            .await?;
        return Ok(());
    }
    let target = words.next().unwrap_or_default().to_owned();
    let authorization = lines.find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.eq_ignore_ascii_case("proxy-authorization")
            .then(|| value.trim().to_owned())
    });
    let mut server = TcpStream::connect(upstream).await?;
    recorded
        .lock()
        .map_err(|_| std::io::Error::other("poisoned"))?
        .push(Tunnel {
            target,
            authorization,
        });
    client
        .write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n")
        .await?;
    tokio::io::copy_bidirectional(&mut client, &mut server).await?;
    Ok(())
}
