//! torii-mock as a process, as another language's test suite runs it: the lines it prints,
//! the control API, the Backend API through `Client::from_env()`, tokens verified by
//! `Verifier::from_env()`, snapshots across a restart, and its exit codes.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use torii_backend::reqwest::{self, Method, StatusCode};
use torii_backend::serde_json::{self, Value, json};
use torii_backend::testing::MockTorii;
use torii_backend::{Client, Verifier};

mod common;

/// How long a process gets to print its lines or to exit: a bound for a hung process, never
/// a wait the test relies on.
const PATIENCE: Duration = Duration::from_secs(20);

/// A started torii-mock, with the variables it printed.
struct Running {
    child: Child,
    vars: BTreeMap<String, String>,
    stdout_lines: Vec<String>,
    stderr: thread::JoinHandle<String>,
}

/// What a process said and how it ended.
struct Ended {
    status: ExitStatus,
    stdout: String,
    stderr: String,
}

fn command(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_torii-mock"));
    command
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

fn read_stderr(child: &mut Child) -> thread::JoinHandle<String> {
    let mut stderr = child.stderr.take().expect("stderr is piped");
    thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    })
}

/// Starts torii-mock with `args` and reads its four lines.
fn start(args: &[&str]) -> Running {
    let mut child = command(args).spawn().expect("torii-mock starts");
    let stderr = read_stderr(&mut child);
    let stdout = child.stdout.take().expect("stdout is piped");
    let (lines, received) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    let mut stdout_lines = Vec::new();
    for _ in 0..4 {
        match received.recv_timeout(PATIENCE) {
            Ok(line) => stdout_lines.push(line),
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                let stderr = stderr.join().unwrap_or_default();
                panic!("torii-mock printed {stdout_lines:?} and no more; stderr: {stderr}");
            }
        }
    }
    let vars = stdout_lines
        .iter()
        .map(|line| {
            let (name, value) = line.split_once('=').expect("NAME=value");
            (name.to_owned(), value.to_owned())
        })
        .collect();
    Running {
        child,
        vars,
        stdout_lines,
        stderr,
    }
}

/// Runs torii-mock with `args` until it exits by itself.
fn run_to_exit(args: &[&str]) -> Ended {
    let mut child = command(args).spawn().expect("torii-mock starts");
    let stderr = read_stderr(&mut child);
    let mut stdout = String::new();
    if let Some(mut out) = child.stdout.take() {
        let _ = out.read_to_string(&mut stdout);
    }
    let status = wait_bounded(&mut child);
    Ended {
        status,
        stdout,
        stderr: stderr.join().unwrap_or_default(),
    }
}

/// The child's exit status; a child still running after [`PATIENCE`] is killed and fails the test.
fn wait_bounded(child: &mut Child) -> ExitStatus {
    let (done, finished) = mpsc::channel();
    let pid = child.id();
    let watchdog = thread::spawn(move || {
        if finished.recv_timeout(PATIENCE).is_err() {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
        }
    });
    let status = child.wait().expect("wait");
    let _ = done.send(());
    let _ = watchdog.join();
    status
}

