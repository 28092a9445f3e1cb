// `statuses` is optional but not nullable: there is no way to send null for it.
async fn search(torii: torii_backend::Client) {
    let _ = torii.users().list().clear_statuses().await;
}

fn main() {}
