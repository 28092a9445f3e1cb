mod api {
    torii_backend::generate_api!("specs/does-not-exist.json");
}

fn main() {}
