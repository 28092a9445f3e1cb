//! The shared reference files (`../shared/reference/` or `TORII_REFERENCE_DIR`), located by the
//! build script.

use std::path::PathBuf;

use torii_backend::serde_json::Value;

/// The reference directory, as found at build time.
#[cfg(not(torii_no_reference))]
pub fn dir() -> PathBuf {
    PathBuf::from(env!("TORII_REFERENCE_DIR"))
}

/// Reads and parses the reference JSON file `name`.
///
/// # Panics
///
/// When the file cannot be read or is not JSON: the reference is part of the test setup.
#[cfg(not(torii_no_reference))]
pub fn json(name: &str) -> Value {
    let path = dir().join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    torii_backend::serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// Reads and parses a JSON file of this repository, by its path from the workspace root.
///
/// # Panics
///
/// When the file cannot be read or is not JSON.
pub fn repo_json(path: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(path);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    torii_backend::serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}
