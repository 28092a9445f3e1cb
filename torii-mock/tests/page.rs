//! torii-mock's page in a real browser: headless Chromium, driven through chromedriver by
//! fantoccini, against a torii-mock process. Chromium and chromedriver come from Debian's
//! packages (`.ci/install-tools browser` installs them). Without them these tests say so and
//! pass on a developer's machine, and fail under `CI=true`, where they must run.
//!
//! `TORII_MOCK_SCREENSHOT=torii-mock/page.png cargo test -p torii-mock --test page` also
//! writes the screenshot the torii-mock README shows.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client as Browser, ClientBuilder, Locator};
use torii_backend::Verifier;
use torii_backend::reqwest::{Method, StatusCode};
use torii_backend::serde_json::{self, Value, json};

mod common;

/// The bound on anything these tests wait for: a page that never shows what it should fails
/// the test after this long, it is never a delay the test relies on.
const PATIENCE: Duration = Duration::from_secs(20);

/// Where Debian puts the browser and its driver; `TORII_CHROMIUM` and `TORII_CHROMEDRIVER`
/// point elsewhere.
fn browser_paths() -> Option<(PathBuf, PathBuf)> {
    let path = |variable: &str, default: &str| {
        std::env::var_os(variable).map_or_else(|| PathBuf::from(default), PathBuf::from)
    };
    let chromium = path("TORII_CHROMIUM", "/usr/bin/chromium");
    let driver = path("TORII_CHROMEDRIVER", "/usr/bin/chromedriver");
    if chromium.exists() && driver.exists() {
        return Some((chromium, driver));
    }
    let missing = format!(
        "no {} or {}: install them with `.ci/install-tools browser`",
        chromium.display(),
        driver.display()
    );
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "the browser tests must run in CI: {missing}"
    );
    eprintln!("skipping the browser test: {missing}");
    None
}

/// A torii-mock process and the variables it printed.
struct Mock {
    child: Child,
    vars: BTreeMap<String, String>,
}

impl Mock {
    fn start() -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_torii-mock"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("torii-mock starts");
        let stdout = child.stdout.take().expect("stdout is piped");
        let lines = read_lines(stdout, |line| line.starts_with("TORII_MOCK_UI="));
        let vars = lines
            .iter()
            .filter_map(|line| line.split_once('='))
            .map(|(name, value)| (name.to_owned(), value.to_owned()))
            .collect::<BTreeMap<_, _>>();
        assert!(
            vars.contains_key("TORII_MOCK_UI"),
            "torii-mock printed {lines:?}, not the page's line"
        );
        Self { child, vars }
    }

    fn var(&self, name: &str) -> &str {
        self.vars.get(name).map_or("", String::as_str)
    }

    /// A Backend API or control API call with the key, as a test in another language makes it.
    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let (url, key) = (self.var("TORII_API_URL"), self.var("TORII_SECRET_KEY"));
        common::call(url, key, method, path, body).await
    }

    async fn seed_user(&self, email: &str) -> String {
        let (status, user) = self
            .call(
                Method::POST,
                "/api/server/v1/users",
                Some(json!({"email": email})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{user}");
        user["id"].as_str().expect("an id").to_owned()
    }
}

impl Drop for Mock {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Reads `output` line by line until a line satisfies `last`, within [`PATIENCE`]; the lines
/// read so far. A thread keeps draining `output` afterwards, so that the process never writes
/// into a closed pipe.
fn read_lines(
    output: impl std::io::Read + Send + 'static,
    last: impl Fn(&str) -> bool,
) -> Vec<String> {
    let (sender, received) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(output).lines() {
            let Ok(line) = line else { break };
            // Once the reader has what it wanted, the rest is drained and dropped.
            let _ = sender.send(line);
        }
    });
    let deadline = Instant::now() + PATIENCE;
    let mut lines = Vec::new();
    while let Ok(line) = received.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        let done = last(&line);
        lines.push(line);
        if done {
            break;
        }
    }
    lines
}

/// chromedriver with a headless Chromium session, ended when dropped.
struct Session {
    browser: Browser,
    driver: Child,
    _profile: Profile,
}

/// A fresh Chromium profile directory, removed when dropped.
struct Profile(PathBuf);

impl Drop for Profile {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl Session {
    async fn open(paths: &(PathBuf, PathBuf)) -> Self {
        Self::open_with(paths, &[]).await
    }

