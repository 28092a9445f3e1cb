//! Snapshots: one versioned JSON document with everything a mock needs to resume, written by
//! [`MockTorii::export`] and read by [`MockTorii::import`] and
//! [`MockToriiBuilder::snapshot`](crate::testing::MockToriiBuilder::snapshot).

use std::fmt;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::store::Records;
use crate::testing::keys::SigningKey;

/// The snapshot format this version writes and reads.
const VERSION: u64 = 1;

/// The state of a [`MockTorii`](crate::testing::MockTorii): its environment id, secret key and
/// signing keys (so that tokens minted before a restart still verify after it), and every
/// user, session, organization, membership, invitation and allowed origin.
///
/// The JSON form is versioned (`"version": 1`) and uses the Backend API's own models for the
/// records, so a test in any language can read or write it. It holds the mock's private
/// signing keys and its secret key: a mock's, never a real environment's.
///
/// ```
/// use torii_backend::testing::{MockTorii, Snapshot};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let torii = MockTorii::start().await?;
/// let ada = torii.seed_user().email("ada@example.com").insert()?;
/// let saved = Snapshot::from_json(&torii.export().to_json())?;
///
/// let resumed = MockTorii::builder().snapshot(saved).start().await?;
/// assert_eq!(resumed.user(ada.id), torii.user(ada.id));
/// assert_eq!(resumed.secret_key(), torii.secret_key());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Snapshot {
    document: Document,
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Document {
    version: u64,
    secret_key: String,
    environment_id: uuid::Uuid,
    /// Oldest first; the last one signs new tokens.
    signing_keys: Vec<KeyRecord>,
    users: Vec<crate::models::ServerUserResponse>,
    sessions: Vec<crate::models::UserSessionResponse>,
    organizations: Vec<crate::models::ServerOrganizationResponse>,
    members: Vec<crate::models::ServerOrganizationMemberResponse>,
    invitations: Vec<crate::models::EnvironmentInvitationDetailResponse>,
    allowed_origins: Vec<String>,
    impersonation_tokens: usize,
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct KeyRecord {
    kid: String,
    /// The PKCS#8 document of the key pair, base64url without padding.
    pkcs8: String,
}

impl Snapshot {
    pub(crate) fn new(
        secret_key: &str,
        keys: &[std::sync::Arc<SigningKey>],
        records: Records,
    ) -> Self {
        let signing_keys = keys
            .iter()
            .map(|key| KeyRecord {
                kid: key.kid().to_owned(),
                pkcs8: URL_SAFE_NO_PAD.encode(key.pkcs8()),
            })
            .collect();
        let Records {
            environment_id,
            users,
            sessions,
            organizations,
            members,
            invitations,
            allowed_origins,
            impersonation_tokens,
        } = records;
        Self {
            document: Document {
                version: VERSION,
                secret_key: secret_key.to_owned(),
                environment_id,
                signing_keys,
                users,
                sessions,
                organizations,
                members,
                invitations,
                allowed_origins,
                impersonation_tokens,
            },
        }
    }

    /// Reads a snapshot from its JSON form.
    ///
    /// # Errors
    ///
    /// A [`SnapshotError`] with the JSON pointer of the first thing that is wrong: not JSON,
    /// another version, a member missing, unknown or of the wrong type, a key that does not
    /// parse, a duplicate id, a record of another environment, a session or membership whose
    /// user or organization is not in the snapshot.
    pub fn from_json(json: &str) -> Result<Self, SnapshotError> {
        let value: Value = serde_json::from_str(json)
            .map_err(|error| SnapshotError::at("", format!("not JSON: {error}")))?;
        match value.get("version") {
            Some(version) if version.as_u64() == Some(VERSION) => {}
            Some(version) => {
                return Err(SnapshotError::at(
                    "/version",
                    format!(
                        "version {version} is not supported (this torii-backend reads {VERSION})"
                    ),
                ));
            }
            None if value.is_object() => {
                return Err(SnapshotError::at("/version", "the version is missing"));
            }
            None => return Err(SnapshotError::at("", "a snapshot is a JSON object")),
        }
        let document: Document = serde_path_to_error::deserialize(value).map_err(|error| {
            let pointer = json_pointer(error.path());
            SnapshotError::at(&pointer, error.into_inner().to_string())
        })?;
        let snapshot = Self { document };
        snapshot.keys()?;
        if !snapshot.document.secret_key.starts_with("sk_test_") {
            return Err(SnapshotError::at(
                "/secretKey",
                "a mock's secret key starts with sk_test_",
            ));
        }
        snapshot
            .records()
            .check()
            .map_err(|(pointer, message)| SnapshotError::at(&pointer, message))?;
        Ok(snapshot)
    }

    /// Reads the snapshot in the file at `path`.
    ///
    /// # Errors
    ///
    /// A [`SnapshotError`] naming the file: it cannot be read, or [`Snapshot::from_json`]
    /// refuses what it holds.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, SnapshotError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|error| SnapshotError {
            file: Some(path.to_owned()),
            pointer: None,
            message: "cannot be read".to_owned(),
            io: Some(error),
        })?;
        Self::from_json(&text).map_err(|error| error.in_file(path))
    }

    /// The JSON form, indented.
    pub fn to_json(&self) -> String {
        // A document of strings, numbers and the models' own JSON always serializes.
        serde_json::to_string_pretty(&self.document).unwrap_or_default()
    }

    /// Writes the JSON form to `path` atomically: into a temporary file beside it, then
    /// renamed over it, so a reader never sees half a snapshot and a crash leaves the old one.
    ///
    /// # Errors
    ///
    /// When the temporary file cannot be written or renamed.
    pub fn save(&self, path: impl AsRef<Path>) -> io::Result<()> {
        write_atomically(path.as_ref(), self.to_json().as_bytes())
    }

    /// The secret key the snapshot's mock accepted.
    pub fn secret_key(&self) -> &str {
        &self.document.secret_key
    }

    pub(crate) fn keys(&self) -> Result<Vec<SigningKey>, SnapshotError> {
        let records = &self.document.signing_keys;
        if records.is_empty() {
            return Err(SnapshotError::at(
                "/signingKeys",
                "a snapshot needs at least one signing key",
            ));
        }
        let mut keys: Vec<SigningKey> = Vec::with_capacity(records.len());
        for (index, record) in records.iter().enumerate() {
            if keys.iter().any(|key| key.kid() == record.kid) {
                return Err(SnapshotError::at(
                    &format!("/signingKeys/{index}/kid"),
                    format!("the kid {:?} appears twice", record.kid),
                ));
            }
            let key = URL_SAFE_NO_PAD
                .decode(&record.pkcs8)
                .ok()
                .and_then(|pkcs8| SigningKey::from_pkcs8(&record.kid, &pkcs8))
                .ok_or_else(|| {
                    SnapshotError::at(
                        &format!("/signingKeys/{index}/pkcs8"),
                        "not a P-256 key pair in PKCS#8, base64url without padding",
                    )
                })?;
            keys.push(key);
        }
        Ok(keys)
    }

    /// The stored records, to build a store from.
    pub(crate) fn records(&self) -> Records {
        let document = &self.document;
        Records {
            environment_id: document.environment_id,
            users: document.users.clone(),
            sessions: document.sessions.clone(),
            organizations: document.organizations.clone(),
            members: document.members.clone(),
            invitations: document.invitations.clone(),
            allowed_origins: document.allowed_origins.clone(),
            impersonation_tokens: document.impersonation_tokens,
        }
    }
}

