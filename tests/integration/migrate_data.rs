//! `errata migrate-data`: a newsroom's SQLite file moved into PostgreSQL with the real binary. These
//! tests need PostgreSQL whatever engine `ERRATA_TEST_DATABASE` names: the source is always a
//! SQLite file in the test's folder, the target a database the test creates and drops.

use std::time::Instant;

use diesel::prelude::*;
use errata::db::transfer::TABLES;
use serde_json::Value;

use crate::support::binary::Errata;
use crate::support::database::PgDatabase;

const DB: &str = "ROCKET_DATABASE_URL";
const PUBLIC_URL: &str = "http://errata.test";

/// An installation on a SQLite file of its own, whichever engine the suite runs on.
fn on_sqlite() -> Errata {
    let errata = Errata::new();
    let file = errata.dir.path().join("newsroom.db");
    let file = file.to_string_lossy().into_owned();
    errata.env(DB, &file).env("ROCKET_PUBLIC_URL", PUBLIC_URL)
}

/// The demo, seeded as `errata serve` seeds an empty database.
fn with_demo(errata: &Errata) {
    let seeding = Errata::new()
        .env(DB, &errata.database_url())
        .env("ROCKET_PUBLIC_URL", PUBLIC_URL)
        .env("ROCKET_DEMO", "true");
    seeding.serve().stop();
}

#[derive(QueryableByName)]
struct N {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

fn count(conn: &mut errata::db::Conn, sql: &str) -> i64 {
    diesel::sql_query(sql).get_result::<N>(conn).expect(sql).n
}

/// Rows of every table of schema.rs.
fn rows(conn: &mut errata::db::Conn) -> Vec<(&'static str, i64)> {
    TABLES
        .iter()
        .map(|t| (*t, count(conn, &format!("SELECT COUNT(*) AS n FROM {t}"))))
        .collect()
}

fn migrate_data_args<'a>(from: &'a str, to: &'a str) -> [&'a str; 5] {
    ["migrate-data", "--from", from, "--to", to]
}

