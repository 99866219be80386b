//! The demo seeded into an empty database, once.

use rocket::http::Status;
use serde_json::json;

use crate::support::TestApp;

#[rocket::async_test]
async fn an_empty_database_gets_the_demo_once() {
    let dir = tempfile::TempDir::new().unwrap();
    {
        let app = TestApp::builder()
            .in_dir(dir.path())
            .set("demo", json!(true))
            .start()
            .await;
        assert_eq!(app.count("SELECT COUNT(*) AS n FROM publications"), 1);
        assert_eq!(app.count("SELECT COUNT(*) AS n FROM users WHERE role = 'editor' AND email = 'editor@example.org'"), 1);
        assert_eq!(app.count("SELECT COUNT(*) AS n FROM reports"), 2);
        assert_eq!(
            app.count("SELECT COUNT(*) AS n FROM anchors WHERE status = 'anchored'"),
            2
        );
        let words = errata::demo::ARTICLE_TEXT.split_whitespace().count();
        assert!((700..=900).contains(&words), "about 800 words, got {words}");
        let (status, corrections) = app
            .get("/api/v1/corrections?url=http%3A%2F%2Ferrata.test%2Fdemo%2F2026%2F11%2Fpier-9-ferry-terminal-rebuild", None)
            .await;
        assert_eq!(status, Status::Ok, "{corrections}");
        assert!(corrections["article"]["title"]
            .as_str()
            .unwrap()
            .contains("Pier 9"));
    }
    let again = TestApp::builder()
        .in_dir(dir.path())
        .set("demo", json!(true))
        .start()
        .await;
    assert_eq!(
        again.count("SELECT COUNT(*) AS n FROM users"),
        1,
        "not seeded twice"
    );
    assert_eq!(again.count("SELECT COUNT(*) AS n FROM reports"), 2);
}
