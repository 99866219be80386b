//! The database: an r2d2 pool of connections to SQLite (a file, the default) or PostgreSQL (a
//! `postgres://` URL, which several instances may share), each engine's embedded migrations, and
//! `Db::run`, which runs blocking diesel work off the async executor. In the server every write
//! (`write`) goes through one connection with group commit (`writer`); on SQLite, WAL checkpoints
//! run in the background (`checkpoint`), not inside requests. Everything one engine has and the
//! other lacks is matched on here, in `db`, and nowhere else.

mod checkpoint;
pub mod errors;
pub mod schema;
pub mod search;
mod text_enum;
pub mod transfer;
mod writer;

use std::cell::RefCell;
use std::sync::Arc;
use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::pg::PgConnection;
use diesel::r2d2::{ManageConnection, Pool, PooledConnection, R2D2Connection};
use diesel::sqlite::SqliteConnection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::error::{Code, Error};

pub const MIGRATIONS_SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
pub const MIGRATIONS_POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// A connection to either backend. Queries are written once, in the subset both speak; what only
/// one of them has (pragmas, FTS5 or `tsvector`, `FOR UPDATE SKIP LOCKED`) matches on this here in
/// `db`, and nowhere else.
#[derive(diesel::MultiConnection)]
pub enum Conn {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

/// The backend queries are built for. Code outside `db` names this, never a backend of its own.
pub type Backend = MultiBackend;
pub type PoolConn = PooledConnection<Manager>;

/// The columns of `T`, in the order of its fields, for a `RETURNING` clause: read back with
/// `get_result::<T>` (which `T`'s `Queryable` reads in the same order). `T::as_returning()` cannot
/// serve here: it is bound to one backend, and a query for `Conn` must be valid on both.
pub fn columns_of<T: diesel::Selectable<Backend>>() -> T::SelectExpression {
    T::construct_selection()
}

/// Runs `$body`, one query written once, on the connection's own engine's connection (bound to
/// `$c`), for the few statements `Conn` cannot run itself though both engines can: `ON CONFLICT`,
/// and inserts of many rows at once.
#[macro_export]
macro_rules! on_engine {
    ($conn:expr, |$c:ident| $body:expr) => {
        match &mut *$conn {
            $crate::db::Conn::Sqlite($c) => $body,
            $crate::db::Conn::Postgres($c) => $body,
        }
    };
}
pub use on_engine;

/// Loads `$query`, a SELECT of rows the caller is about to claim inside its write, so that two
/// instances never take the same ones: on PostgreSQL with `FOR UPDATE SKIP LOCKED` (rows another
/// instance's open claim holds are passed over, not waited for); on SQLite as it is, since its
/// write lock already lets one claim run at a time. `$query` must read one table (PostgreSQL
/// cannot lock the nullable side of an outer join).
#[macro_export]
macro_rules! load_unclaimed {
    ($conn:expr, $query:expr) => {
        match &mut *$conn {
            $crate::db::Conn::Postgres(c) => $query.for_update().skip_locked().load(c),
            $crate::db::Conn::Sqlite(c) => $query.load(c),
        }
    };
}
pub use load_unclaimed;

/// The first row of `$query`, locked until the write's commit: on PostgreSQL with `FOR UPDATE`,
/// so that a write of another instance that reads it the same way waits for this one; on SQLite
/// as it is, since its write lock already holds off every other writer.
#[macro_export]
macro_rules! first_locked {
    ($conn:expr, $query:expr) => {
        match &mut *$conn {
            $crate::db::Conn::Postgres(c) => $query.for_update().first(c).optional(),
            $crate::db::Conn::Sqlite(c) => $query.first(c).optional(),
        }
    };
}
pub use first_locked;

/// Which engine a `database_url` names: `postgres://` or `postgresql://` is PostgreSQL; anything
/// else (a file path, or `sqlite:` before one) is a SQLite file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    pub fn of(database_url: &str) -> Engine {
        let url = database_url.trim_start();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Engine::Postgres
        } else {
            Engine::Sqlite
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Engine::Sqlite => "SQLite",
            Engine::Postgres => "PostgreSQL",
        }
    }
}