impl Running {
    fn var(&self, name: &str) -> &str {
        self.vars.get(name).map_or("", String::as_str)
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.var("TORII_API_URL"))
    }

    fn port(&self) -> String {
        self.var("TORII_API_URL")
            .rsplit(':')
            .next()
            .unwrap_or_default()
            .to_owned()
    }

    /// A request with the secret key.
    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let (url, key) = (self.var("TORII_API_URL"), self.var("TORII_SECRET_KEY"));
        common::call(url, key, method, path, body).await
    }

    /// Sends `signal` (`TERM`, `INT`) and waits for the process to end.
    fn stop(mut self, signal: &str) -> Ended {
        let sent = Command::new("kill")
            .args([&format!("-{signal}"), &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(sent.success(), "kill -{signal}");
        let status = wait_bounded(&mut self.child);
        let mut stdout = String::new();
        if let Some(mut out) = self.child.stdout.take() {
            let _ = out.read_to_string(&mut stdout);
        }
        Ended {
            status,
            stdout,
            stderr: self.stderr.join().unwrap_or_default(),
        }
    }
}

/// A scratch directory of this test, empty.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("torii-mock-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

fn path_arg(path: &Path) -> &str {
    path.to_str().expect("a UTF-8 temp path")
}

#[tokio::test]
async fn it_prints_the_variables_once_serving_and_writes_them_to_the_env_file() {
    let dir = scratch("env");
    let env_file = dir.join("torii.env");
    let mock = start(&["--env-file", path_arg(&env_file)]);
    let names: Vec<&str> = mock.vars.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "TORII_API_URL",
            "TORII_ISSUER",
            "TORII_MOCK_UI",
            "TORII_SECRET_KEY"
        ]
    );
    assert_eq!(
        mock.stdout_lines
            .iter()
            .map(|l| l.split('=').next().unwrap_or(""))
            .collect::<Vec<_>>(),
        [
            "TORII_ISSUER",
            "TORII_API_URL",
            "TORII_SECRET_KEY",
            "TORII_MOCK_UI"
        ],
        "in this order"
    );
    // The page, with the key in the fragment (which a browser never sends).
    assert_eq!(
        mock.var("TORII_MOCK_UI"),
        format!(
            "{}/_mock/#key={}",
            mock.var("TORII_ISSUER"),
            mock.var("TORII_SECRET_KEY")
        )
    );
    let url = mock.var("TORII_API_URL");
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    assert_eq!(mock.var("TORII_ISSUER"), url, "one port serves both");
    assert!(mock.var("TORII_SECRET_KEY").starts_with("sk_test_"));
    let written = std::fs::read_to_string(&env_file).expect("the env file is there");
    assert_eq!(written, format!("{}\n", mock.stdout_lines.join("\n")));

    // Health needs no key: it is the readiness probe.
    let health = reqwest::get(mock.url("/_mock/v1/health"))
        .await
        .expect("health");
    assert_eq!(health.status(), StatusCode::OK);
    let body: Value = serde_json::from_str(&health.text().await.expect("body")).expect("json");
    assert_eq!(body["status"], "ok");

    let ended = mock.stop("TERM");
    assert_eq!(ended.status.code(), Some(0), "{}", ended.stderr);
    assert_eq!(ended.stdout, "", "nothing after the four lines");
}

