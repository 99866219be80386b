//! Which database engine the suite runs on, and a database of its own for each test.
//!
//! `ERRATA_TEST_DATABASE` chooses: unset or `sqlite`, a SQLite file in the test's folder (no
//! server needed); `postgres`, a new database on the PostgreSQL server at 127.0.0.1:5432; or a
//! `postgres://` URL, a new database on that server (the URL's own database is where the new ones
//! are created from). A test's PostgreSQL database is named in its folder (`pg-database`), so a
//! server restarted on the same folder finds the same data, and it is dropped with the folder's
//! owner. Databases left by a run that was killed are dropped by the next run.

use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;

use diesel::prelude::*;
use diesel::PgConnection;

const PREFIX: &str = "errata_test_";

/// The PostgreSQL server's URL (with the database new ones are made from), or `None` on SQLite.
pub fn postgres() -> Option<String> {
    match std::env::var("ERRATA_TEST_DATABASE").ok()?.trim() {
        "" | "sqlite" => None,
        "postgres" | "postgresql" => Some("postgres://postgres@127.0.0.1:5432/test".into()),
        url if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            Some(url.to_string())
        }
        other => panic!("ERRATA_TEST_DATABASE={other}: say sqlite, postgres or a postgres:// URL"),
    }
}

pub fn is_postgres() -> bool {
    postgres().is_some()
}

/// The URL of `name` on the server of `base`.
fn with_database(base: &str, name: &str) -> String {
    let mut url = url::Url::parse(base).expect("ERRATA_TEST_DATABASE is a URL");
    url.set_path(&format!("/{name}"));
    url.to_string()
}

fn admin(base: &str) -> PgConnection {
    PgConnection::establish(base)
        .unwrap_or_else(|e| panic!("ERRATA_TEST_DATABASE: cannot reach PostgreSQL at {base}: {e}"))
}

/// Drops the databases of earlier runs whose process is gone (once per process).
fn sweep(base: &str) {
    static SWEPT: OnceLock<()> = OnceLock::new();
    SWEPT.get_or_init(|| {
        #[derive(QueryableByName)]
        struct Name {
            #[diesel(sql_type = diesel::sql_types::Text)]
            datname: String,
        }
        let mut conn = admin(base);
        let names: Vec<Name> = diesel::sql_query(format!(
            "SELECT datname FROM pg_database WHERE datname LIKE '{PREFIX}%'"
        ))
        .load(&mut conn)
        .unwrap_or_default();
        for Name { datname } in names {
            let pid = datname[PREFIX.len()..].split('_').next().unwrap_or("");
            let alive = Path::new(&format!("/proc/{pid}")).exists();
            if !alive {
                let _ = diesel::sql_query(format!(
                    "DROP DATABASE IF EXISTS \"{datname}\" WITH (FORCE)"
                ))
                .execute(&mut conn);
            }
        }
    });
}

/// The `database_url` for a server or command whose folder is `dir`: its SQLite file, or its
/// PostgreSQL database, created on first use.
pub fn url_for(dir: &Path) -> String {
    let Some(base) = postgres() else {
        return dir.join("errata.db").to_string_lossy().into_owned();
    };
    let named = dir.join("pg-database");
    if let Ok(name) = std::fs::read_to_string(&named) {
        return with_database(&base, name.trim());
    }
    let name = create_database(&base);
    std::fs::write(&named, &name).expect("the database's name is kept in the folder");
    with_database(&base, &name)
}

/// Creates a new database on the server of `base`, named for this process (so that `sweep` drops
/// it after a run that was killed); returns its name.
fn create_database(base: &str) -> String {
    sweep(base);
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let name = format!(
        "{PREFIX}{}_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed),
        rand::random::<u32>()
    );
    diesel::sql_query(format!("CREATE DATABASE \"{name}\""))
        .execute(&mut admin(base))
        .expect("CREATE DATABASE");
    name
}

/// The PostgreSQL server for tests that need one whatever engine the suite runs on (moving data
/// from SQLite into PostgreSQL): the one `ERRATA_TEST_DATABASE` names, else the local one.
pub fn postgres_server() -> String {
    postgres().unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// A new, empty PostgreSQL database on `postgres_server()`, dropped with this value.
pub struct PgDatabase {
    base: String,
    name: String,
    pub url: String,
}

impl PgDatabase {
    pub fn create() -> PgDatabase {
        let base = postgres_server();
        let name = create_database(&base);
        let url = with_database(&base, &name);
        PgDatabase { base, name, url }
    }

    /// A connection to it, for looking at rows.
    pub fn conn(&self) -> errata::db::Conn {
        errata::db::connect(&self.url).expect("the test's PostgreSQL database")
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let _ = diesel::sql_query(format!(
            "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
            self.name
        ))
        .execute(&mut admin(&self.base));
    }
}

/// Drops the PostgreSQL database of `dir`, if it has one (servers still connected are cut off).
pub fn drop_for(dir: &Path) {
    let Some(base) = postgres() else { return };
    let Ok(name) = std::fs::read_to_string(dir.join("pg-database")) else {
        return;
    };
    let _ = diesel::sql_query(format!(
        "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
        name.trim()
    ))
    .execute(&mut admin(&base));
}

/// SQL for the time `base` (a column; `None`: now, in UTC) moved by `minutes` (negative: earlier),
/// in the dialect of the engine the suite runs on, for tests that age rows.
pub fn shifted(base: Option<&str>, minutes: i64) -> String {
    match (is_postgres(), base) {
        (true, Some(column)) => format!("({column} + INTERVAL '{minutes} minutes')"),
        (true, None) => format!("((now() AT TIME ZONE 'UTC') + INTERVAL '{minutes} minutes')"),
        (false, Some(column)) => format!("datetime({column}, '{minutes:+} minutes')"),
        (false, None) => format!("datetime('now', '{minutes:+} minutes')"),
    }
}

/// Ends a test of something only SQLite has (its WAL file, the FTS5 index's catch-up, `VACUUM
/// INTO`), saying so, when the suite runs on PostgreSQL; `true` when it ended.
pub fn sqlite_only(what: &str) -> bool {
    if is_postgres() {
        eprintln!("not run on PostgreSQL, which has no {what}");
        return true;
    }
    false
}

/// Ends a test that needs a PostgreSQL server (several instances on one database, a copy from
/// SQLite into PostgreSQL), saying so, when the suite runs on SQLite, which needs no server; `true`
/// when it ended. `ERRATA_TEST_DATABASE=postgres` runs them (`.ci/run` does).
pub fn postgres_only(what: &str) -> bool {
    if is_postgres() {
        return false;
    }
    eprintln!("runs with ERRATA_TEST_DATABASE=postgres: {what} needs a PostgreSQL server");
    true
}
