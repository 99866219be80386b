//! `errata migrate-data`: moves a newsroom from its SQLite file into a new PostgreSQL database.
//! Every table of `schema.rs` is copied with its ids, parents before children, in one PostgreSQL
//! transaction, and the copy is only committed once each table's row count and checksum, computed
//! the same way on both sides, agree.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Instant;

use diesel::connection::{AnsiTransactionManager, DefaultLoadingMode, TransactionManager};
use diesel::migration::MigrationSource;
use diesel::pg::{PgConnection, PgRowByRowLoadingMode};
use diesel::sql_types::{BigInt, Text};
use diesel::sqlite::{Sqlite, SqliteConnection};
use diesel::RunQueryDsl;
use sha2::{Digest, Sha256};

use super::{Conn, Engine, MIGRATIONS_SQLITE};
use crate::error::{Code, Error};

/// Every table of `schema.rs` (a test checks that none is missing). The order they are copied in
/// is not this one: it comes from the target's foreign keys (`copy_order`).
pub const TABLES: &[&str] = &[
    "settings",
    "users",
    "api_tokens",
    "publications",
    "publication_origins",
    "articles",
    "revisions",
    "reports",
    "correction_notes",
    "note_versions",
    "note_reports",
    "anchors",
    "events",
    "outbox",
    "sessions",
    "password_tokens",
    "signin_failures",
    "report_counts",
    "report_counters",
    "webhooks",
    "webhook_deliveries",
    "mail_preferences",
    "digest_periods",
    "overdue_alerts",
    "search_indexed",
];

/// The rows the PostgreSQL migrations insert themselves (a `WHERE` that holds for them): they do
/// not make a target non-empty, and are replaced by the source's rows.
const SEED_ROWS: &[(&str, &str)] = &[
    ("report_counts", "n = 0"),
    ("search_indexed", "id = 1 AND up_to = 0"),
];

/// Rows per `INSERT`, and the most JSON text one carries (a report with a long description is a
/// few kilobytes).
const BATCH_ROWS: usize = 1000;
const BATCH_BYTES: usize = 4 << 20;

/// What a column holds, as `schema.rs` types it; it decides how a value is written into the
/// checksum, so that SQLite's text and integers and PostgreSQL's typed values hash alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Integer,
    Double,
    Bool,
    Timestamp,
    Text,
}

