//! A restarted server on the same database file finds everything and migrates nothing again; a
//! release build without a configured `secret_key` starts, with a key kept in the database.

use rocket::http::Status;

use crate::support::TestApp;

#[rocket::async_test]
async fn data_survives_a_restart_and_migrations_run_once() {
    let dir = tempfile::TempDir::new().unwrap();
    let (reference, token) = {
        let app = TestApp::builder().in_dir(dir.path()).start().await;
        let token = app.editor();
        app.article(&token).await;
        let filed = app.report("roughly 14,000 vehicles a day", None).await;
        (filed["reference"].as_str().unwrap().to_owned(), token)
    };
    let app = TestApp::builder().in_dir(dir.path()).start().await;
    let embedded = diesel::migration::MigrationSource::<diesel::sqlite::Sqlite>::migrations(
        &errata::db::MIGRATIONS,
    )
    .unwrap()
    .len();
    assert!(embedded >= 2);
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM __diesel_schema_migrations"),
        embedded as i64,
        "each migration recorded once"
    );
    let (status, list) = app.get("/api/v1/reports", Some(&token)).await;
    assert_eq!(status, Status::Ok, "{list}");
    assert_eq!(list["reports"][0]["reference"], reference.as_str());
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM articles"), 1);
    let mut conn = app.conn();
    assert!(
        errata::db::migrate(&mut conn).unwrap().is_empty(),
        "nothing left to apply"
    );
}

#[rocket::async_test]
async fn a_release_build_starts_without_a_secret_key_and_keeps_the_one_it_made() {
    use rocket::figment::Figment;
    let dir = tempfile::TempDir::new().unwrap();
    let db = dir.path().join("errata.db");
    let figment = || {
        Figment::from(rocket::Config::release_default())
            .merge(("log_level", "off"))
            .merge(("database_url", db.to_string_lossy().to_string()))
            .merge((
                "mail_dir",
                dir.path().join("mail").to_string_lossy().to_string(),
            ))
            .merge(("demo", false))
    };
    let key = || -> String {
        use diesel::prelude::*;
        use errata::db::schema::settings;
        let mut conn = errata::db::connect(db.to_str().unwrap()).unwrap();
        settings::table
            .filter(settings::key.eq("cookie_secret_key"))
            .select(settings::value)
            .first(&mut conn)
            .unwrap()
    };
    let rocket = errata::build(figment()).expect("builds");
    let client = rocket::local::asynchronous::Client::untracked(rocket).await;
    assert!(client.is_ok(), "{:?}", client.err());
    let first = key();
    assert_eq!(first.len(), 88, "64 random bytes in base64");
    drop(client);
    let again = errata::build(figment()).expect("builds");
    assert!(rocket::local::asynchronous::Client::untracked(again)
        .await
        .is_ok());
    assert_eq!(key(), first, "the same key after a restart");
}
