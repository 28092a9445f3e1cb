//! A loopback HTTP server for tests: it records every request and answers each with the next
//! canned response.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::response::Response;
use http::{HeaderMap, Method, StatusCode, header};
use torii_backend::serde_json::{self, Value};

/// A request as the server received it.
#[derive(Debug, Clone)]
pub struct Captured {
    /// The HTTP method.
    pub method: Method,
    /// The path, percent-encoded as sent.
    pub path: String,
    /// The raw query string, if any.
    pub query: Option<String>,
    /// The request headers.
    pub headers: HeaderMap,
    /// The raw body.
    pub body: Vec<u8>,
}

impl Captured {
    /// The body parsed as JSON.
    ///
    /// # Panics
    ///
    /// When the body is not JSON.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "body is not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// The query string decoded into pairs, in order.
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        let query = self.query.as_deref().unwrap_or("");
        url_decode_pairs(query)
    }

    /// A header's value as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

fn url_decode_pairs(query: &str) -> Vec<(String, String)> {
    let decode = |s: &str| {
        let s = s.replace('+', " ");
        let bytes = s.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok());
            match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
                (b'%', Some(byte)) => {
                    out.push(byte);
                    i += 3;
                }
                (byte, _) => {
                    out.push(byte);
                    i += 1;
                }
            }
        }
        String::from_utf8_lossy(&out).into_owned()
    };
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| match pair.split_once('=') {
            Some((k, v)) => (decode(k), decode(v)),
            None => (decode(pair), String::new()),
        })
        .collect()
}

/// A canned response.
#[derive(Debug, Clone)]
pub struct Canned {
    status: StatusCode,
    content_type: &'static str,
    body: String,
    headers: Vec<(&'static str, String)>,
}

impl Canned {
    /// A JSON response.
    pub fn json(status: u16, body: &Value) -> Self {
        Self::raw(status, "application/json", body.to_string())
    }

    /// A problem+json error response.
    pub fn problem(status: u16, body: &Value) -> Self {
        Self::raw(status, "application/problem+json", body.to_string())
    }

    /// A response with no body.
    pub fn empty(status: u16) -> Self {
        Self::raw(status, "text/plain", String::new())
    }

    /// Any response.
    ///
    /// # Panics
    ///
    /// When `status` is not a valid status code.
    pub fn raw(status: u16, content_type: &'static str, body: impl Into<String>) -> Self {
        Self {
            status: StatusCode::from_u16(status).expect("valid status"),
            content_type,
            body: body.into(),
            headers: Vec::new(),
        }
    }

    /// Adds a header.
    pub fn with_header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }
}

#[derive(Default)]
struct Shared {
    requests: Vec<Captured>,
    responses: VecDeque<Canned>,
}

/// The recording server. It runs on its own task until the test's runtime ends.
#[derive(Clone)]
pub struct CaptureServer {
    addr: SocketAddr,
    shared: Arc<Mutex<Shared>>,
}

impl std::fmt::Debug for CaptureServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CaptureServer")
            .field("addr", &self.addr)
            .finish()
    }
}

impl CaptureServer {
    /// Starts a server on 127.0.0.1 with a free port.
    ///
    /// # Panics
    ///
    /// When no loopback port can be bound.
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        let shared = Arc::new(Mutex::new(Shared::default()));
        let app = Router::new()
            .fallback(record)
            .with_state(Arc::clone(&shared));
        tokio::spawn(async move {
            axum::serve(listener, app).await.expect("capture server");
        });
        Self { addr, shared }
    }

    /// The server's base URL, `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A `torii_backend::Client` pointed at this server with a test key.
    ///
    /// # Panics
    ///
    /// Never for a server started by [`CaptureServer::start`].
    pub fn client(&self) -> torii_backend::Client {
        // Each request is sent once, so that each canned answer meets exactly one request.
        torii_backend::Client::builder()
            .secret_key(TEST_KEY)
            .api_url(self.url())
            .retry_policy(torii_backend::rest::RetryPolicy::disabled())
            .build()
            .expect("client for the capture server")
    }

    /// Queues the answer to the next request that has none yet.
    pub fn respond(&self, canned: Canned) {
        self.lock().responses.push_back(canned);
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<Captured> {
        self.lock().requests.clone()
    }

    /// The last request received.
    ///
    /// # Panics
    ///
    /// When no request was received.
    pub fn last(&self) -> Captured {
        self.lock()
            .requests
            .last()
            .cloned()
            .expect("the server received a request")
    }

    fn lock(&self) -> MutexGuard<'_, Shared> {
        self.shared
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The secret key the capture clients send.
pub const TEST_KEY: &str = "sk_test_capture_0123456789";

async fn record(State(shared): State<Arc<Mutex<Shared>>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = to_bytes(body, 1 << 20)
        .await
        .map(|b| b.to_vec())
        .unwrap_or_default();
    let canned = {
        let mut shared = shared
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        shared.requests.push(Captured {
            method: parts.method,
            path: parts.uri.path().to_owned(),
            query: parts.uri.query().map(str::to_owned),
            headers: parts.headers,
            body,
        });
        shared.responses.pop_front()
    };
    let canned =
        canned.unwrap_or_else(|| Canned::raw(599, "text/plain", "no canned response queued"));
    let mut response = Response::builder()
        .status(canned.status)
        .header(header::CONTENT_TYPE, canned.content_type);
    for (name, value) in canned.headers {
        response = response.header(name, value);
    }
    response
        .body(Body::from(canned.body))
        .expect("valid canned response")
}