/// The demo and 10,000 generated reports move to PostgreSQL with equal counts and checksums, and
/// a server on the copy answers the API as the server on the file does.
#[test]
fn migrate_data_moves_a_newsroom_and_the_api_answers_the_same() {
    if crate::support::database::postgres_only("a copy into PostgreSQL") {
        return;
    }
    let source = on_sqlite();
    with_demo(&source);
    source.ok(&[
        "dev",
        "fill",
        "--reports",
        "10000",
        "--articles",
        "100",
        "--seed",
        "9",
    ]);
    let token = source
        .ok(&[
            "token",
            "add",
            "--user",
            "editor@example.org",
            "--name",
            "move",
        ])
        .lines()
        .find(|l| l.starts_with("errata_"))
        .expect("a printed token")
        .to_owned();
    // An early report follows a later one (an editor may pick either as the one to keep): the
    // copy cannot insert it before the report it names.
    let mut sqlite = errata::db::connect(&source.database_url()).expect("the SQLite file");
    diesel::sql_query("UPDATE reports SET duplicate_of = 10002 WHERE id = 3")
        .execute(&mut sqlite)
        .expect("report 3 follows report 10,002");
    let target = PgDatabase::create();
    let from = format!("sqlite:{}", source.database_url());

    let started = Instant::now();
    let out = source.ok(&migrate_data_args(&from, &target.url));
    let took = started.elapsed();
    eprintln!("migrate-data of the demo and 10,000 reports took {took:?}:\n{out}");

    // The summary: every table, its rows, and ok; nothing differs.
    let mut pg = target.conn();
    let source_rows = rows(&mut sqlite);
    assert!(!out.contains("DIFFERS"), "{out}");
    for (table, n) in &source_rows {
        let line = out
            .lines()
            .find(|l| l.split_whitespace().next() == Some(table) && l.ends_with(" ok"))
            .unwrap_or_else(|| panic!("no summary line for {table}: {out}"));
        let shown: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(shown[1], n.to_string(), "{line}");
        assert_eq!(shown[2].len(), 12, "a checksum prefix: {line}");
    }
    assert!(out.contains("Copied "), "{out}");

    // Counted independently on both sides.
    assert_eq!(rows(&mut pg), source_rows);
    let reports = count(&mut pg, "SELECT COUNT(*) AS n FROM reports");
    assert_eq!(reports, 10_002, "the demo's two and the 10,000 generated");
    for sql in [
        "SELECT COUNT(*) AS n FROM reports WHERE state = 'resolved'",
        "SELECT COUNT(*) AS n FROM reports WHERE notify",
        "SELECT COUNT(*) AS n FROM events WHERE kind = 'transition'",
        "SELECT COUNT(*) AS n FROM anchors WHERE score < 1.0",
        "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) AS n FROM report_counts",
        "SELECT MAX(id) AS n FROM events",
        "SELECT COUNT(*) AS n FROM reports WHERE duplicate_of IS NOT NULL",
    ] {
        assert_eq!(count(&mut pg, sql), count(&mut sqlite, sql), "{sql}");
    }
    // report_counts is the source's, not counted twice by the triggers.
    assert_eq!(
        count(
            &mut pg,
            "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) AS n FROM report_counts"
        ),
        reports
    );

    // Both servers answer the same.
    let on_pg = Errata::new()
        .env(DB, &target.url)
        .env("ROCKET_PUBLIC_URL", PUBLIC_URL);
    let (file_server, pg_server) = (source.serve(), on_pg.serve());
    let mut paths: Vec<String> = [1, 2, 3, 500, 2_500, 5_001, 7_777, 10_002]
        .iter()
        .map(|id| format!("/api/v1/reports/{id}"))
        .collect();
    let demo_article = format!("{PUBLIC_URL}{}", errata::demo::ARTICLE_PATH);
    #[derive(QueryableByName)]
    struct Url {
        #[diesel(sql_type = diesel::sql_types::Text)]
        url: String,
    }
    let with_notes: Vec<Url> = diesel::sql_query(
        "SELECT a.url FROM articles a WHERE EXISTS \
         (SELECT 1 FROM correction_notes n WHERE n.article_id = a.id) ORDER BY a.id LIMIT 3",
    )
    .load(&mut sqlite)
    .expect("articles with notes");
    assert_eq!(with_notes.len(), 3, "the filler writes correction notes");
    for url in std::iter::once(demo_article).chain(with_notes.into_iter().map(|u| u.url)) {
        paths.push(format!(
            "/api/v1/corrections?url={}",
            url::form_urlencoded::byte_serialize(url.as_bytes()).collect::<String>()
        ));
    }
    for path in &paths {
        let (status, on_file) = file_server.json("GET", path, Some(&token), None);
        assert_eq!(status, 200, "{path} on SQLite: {on_file}");
        let (status, on_copy) = pg_server.json("GET", path, Some(&token), None);
        assert_eq!(status, 200, "{path} on PostgreSQL: {on_copy}");
        assert_eq!(on_copy, on_file, "{path}");
        assert_ne!(on_copy, Value::Null, "{path}");
    }

    // Identities were moved past the copied ids: the next report takes the next id.
    let (status, filed) = pg_server.json(
        "POST",
        "/api/v1/reports",
        None,
        Some(serde_json::json!({
            "article_url": format!("{PUBLIC_URL}{}", errata::demo::ARTICLE_PATH),
            "passage": { "exact": "about 9,200 passengers on an average weekday" },
            "category": "factual_error",
            "description": "Filed after the move.",
        })),
    );
    assert_eq!(status, 201, "{filed}");
    assert_eq!(filed["id"], 10_003, "{filed}");
    // The triggers are on again after the copy: report_counts follows the new report.
    assert_eq!(
        count(
            &mut pg,
            "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) AS n FROM report_counts"
        ),
        10_003
    );
}

