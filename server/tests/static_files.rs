//! The demo at `/` and the built SDK at `/pkg/`.

mod common;

use axum::http::StatusCode;
use common::TestApp;

fn with_dirs() -> TestApp {
    let mut t = TestApp::new();
    let site = t.dir.path().join("demo");
    let pkg = t.dir.path().join("pkg");
    std::fs::create_dir_all(&site).unwrap();
    std::fs::create_dir_all(&pkg).unwrap();
    std::fs::write(
        site.join("index.html"),
        "<!doctype html><title>shop</title>",
    )
    .unwrap();
    std::fs::write(site.join("app.js"), "export {}").unwrap();
    std::fs::write(pkg.join("parcours.js"), "export function load() {}").unwrap();
    std::fs::write(pkg.join("parcours_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
    t.state.static_dir = Some(site);
    t.state.pkg_dir = Some(pkg);
    t
}

#[tokio::test]
async fn the_sdk_is_served_with_exact_types_and_revalidated() {
    let t = with_dirs();
    let wasm = t.get("/pkg/parcours_bg.wasm").await;
    assert_eq!(wasm.status, StatusCode::OK);
    assert_eq!(wasm.header("content-type"), Some("application/wasm"));
    assert_eq!(wasm.header("cache-control"), Some("no-cache"));
    assert_eq!(&wasm.body[..4], b"\0asm");
    let js = t.get("/pkg/parcours.js").await;
    assert!(js
        .header("content-type")
        .unwrap()
        .starts_with("text/javascript"));
    assert_eq!(js.header("cache-control"), Some("no-cache"));
}

#[tokio::test]
async fn a_url_with_its_content_hash_is_kept_without_revalidation() {
    let t = with_dirs();
    let wasm = t.get("/pkg/parcours_bg.wasm?v=Xy3_-a").await;
    assert_eq!(wasm.status, StatusCode::OK);
    assert_eq!(wasm.header("content-type"), Some("application/wasm"));
    assert_eq!(
        wasm.header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );
    assert_eq!(&wasm.body[..4], b"\0asm");
    // An empty version, another parameter, or a missing file: revalidated.
    for url in ["/pkg/parcours_bg.wasm?v=", "/pkg/parcours_bg.wasm?x=1"] {
        assert_eq!(
            t.get(url).await.header("cache-control"),
            Some("no-cache"),
            "{url}"
        );
    }
    let missing = t.get("/pkg/gone.wasm?v=abc").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_ne!(
        missing.header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );
}

#[tokio::test]
async fn the_demo_is_served_at_the_root_with_its_index() {
    let t = with_dirs();
    let index = t.get("/").await;
    assert_eq!(index.status, StatusCode::OK);
    assert!(index
        .header("content-type")
        .unwrap()
        .starts_with("text/html"));
    assert!(String::from_utf8_lossy(&index.body).contains("shop"));
    assert!(t
        .get("/app.js")
        .await
        .header("content-type")
        .unwrap()
        .starts_with("text/javascript"));
    assert_eq!(t.get("/missing.html").await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        t.get("/pkg/missing.wasm").await.status,
        StatusCode::NOT_FOUND
    );
    // The API still wins over the static folder.
    assert_eq!(
        t.get("/v1/rules?writeKey=x").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn without_static_dirs_unknown_paths_are_a_json_404() {
    let t = TestApp::new();
    let res = t.get("/index.html").await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert_eq!(res.json(), serde_json::json!({ "error": "not found" }));
    assert_eq!(
        t.get("/pkg/parcours.js").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_studio_is_served_at_studio_when_its_folder_is_given() {
    let mut t = with_dirs();
    let studio = t.dir.path().join("studio");
    std::fs::create_dir_all(&studio).unwrap();
    std::fs::write(
        studio.join("index.html"),
        "<!doctype html><title>studio</title>",
    )
    .unwrap();
    std::fs::write(studio.join("studio.js"), "export {}").unwrap();
    t.state.studio_dir = Some(studio);
    let index = t.get("/studio/").await;
    assert_eq!(index.status, StatusCode::OK);
    assert!(String::from_utf8_lossy(&index.body).contains("studio"));
    assert_eq!(index.header("cache-control"), Some("no-cache"));
    let bare = t.get("/studio").await;
    assert_eq!(bare.status, StatusCode::PERMANENT_REDIRECT);
    assert_eq!(bare.header("location"), Some("/studio/"));
    assert!(t
        .get("/studio/studio.js")
        .await
        .header("content-type")
        .unwrap()
        .starts_with("text/javascript"));
    // The shop's own files are not served under /studio/.
    assert_eq!(t.get("/studio/app.js").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn without_a_studio_folder_studio_is_the_shops_404() {
    let t = with_dirs();
    assert_eq!(t.get("/studio/").await.status, StatusCode::NOT_FOUND);
}
