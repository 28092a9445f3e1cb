// A user id is text or a UUID, not a number.
async fn get(torii: torii_backend::Client) {
    let _ = torii.users().get(42).await;
}

fn main() {}