/// A target that holds anything (here one user, added through the CLI) is refused, and nothing is
/// written to it.
#[test]
fn migrate_data_refuses_a_target_that_is_not_empty() {
    if crate::support::database::postgres_only("a copy into PostgreSQL") {
        return;
    }
    let source = on_sqlite();
    with_demo(&source);
    let target = PgDatabase::create();
    let on_pg = Errata::new().env(DB, &target.url);
    on_pg.ok(&[
        "user",
        "add",
        "--email",
        "early@newsroom.test",
        "--name",
        "Early Bird",
        "--role",
        "admin",
    ]);
    let before = rows(&mut target.conn());
    assert!(before.contains(&("users", 1)), "{before:?}");

    let from = source.database_url();
    let said = source.fails(&migrate_data_args(&from, &target.url));
    assert!(said.contains("not empty"), "{said}");
    assert!(said.contains("users: 1 row"), "{said}");
    assert_eq!(rows(&mut target.conn()), before, "nothing was written");

    // A new database takes the same copy.
    let fresh = PgDatabase::create();
    source.ok(&migrate_data_args(&from, &fresh.url));
    assert_eq!(
        rows(&mut fresh.conn()),
        rows(&mut errata::db::connect(&from).unwrap())
    );
}

/// A `--to` that is not PostgreSQL, a source that does not exist or is not an Errata database:
/// a message that says so, a failed exit, and no file made in passing.
#[test]
fn migrate_data_says_what_is_wrong_with_its_arguments() {
    if crate::support::database::postgres_only("a copy into PostgreSQL") {
        return;
    }
    let source = on_sqlite();
    with_demo(&source);
    let dir = source.dir.path();
    let from = source.database_url();

    let not_pg = dir.join("other.db");
    let said = source.fails(&migrate_data_args(&from, &not_pg.to_string_lossy()));
    assert!(
        said.contains("--to") && said.contains("postgres://"),
        "{said}"
    );
    assert!(!not_pg.exists(), "no SQLite file made for --to");

    let target = PgDatabase::create();
    let missing = dir.join("missing.db");
    let said = source.fails(&migrate_data_args(&missing.to_string_lossy(), &target.url));
    assert!(
        said.contains("--from") && said.contains("no SQLite database at"),
        "{said}"
    );
    assert!(!missing.exists(), "no SQLite file made for --from");

    let stranger = dir.join("stranger.db");
    std::fs::write(&stranger, b"").expect("an empty file");
    let said = source.fails(&migrate_data_args(&stranger.to_string_lossy(), &target.url));
    assert!(said.contains("not an Errata database"), "{said}");

    let said = source.fails(&migrate_data_args(
        &from,
        "postgres://postgres@127.0.0.1:1/nowhere",
    ));
    assert!(said.contains("cannot open database"), "{said}");

    // A source behind this version's migrations is refused, and left as it is: its tables would
    // lack columns the target has.
    let mut sqlite = errata::db::connect(&from).expect("the SQLite file");
    let forget = "DELETE FROM __diesel_schema_migrations \
                  WHERE version = (SELECT MAX(version) FROM __diesel_schema_migrations)";
    diesel::sql_query(forget)
        .execute(&mut sqlite)
        .expect("one migration forgotten");
    let applied = "SELECT COUNT(*) AS n FROM __diesel_schema_migrations";
    let before = count(&mut sqlite, applied);
    let said = source.fails(&migrate_data_args(&from, &target.url));
    assert!(
        said.contains("1 migration(s) not applied") && said.contains("errata migrate"),
        "{said}"
    );
    assert_eq!(
        count(&mut sqlite, applied),
        before,
        "the source is only read"
    );
    let tables = "SELECT COUNT(*) AS n FROM information_schema.tables \
                  WHERE table_schema = 'public'";
    assert_eq!(
        count(&mut target.conn(), tables),
        0,
        "the target is not even migrated"
    );
}

/// The schema the PostgreSQL migrations make is the one `src/db/schema.rs` declares (every table,
/// column, type, nullability and key; nothing more), as `migrations/postgres/check_schema.py`
/// checks it; a migration for one engine without the other, or a schema.rs edit without either,
/// fails here.
#[rocket::async_test]
async fn the_postgres_migrations_make_the_schema_schema_rs_declares() {
    if crate::support::database::postgres_only("checking the PostgreSQL schema") {
        return;
    }
    let app = crate::support::TestApp::new().await;
    let out = std::process::Command::new("python3")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/migrations/postgres/check_schema.py"
        ))
        .arg(&app.database_url)
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