#[tokio::test]
async fn every_control_route_refuses_a_request_without_the_key() {
    let mock = start(&[]);
    let routes = [
        (Method::POST, "/_mock/v1/tokens"),
        (Method::POST, "/_mock/v1/reset"),
        (Method::POST, "/_mock/v1/keys/rotate"),
        (Method::DELETE, "/_mock/v1/keys/mock-key-1"),
        (Method::POST, "/_mock/v1/faults"),
        (Method::DELETE, "/_mock/v1/faults"),
        (Method::GET, "/_mock/v1/calls"),
        (Method::GET, "/_mock/v1/export"),
        (Method::GET, "/_mock/v1/requests"),
    ];
    let http = reqwest::Client::new();
    for (method, path) in routes {
        for key in [None, Some("sk_test_not_this_one")] {
            let mut request = http.request(method.clone(), mock.url(path));
            if let Some(key) = key {
                request = request.bearer_auth(key);
            }
            let response = request.send().await.expect("answer");
            assert_eq!(
                response.status(),
                StatusCode::UNAUTHORIZED,
                "{method} {path}"
            );
            assert_eq!(
                response.headers()["content-type"],
                "application/problem+json",
                "{method} {path}"
            );
            let problem: Value =
                serde_json::from_str(&response.text().await.expect("body")).expect("json");
            assert_eq!(problem["code"], "invalid_secret_key");
        }
    }
    // The key is not what the mock printed, so nothing was reset or rotated.
    let (status, export) = mock.call(Method::GET, "/_mock/v1/export", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(export["signingKeys"].as_array().map(Vec::len), Some(1));
    mock.stop("TERM");
}

#[tokio::test]
async fn the_control_routes_mint_reset_rotate_fail_count_and_export() {
    let mock = start(&[]);
    let (status, user) = mock
        .call(
            Method::POST,
            "/api/server/v1/users",
            Some(json!({"email": "ada@example.com"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let user_id = user["id"].as_str().expect("id").to_owned();

    // tokens: a new session unless one is named; an unknown user is 404.
    let (status, minted) = mock
        .call(
            Method::POST,
            "/_mock/v1/tokens",
            Some(json!({"userId": user_id, "claims": {"plan": "pro"}, "expiresInSeconds": 120})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{minted}");
    let session_id = minted["sessionId"].as_str().expect("sessionId").to_owned();
    let verifier = Verifier::new(mock.var("TORII_ISSUER")).expect("verifier");
    let auth = verifier
        .verify(minted["token"].as_str().expect("token"))
        .await
        .expect("the minted token verifies");
    assert_eq!(auth.user_id, user_id);
    assert_eq!(auth.session_id.as_deref(), Some(session_id.as_str()));
    assert_eq!(auth.raw_claims.as_map()["plan"], "pro");
    let expires_at: String = minted["expiresAt"].as_str().expect("expiresAt").to_owned();
    let exp = auth.raw_claims.as_map()["exp"].as_i64().expect("exp");
    assert_eq!(
        torii_backend::chrono::DateTime::parse_from_rfc3339(&expires_at)
            .expect("RFC 3339")
            .timestamp(),
        exp
    );
    assert_eq!(
        exp - auth.raw_claims.as_map()["iat"].as_i64().expect("iat"),
        120
    );
    let (status, again) = mock
        .call(
            Method::POST,
            "/_mock/v1/tokens",
            Some(json!({"userId": user_id, "sessionId": session_id})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(again["sessionId"], session_id.as_str(), "the named session");
    let (status, sessions) = mock
        .call(
            Method::GET,
            &format!("/api/server/v1/users/{user_id}/sessions"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        sessions.as_array().map(Vec::len),
        Some(1),
        "no second session"
    );
    let unknown = json!({"userId": "01931a73-8b00-7000-8000-00000000dead"});
    let (status, problem) = mock
        .call(Method::POST, "/_mock/v1/tokens", Some(unknown))
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );
    let reserved = json!({"userId": user_id, "claims": {"sub": "someone else"}});
    let (status, problem) = mock
        .call(Method::POST, "/_mock/v1/tokens", Some(reserved))
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("reserved_claim"))
    );

    // faults: the next getUser answers 503 until they are cleared; calls counts it.
    let fault = json!({"operationId": "getUser", "requests": 5, "fault": {"type": "status", "status": 500}});
    let (status, _) = mock
        .call(Method::POST, "/_mock/v1/faults", Some(fault))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let get_user = format!("/api/server/v1/users/{user_id}");
    let (status, problem) = mock.call(Method::GET, &get_user, None).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::INTERNAL_SERVER_ERROR, Some("injected_fault"))
    );
    let (status, _) = mock.call(Method::DELETE, "/_mock/v1/faults", None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = mock.call(Method::GET, &get_user, None).await;
    assert_eq!(status, StatusCode::OK, "cleared");
    let bad_fault = json!({"operationId": "getUsers", "fault": {"type": "unavailable"}});
    let (status, problem) = mock
        .call(Method::POST, "/_mock/v1/faults", Some(bad_fault))
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("unknown_operation"))
    );
    let (status, calls) = mock.call(Method::GET, "/_mock/v1/calls", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        calls["calls"],
        json!({"createUser": 1, "getUser": 2, "listSessions": 1})
    );
    assert_eq!(calls["total"], 4);

    // requests: newest first, each with its operation, status and fault, and no id.
    let (status, log) = mock.call(Method::GET, "/_mock/v1/requests", None).await;
    assert_eq!(status, StatusCode::OK);
    let summary: Vec<(&str, &str, Value, Value)> = log["requests"]
        .as_array()
        .expect("requests")
        .iter()
        .map(|entry| {
            (
                entry["operation"].as_str().unwrap_or_default(),
                entry["pathTemplate"].as_str().unwrap_or_default(),
                entry["status"].clone(),
                entry["fault"].clone(),
            )
        })
        .collect();
    let user_path = "/api/server/v1/users/{userId}";
    assert_eq!(
        summary,
        [
            ("users.get", user_path, json!(200), Value::Null),
            ("users.get", user_path, json!(500), json!("status")),
            (
                "sessions.list_for_user",
                "/api/server/v1/users/{userId}/sessions",
                json!(200),
                Value::Null
            ),
            (
                "users.create",
                "/api/server/v1/users",
                json!(201),
                Value::Null
            ),
        ]
    );
    assert!(
        !log.to_string().contains(&user_id),
        "no id in the log: {log}"
    );

    // keys: rotate adds a current key; delete removes one, and the old tokens stop verifying
    // for a fresh verifier.
    let (status, rotated) = mock.call(Method::POST, "/_mock/v1/keys/rotate", None).await;
    assert_eq!(status, StatusCode::OK);
    let new_kid = rotated["kid"].as_str().expect("kid").to_owned();
    assert_ne!(new_kid, "mock-key-1");
    let (status, _) = mock
        .call(Method::DELETE, "/_mock/v1/keys/mock-key-1", None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = mock
        .call(Method::DELETE, "/_mock/v1/keys/mock-key-1", None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, problem) = mock
        .call(Method::DELETE, &format!("/_mock/v1/keys/{new_kid}"), None)
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::CONFLICT, Some("last_signing_key"))
    );
    let fresh = Verifier::new(mock.var("TORII_ISSUER")).expect("verifier");
    assert!(
        fresh
            .verify(minted["token"].as_str().expect("token"))
            .await
            .is_err()
    );

    // export: the snapshot of all this.
    let (status, export) = mock.call(Method::GET, "/_mock/v1/export", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(export["version"], 1);
    assert_eq!(export["users"][0]["id"], user_id.as_str());
    assert_eq!(export["signingKeys"][0]["kid"], new_kid.as_str());

    // reset: the environment empties, and the key and signing keys stay.
    let (status, _) = mock.call(Method::POST, "/_mock/v1/reset", None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = mock.call(Method::GET, &get_user, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, export) = mock.call(Method::GET, "/_mock/v1/export", None).await;
    assert_eq!(export["users"], json!([]));
    assert_eq!(export["signingKeys"][0]["kid"], new_kid.as_str());
    let (_, calls) = mock.call(Method::GET, "/_mock/v1/calls", None).await;
    assert_eq!(
        calls["total"], 1,
        "counting starts again: the getUser above"
    );
    let (_, log) = mock.call(Method::GET, "/_mock/v1/requests", None).await;
    assert_eq!(
        log["requests"].as_array().map(Vec::len),
        Some(1),
        "so does the log"
    );
    mock.stop("TERM");
}

/// The environment variable that makes this test the child half of itself.
const CHILD: &str = "TORII_MOCK_TEST_FROM_ENV_CHILD";

/// A service configured only by the lines torii-mock printed: the test runs itself again as a
/// child process with those variables (and a token) in its environment, where
/// `Verifier::from_env()` and `Client::from_env()` are all it uses.
#[tokio::test]
async fn a_service_configured_by_the_printed_lines_verifies_tokens_and_calls_the_api() {
    if let Ok(token) = std::env::var(CHILD) {
        let verifier = Verifier::from_env().expect("TORII_ISSUER is set");
        let auth = verifier.verify(&token).await.expect("the token verifies");
        let client = Client::from_env().expect("TORII_SECRET_KEY is set");
        let user = client.users().get(&auth.user_id).await.expect("the user");
        println!(
            "child: {} is {}",
            auth.user_id,
            user.email.unwrap_or_default()
        );
        return;
    }
    if std::env::var("TORII_MOCK_TEST_MISSING_CHILD").is_ok() {
        let verifier = Verifier::from_env()
            .map(|_| ())
            .expect_err("no TORII_ISSUER");
        let client = Client::from_env()
            .map(|_| ())
            .expect_err("no TORII_SECRET_KEY");
        println!("child: {verifier} / {client}");
        return;
    }

    let mock = start(&[]);
    let (_, user) = mock
        .call(
            Method::POST,
            "/api/server/v1/users",
            Some(json!({"email": "grace@example.com"})),
        )
        .await;
    let user_id = user["id"].as_str().expect("id").to_owned();
    let (_, minted) = mock
        .call(
            Method::POST,
            "/_mock/v1/tokens",
            Some(json!({"userId": user_id})),
        )
        .await;
    let token = minted["token"].as_str().expect("token");

    let test_name = "a_service_configured_by_the_printed_lines_verifies_tokens_and_calls_the_api";
    let child = |envs: &[(&str, &str)], removed: &[&str]| {
        let mut command = Command::new(std::env::current_exe().expect("this test binary"));
        command.args([test_name, "--exact", "--nocapture", "--test-threads=1"]);
        for name in ["TORII_ISSUER", "TORII_API_URL", "TORII_SECRET_KEY", CHILD] {
            command.env_remove(name);
        }
        command.envs(envs.iter().copied());
        for name in removed {
            command.env_remove(name);
        }
        command.output().expect("the child runs")
    };
    let vars: Vec<(&str, &str)> = mock
        .vars
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .chain([(CHILD, token)])
        .collect();
    let served = child(&vars, &[]);
    let said = String::from_utf8_lossy(&served.stdout);
    assert!(
        served.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&served.stderr)
    );
    assert!(
        said.contains(&format!("child: {user_id} is grace@example.com")),
        "{said}"
    );

    let missing = child(&[("TORII_MOCK_TEST_MISSING_CHILD", "1")], &[]);
    let said = String::from_utf8_lossy(&missing.stdout);
    assert!(missing.status.success(), "{said}");
    assert!(
        said.contains("the environment variable TORII_ISSUER is not set")
            && said.contains("the environment variable TORII_SECRET_KEY is not set"),
        "{said}"
    );
    mock.stop("TERM");
}

#[tokio::test]
async fn a_snapshot_written_on_sigterm_resumes_users_keys_and_tokens_in_a_new_process() {
    let dir = scratch("restart");
    let snapshot = dir.join("state.json");
    let first = start(&["--export-on-exit", path_arg(&snapshot)]);
    let (_, user) = first
        .call(
            Method::POST,
            "/api/server/v1/users",
            Some(json!({"email": "ada@example.com"})),
        )
        .await;
    let user_id = user["id"].as_str().expect("id").to_owned();
    let (_, minted) = first
        .call(
            Method::POST,
            "/_mock/v1/tokens",
            Some(json!({"userId": user_id})),
        )
        .await;
    let token = minted["token"].as_str().expect("token").to_owned();
    let (key, issuer, port) = (
        first.var("TORII_SECRET_KEY").to_owned(),
        first.var("TORII_ISSUER").to_owned(),
        first.port(),
    );
    let ended = first.stop("TERM");
    assert_eq!(ended.status.code(), Some(0), "{}", ended.stderr);
    assert!(
        ended.stderr.contains("SIGTERM: snapshot written"),
        "{}",
        ended.stderr
    );
    let names: Vec<_> = std::fs::read_dir(&dir)
        .expect("dir")
        .map(|entry| entry.expect("entry").file_name())
        .collect();
    assert_eq!(
        names,
        [std::ffi::OsString::from("state.json")],
        "no temporary file left"
    );

    // The same port, so the issuer (and every token's `iss`) is the same.
    let again = dir.join("again.json");
    let second = start(&[
        "--import",
        path_arg(&snapshot),
        "--port",
        &port,
        "--export-on-exit",
        path_arg(&again),
    ]);
    assert_eq!(second.var("TORII_SECRET_KEY"), key, "the snapshot's key");
    assert_eq!(second.var("TORII_ISSUER"), issuer);
    let (status, read) = second
        .call(
            Method::GET,
            &format!("/api/server/v1/users/{user_id}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(read["email"], "ada@example.com");
    let auth = Verifier::new(&issuer)
        .expect("verifier")
        .verify(&token)
        .await
        .expect("a token minted before the restart verifies after it");
    assert_eq!(auth.user_id, user_id);
    let (status, sessions) = second
        .call(
            Method::GET,
            &format!("/api/server/v1/users/{user_id}/sessions"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        sessions[0]["id"], minted["sessionId"],
        "the session came back too"
    );

    // SIGINT exports as SIGTERM does.
    let ended = second.stop("INT");
    assert_eq!(ended.status.code(), Some(0), "{}", ended.stderr);
    let exported: Value =
        serde_json::from_str(&std::fs::read_to_string(&again).expect("written")).expect("json");
    assert_eq!(exported["users"][0]["id"], user_id.as_str());
}

#[tokio::test]
async fn a_bad_snapshot_stops_the_start_with_exit_2_naming_the_file_and_the_pointer() {
    let dir = scratch("corrupt");
    let torii = MockTorii::start().await.expect("mock");
    torii
        .seed_user()
        .email("ada@example.com")
        .insert()
        .expect("seed");
    let mut document: Value = serde_json::from_str(&torii.export().to_json()).expect("json");
    document["users"][0]["email"] = json!(5);
    let wrong_type = dir.join("wrong-type.json");
    std::fs::write(&wrong_type, document.to_string()).expect("write");
    let not_json = dir.join("not-json.json");
    std::fs::write(&not_json, "{\"version\": 1,").expect("write");
    let mut future = document.clone();
    future["version"] = json!(2);
    let version = dir.join("version.json");
    std::fs::write(&version, future.to_string()).expect("write");
    let missing = dir.join("missing.json");

    for (file, expected) in [
        (&wrong_type, "at /users/0/email"),
        (&not_json, "not JSON"),
        (&version, "at /version: version 2 is not supported"),
        (&missing, "cannot be read"),
    ] {
        let ended = run_to_exit(&["--import", path_arg(file)]);
        assert_eq!(ended.status.code(), Some(2), "{}", ended.stderr);
        assert!(
            ended.stderr.contains(path_arg(file)),
            "names the file: {}",
            ended.stderr
        );
        assert!(
            ended.stderr.contains(expected),
            "{expected}: {}",
            ended.stderr
        );
        assert_eq!(ended.stdout, "", "never served");
    }
}

#[test]
fn a_taken_port_and_a_live_key_are_refused_with_their_exit_codes() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    let port = taken.local_addr().expect("addr").port().to_string();
    let ended = run_to_exit(&["--port", &port]);
    assert_eq!(ended.status.code(), Some(1), "{}", ended.stderr);
    assert!(
        ended.stderr.contains(&format!(
            "cannot listen on 127.0.0.1:{port}: the port is taken"
        )),
        "{}",
        ended.stderr
    );
    assert_eq!(ended.stdout, "");

    let ended = run_to_exit(&["--secret-key", "sk_live_0123456789abcdef"]);
    assert_eq!(ended.status.code(), Some(2), "{}", ended.stderr);
    assert!(
        ended.stderr.contains("must be a test key"),
        "{}",
        ended.stderr
    );

    let ended = run_to_exit(&["--port", "not-a-port"]);
    assert_eq!(ended.status.code(), Some(2), "clap's usage error");
}

#[tokio::test]
async fn a_host_beyond_loopback_is_warned_about() {
    let mock = start(&["--host", "0.0.0.0"]);
    assert!(
        mock.var("TORII_ISSUER").starts_with("http://127.0.0.1:"),
        "clients on this machine use loopback"
    );
    let ended = mock.stop("TERM");
    assert!(
        ended.stderr.contains("warning: listening on 0.0.0.0"),
        "{}",
        ended.stderr
    );
}
