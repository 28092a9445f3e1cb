//! The figures BENCHMARKS.md gives for torii-mock: how long from exec to the four printed
//! lines, and requests per second for a read (`getUser`) and a write (`createUser`) at 1 and 16
//! concurrent clients on loopback.
//!
//! ```text
//! cargo build --release -p torii-mock --examples
//! target/release/examples/load [path/to/torii-mock]
//! ```
//!
//! The binary defaults to the `torii-mock` of the same target directory. Each figure is printed
//! as `name value unit`.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use torii_backend::reqwest;
use torii_backend::serde_json::{Value, json};

/// How many starts the startup figure is the median of.
const STARTS: usize = 20;
/// How long each throughput run lasts.
const RUN: Duration = Duration::from_secs(3);

type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error>>;

/// The `NAME=value` lines torii-mock printed.
type Vars = Vec<(String, String)>;

fn binary() -> Result<PathBuf> {
    if let Some(path) = std::env::args_os().nth(1) {
        return Ok(path.into());
    }
    let exe = std::env::current_exe()?;
    let target = exe
        .parent()
        .and_then(|examples| examples.parent())
        .ok_or("no target directory above this example")?;
    Ok(target.join("torii-mock"))
}

/// Starts torii-mock and reads its four lines: the time that took, the process and the
/// variables.
fn start(binary: &PathBuf) -> Result<(Duration, Child, Vars)> {
    let began = Instant::now();
    let mut child = Command::new(binary)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut vars = Vec::new();
    for line in BufReader::new(stdout).lines().take(4) {
        let line = line?;
        let (name, value) = line.split_once('=').ok_or("not NAME=value")?;
        vars.push((name.to_owned(), value.to_owned()));
    }
    let elapsed = began.elapsed();
    if vars.len() != 4 {
        return Err("torii-mock did not print its four lines".into());
    }
    Ok((elapsed, child, vars))
}

fn stop(mut child: Child) -> Result {
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()?;
    child.wait()?;
    Ok(())
}

fn var<'a>(vars: &'a [(String, String)], name: &str) -> &'a str {
    vars.iter()
        .find(|(n, _)| n == name)
        .map_or("", |(_, v)| v.as_str())
}

/// Requests per second of `request` from `clients` concurrent loops over `RUN`.
async fn throughput(
    clients: usize,
    request: impl Fn(usize) -> reqwest::RequestBuilder + Send + Sync + 'static,
) -> Result<f64> {
    let request = Arc::new(request);
    let done = Arc::new(AtomicUsize::new(0));
    let deadline = Instant::now() + RUN;
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (request, done) = (Arc::clone(&request), Arc::clone(&done));
        tasks.push(tokio::spawn(async move {
            while Instant::now() < deadline {
                let number = done.fetch_add(1, Ordering::Relaxed);
                let response = request(number).send().await.map_err(|e| e.to_string())?;
                if !response.status().is_success() {
                    return Err(format!("answered {}", response.status()));
                }
                response.bytes().await.map_err(|e| e.to_string())?;
            }
            Ok::<_, String>(())
        }));
    }
    let began = Instant::now();
    for task in tasks {
        task.await??;
    }
    Ok(done.load(Ordering::Relaxed) as f64 / began.elapsed().as_secs_f64())
}

#[tokio::main]
async fn main() -> Result {
    let binary = binary()?;
    let mut starts = Vec::with_capacity(STARTS);
    for _ in 0..STARTS {
        let (elapsed, child, _) = start(&binary)?;
        starts.push(elapsed);
        stop(child)?;
    }
    starts.sort();
    println!(
        "startup_median {:.1} ms",
        starts[STARTS / 2].as_secs_f64() * 1e3
    );
    println!(
        "startup_max {:.1} ms",
        starts[STARTS - 1].as_secs_f64() * 1e3
    );

    let (_, child, vars) = start(&binary)?;
    let api = format!("{}/api/server/v1", var(&vars, "TORII_API_URL"));
    let key = var(&vars, "TORII_SECRET_KEY").to_owned();
    let http = reqwest::Client::new();
    let created = http
        .post(format!("{api}/users"))
        .bearer_auth(&key)
        .header("content-type", "application/json")
        .body(json!({"email": "load@example.com"}).to_string())
        .send()
        .await?
        .text()
        .await?;
    let created: Value = torii_backend::serde_json::from_str(&created)?;
    let user = created["id"].as_str().ok_or("no user id")?.to_owned();
    for clients in [1, 16] {
        let (reader, read_key) = (http.clone(), key.clone());
        let url = format!("{api}/users/{user}");
        let reads = throughput(clients, move |_| reader.get(&url).bearer_auth(&read_key)).await?;
        println!("get_user_c{clients} {reads:.0} requests/s");
        let (writer, write_key, url) = (http.clone(), key.clone(), format!("{api}/users"));
        let writes = throughput(clients, move |n| {
            writer
                .post(&url)
                .bearer_auth(&write_key)
                .header("content-type", "application/json")
                .body(json!({"email": format!("user{clients}-{n}@example.com")}).to_string())
        })
        .await?;
        println!("create_user_c{clients} {writes:.0} requests/s");
    }
    stop(child)
}
