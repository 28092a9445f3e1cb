//! `torii-mock`: MockTorii as a process, a local Torii for end-to-end suites in any language.
//! A thin shell over `torii_backend::testing::MockTorii`: it parses the command line, starts the
//! mock, prints the variables a service reads, and waits for SIGINT or SIGTERM.
//!
//! Exit codes:
//! - 0: stopped by SIGINT or SIGTERM (after writing `--export-on-exit`);
//! - 1: could not serve: the address cannot be bound, or a file cannot be written;
//! - 2: bad input: the command line, the `--import` snapshot or the `--secret-key`.

use std::error::Error;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use torii_backend::testing::{MockTorii, Snapshot, StartError};

/// A local Torii: the Backend API, the issuer of session tokens and a control API under
/// /_mock/v1/, in memory, on one port. Once serving it prints TORII_ISSUER, TORII_API_URL and
/// TORII_SECRET_KEY, one `NAME=value` line each.
#[derive(Debug, Parser)]
#[command(name = "torii-mock", version)]
struct Args {
    /// The address to listen on. Anything but loopback lets the network use a secret key
    /// that is no secret.
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    host: IpAddr,
    /// The port; 0 picks a free one (TORII_API_URL says which).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// The secret key the mock accepts (sk_test_…). Default: the snapshot's with --import,
    /// else a new one.
    #[arg(long, value_name = "KEY")]
    secret_key: Option<String>,
    /// Start from this snapshot (written by --export-on-exit or GET /_mock/v1/export).
    #[arg(long, value_name = "FILE")]
    import: Option<PathBuf>,
    /// On SIGINT or SIGTERM, write a snapshot of everything here (atomically), then exit.
    #[arg(long, value_name = "FILE")]
    export_on_exit: Option<PathBuf>,
    /// Also write the TORII_* lines to this file (atomically), for a script to wait for.
    #[arg(long, value_name = "FILE")]
    env_file: Option<PathBuf>,
}

/// Bad input: the command line (clap's own code), a snapshot, a secret key.
const BAD_INPUT: u8 = 2;
/// Could not serve, or could not write a file.
const CANNOT_SERVE: u8 = 1;

fn main() -> ExitCode {
    let args = Args::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => return fail(CANNOT_SERVE, &error),
    };
    runtime.block_on(run(args))
}

async fn run(args: Args) -> ExitCode {
    let mut builder = MockTorii::builder().bind(SocketAddr::new(args.host, args.port));
    if let Some(path) = &args.import {
        match Snapshot::load(path) {
            Ok(snapshot) => builder = builder.snapshot(snapshot),
            Err(error) => return fail(BAD_INPUT, &error),
        }
    }
    if let Some(key) = args.secret_key {
        builder = builder.secret_key(key);
    }
    // Before anything is printed: a signal that follows the env lines must find the handler.
    let mut stop = match Stop::listen() {
        Ok(stop) => stop,
        Err(error) => return fail(CANNOT_SERVE, &error),
    };
    if !args.host.is_loopback() {
        eprintln!(
            "torii-mock: warning: listening on {}, beyond this machine; the secret key printed \
             below is well known to anyone who can reach it",
            args.host
        );
    }
    let torii = match builder.start().await {
        Ok(torii) => torii,
        Err(error @ StartError::Config(_)) => return fail(BAD_INPUT, &error),
        Err(error) => return fail(CANNOT_SERVE, &error),
    };
    // The file first: whoever reads the printed lines may read the file next.
    if let Some(path) = &args.env_file
        && let Err(error) = torii.write_env_file(path)
    {
        eprintln!("torii-mock: cannot write {}", path.display());
        return fail(CANNOT_SERVE, &error);
    }
    print!("{}", torii.env_lines());
    if let Err(error) = std::io::Write::flush(&mut std::io::stdout()) {
        return fail(CANNOT_SERVE, &error);
    }
    let signal = stop.next().await;
    if let Some(path) = &args.export_on_exit {
        if let Err(error) = torii.export().save(path) {
            eprintln!("torii-mock: cannot write the snapshot {}", path.display());
            return fail(CANNOT_SERVE, &error);
        }
        eprintln!(
            "torii-mock: {signal}: snapshot written to {}",
            path.display()
        );
    }
    ExitCode::SUCCESS
}

/// SIGINT and, on Unix, SIGTERM.
struct Stop {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl Stop {
    /// Installs the handlers now, so that a signal from here on is caught, not fatal.
    fn listen() -> std::io::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Self {
                interrupt: signal(SignalKind::interrupt())?,
                terminate: signal(SignalKind::terminate())?,
            })
        }
        #[cfg(not(unix))]
        Ok(Self {})
    }

    /// Waits for the first stop signal and names it.
    async fn next(&mut self) -> &'static str {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.interrupt.recv() => "SIGINT",
                _ = self.terminate.recv() => "SIGTERM",
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
            "Ctrl-C"
        }
    }
}

/// Prints `error` with its causes on one line and gives the exit code.
fn fail(code: u8, error: &dyn Error) -> ExitCode {
    let mut message = format!("torii-mock: {error}");
    let mut cause = error.source();
    while let Some(inner) = cause {
        message.push_str(&format!(": {inner}"));
        cause = inner.source();
    }
    eprintln!("{message}");
    ExitCode::from(code)
}
