//! MockTorii's state saved and restored in Rust: `export`, `import`, the builder's
//! `snapshot`, `reset` and `call_counts`, and the snapshot reader's refusals, each naming the
//! JSON pointer of what is wrong.

use torii_backend::Operation;
use torii_backend::serde_json::{self, Value, json};
use torii_backend::testing::{MockTorii, Snapshot};

/// A mock holding one of everything a snapshot carries.
async fn populated() -> MockTorii {
    let torii = MockTorii::start().await.expect("mock");
    let client = torii.client();
    let ada = torii
        .seed_user()
        .email("ada@example.com")
        .insert()
        .expect("seed");
    torii.create_session(ada.id).expect("session");
    let organization = torii
        .create_organization("Analytical")
        .expect("organization");
    torii
        .add_member(organization.id, ada.id, "org:admin")
        .expect("member");
    client
        .invitations()
        .create("grace@example.com")
        .public_metadata(json!({"team": "red"}))
        .await
        .expect("invitation");
    client
        .allowed_origins()
        .set(["https://app.example.com"])
        .await
        .expect("origins");
    torii
}

fn document(snapshot: &Snapshot) -> Value {
    serde_json::from_str(&snapshot.to_json()).expect("a snapshot is JSON")
}

#[tokio::test]
async fn an_import_restores_every_record_and_the_keys_that_signed_old_tokens() {
    let torii = populated().await;
    let saved = torii.export();
    let before = document(&saved);
    for list in [
        "users",
        "sessions",
        "organizations",
        "members",
        "invitations",
    ] {
        assert_eq!(before[list].as_array().map(Vec::len), Some(1), "{list}");
    }
    assert_eq!(before["allowedOrigins"], json!(["https://app.example.com"]));

    // Another mock, on another port: its records and keys become the snapshot's; its key stays.
    let other = MockTorii::start().await.expect("mock");
    let own_key = other.secret_key().to_owned();
    other.import(&Snapshot::from_json(&saved.to_json()).expect("it reads back"));
    assert_eq!(document(&other.export())["users"], before["users"]);
    assert_eq!(
        document(&other.export())["invitations"],
        before["invitations"]
    );
    assert_eq!(other.secret_key(), own_key);
    assert_eq!(other.environment_id(), torii.environment_id());
    assert_eq!(other.jwks(), torii.jwks(), "the same signing keys");
    assert_eq!(
        other.current_kid(),
        torii.current_kid(),
        "the imported current key signs"
    );

    // A mock started from the snapshot takes its secret key as well.
    let resumed = MockTorii::builder()
        .snapshot(saved)
        .start()
        .await
        .expect("start");
    assert_eq!(resumed.secret_key(), torii.secret_key());
    let client = resumed.client();
    let users = client.users().list().await.expect("list");
    assert_eq!(users.items.len(), 1);
    let organizations = client.organizations().list().await.expect("list");
    assert_eq!(organizations.items[0].name, "Analytical");
    // Rotating after an import never reuses an imported kid.
    let kids: Vec<Value> = resumed.jwks()["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .map(|key| key["kid"].clone())
        .collect();
    let rotated = resumed.rotate_key();
    assert!(
        !kids.contains(&json!(rotated)),
        "{rotated} was already there"
    );
}

#[tokio::test]
async fn reset_empties_the_environment_and_keeps_its_keys_and_ids() {
    let torii = populated().await;
    let client = torii.client();
    client.users().list().await.expect("list");
    assert_eq!(torii.call_counts().get(&Operation::SearchUsers), Some(&1));
    let jwks = torii.jwks();
    let environment = torii.environment_id();
    torii.reset();
    let after = document(&torii.export());
    for list in [
        "users",
        "sessions",
        "organizations",
        "members",
        "invitations",
        "allowedOrigins",
    ] {
        assert_eq!(after[list], json!([]), "{list}");
    }
    assert!(torii.call_counts().is_empty());
    assert_eq!(torii.jwks(), jwks);
    assert_eq!(torii.environment_id(), environment);
    // The client made before the reset still works: same key, same URL.
    let users = client.users().list().await.expect("list after reset");
    assert!(users.items.is_empty());
}

#[tokio::test]
async fn a_snapshot_that_the_server_could_not_have_written_is_refused_with_its_pointer() {
    let torii = populated().await;
    let good = document(&torii.export());
    let user = good["users"][0]["id"].clone();
    type Corruption = Box<dyn Fn(&mut Value)>;
    let cases: Vec<(&str, Corruption)> = vec![
        ("/version", Box::new(|d| d["version"] = json!(7))),
        (
            "/version",
            Box::new(|d| drop(d.as_object_mut().map(|o| o.remove("version")))),
        ),
        (
            "/secretKey",
            Box::new(|d| d["secretKey"] = json!("sk_live_abc")),
        ),
        ("/signingKeys", Box::new(|d| d["signingKeys"] = json!([]))),
        (
            "/signingKeys/0/pkcs8",
            Box::new(|d| d["signingKeys"][0]["pkcs8"] = json!("AAAA")),
        ),
        (
            "/users/0/status",
            Box::new(|d| d["users"][0]["status"] = json!(3)),
        ),
        ("/nickname", Box::new(|d| d["nickname"] = json!("x"))),
        (
            "/users/1/id",
            Box::new(move |d| {
                let copy = d["users"][0].clone();
                d["users"].as_array_mut().expect("users").push(copy);
            }),
        ),
        (
            "/users/0/environmentId",
            Box::new(|d| {
                d["users"][0]["environmentId"] = json!("01931a73-8b00-7000-8000-000000000000");
            }),
        ),
        (
            "/sessions/0/userId",
            Box::new(|d| {
                d["sessions"][0]["userId"] = json!("01931a73-8b00-7000-8000-000000000001");
            }),
        ),
        (
            "/members/0/organizationId",
            Box::new(|d| {
                d["members"][0]["organizationId"] = json!("01931a73-8b00-7000-8000-000000000002");
            }),
        ),
    ];
    assert_eq!(
        user, good["sessions"][0]["userId"],
        "the fixture is consistent"
    );
    for (pointer, corrupt) in cases {
        let mut document = good.clone();
        corrupt(&mut document);
        let error = Snapshot::from_json(&document.to_string()).expect_err(pointer);
        assert_eq!(error.json_pointer(), Some(pointer), "{error}");
    }
    let error = Snapshot::from_json("[1]").expect_err("not an object");
    assert_eq!(error.json_pointer(), Some(""));
}
