mod api {
    torii_backend::generate_api!("${TORII_UI_SPECS}/unsupported.json");
}

fn main() {}
