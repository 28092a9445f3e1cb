//! Finds the shared reference files (`TORII_REFERENCE_DIR`, or the nearest `shared/reference/`
//! beside the repository or one of its parents) and hands their absolute path to the tests as
//! `TORII_REFERENCE_DIR`. Looking in parents keeps it working when cargo builds this crate from a
//! copy under `target/` (as `cargo package` does).
//!
//! Without them the reference tests are compiled out (cfg `torii_no_reference`), except under
//! `CI=true`, where a missing reference fails the build instead of skipping silently.

use std::path::{Path, PathBuf};

fn main() {
    println!("cargo::rustc-check-cfg=cfg(torii_no_reference)");
    println!("cargo::rerun-if-env-changed=TORII_REFERENCE_DIR");
    println!("cargo::rerun-if-env-changed=CI");

    let manifest_dir =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let is_reference = |dir: &Path| {
        dir.join("server-v1.json").is_file() && dir.join("patch-wire-fixtures.json").is_file()
    };
    let dir = match std::env::var_os("TORII_REFERENCE_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => manifest_dir
            .ancestors()
            .map(|ancestor| ancestor.join("shared/reference"))
            .find(|dir| is_reference(dir))
            .unwrap_or_else(|| manifest_dir.join("../../shared/reference")),
    };
    let found = is_reference(&dir);
    if found {
        let dir = dir.canonicalize().expect("the reference directory exists");
        println!("cargo::rerun-if-changed={}", dir.display());
        println!("cargo::rustc-env=TORII_REFERENCE_DIR={}", dir.display());
    } else if std::env::var("CI").is_ok_and(|ci| ci == "true") {
        panic!(
            "the reference files are missing from {} (set TORII_REFERENCE_DIR); under CI=true this is a failure",
            dir.display()
        );
    } else {
        println!(
            "cargo::warning=reference files not found in {}; the reference tests are skipped (set TORII_REFERENCE_DIR)",
            dir.display()
        );
        println!("cargo::rustc-cfg=torii_no_reference");
    }
}
