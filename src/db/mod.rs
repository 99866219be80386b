//! The database: an r2d2 pool of SQLite connections with our pragmas, the embedded migrations, and
//! `Db::run`, which runs blocking diesel work off the async executor. In the server every write
//! (`write`) goes through one connection with group commit (`writer`), and WAL checkpoints run in
//! the background (`checkpoint`), not inside requests.

mod checkpoint;
pub mod errors;
pub mod schema;
pub mod search;
mod text_enum;
mod writer;

use std::cell::RefCell;
use std::sync::Arc;
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

/// What the server's own connections add: no checkpoint inside a commit (the background
/// checkpointer does them), and a page cache of 2 MiB each (SQLite's default, said once here).
const SERVER_PRAGMAS: &str = "PRAGMA wal_autocheckpoint = 0; PRAGMA cache_size = -2048;";

/// The writer's: the WAL file is cut back to this size when it starts over after a checkpoint;
/// and its statement journals (a copy of each page a unit of work changes, kept while the unit's
/// savepoint is open so that the unit alone can be rolled back) stay in memory instead of
/// spilling to a temporary file with a write per page (a tenth of intake's time).
const WRITER_PRAGMAS: &str = "PRAGMA journal_size_limit = 16777216; PRAGMA temp_store = MEMORY;";

impl CustomizeConnection<SqliteConnection, diesel::r2d2::Error> for Pragmas {
    fn on_acquire(&self, conn: &mut SqliteConnection) -> Result<(), diesel::r2d2::Error> {
        conn.batch_execute(PRAGMAS)
            .and_then(|()| conn.batch_execute(SERVER_PRAGMAS))
            .map_err(diesel::r2d2::Error::QueryError)
    }
}

thread_local! {
    /// The writer of the `Db` whose unit of work runs on this thread (set by `Db::run`), which
    /// `write` sends its work to. Taken while a write runs, so a write inside it joins it.
    static WRITER: RefCell<Option<Arc<writer::Writer>>> = const { RefCell::new(None) };
}

/// Sets this thread's writer for one unit of work, and clears it however the unit ends.
struct WriterFor;

impl WriterFor {
    fn set(writer: Arc<writer::Writer>) -> WriterFor {
        WRITER.with(|w| *w.borrow_mut() = Some(writer));
        WriterFor
    }
}