impl Kind {
    /// From the target's `information_schema.columns.data_type` (which `check_schema.py` holds to
    /// schema.rs).
    fn of(data_type: &str) -> Option<Kind> {
        Some(match data_type {
            "bigint" | "integer" | "smallint" => Kind::Integer,
            "double precision" | "real" => Kind::Double,
            "boolean" => Kind::Bool,
            "timestamp without time zone" => Kind::Timestamp,
            "text" => Kind::Text,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone)]
struct Column {
    name: String,
    kind: Kind,
}

/// One table as the target declares it: the columns to copy (never a generated one, such as
/// `reports.search`), its primary key, its identity column if it has one, and the columns of its
/// foreign keys to itself (`reports.duplicate_of`), which are written once all its rows are in: a
/// report may follow a later one.
#[derive(Debug, Clone)]
struct Table {
    name: String,
    columns: Vec<Column>,
    key: Vec<String>,
    identity: Option<String>,
    later: Vec<String>,
}

impl Table {
    fn column_list(&self) -> String {
        self.columns
            .iter()
            .map(|c| quoted(&c.name))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn key_order(&self) -> String {
        self.key
            .iter()
            .map(|k| quoted(k))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// What the copy tells its caller as it goes, to draw progress and print the per-table lines.
#[derive(Debug, Clone)]
pub enum Step<'a> {
    /// The copy of `table` begins; the source holds `rows`.
    Copying { table: &'a str, rows: u64 },
    /// `rows` more rows of the current table are in.
    Copied { rows: u64 },
    /// The current table is copied.
    TableDone {
        table: &'a str,
        rows: u64,
        seconds: f64,
    },
    /// Both sides of `table` were counted and hashed.
    Verified(&'a Verified),
}

/// One table's verification: rows and checksum on each side.
#[derive(Debug, Clone)]
pub struct Verified {
    pub table: String,
    pub source_rows: u64,
    pub target_rows: u64,
    pub source_sha256: String,
    pub target_sha256: String,
}

impl Verified {
    pub fn equal(&self) -> bool {
        self.source_rows == self.target_rows && self.source_sha256 == self.target_sha256
    }
}

/// What a finished (committed) copy did.
#[derive(Debug, Clone)]
pub struct Moved {
    pub tables: Vec<Verified>,
    pub rows: u64,
    /// The copy alone (without the verification).
    pub copy_seconds: f64,
    pub seconds: f64,
}

/// Copies the SQLite database `from` (a path, `sqlite:PATH` or `sqlite://PATH`) into the
/// PostgreSQL database `to`, which must hold no rows yet. Runs the target's migrations first.
/// Refuses a source whose migrations are not all applied: it is only read, never changed (run
/// `errata migrate` on it first). Nothing is committed unless every table verifies.
pub fn migrate_data(from: &str, to: &str, on: &mut dyn FnMut(Step)) -> Result<Moved, Error> {
    let started = Instant::now();
    if Engine::of(to) != Engine::Postgres {
        return Err(Error::invalid(
            "--to",
            format!(
                "`{}` is not a PostgreSQL URL; name the new database as postgres://USER@HOST:PORT/NAME",
                crate::config::redact_url(to)
            ),
        ));
    }
    if Engine::of(from) != Engine::Sqlite {
        return Err(Error::invalid(
            "--from",
            "the source must be a SQLite file (PATH or sqlite:PATH), not a PostgreSQL URL",
        ));
    }
    let path = super::sqlite_path(from);
    if !Path::new(path).is_file() {
        return Err(Error::invalid(
            "--from",
            format!("there is no SQLite database at {path}"),
        ));
    }
    let mut source = match super::connect(path)? {
        Conn::Sqlite(c) => c,
        Conn::Postgres(_) => return Err(Error::internal("a SQLite path opened PostgreSQL")),
    };
    source_is_migrated(&mut source, path)?;

    let mut target = super::connect(to)?;
    super::migrate(&mut target)?;
    let Conn::Postgres(mut target) = target else {
        return Err(Error::internal("a postgres:// URL opened SQLite"));
    };
    let tables = target_tables(&mut target)?;
    check_source_columns(&mut source, &tables)?;
    let order = copy_order(&mut target, &tables)?;

    // One snapshot of the source for the copy and its checksums.
    AnsiTransactionManager::begin_transaction(&mut source)?;
    AnsiTransactionManager::begin_transaction(&mut target)?;
    let done = copy_and_verify(&mut source, &mut target, &order, started, on);
    let _ = AnsiTransactionManager::rollback_transaction(&mut source);
    match done {
        Ok(moved) => {
            AnsiTransactionManager::commit_transaction(&mut target).map_err(|e| {
                Error::internal_while("committing the copy on PostgreSQL failed", e)
            })?;
            Ok(Moved {
                seconds: started.elapsed().as_secs_f64(),
                ..moved
            })
        }
        Err(e) => {
            let _ = AnsiTransactionManager::rollback_transaction(&mut target);
            Err(e)
        }
    }
}

fn copy_and_verify(
    source: &mut SqliteConnection,
    target: &mut PgConnection,
    order: &[Table],
    started: Instant,
    on: &mut dyn FnMut(Step),
) -> Result<Moved, Error> {
    // The copy may take longer than a request's statement timeout; other instances' writes wait
    // for it (the writers' lock), and the ALTER TABLEs below lock each table until the commit.
    execute(target, "SET LOCAL statement_timeout = 0")?;
    super::write_lock(target)?;
    refuse_non_empty(target, order)?;
    for (table, seed) in SEED_ROWS {
        execute(
            target,
            &format!("DELETE FROM {} WHERE {seed}", quoted(table)),
        )?;
    }
    // User triggers would count every report into report_counts a second time (it is copied as
    // it is) and rewrite reports' answer times from their events.
    for t in order {
        execute(
            target,
            &format!("ALTER TABLE {} DISABLE TRIGGER USER", quoted(&t.name)),
        )?;
    }
    let mut rows = 0;
    for t in order {
        rows += copy_table(source, target, t, on)?;
        set_identity(target, t)?;
    }
    let copy_seconds = started.elapsed().as_secs_f64();
    for t in order {
        execute(
            target,
            &format!("ALTER TABLE {} ENABLE TRIGGER USER", quoted(&t.name)),
        )?;
    }
    let mut tables = Vec::with_capacity(order.len());
    for t in order {
        let (source_rows, source_sha256) = checksum_sqlite(source, t)?;
        let (target_rows, target_sha256) = checksum_postgres(target, t)?;
        let verified = Verified {
            table: t.name.clone(),
            source_rows,
            target_rows,
            source_sha256,
            target_sha256,
        };
        on(Step::Verified(&verified));
        tables.push(verified);
    }
    let differ: Vec<&str> = tables
        .iter()
        .filter(|v| !v.equal())
        .map(|v| v.table.as_str())
        .collect();
    if !differ.is_empty() {
        return Err(Error::bad_request(
            Code::Other,
            format!(
                "the copy differs from the source in {}; it was rolled back, nothing was written",
                differ.join(", ")
            ),
        ));
    }
    Ok(Moved {
        tables,
        rows,
        copy_seconds,
        seconds: 0.0,
    })
}

fn execute(conn: &mut PgConnection, sql: &str) -> Result<usize, Error> {
    diesel::sql_query(sql)
        .execute(conn)
        .map_err(|e| Error::internal_while(format!("`{sql}` failed"), e))
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(diesel::QueryableByName)]
struct Line {
    #[diesel(sql_type = Text)]
    line: String,
}

/// Every pending migration of the source's engine, by name; a source with any is refused, since
/// its tables would not have all of schema.rs's columns. Read from diesel's own table, which the
/// harness would create (a write) on a file that is not Errata's.
fn source_is_migrated(source: &mut SqliteConnection, path: &str) -> Result<(), Error> {
    let known: Vec<String> = MigrationSource::<Sqlite>::migrations(&MIGRATIONS_SQLITE)
        .map_err(|e| Error::internal_while("reading the embedded migrations", e))?
        .iter()
        .map(|m| m.name().version().to_string())
        .collect();
    let has_table = diesel::sql_query(
        "SELECT COUNT(*) AS n FROM sqlite_master \
         WHERE type = 'table' AND name = '__diesel_schema_migrations'",
    )
    .get_result::<Count>(source)
    .map_err(|e| {
        Error::invalid(
            "--from",
            format!("{path} cannot be read as a SQLite database: {e}"),
        )
    })?
    .n > 0;
    let applied: BTreeSet<String> = if has_table {
        diesel::sql_query("SELECT version AS line FROM __diesel_schema_migrations")
            .load::<Line>(source)?
            .into_iter()
            .map(|l| l.line)
            .collect()
    } else {
        BTreeSet::new()
    };
    if applied.is_empty() {
        return Err(Error::invalid(
            "--from",
            format!("{path} is not an Errata database (it has no migrations applied)"),
        ));
    }
    let pending: Vec<&String> = known.iter().filter(|v| !applied.contains(*v)).collect();
    if !pending.is_empty() {
        return Err(Error::invalid(
            "--from",
            format!(
                "{path} has {} migration(s) not applied ({}); run `errata migrate` with it as \
                 database_url first (migrate-data only reads the source)",
                pending.len(),
                pending
                    .iter()
                    .map(|v| v.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    Ok(())
}

/// The tables of `TABLES` as the migrated target declares them.
fn target_tables(target: &mut PgConnection) -> Result<Vec<Table>, Error> {
    #[derive(diesel::QueryableByName)]
    struct ColumnRow {
        #[diesel(sql_type = Text)]
        table_name: String,
        #[diesel(sql_type = Text)]
        column_name: String,
        #[diesel(sql_type = Text)]
        data_type: String,
        #[diesel(sql_type = diesel::sql_types::Bool)]
        identity: bool,
    }
    #[derive(diesel::QueryableByName)]
    struct KeyRow {
        #[diesel(sql_type = Text)]
        table_name: String,
        #[diesel(sql_type = Text)]
        column_name: String,
    }
    let columns: Vec<ColumnRow> = diesel::sql_query(
        "SELECT table_name::text AS table_name, column_name::text AS column_name, \
                data_type::text AS data_type, is_identity = 'YES' AS identity \
         FROM information_schema.columns \
         WHERE table_schema = current_schema() AND is_generated = 'NEVER' \
         ORDER BY table_name, ordinal_position",
    )
    .load(target)?;
    let keys: Vec<KeyRow> = diesel::sql_query(
        "SELECT c.relname::text AS table_name, a.attname::text AS column_name \
         FROM pg_index i \
         JOIN pg_class c ON c.oid = i.indrelid \
         JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey) \
         WHERE i.indisprimary AND c.relnamespace = current_schema()::regnamespace \
         ORDER BY c.relname, array_position(i.indkey::int2[], a.attnum)",
    )
    .load(target)?;
    let mut tables = Vec::with_capacity(TABLES.len());
    for &name in TABLES {
        let mut table = Table {
            name: name.to_owned(),
            columns: Vec::new(),
            key: keys
                .iter()
                .filter(|k| k.table_name == name)
                .map(|k| k.column_name.clone())
                .collect(),
            identity: None,
            later: Vec::new(),
        };
        for c in columns.iter().filter(|c| c.table_name == name) {
            let kind = Kind::of(&c.data_type).ok_or_else(|| {
                Error::internal(format!(
                    "{name}.{} has type {}, which migrate-data cannot compare",
                    c.column_name, c.data_type
                ))
            })?;
            if c.identity {
                table.identity = Some(c.column_name.clone());
            }
            table.columns.push(Column {
                name: c.column_name.clone(),
                kind,
            });
        }
        if table.columns.is_empty() || table.key.is_empty() {
            return Err(Error::internal(format!(
                "the target has no table {name} with a primary key after its migrations"
            )));
        }
        tables.push(table);
    }
    Ok(tables)
}

/// Every column the target will receive must be in the source.
fn check_source_columns(source: &mut SqliteConnection, tables: &[Table]) -> Result<(), Error> {
    for t in tables {
        let have: BTreeSet<String> =
            diesel::sql_query("SELECT name AS line FROM pragma_table_info(?)")
                .bind::<Text, _>(&t.name)
                .load::<Line>(source)?
                .into_iter()
                .map(|l| l.line)
                .collect();
        let missing: Vec<&str> = t
            .columns
            .iter()
            .filter(|c| !have.contains(&c.name))
            .map(|c| c.name.as_str())
            .collect();
        if !missing.is_empty() {
            return Err(Error::invalid(
                "--from",
                format!(
                    "the source's table {} lacks column(s) {}",
                    t.name,
                    missing.join(", ")
                ),
            ));
        }
    }
    Ok(())
}

/// The tables in an order where each comes after those its foreign keys point to (the target's
/// keys: they are the ones checked as rows go in), each with its columns that point to itself
/// (`Table::later`).
fn copy_order(target: &mut PgConnection, tables: &[Table]) -> Result<Vec<Table>, Error> {
    #[derive(diesel::QueryableByName)]
    struct Edge {
        #[diesel(sql_type = Text)]
        child: String,
        #[diesel(sql_type = Text)]
        parent: String,
        #[diesel(sql_type = Text)]
        column_name: String,
    }
    let edges: Vec<Edge> = diesel::sql_query(
        "SELECT c.relname::text AS child, p.relname::text AS parent, \
                a.attname::text AS column_name \
         FROM pg_constraint k \
         JOIN pg_class c ON c.oid = k.conrelid \
         JOIN pg_class p ON p.oid = k.confrelid \
         JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = ANY (k.conkey) \
         WHERE k.contype = 'f' AND k.connamespace = current_schema()::regnamespace \
         ORDER BY c.relname, a.attnum",
    )
    .load(target)?;
    let names: Vec<&str> = tables.iter().map(|t| t.name.as_str()).collect();
    let parents: Vec<(&str, &str)> = edges
        .iter()
        .map(|e| (e.child.as_str(), e.parent.as_str()))
        .collect();
    let order = parents_first(&names, &parents).map_err(|stuck| {
        Error::internal(format!(
            "the foreign keys between {} form a cycle; no copy order fits them",
            stuck.join(", ")
        ))
    })?;
    Ok(order
        .into_iter()
        .filter_map(|n| tables.iter().find(|t| t.name == n).cloned())
        .map(|mut t| {
            t.later = edges
                .iter()
                .filter(|e| e.child == t.name && e.parent == t.name)
                .map(|e| e.column_name.clone())
                .collect();
            t
        })
        .collect())
}

/// `names` ordered so that every `(child, parent)` edge's parent comes first, ties in the order
/// given; edges of a table to itself, or to a table not in `names`, are ignored. On a cycle, the
/// tables left in it.
fn parents_first<'a>(
    names: &[&'a str],
    edges: &[(&str, &str)],
) -> Result<Vec<&'a str>, Vec<&'a str>> {
    let mut waiting: BTreeMap<&str, BTreeSet<&str>> = names
        .iter()
        .map(|&n| {
            let parents = edges
                .iter()
                .filter(|(c, p)| *c == n && *p != n && names.contains(p))
                .map(|(_, p)| *p)
                .collect();
            (n, parents)
        })
        .collect();
    let mut order = Vec::with_capacity(names.len());
    while order.len() < names.len() {
        let next = names
            .iter()
            .find(|n| !order.contains(*n) && waiting.get(**n).is_some_and(|p| p.is_empty()));
        let Some(&next) = next else {
            return Err(names
                .iter()
                .filter(|n| !order.contains(*n))
                .copied()
                .collect());
        };
        order.push(next);
        for parents in waiting.values_mut() {
            parents.remove(next);
        }
    }
    Ok(order)
}

/// Refuses a target with any row in any table (but the migrations' seed rows).
fn refuse_non_empty(target: &mut PgConnection, tables: &[Table]) -> Result<(), Error> {
    let mut found = Vec::new();
    for t in tables {
        let seed = SEED_ROWS
            .iter()
            .find(|(name, _)| *name == t.name)
            .map_or(String::new(), |(_, seed)| format!(" WHERE NOT ({seed})"));
        let n = diesel::sql_query(format!(
            "SELECT COUNT(*) AS n FROM {}{seed}",
            quoted(&t.name)
        ))
        .get_result::<Count>(target)?
        .n;
        if n > 0 {
            found.push(format!("{}: {n} row(s)", t.name));
        }
    }
    if found.is_empty() {
        return Ok(());
    }
    Err(Error::conflict(
        Code::Other,
        format!(
            "the target database is not empty ({}); migrate-data copies into a new, empty \
             database only, and wrote nothing",
            found.join(", ")
        ),
    ))
}

/// Streams the source table in key order as one JSON object per row, and inserts it in batches
/// with `json_populate_recordset`, which converts each value as PostgreSQL's own input does
/// (SQLite's 0/1 into booleans, its timestamp text into timestamps). Returns the rows copied.
fn copy_table(
    source: &mut SqliteConnection,
    target: &mut PgConnection,
    t: &Table,
    on: &mut dyn FnMut(Step),
) -> Result<u64, Error> {
    let started = Instant::now();
    let total = diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {}", quoted(&t.name)))
        .get_result::<Count>(source)?
        .n;
    on(Step::Copying {
        table: &t.name,
        rows: total.max(0) as u64,
    });
    let object = t
        .columns
        .iter()
        .map(|c| format!("'{}', {}", c.name.replace('\'', "''"), quoted(&c.name)))
        .collect::<Vec<_>>()
        .join(", ");
    let read = format!(
        "SELECT json_object({object}) AS line FROM {} ORDER BY {}",
        quoted(&t.name),
        t.key_order()
    );
    let values = t
        .columns
        .iter()
        .map(|c| {
            if t.later.contains(&c.name) {
                "NULL".to_owned()
            } else {
                quoted(&c.name)
            }
        })
        .collect::<Vec<_>>()
        .join(", ");
    let insert = format!(
        "INSERT INTO {table} ({cols}) SELECT {values} FROM json_populate_recordset(NULL::{table}, $1::json)",
        table = quoted(&t.name),
        cols = t.column_list()
    );
    let mut batch = String::with_capacity(BATCH_BYTES + 4096);
    let mut in_batch = 0usize;
    let mut copied = 0u64;
    let mut flush = |batch: &mut String, in_batch: &mut usize| -> Result<(), Error> {
        if *in_batch == 0 {
            return Ok(());
        }
        batch.push(']');
        let n = diesel::sql_query(&insert)
            .bind::<Text, _>(batch.as_str())
            .execute(target)
            .map_err(|e| Error::internal_while(format!("copying rows into {}", t.name), e))?;
        if n != *in_batch {
            return Err(Error::internal(format!(
                "{}: {} rows sent, {n} inserted",
                t.name, in_batch
            )));
        }
        copied += n as u64;
        on(Step::Copied { rows: n as u64 });
        batch.clear();
        *in_batch = 0;
        Ok(())
    };
    let rows = diesel::sql_query(&read)
        .load_iter::<Line, DefaultLoadingMode>(source)
        .map_err(|e| Error::internal_while(format!("reading {} from SQLite", t.name), e))?;
    for row in rows {
        let row =
            row.map_err(|e| Error::internal_while(format!("reading {} from SQLite", t.name), e))?;
        batch.push(if in_batch == 0 { '[' } else { ',' });
        batch.push_str(&row.line);
        in_batch += 1;
        if in_batch >= BATCH_ROWS || batch.len() >= BATCH_BYTES {
            flush(&mut batch, &mut in_batch)?;
        }
    }
    flush(&mut batch, &mut in_batch)?;
    copy_later_columns(source, target, t)?;
    on(Step::TableDone {
        table: &t.name,
        rows: copied,
        seconds: started.elapsed().as_secs_f64(),
    });
    Ok(copied)
}

/// Writes the columns that point into the table itself, now that every row they may name is in.
fn copy_later_columns(
    source: &mut SqliteConnection,
    target: &mut PgConnection,
    t: &Table,
) -> Result<(), Error> {
    if t.later.is_empty() {
        return Ok(());
    }
    let fields: Vec<&String> = t.key.iter().chain(&t.later).collect();
    let object = fields
        .iter()
        .map(|c| format!("'{}', {}", c.replace('\'', "''"), quoted(c)))
        .collect::<Vec<_>>()
        .join(", ");
    let read = format!(
        "SELECT json_object({object}) AS line FROM {} WHERE {} ORDER BY {}",
        quoted(&t.name),
        t.later
            .iter()
            .map(|c| format!("{} IS NOT NULL", quoted(c)))
            .collect::<Vec<_>>()
            .join(" OR "),
        t.key_order()
    );
    let update = format!(
        "UPDATE {table} AS t SET {set} FROM json_populate_recordset(NULL::{table}, $1::json) AS s \
         WHERE {matched}",
        table = quoted(&t.name),
        set = t
            .later
            .iter()
            .map(|c| format!("{0} = s.{0}", quoted(c)))
            .collect::<Vec<_>>()
            .join(", "),
        matched = t
            .key
            .iter()
            .map(|k| format!("t.{0} = s.{0}", quoted(k)))
            .collect::<Vec<_>>()
            .join(" AND ")
    );
    let lines: Vec<Line> = diesel::sql_query(&read)
        .load(source)
        .map_err(|e| Error::internal_while(format!("reading {} from SQLite", t.name), e))?;
    for chunk in lines.chunks(BATCH_ROWS) {
        let batch = format!(
            "[{}]",
            chunk
                .iter()
                .map(|l| l.line.as_str())
                .collect::<Vec<_>>()
                .join(",")
        );
        let n = diesel::sql_query(&update)
            .bind::<Text, _>(&batch)
            .execute(target)
            .map_err(|e| Error::internal_while(format!("linking rows of {}", t.name), e))?;
        if n != chunk.len() {
            return Err(Error::internal(format!(
                "{}: {} links sent, {n} written",
                t.name,
                chunk.len()
            )));
        }
    }
    Ok(())
}

/// Sets the table's identity past its largest id, so the next row PostgreSQL numbers does not
/// take a copied row's id.
fn set_identity(target: &mut PgConnection, t: &Table) -> Result<(), Error> {
    match &t.identity {
        Some(id) => super::sequence_past_ids(target, &t.name, id),
        None => Ok(()),
    }
}

/// Rows and SHA-256 of the source table: each row a JSON array of its values in key order.
fn checksum_sqlite(source: &mut SqliteConnection, t: &Table) -> Result<(u64, String), Error> {
    let sql = format!(
        "SELECT json_array({}) AS line FROM {} ORDER BY {}",
        t.column_list(),
        quoted(&t.name),
        t.key_order()
    );
    let rows = diesel::sql_query(&sql)
        .load_iter::<Line, DefaultLoadingMode>(source)
        .map_err(|e| Error::internal_while(format!("hashing {} on SQLite", t.name), e))?;
    let mut sum = RowSum::new(t);
    for row in rows {
        let row =
            row.map_err(|e| Error::internal_while(format!("hashing {} on SQLite", t.name), e))?;
        sum.add(&row.line)?;
    }
    Ok(sum.finish())
}

/// The same for the target, inside the copy's transaction.
fn checksum_postgres(target: &mut PgConnection, t: &Table) -> Result<(u64, String), Error> {
    let sql = format!(
        "SELECT json_build_array({})::text AS line FROM {} ORDER BY {}",
        t.column_list(),
        quoted(&t.name),
        t.key_order()
    );
    let rows = diesel::sql_query(&sql)
        .load_iter::<Line, PgRowByRowLoadingMode>(target)
        .map_err(|e| Error::internal_while(format!("hashing {} on PostgreSQL", t.name), e))?;
    let mut sum = RowSum::new(t);
    for row in rows {
        let row =
            row.map_err(|e| Error::internal_while(format!("hashing {} on PostgreSQL", t.name), e))?;
        sum.add(&row.line)?;
    }
    Ok(sum.finish())
}

/// A table's checksum: SHA-256 over its rows in key order, each its values written one way
/// whichever engine read them (`canonical`), as a JSON array and a newline.
struct RowSum {
    kinds: Vec<Kind>,
    hasher: Sha256,
    rows: u64,
}

impl RowSum {
    fn new(t: &Table) -> RowSum {
        RowSum {
            kinds: t.columns.iter().map(|c| c.kind).collect(),
            hasher: Sha256::new(),
            rows: 0,
        }
    }

    fn add(&mut self, line: &str) -> Result<(), Error> {
        let values: Vec<serde_json::Value> = serde_json::from_str(line)
            .map_err(|e| Error::internal_while("a row read back is not a JSON array", e))?;
        if values.len() != self.kinds.len() {
            return Err(Error::internal(format!(
                "a row read back has {} values, not {}",
                values.len(),
                self.kinds.len()
            )));
        }
        let row: Vec<serde_json::Value> = values
            .into_iter()
            .zip(&self.kinds)
            .map(|(v, k)| canonical(*k, v))
            .collect();
        let bytes = serde_json::to_vec(&row)
            .map_err(|e| Error::internal_while("writing a row for its checksum", e))?;
        self.hasher.update(&bytes);
        self.hasher.update(b"\n");
        self.rows += 1;
        Ok(())
    }

    fn finish(self) -> (u64, String) {
        (self.rows, hex::encode(self.hasher.finalize()))
    }
}

/// A value written one way for the checksum: booleans as 0/1 (SQLite keeps integers, PostgreSQL
/// answers true/false), timestamps parsed and printed to the microsecond (SQLite keeps the text
/// it was given, PostgreSQL prints a `T` and drops trailing zeros), floats as f64. A value that
/// does not read as its kind is kept as it is, so it shows as a difference instead of an error.
fn canonical(kind: Kind, value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match (kind, &value) {
        (_, Value::Null) => value,
        (Kind::Bool, Value::Bool(b)) => Value::from(u8::from(*b)),
        (Kind::Bool, Value::Number(n)) => match n.as_i64() {
            Some(0) => Value::from(0),
            Some(1) => Value::from(1),
            _ => value,
        },
        (Kind::Integer, Value::Number(n)) => n.as_i64().map_or(value.clone(), Value::from),
        (Kind::Double, Value::Number(n)) => n.as_f64().map_or(value.clone(), Value::from),
        (Kind::Timestamp, Value::String(s)) => timestamp(s).map_or(value.clone(), |t| {
            Value::from(t.format("%Y-%m-%d %H:%M:%S%.6f").to_string())
        }),
        _ => value,
    }
}

fn timestamp(s: &str) -> Option<chrono::NaiveDateTime> {
    let s = s.trim().trim_end_matches('Z');
    ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"]
        .iter()
        .find_map(|f| chrono::NaiveDateTime::parse_from_str(s, f).ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Every `diesel::table!` of schema.rs is in `TABLES`, and nothing else is.
    #[test]
    fn transfer_covers_every_table_of_the_schema() {
        let schema = include_str!("schema.rs");
        let mut declared: Vec<&str> = schema
            .split("diesel::table! {")
            .skip(1)
            .filter_map(|block| {
                block
                    .lines()
                    .map(str::trim)
                    .find(|l| !l.is_empty() && !l.starts_with("//"))
                    .and_then(|l| l.split_whitespace().next())
            })
            .collect();
        declared.sort_unstable();
        let mut listed = TABLES.to_vec();
        listed.sort_unstable();
        assert_eq!(declared, listed);
    }

    #[test]
    fn transfer_puts_parents_before_children() {
        let names = ["reports", "articles", "users", "publications"];
        let edges = [
            ("reports", "articles"),
            ("reports", "users"),
            ("reports", "reports"),
            ("articles", "publications"),
            ("articles", "elsewhere"),
        ];
        assert_eq!(
            parents_first(&names, &edges),
            Ok(vec!["users", "publications", "articles", "reports"])
        );
        assert_eq!(
            parents_first(&["a", "b", "c"], &[("a", "b"), ("b", "a")]),
            Err(vec!["a", "b"])
        );
    }

    #[test]
    fn transfer_hashes_both_engines_values_alike() {
        let sqlite = [
            (Kind::Bool, json!(1)),
            (Kind::Timestamp, json!("2026-12-07 02:49:43.1")),
            (Kind::Timestamp, json!("2026-12-07 02:49:43")),
            (Kind::Double, json!(1.0)),
            (Kind::Integer, json!(7)),
        ];
        let postgres = [
            (Kind::Bool, json!(true)),
            (Kind::Timestamp, json!("2026-12-07T02:49:43.1")),
            (Kind::Timestamp, json!("2026-12-07T02:49:43")),
            (Kind::Double, json!(1)),
            (Kind::Integer, json!(7)),
        ];
        for ((k, a), (_, b)) in sqlite.into_iter().zip(postgres) {
            assert_eq!(canonical(k, a), canonical(k, b));
        }
        assert_ne!(
            canonical(Kind::Timestamp, json!("2026-12-07 02:49:43.000001")),
            canonical(Kind::Timestamp, json!("2026-12-07T02:49:43"))
        );
        assert_ne!(
            canonical(Kind::Bool, json!(2)),
            canonical(Kind::Bool, json!(true))
        );
    }
}
