//! A restarted server on the same database file finds everything and migrates nothing again.

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
    let embedded = if crate::support::database::is_postgres() {
        diesel::migration::MigrationSource::<diesel::pg::Pg>::migrations(
            &errata::db::MIGRATIONS_POSTGRES,
        )
        .unwrap()
        .len()
    } else {
        diesel::migration::MigrationSource::<diesel::sqlite::Sqlite>::migrations(
            &errata::db::MIGRATIONS_SQLITE,
        )
        .unwrap()
        .len()
    };
    assert!(embedded >= 1);
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