impl fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let document = &self.document;
        f.debug_struct("Snapshot")
            .field("version", &document.version)
            .field("environment_id", &document.environment_id)
            .field("signing_keys", &document.signing_keys.len())
            .field("users", &document.users.len())
            .field("sessions", &document.sessions.len())
            .field("organizations", &document.organizations.len())
            .field("invitations", &document.invitations.len())
            .finish_non_exhaustive()
    }
}

/// A snapshot that cannot be read: where, and what is wrong. Nothing of it was loaded.
#[derive(Debug)]
pub struct SnapshotError {
    file: Option<PathBuf>,
    pointer: Option<String>,
    message: String,
    io: Option<io::Error>,
}

impl SnapshotError {
    fn at(pointer: &str, message: impl Into<String>) -> Self {
        Self {
            file: None,
            pointer: Some(pointer.to_owned()),
            message: message.into(),
            io: None,
        }
    }

    fn in_file(mut self, path: &Path) -> Self {
        self.file = Some(path.to_owned());
        self
    }

    /// The file the snapshot was read from, when it was.
    pub fn file(&self) -> Option<&Path> {
        self.file.as_deref()
    }

    /// The JSON pointer of what is wrong (`/users/0/email`; empty for the whole document),
    /// when the document was read.
    pub fn json_pointer(&self) -> Option<&str> {
        self.pointer.as_deref()
    }

