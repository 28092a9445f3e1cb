// `users().get` needs the user id.
async fn get(torii: torii_backend::Client) {
    let _ = torii.users().get().await;
}

fn main() {}
