//! The database: an r2d2 pool of SQLite connections with our pragmas, the embedded migrations, and
//! `Db::run`, which runs blocking diesel work off the async executor.

pub mod errors;
pub mod schema;
pub mod search;
mod text_enum;

use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool, PooledConnection};
use diesel::sqlite::SqliteConnection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::error::{Code, Error};

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");

pub type Conn = SqliteConnection;
/// The backend queries are built for. Code outside `db` names this, never `Sqlite`, so that a
/// second backend is a change here.
pub type Backend = diesel::sqlite::Sqlite;
pub type PoolConn = PooledConnection<ConnectionManager<SqliteConnection>>;

/// Per-connection settings. `busy_timeout` comes first so that even the WAL switch waits for a
/// lock instead of failing with "database is locked".
#[derive(Debug, Clone, Copy)]
struct Pragmas;

const PRAGMAS: &str = "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; \
                       PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;";

impl CustomizeConnection<SqliteConnection, diesel::r2d2::Error> for Pragmas {
    fn on_acquire(&self, conn: &mut SqliteConnection) -> Result<(), diesel::r2d2::Error> {
        conn.batch_execute(PRAGMAS)
            .map_err(diesel::r2d2::Error::QueryError)
    }
}

/// Opens one connection with the same pragmas as the pool (for the CLI and migrations).
pub fn connect(database_url: &str) -> Result<SqliteConnection, Error> {
    use diesel::Connection;
    let mut conn = SqliteConnection::establish(database_url)
        .map_err(|e| Error::internal_while(format!("cannot open database {database_url}"), e))?;
    conn.batch_execute(PRAGMAS)?;
    Ok(conn)
}

/// Readies a connection for loading many rows at once (the synthetic fill): a page cache of
/// 256 MiB, so that the indexes of random keys (status tokens) stay in memory instead of being
/// read back from disk for each batch.
pub fn for_bulk_load(conn: &mut SqliteConnection) -> Result<(), Error> {
    conn.batch_execute("PRAGMA cache_size = -262144;")?;
    Ok(())
}

/// Applies every embedded migration not yet applied; returns the names of those it ran.
pub fn migrate(conn: &mut SqliteConnection) -> Result<Vec<String>, Error> {
    let applied = conn
        .run_pending_migrations(MIGRATIONS)
        .map_err(|e| Error::internal_while("migration failed", e))?;
    Ok(applied.iter().map(|v| v.to_string()).collect())
}

/// Called on the blocking thread after each `Db::run`, whatever its outcome.
pub type AfterRun = std::sync::Arc<dyn Fn() + Send + Sync>;

/// The shared pool, managed by Rocket.
#[derive(Clone)]
pub struct Db {
    pool: Pool<ConnectionManager<SqliteConnection>>,
    after_run: Option<AfterRun>,
}

impl Db {
    pub fn open(database_url: &str, size: u32) -> Result<Db, Error> {
        let manager = ConnectionManager::<SqliteConnection>::new(database_url);
        let pool = Pool::builder()
            .max_size(size.max(1))
            .connection_timeout(Duration::from_secs(30))
            .connection_customizer(Box::new(Pragmas))
            .build(manager)
            .map_err(|e| {
                Error::internal_while(format!("cannot open database {database_url}"), e)
            })?;
        Ok(Db {
            pool,
            after_run: None,
        })
    }

    /// Runs `hook` after each unit of work, on its thread: how the application learns of what the
    /// domain did there (mail queued) without every caller having to say so.
    pub fn after_each_run(self, hook: impl Fn() + Send + Sync + 'static) -> Db {
        Db {
            after_run: Some(std::sync::Arc::new(hook)),
            ..self
        }
    }

    pub fn get(&self) -> Result<PoolConn, Error> {
        self.pool
            .get()
            .map_err(|e| Error::unavailable(format!("no database connection: {e}")))
    }