/// The SQLite file a `database_url` names (`sqlite://x.db` and `sqlite:x.db` both name `x.db`).
pub fn sqlite_path(database_url: &str) -> &str {
    let url = database_url.trim();
    url.strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url)
}

impl Conn {
    pub fn engine(&self) -> Engine {
        match self {
            Conn::Sqlite(_) => Engine::Sqlite,
            Conn::Postgres(_) => Engine::Postgres,
        }
    }
}

/// Limits set in config that every connection of the server applies.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// PostgreSQL's `statement_timeout` (SQLite has none; its `busy_timeout` is fixed).
    pub statement_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            statement_timeout: Duration::from_secs(30),
        }
    }
}

/// Per-connection settings. `busy_timeout` comes first so that even the WAL switch waits for a
/// lock instead of failing with "database is locked".
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

/// Runs SQLite-only settings on a SQLite connection; on PostgreSQL there is nothing to do.
fn sqlite_pragmas(conn: &mut Conn, pragmas: &str) -> Result<(), Error> {
    if let Conn::Sqlite(c) = conn {
        c.batch_execute(pragmas)?;
    }
    Ok(())
}

/// Opens connections for the pool: the right engine for the URL (never trying one after the
/// other: a PostgreSQL URL that fails must not become a SQLite file of that name), with our
/// settings.
#[derive(Debug, Clone)]
pub struct Manager {
    url: String,
    limits: Limits,
    server: bool,
}

impl ManageConnection for Manager {
    type Connection = Conn;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<Conn, diesel::r2d2::Error> {
        let mut conn = open(&self.url, self.limits).map_err(|e| {
            diesel::r2d2::Error::ConnectionError(diesel::ConnectionError::BadConnection(
                e.to_string(),
            ))
        })?;
        if self.server {
            sqlite_pragmas(&mut conn, SERVER_PRAGMAS).map_err(|e| {
                diesel::r2d2::Error::ConnectionError(diesel::ConnectionError::BadConnection(
                    e.to_string(),
                ))
            })?;
        }
        Ok(conn)
    }

