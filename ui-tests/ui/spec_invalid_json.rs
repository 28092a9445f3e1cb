mod api {
    torii_backend::generate_api!("${TORII_UI_SPECS}/invalid.json");
}

fn main() {}