    /// Runs `f` with a pooled connection on Tokio's blocking threads.
    pub async fn run<T, F>(&self, f: F) -> Result<T, Error>
    where
        F: FnOnce(&mut SqliteConnection) -> Result<T, Error> + Send + 'static,
        T: Send + 'static,
    {
        let db = self.clone();
        rocket::tokio::task::spawn_blocking(move || {
            let done = db.get().and_then(|mut conn| f(&mut conn));
            if let Some(hook) = &db.after_run {
                hook();
            }
            done
        })
        .await
        .map_err(|e| Error::internal_while("database task failed", e))?
    }
}

/// Runs `f` in a `BEGIN IMMEDIATE` transaction: a write that reads first takes the write lock up
/// front, so two writers queue on `busy_timeout` instead of failing to upgrade a read lock.
/// Inside a transaction already, `f` simply joins it, so domain operations compose (an error
/// still rolls back the whole outer transaction).
pub fn write<T, F>(conn: &mut SqliteConnection, f: F) -> Result<T, Error>
where
    F: FnOnce(&mut SqliteConnection) -> Result<T, Error>,
{
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    let depth = AnsiTransactionManager::transaction_manager_status_mut(conn).transaction_depth();
    match depth {
        Ok(Some(_)) => f(conn),
        _ => conn.immediate_transaction(f),
    }
}

/// Runs `f` in a read transaction: every read in it sees one snapshot of the database, so
/// values read together agree with each other.
pub fn read<T, F>(conn: &mut SqliteConnection, f: F) -> Result<T, Error>
where
    F: FnOnce(&mut SqliteConnection) -> Result<T, Error>,
{
    use diesel::Connection;
    conn.transaction(f)
}

/// One round trip, for health checks.
pub fn ping(conn: &mut SqliteConnection) -> Result<(), Error> {
    use diesel::RunQueryDsl;
    diesel::sql_query("SELECT 1").execute(conn)?;
    Ok(())
}

/// Writes a consistent copy of the whole database to `path` with `VACUUM INTO`, which reads one
/// snapshot and so is safe while the server writes. `path` must not exist.
pub fn backup(conn: &mut SqliteConnection, path: &std::path::Path) -> Result<(), Error> {
    use diesel::RunQueryDsl;
    if path.exists() {
        return Err(Error::conflict(
            Code::BackupExists,
            format!("{} exists already; name a new file", path.display()),
        ));
    }
    let target = path
        .to_str()
        .ok_or_else(|| Error::invalid("path", "the backup path must be valid UTF-8"))?;
    diesel::sql_query("VACUUM INTO ?")
        .bind::<diesel::sql_types::Text, _>(target)
        .execute(conn)
        .map_err(|e| Error::internal_while(format!("backup to {target} failed"), e))?;
    Ok(())
}

/// Reads a value from the `settings` table, creating it with `init` when absent.
pub fn setting_or_init(
    conn: &mut SqliteConnection,
    key: &str,
    init: impl FnOnce() -> String,
) -> Result<String, Error> {
    use diesel::prelude::*;
    use schema::settings::dsl as s;
    write(conn, |conn| {
        let found: Option<String> = s::settings
            .filter(s::key.eq(key))
            .select(s::value)
            .first(conn)
            .optional()?;
        if let Some(v) = found {
            return Ok(v);
        }
        let value = init();
        diesel::insert_into(s::settings)
            .values((s::key.eq(key), s::value.eq(&value)))
            .execute(conn)?;
        Ok(value)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::prelude::*;

    #[test]
    fn nested_writes_join_the_outer_transaction() {
        let dir = tempfile::TempDir::new().unwrap();
        let path = dir.path().join("t.db");
        let mut conn = connect(path.to_str().unwrap()).unwrap();
        migrate(&mut conn).unwrap();
        let outcome: Result<(), Error> = write(&mut conn, |conn| {
            setting_or_init(conn, "a", || "1".into())?;
            write(conn, |conn| setting_or_init(conn, "b", || "2".into()))?;
            Err(Error::internal("fail after both"))
        });
        assert!(outcome.is_err());
        let n: i64 = schema::settings::table
            .count()
            .get_result(&mut conn)
            .unwrap();
        assert_eq!(n, 0, "the inner write rolled back with the outer one");
    }
}