    fn is_valid(&self, conn: &mut Conn) -> Result<(), diesel::r2d2::Error> {
        conn.ping().map_err(diesel::r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut Conn) -> bool {
        std::thread::panicking() || conn.is_broken()
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

fn open(database_url: &str, limits: Limits) -> Result<Conn, Error> {
    use diesel::Connection;
    let cannot = |e: diesel::ConnectionError| {
        Error::internal_while(
            format!(
                "cannot open database {}",
                crate::config::redact_url(database_url)
            ),
            e,
        )
    };
    match Engine::of(database_url) {
        Engine::Sqlite => {
            let mut conn =
                SqliteConnection::establish(sqlite_path(database_url)).map_err(cannot)?;
            conn.batch_execute(PRAGMAS)?;
            Ok(Conn::Sqlite(conn))
        }
        Engine::Postgres => {
            let mut conn = PgConnection::establish(database_url).map_err(cannot)?;
            // Timestamps are UTC `timestamp without time zone`, as on SQLite; the session's zone
            // only matters to `now()`, which the migrations' triggers read at UTC.
            conn.batch_execute(&format!(
                "SET statement_timeout = {}; SET TIME ZONE 'UTC';",
                limits.statement_timeout.as_millis()
            ))?;
            Ok(Conn::Postgres(conn))
        }
    }
}

/// Opens one connection with the same settings as the pool, for the CLI and migrations: with no
/// statement time limit (a migration on a large database, an operator's command, may take long).
pub fn connect(database_url: &str) -> Result<Conn, Error> {
    open(
        database_url,
        Limits {
            statement_timeout: Duration::ZERO,
        },
    )
}

/// Readies a connection for loading many rows at once (the synthetic fill): on SQLite a page
/// cache of 256 MiB, so that the indexes of random keys (status tokens) stay in memory instead of
/// being read back from disk for each batch.
pub fn for_bulk_load(conn: &mut Conn) -> Result<(), Error> {
    sqlite_pragmas(conn, "PRAGMA cache_size = -262144;")
}

/// Applies every embedded migration of the connection's engine not yet applied; returns the
/// names of those it ran.
pub fn migrate(conn: &mut Conn) -> Result<Vec<String>, Error> {
    let applied = match conn {
        Conn::Sqlite(c) => c
            .run_pending_migrations(MIGRATIONS_SQLITE)
            .map(|v| v.iter().map(|v| v.to_string()).collect()),
        Conn::Postgres(c) => c
            .run_pending_migrations(MIGRATIONS_POSTGRES)
            .map(|v| v.iter().map(|v| v.to_string()).collect()),
    };
    applied.map_err(|e| Error::internal_while("migration failed", e))
}

/// Begins the transaction of a write outside the writer: on SQLite `BEGIN IMMEDIATE`, which takes
/// the write lock up front (so that two writers queue on `busy_timeout` instead of failing to
/// upgrade a read lock); on PostgreSQL a plain `BEGIN` that then takes the database's write lock
/// (`write_lock`), so writes are serialised across instances as SQLite serialises them.
pub(super) fn begin_write(conn: &mut Conn) -> Result<(), Error> {
    match conn {
        Conn::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?,
        Conn::Postgres(c) => {
            AnsiTransactionManager::begin_transaction(c)?;
            if let Err(e) = write_lock(c) {
                let _ = AnsiTransactionManager::rollback_transaction(c);
                return Err(e);
            }
        }
    }
    Ok(())
}

/// The key of PostgreSQL's transaction-level advisory lock that every writing transaction of
/// every instance takes first ("errata" in ASCII). With it, what the code checks before it writes
/// (the next reference number, a unique title) holds until the commit, on either engine.
const WRITE_LOCK_KEY: i64 = 0x65_72_72_61_74_61;

fn write_lock(conn: &mut PgConnection) -> Result<(), Error> {
    use diesel::RunQueryDsl;
    diesel::sql_query(format!("SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})")).execute(conn)?;
    Ok(())
}

/// Commits the transaction `begin_write` opened if `done` is `Ok`, and otherwise rolls it back.
fn end_write<T>(conn: &mut Conn, done: Result<T, Error>) -> Result<T, Error> {
    match done {
        Ok(value) => match Conn::commit_transaction(conn) {
            Ok(()) => Ok(value),
            Err(e) => {
                let _ = Conn::rollback_transaction(conn);
                Err(e.into())
            }
        },
        Err(e) => {
            let _ = Conn::rollback_transaction(conn);
            Err(e)
        }
    }
}

/// Called on the blocking thread after each `Db::run`, whatever its outcome.
pub type AfterRun = std::sync::Arc<dyn Fn() + Send + Sync>;

/// The shared pool, managed by Rocket, with the one writer all its units of work write through.
#[derive(Clone)]
pub struct Db {
    pool: Pool<Manager>,
    engine: Engine,
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

/// What others committed, asked on a connection that never writes, at most once per
/// `OTHERS_SEEN_WITHIN` (on every request it cost a fifth of the public corrections path): SQLite's
/// `data_version`, or PostgreSQL's WAL position (which every commit of every instance moves on).
struct Watch {
    conn: std::sync::Mutex<Conn>,
    /// Opens the connection again after it failed.
    reopen: writer::Reopen,
    /// The value last read.
    last: std::sync::atomic::AtomicI64,
    /// When it was read, in nanoseconds after `epoch` (0: never).
    asked_at: std::sync::atomic::AtomicU64,
    epoch: std::time::Instant,
}

impl Watch {
    fn new(conn: Conn, reopen: writer::Reopen) -> Watch {
        Watch {
            conn: std::sync::Mutex::new(conn),
            reopen,
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
        let query = match &*conn {
            Conn::Sqlite(_) => "PRAGMA data_version",
            Conn::Postgres(_) => {
                "SELECT (pg_current_wal_insert_lsn() - '0/0'::pg_lsn)::BIGINT AS data_version"
            }
        };
        let value = match diesel::sql_query(query).get_result::<DataVersion>(&mut *conn) {
            Ok(v) => v.data_version,
            Err(_) => {
                // A connection cut (a PostgreSQL restart) stays cut: the next ask uses a new one.
                if let Ok(fresh) = (self.reopen)() {
                    *conn = fresh;
                }
                return None;
            }
        };
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
        Db::open_with(database_url, size, Limits::default())
    }

    /// `open`, with the connection limits of the config.
    pub fn open_with(database_url: &str, size: u32, limits: Limits) -> Result<Db, Error> {
        let manager = Manager {
            url: database_url.to_string(),
            limits,
            server: true,
        };
        let pool = Pool::builder()
            .max_size(size.max(1))
            .min_idle(Some(1))
            .connection_timeout(Duration::from_secs(30))
            .build(manager)
            .map_err(|e| {
                Error::internal_while(
                    format!(
                        "cannot open database {}",
                        crate::config::redact_url(database_url)
                    ),
                    e,
                )
            })?;
        let mut conn = open(database_url, limits)?;
        let engine = conn.engine();
        sqlite_pragmas(&mut conn, SERVER_PRAGMAS)?;
        sqlite_pragmas(&mut conn, WRITER_PRAGMAS)?;
        // A SQLite file cannot drop a connection; a PostgreSQL server can (a restart, a
        // failover), and the writer must outlive that.
        let mut writer = writer::Writer::new(conn);
        if engine == Engine::Postgres {
            let url = database_url.to_owned();
            writer = writer.reopening(Box::new(move || open(&url, limits)));
        }
        let writer = Arc::new(writer);
        if engine == Engine::Sqlite {
            checkpoint::start(database_url, Arc::downgrade(&writer))?;
        }
        let watch_url = database_url.to_owned();
        let watch = Arc::new(Watch::new(
            open(database_url, limits)?,
            Box::new(move || open(&watch_url, limits)),
        ));
        Ok(Db {
            pool,
            engine,
            writer,
            watch,
            permits: Arc::new(rocket::tokio::sync::Semaphore::new(size.max(1) as usize)),
            after_run: None,
        })
    }

    /// A number that moves whenever anything is committed to the database: at once for every
    /// write of this process (they all go through its writer, whose batches it counts), and
    /// within `OTHERS_SEEN_WITHIN` for writes of other processes (the CLI, other instances), seen
    /// on a connection that never writes: SQLite's `data_version`, or PostgreSQL's WAL position
    /// (which every commit on the server moves, this process's too). While it stays the same, nothing read
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

    pub fn engine(&self) -> Engine {
        self.engine
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
        F: FnOnce(&mut Conn) -> Result<T, Error> + Send + 'static,
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
/// its own) it is a transaction on `conn` that takes the database's write lock first
/// (`begin_write`), so that two writers queue instead of failing.
pub fn write<T, F>(conn: &mut Conn, f: F) -> Result<T, Error>
where
    F: FnOnce(&mut Conn) -> Result<T, Error>,
{
    if in_transaction(conn) {
        return f(conn);
    }
    match WRITER.with(|w| w.borrow_mut().take()) {
        Some(writer) => {
            let done = writer.unit(f);
            WRITER.with(|w| *w.borrow_mut() = Some(writer));
            done
        }
        None => {
            begin_write(conn)?;
            let done = f(conn);
            end_write(conn, done)
        }
    }
}

fn in_transaction(conn: &mut Conn) -> bool {
    matches!(
        Conn::transaction_manager_status_mut(conn).transaction_depth(),
        Ok(Some(_))
    )
}

/// Runs `f` in a read transaction: every read in it sees one snapshot of the database, so
/// values read together agree with each other (on PostgreSQL that takes `REPEATABLE READ`; its
/// default gives each statement a snapshot of its own). Inside a transaction, `f` joins it.
pub fn read<T, F>(conn: &mut Conn, f: F) -> Result<T, Error>
where
    F: FnOnce(&mut Conn) -> Result<T, Error>,
{
    if in_transaction(conn) {
        return f(conn);
    }
    match conn {
        Conn::Sqlite(c) => AnsiTransactionManager::begin_transaction(c)?,
        Conn::Postgres(c) => AnsiTransactionManager::begin_transaction_sql(
            c,
            "BEGIN ISOLATION LEVEL REPEATABLE READ",
        )?,
    }
    let done = f(conn);
    end_write(conn, done)
}

/// One round trip, for health checks.
pub fn ping(conn: &mut Conn) -> Result<(), Error> {
    use diesel::RunQueryDsl;
    diesel::sql_query("SELECT 1").execute(conn)?;
    Ok(())
}

/// Writes a consistent copy of the whole database to `path` with `VACUUM INTO`, which reads one
/// snapshot and so is safe while the server writes. `path` must not exist. SQLite only: a
/// PostgreSQL database is backed up with its own tools (`pg_dump`).
pub fn backup(conn: &mut Conn, path: &std::path::Path) -> Result<(), Error> {
    use diesel::RunQueryDsl;
    let Conn::Sqlite(conn) = conn else {
        return Err(Error::invalid(
            "database_url",
            "errata backup copies a SQLite file; back up PostgreSQL with pg_dump",
        ));
    };
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

/// On PostgreSQL, the next value of `table`'s id sequence, taken now so that the row can be
/// written with its id (no other instance will ever get it); on SQLite `None`: the caller takes
/// one past the largest id, which its write lock keeps free until the commit.
pub fn next_id_from_sequence(conn: &mut Conn, table: &'static str) -> Result<Option<i64>, Error> {
    use diesel::RunQueryDsl;
    let Conn::Postgres(c) = conn else {
        return Ok(None);
    };
    let next: NextId = diesel::sql_query(format!(
        "SELECT nextval(pg_get_serial_sequence('{table}', 'id')) AS id"
    ))
    .get_result(c)?;
    Ok(Some(next.id))
}

/// After rows were written with ids of their own (the synthetic fill, a copy from SQLite), moves
/// each table's id sequence on PostgreSQL past its largest id, so that the next row the database
/// numbers does not take one of theirs. Nothing to do on SQLite, which numbers from the largest.
pub fn sequences_past_ids(conn: &mut Conn, tables: &[&'static str]) -> Result<(), Error> {
    let Conn::Postgres(c) = conn else {
        return Ok(());
    };
    for table in tables {
        sequence_past_ids(c, table, "id")?;
    }
    Ok(())
}

/// Moves the identity sequence of `table.column` so that the next value it gives is one past the
/// largest there (1 on an empty table). `table` and `column` are ours, never input.
pub(crate) fn sequence_past_ids(
    c: &mut PgConnection,
    table: &str,
    column: &str,
) -> Result<(), Error> {
    use diesel::RunQueryDsl;
    diesel::sql_query(format!(
        "SELECT setval(pg_get_serial_sequence('\"{table}\"', '{column}'), \
         COALESCE((SELECT MAX(\"{column}\") FROM \"{table}\"), 0) + 1, false)"
    ))
    .execute(c)
    .map_err(|e| Error::internal_while(format!("moving the id sequence of {table}"), e))?;
    Ok(())
}

#[derive(diesel::QueryableByName)]
struct NextId {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    id: i64,
}

/// Reads a value from the `settings` table, creating it with `init` when absent.
pub fn setting_or_init(
    conn: &mut Conn,
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
    fn the_url_names_the_engine_and_the_file() {
        assert_eq!(Engine::of("postgres://u@h/db"), Engine::Postgres);
        assert_eq!(Engine::of("postgresql://u@h/db"), Engine::Postgres);
        assert_eq!(Engine::of("errata.db"), Engine::Sqlite);
        assert_eq!(Engine::of("sqlite:errata.db"), Engine::Sqlite);
        assert_eq!(Engine::of("/var/lib/postgres.db"), Engine::Sqlite);
        assert_eq!(sqlite_path("sqlite:errata.db"), "errata.db");
        assert_eq!(
            sqlite_path("sqlite:///var/lib/errata.db"),
            "/var/lib/errata.db"
        );
        assert_eq!(sqlite_path("errata.db"), "errata.db");
    }

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
