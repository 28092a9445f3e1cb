//! What the process tests and the page tests share.

use torii_backend::reqwest::{self, Method, StatusCode};
use torii_backend::serde_json::{self, Value};

/// A Backend API or control API call to a torii-mock at `api_url`, with its secret `key`, as a
/// test in another language makes it: the status and the JSON body (`null` when there is none).
pub(crate) async fn call(
    api_url: &str,
    key: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = reqwest::Client::new()
        .request(method, format!("{api_url}{path}"))
        .bearer_auth(key);
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(body.to_string());
    }
    let response = request.send().await.expect("the mock answers");
    let status = response.status();
    let text = response.text().await.expect("a body");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}