    /// A session whose Chromium also gets `extra` command-line switches.
    async fn open_with((chromium, driver): &(PathBuf, PathBuf), extra: &[&str]) -> Self {
        let (driver, port) = start_driver(driver);
        let profile = Profile(
            std::env::temp_dir().join(format!("torii-mock-page-{}-{port}", std::process::id())),
        );
        // As Debian's Chromium runs headless as root on a machine with no network but loopback:
        // no sandbox, no GPU, no background connections.
        let mut args: Vec<String> = [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=1280,900",
        ]
        .into_iter()
        .chain(extra.iter().copied())
        .map(str::to_owned)
        .collect();
        args.push(format!("--user-data-dir={}", profile.0.display()));
        let capabilities = json!({
            "browserName": "chrome",
            "goog:loggingPrefs": {"browser": "ALL"},
            "goog:chromeOptions": {
                "binary": chromium,
                "args": args,
            },
        });
        let Value::Object(capabilities) = capabilities else {
            unreachable!("a JSON object")
        };
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let browser = ClientBuilder::new(connector)
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("a Chromium session");
        Self {
            browser,
            driver,
            _profile: profile,
        }
    }

    /// Runs `script` in the page and returns its value.
    async fn eval(&self, script: &str) -> Value {
        self.browser
            .execute(script, Vec::new())
            .await
            .expect("the script runs")
    }