impl Drop for WriterFor {
    fn drop(&mut self) {
        WRITER.with(|w| w.borrow_mut().take());
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

/// The shared pool, managed by Rocket, with the one writer all its units of work write through.
#[derive(Clone)]
pub struct Db {
    pool: Pool<ConnectionManager<SqliteConnection>>,
    writer: Arc<writer::Writer>,
    /// What other processes committed, asked at most once per `OTHERS_SEEN_WITHIN`.
    watch: Arc<Watch>,
    /// One per pooled connection: units of work wait for one here, on the executor, rather than
    /// each on a blocking thread of its own waiting for the pool (threads piled up by the hundred).
    permits: Arc<rocket::tokio::sync::Semaphore>,
    after_run: Option<AfterRun>,
}

/// How soon a commit by another process (the CLI) shows in `Db::data_version`.
pub const OTHERS_SEEN_WITHIN: Duration = Duration::from_millis(50);

/// SQLite's `data_version` on a connection that never writes, asked at most once per
/// `OTHERS_SEEN_WITHIN` (on every request it cost a fifth of the public corrections path).
struct Watch {
    conn: std::sync::Mutex<SqliteConnection>,
    /// The value last read.
    last: std::sync::atomic::AtomicI64,
    /// When it was read, in nanoseconds after `epoch` (0: never).
    asked_at: std::sync::atomic::AtomicU64,
    epoch: std::time::Instant,
}

impl Watch {
    fn new(conn: SqliteConnection) -> Watch {
        Watch {
            conn: std::sync::Mutex::new(conn),
            last: std::sync::atomic::AtomicI64::new(0),
            asked_at: std::sync::atomic::AtomicU64::new(0),
            epoch: std::time::Instant::now(),
        }
    }

    fn others(&self) -> Option<i64> {
        use diesel::RunQueryDsl;
        use std::sync::atomic::Ordering;
        // Never 0: 0 means never asked.
        let now = self.epoch.elapsed().as_nanos() as u64 + 1;
        let asked_at = self.asked_at.load(Ordering::Acquire);
        if asked_at != 0 && now.saturating_sub(asked_at) < OTHERS_SEEN_WITHIN.as_nanos() as u64 {
            return Some(self.last.load(Ordering::Acquire));
        }
        let mut conn = self.conn.lock().ok()?;
        let value = diesel::sql_query("PRAGMA data_version")
            .get_result::<DataVersion>(&mut *conn)
            .ok()?
            .data_version;
        // The value first, then the time: whoever sees the new time sees the new value.
        self.last.store(value, Ordering::Release);
        self.asked_at.store(now, Ordering::Release);
        Some(value)
    }
}

#[derive(diesel::QueryableByName)]
struct DataVersion {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    data_version: i64,
}

impl Db {
    /// Opens a pool of `size` reading connections, the writer, and the background checkpointer
    /// (which stops once the last clone of this `Db` is dropped).
    pub fn open(database_url: &str, size: u32) -> Result<Db, Error> {
        let manager = ConnectionManager::<SqliteConnection>::new(database_url);
        let pool = Pool::builder()
            .max_size(size.max(1))
            .min_idle(Some(1))
            .connection_timeout(Duration::from_secs(30))
            .connection_customizer(Box::new(Pragmas))
            .build(manager)
            .map_err(|e| {
                Error::internal_while(format!("cannot open database {database_url}"), e)
            })?;
        let mut conn = connect(database_url)?;
        conn.batch_execute(SERVER_PRAGMAS)?;
        conn.batch_execute(WRITER_PRAGMAS)?;
        let writer = Arc::new(writer::Writer::new(conn));
        checkpoint::start(database_url, Arc::downgrade(&writer))?;
        let watch = Arc::new(Watch::new(connect(database_url)?));
        Ok(Db {
            pool,
            writer,
            watch,
            permits: Arc::new(rocket::tokio::sync::Semaphore::new(size.max(1) as usize)),
            after_run: None,
        })
    }

    /// A number that moves whenever anything is committed to the database: at once for every
    /// write of this process (they all go through its writer, whose batches it counts), and
    /// within `OTHERS_SEEN_WITHIN` for writes of other processes (the CLI), seen through SQLite's
    /// `data_version` on a connection that never writes. While it stays the same, nothing read
    /// from the database can have changed (up to that delay for other processes). Cheap enough
    /// to ask on every request on the async executor: two atomic loads and a clock read, and
    /// one query per `OTHERS_SEEN_WITHIN`; `None` if the data version cannot be read.
    ///
    /// Both counts only grow, so their sum stays the same exactly when neither moved.
    pub fn data_version(&self) -> Option<i64> {
        let local = self.writer.batches() as i64;
        Some(local + self.watch.others()?)
    }

    /// Batches the writer has committed (or rolled back) and units of work it has run, since
    /// the start: their ratio is how many writes share each commit.
    pub fn write_counts(&self) -> (u64, u64) {
        (self.writer.batches(), self.writer.units())
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

    /// Runs `f` with a pooled connection on one of Tokio's blocking threads, at most as many at
    /// once as the pool has connections.
    pub async fn run<T, F>(&self, f: F) -> Result<T, Error>
    where
        F: FnOnce(&mut SqliteConnection) -> Result<T, Error> + Send + 'static,
        T: Send + 'static,
    {
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| Error::internal_while("database permits closed", e))?;
        let db = self.clone();
        rocket::tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let writing = WriterFor::set(db.writer.clone());
            let done = db.get().and_then(|mut conn| f(&mut conn));
            drop(writing);
            if let Some(hook) = &db.after_run {
                hook();
            }
            done
        })
        .await
        .map_err(|e| Error::internal_while("database task failed", e))?
    }
}

/// Runs `f` as one transaction that writes: an error anywhere in it rolls back all of it, and
/// when it returns `Ok` its writes are committed. Inside a transaction already, `f` simply joins
/// it, so domain operations compose (an error still rolls back the whole outer transaction).
///
/// Inside `Db::run` (the server), `f` runs on the `Db`'s one writing connection as a unit of a
/// group commit, and this returns once that commit is done. Elsewhere (the CLI, a connection of
/// its own) it is a `BEGIN IMMEDIATE` transaction on `conn`: a write that reads first takes the
/// write lock up front, so two writers queue on `busy_timeout` instead of failing to upgrade a
/// read lock.
pub fn write<T, F>(conn: &mut SqliteConnection, f: F) -> Result<T, Error>
where
    F: FnOnce(&mut SqliteConnection) -> Result<T, Error>,
{
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    let depth = AnsiTransactionManager::transaction_manager_status_mut(conn).transaction_depth();
    if let Ok(Some(_)) = depth {
        return f(conn);
    }
    match WRITER.with(|w| w.borrow_mut().take()) {
        Some(writer) => {
            let done = writer.unit(f);
            WRITER.with(|w| *w.borrow_mut() = Some(writer));
            done
        }
        None => conn.immediate_transaction(f),
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

    /// `.cargo/config.toml` builds the bundled SQLite with the query planner stability guarantee
    /// (statements with a bound `LIMIT` are no longer prepared again on every run).
    #[test]
    fn the_bundled_sqlite_has_the_query_planner_stability_guarantee() {
        #[derive(QueryableByName)]
        struct CompileOption {
            #[diesel(sql_type = diesel::sql_types::Text)]
            compile_options: String,
        }
        let mut conn = SqliteConnection::establish(":memory:").unwrap();
        let options: Vec<String> = diesel::sql_query("PRAGMA compile_options")
            .load::<CompileOption>(&mut conn)
            .unwrap()
            .into_iter()
            .map(|o| o.compile_options)
            .collect();
        assert!(options.iter().any(|o| o == "ENABLE_QPSG"), "{options:?}");
    }
}
