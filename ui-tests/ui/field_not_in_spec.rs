// Today's UpdateUserRequest has no `phone` (an older revision of the spec had one).
async fn update(torii: torii_backend::Client) {
    let _ = torii.users().update("01931a73-8b00-7000-8000-000000000000").phone("+15555550100").await;
}

fn main() {}