    /// Waits until `script` returns true in the page, or fails naming `what`.
    async fn until(&self, what: &str, script: &str) {
        let deadline = Instant::now() + PATIENCE;
        while self.eval(script).await != Value::Bool(true) {
            assert!(Instant::now() < deadline, "the page never showed {what}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn element(&self, selector: &str) -> fantoccini::elements::Element {
        self.browser
            .find(Locator::Css(selector))
            .await
            .unwrap_or_else(|error| panic!("no {selector}: {error}"))
    }

    async fn click(&self, selector: &str) {
        self.element(selector).await.click().await.expect("clicked");
    }

    /// The browser's console since the last call: (level, message).
    async fn console(&self) -> Vec<(String, String)> {
        let log = self.browser.issue_cmd(BrowserLog).await.expect("the log");
        log.as_array()
            .into_iter()
            .flatten()
            .map(|entry| {
                (
                    entry["level"].as_str().unwrap_or_default().to_owned(),
                    entry["message"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect()
    }

    async fn close(mut self) {
        let _ = self.browser.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// Starts chromedriver on a free loopback port and waits for it to say it is ready.
fn start_driver(driver: &Path) -> (Child, u16) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port();
    let mut child = Command::new(driver)
        .arg(format!("--port={port}"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let stdout = child.stdout.take().expect("stdout is piped");
    let lines = read_lines(stdout, |line| line.contains("started successfully"));
    assert!(
        lines
            .iter()
            .any(|line| line.contains("started successfully")),
        "chromedriver did not start: {lines:?}"
    );
    (child, port)
}

/// chromedriver's browser console (`POST /session/{id}/se/log`), which W3C WebDriver lacks.
#[derive(Debug)]
struct BrowserLog;

impl WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/se/log", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(r#"{"type":"browser"}"#.to_owned()))
    }
}

/// Opens the page as the printed `TORII_MOCK_UI` line says, and waits for its data.
async fn open_page(session: &Session, mock: &Mock) {
    session
        .browser
        .goto(mock.var("TORII_MOCK_UI"))
        .await
        .expect("the page opens");
    session
        .until("its data", "return !document.querySelector('#app').hidden")
        .await;
}

#[tokio::test]
async fn the_page_loads_offline_shows_a_seeded_user_and_keeps_the_key_out_of_the_url() {
    let Some(paths) = browser_paths() else { return };
    let mock = Mock::start();
    let ada = mock.seed_user("ada@example.com").await;
    let session = Session::open(&paths).await;
    open_page(&session, &mock).await;
    session
        .until(
            "the seeded user",
            &format!("return document.querySelector('tr[data-user-id=\"{ada}\"]')?.textContent.includes('ada@example.com') === true"),
        )
        .await;

    // The key left the address bar for this tab's storage.
    assert_eq!(session.eval("return location.hash").await, "");
    assert_eq!(
        session
            .eval("return sessionStorage.getItem('torii-mock-key')")
            .await,
        mock.var("TORII_SECRET_KEY")
    );
    // Nothing was loaded from, or sent to, another origin; nothing went wrong in the console.
    let origin = mock.var("TORII_API_URL");
    let fetched = session
        .eval("return performance.getEntriesByType('resource').map(entry => entry.name)")
        .await;
    let fetched: Vec<&str> = fetched
        .as_array()
        .expect("names")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        fetched.iter().any(|url| url.ends_with("/_mock/v1/export")),
        "{fetched:?}"
    );
    assert!(
        fetched.iter().all(|url| url.starts_with(origin)),
        "{fetched:?}"
    );
    let problems: Vec<_> = session
        .console()
        .await
        .into_iter()
        .filter(|(level, _)| level == "SEVERE" || level == "WARNING")
        .collect();
    assert!(problems.is_empty(), "console: {problems:?}");
    // Usable at a laptop's width: nothing wider than the window.
    assert_eq!(
        session
            .eval("return document.documentElement.scrollWidth <= window.innerWidth")
            .await,
        true
    );
    // Every control is a button or a form field, reachable with the keyboard.
    assert_eq!(
        session
            .eval("return [...document.querySelectorAll('[data-action], #app button')].every(e => e.tagName === 'BUTTON' && e.tabIndex >= 0)")
            .await,
        true
    );

    if let Some(path) = std::env::var_os("TORII_MOCK_SCREENSHOT") {
        // A fuller picture for the README: an organization, an invitation, a minted token.
        mock.call(
            Method::POST,
            "/api/server/v1/users",
            Some(json!({"email": "grace@example.com", "firstName": "Grace", "lastName": "Hopper"})),
        )
        .await;
        mock.call(Method::POST, "/api/server/v1/invitations", Some(json!({"email": "alan@example.com", "publicMetadata": {"plan": "pro"}, "privateMetadata": {"seat": 3}}))).await;
        session
            .click(&format!("button[data-action=mint][data-user=\"{ada}\"]"))
            .await;
        session
            .until(
                "the token",
                "return document.querySelector('#token-value').value.length > 0",
            )
            .await;
        session
            .until(
                "every user",
                "return document.querySelectorAll('#users tbody tr').length === 2",
            )
            .await;
        session
            .browser
            .set_window_size(1280, 1500)
            .await
            .expect("a taller window");
        let png = session.browser.screenshot().await.expect("a screenshot");
        std::fs::write(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path),
            png,
        )
        .expect("the screenshot is written");
    }
    session.close().await;
}

/// The page follows the system's light or dark setting (Chromium's `--force-dark-mode` is a dark
/// system).
#[tokio::test]
async fn the_page_follows_the_systems_dark_setting() {
    let Some(paths) = browser_paths() else { return };
    let mock = Mock::start();
    let background = "return getComputedStyle(document.body).backgroundColor";
    let mut seen = Vec::new();
    for extra in [&[][..], &["--force-dark-mode"][..]] {
        let session = Session::open_with(&paths, extra).await;
        open_page(&session, &mock).await;
        seen.push(session.eval(background).await);
        session.close().await;
    }
    assert_eq!(
        seen,
        [json!("rgb(246, 247, 249)"), json!("rgb(21, 23, 26)")]
    );
}

#[tokio::test]
async fn a_token_minted_on_the_page_verifies_and_shows_its_claims() {
    let Some(paths) = browser_paths() else { return };
    let mock = Mock::start();
    let ada = mock.seed_user("ada@example.com").await;
    let session = Session::open(&paths).await;
    open_page(&session, &mock).await;
    let mint = format!("button[data-action=mint][data-user=\"{ada}\"]");
    session
        .until(
            "the mint button",
            &format!("return document.querySelector('{mint}') !== null"),
        )
        .await;
    session.click(&mint).await;
    session
        .until(
            "the token",
            "return document.querySelector('#token-value').value.length > 0",
        )
        .await;
    let token = session
        .eval("return document.querySelector('#token-value').value")
        .await;
    let token = token.as_str().expect("text");
    // The verifier `Verifier::from_env()` makes from the printed TORII_ISSUER.
    let verifier = Verifier::new(mock.var("TORII_ISSUER")).expect("a verifier");
    let auth = verifier
        .verify(token)
        .await
        .expect("the page's token verifies");
    assert_eq!(auth.user_id, ada);
    let claims = session
        .eval("return document.querySelector('#token-claims').textContent")
        .await;
    let claims: Value = serde_json::from_str(claims.as_str().expect("text")).expect("JSON claims");
    assert_eq!(claims["sub"], ada.as_str());
    assert_eq!(claims["sid"].as_str(), auth.session_id.as_deref());
    // The session it made is listed, with a button to revoke it.
    session
        .until(
            "the new session",
            &format!(
                "return document.querySelector('tr[data-session-id=\"{}\"]') !== null",
                claims["sid"].as_str().unwrap_or_default()
            ),
        )
        .await;
    session.close().await;
}

#[tokio::test]
async fn revoking_a_session_on_the_page_removes_it() {
    let Some(paths) = browser_paths() else { return };
    let mock = Mock::start();
    let ada = mock.seed_user("ada@example.com").await;
    let (status, minted) = mock
        .call(
            Method::POST,
            "/_mock/v1/tokens",
            Some(json!({"userId": ada})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let session_id = minted["sessionId"].as_str().expect("a session").to_owned();
    let session = Session::open(&paths).await;
    open_page(&session, &mock).await;
    let row = format!("tr[data-session-id=\"{session_id}\"]");
    session
        .until(
            "the session",
            &format!("return document.querySelector('{row}') !== null"),
        )
        .await;
    session
        .click(&format!("{row} button[data-action=revoke]"))
        .await;
    session
        .until(
            "the session gone",
            &format!("return document.querySelector('{row}') === null"),
        )
        .await;
    let (_, sessions) = mock
        .call(
            Method::GET,
            &format!("/api/server/v1/users/{ada}/sessions"),
            None,
        )
        .await;
    assert_eq!(
        sessions,
        json!([]),
        "revoked on the server, not only on the page"
    );
    session.close().await;
}

#[tokio::test]
async fn a_fault_set_on_the_page_answers_the_next_api_call() {
    let Some(paths) = browser_paths() else { return };
    let mock = Mock::start();
    let ada = mock.seed_user("ada@example.com").await;
    let session = Session::open(&paths).await;
    open_page(&session, &mock).await;
    let operations = session.element("#fault-operation").await;
    operations
        .select_by_value("getUser")
        .await
        .expect("getUser is offered");
    session.click("#fault-form button[type=submit]").await;
    session
        .until(
            "the fault planned",
            "return document.querySelector('#message').textContent === 'Fault: done.'",
        )
        .await;
    let get_user = format!("/api/server/v1/users/{ada}");
    let (status, problem) = mock.call(Method::GET, &get_user, None).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::SERVICE_UNAVAILABLE, Some("unavailable"))
    );
    let (status, _) = mock.call(Method::GET, &get_user, None).await;
    assert_eq!(status, StatusCode::OK, "one request only");
    // The page's request log shows both, newest first, the fault named.
    session
        .until(
            "the faulted request in the log",
            "const rows = [...document.querySelectorAll('#requests tbody tr')].map(r => r.textContent); \
             return rows.length >= 2 && rows[0].includes('users.get') && rows[0].includes('200') \
                 && rows[1].includes('503') && rows[1].includes('unavailable')",
        )
        .await;
    session.close().await;
}

#[tokio::test]
async fn reset_on_the_page_empties_every_list() {
    let Some(paths) = browser_paths() else { return };
    let mock = Mock::start();
    let ada = mock.seed_user("ada@example.com").await;
    mock.call(
        Method::POST,
        "/_mock/v1/tokens",
        Some(json!({"userId": ada})),
    )
    .await;
    mock.call(
        Method::POST,
        "/api/server/v1/invitations",
        Some(json!({"email": "b@example.com", "publicMetadata": {}, "privateMetadata": {}})),
    )
    .await;
    mock.call(
        Method::PUT,
        "/api/server/v1/allowed-origins",
        Some(json!({"origins": ["https://app.example.com"]})),
    )
    .await;
    let session = Session::open(&paths).await;
    open_page(&session, &mock).await;
    let filled = "return ['users', 'sessions', 'invitations'].every(id => document.querySelector(`#${id} tbody td.empty`) === null) \
                  && document.querySelector('#origins').textContent.includes('app.example.com')";
    session.until("every list filled", filled).await;
    session.click("#reset").await;
    session
        .browser
        .accept_alert()
        .await
        .expect("the confirmation");
    let empty = "return ['users', 'sessions', 'organizations', 'invitations', 'requests'].every(id => document.querySelector(`#${id} tbody td.empty`) !== null) \
                 && document.querySelector('#origins').textContent === 'None.'";
    session.until("every list empty", empty).await;
    let (_, export) = mock.call(Method::GET, "/_mock/v1/export", None).await;
    assert_eq!(export["users"], json!([]));
    session.close().await;
}

#[tokio::test]
async fn without_the_key_the_page_asks_for_it_and_shows_no_data() {
    let Some(paths) = browser_paths() else { return };
    let mock = Mock::start();
    mock.seed_user("ada@example.com").await;
    let session = Session::open(&paths).await;
    let bare = format!("{}/_mock/", mock.var("TORII_API_URL"));
    session.browser.goto(&bare).await.expect("the page opens");
    session
        .until("the prompt", "return !document.querySelector('#prompt').hidden && document.querySelector('#app').hidden")
        .await;
    let data = "return [...document.querySelectorAll('#users tbody tr')].length === 0 \
                && !performance.getEntriesByType('resource').some(e => e.name.includes('/_mock/v1/'))";
    assert_eq!(session.eval(data).await, true, "no data without a key");

    // A wrong key is refused, and the prompt says so.
    let field = session.element("#key-input").await;
    field
        .send_keys("sk_test_not_this_one")
        .await
        .expect("typed");
    session.click("#prompt button[type=submit]").await;
    session
        .until(
            "the refusal",
            "return document.querySelector('#prompt-error').textContent.includes('refused')",
        )
        .await;
    assert_eq!(
        session
            .eval("return document.querySelector('#app').hidden")
            .await,
        true
    );
    session.close().await;
}