    /// What is wrong there.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for SnapshotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("snapshot")?;
        if let Some(file) = &self.file {
            write!(f, " {}", file.display())?;
        }
        match self.pointer.as_deref() {
            Some("") => write!(f, ": {}", self.message),
            Some(pointer) => write!(f, " at {pointer}: {}", self.message),
            None => write!(f, " {}", self.message),
        }
    }
}

impl std::error::Error for SnapshotError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.io.as_ref().map(|error| error as _)
    }
}

/// A path of `serde_path_to_error` as a JSON pointer (RFC 6901).
pub(crate) fn json_pointer(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut pointer = String::new();
    for segment in path.iter() {
        pointer.push('/');
        match segment {
            Segment::Seq { index } => pointer.push_str(&index.to_string()),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                pointer.push_str(&key.replace('~', "~0").replace('/', "~1"));
            }
            Segment::Unknown => pointer.push('?'),
        }
    }
    pointer
}

/// `bytes` into `path` through a temporary file in the same directory and a rename.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "the path names no file"))?;
    let mut temporary_name = std::ffi::OsString::from(".");
    temporary_name.push(name);
    temporary_name.push(format!(".{}.tmp", std::process::id()));
    let temporary = path.with_file_name(temporary_name);
    let written = std::fs::File::create(&temporary).and_then(|mut file| {
        file.write_all(bytes)?;
        file.sync_all()
    });
    match written.and_then(|()| std::fs::rename(&temporary, path)) {
        Ok(()) => Ok(()),
        Err(error) => {
            let _ = std::fs::remove_file(&temporary);
            Err(error)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_escape_as_rfc_6901_says() {
        let value = serde_json::json!({"a/b": {"c~d": [1, "x"]}});
        #[derive(Debug, Deserialize)]
        struct Inner {
            #[serde(rename = "c~d")]
            _list: Vec<u32>,
        }
        #[derive(Debug, Deserialize)]
        struct Outer {
            #[serde(rename = "a/b")]
            _inner: Inner,
        }
        let error = serde_path_to_error::deserialize::<_, Outer>(value).expect_err("x is no u32");
        assert_eq!(json_pointer(error.path()), "/a~1b/c~0d/1");
    }

    #[test]
    fn an_atomic_write_replaces_the_file_and_leaves_no_temporary() {
        let dir = std::env::temp_dir().join(format!("torii-snapshot-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("state.json");
        write_atomically(&path, b"old").expect("first");
        write_atomically(&path, b"new").expect("second");
        assert_eq!(std::fs::read(&path).expect("read"), b"new");
        let names: Vec<_> = std::fs::read_dir(&dir)
            .expect("list")
            .map(|entry| entry.expect("entry").file_name())
            .collect();
        assert_eq!(names, [std::ffi::OsString::from("state.json")]);
        std::fs::remove_dir_all(&dir).expect("clean up");
    }
}
