//! The server's one writing connection, shared by every write through group commit.
//!
//! Pooled connections racing for `BEGIN IMMEDIATE` sleep in SQLite's busy handler (up to 100 ms a
//! nap) while the lock is free. Instead every write of the server runs here, one at a time, on the
//! calling thread: a unit of work runs in its own savepoint inside the transaction that is open,
//! so an error rolls back that unit alone; the transaction commits when no other unit is waiting
//! (or the batch is full), and every unit of the batch is answered only after that commit, so
//! whatever a client was told was written is on disk (in the WAL) before it is told.

use std::collections::VecDeque;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};

use diesel::connection::TransactionManager;
use diesel::Connection;

use super::Conn;

use crate::error::Error;

/// Units of work in one transaction at most: a bound on how long the first one waits.
const BATCH_MAX: usize = 64;

/// Failed commits remembered for the units still waiting to hear about them.
const FAILURES_KEPT: usize = 16;

pub(crate) struct Writer {
    state: Mutex<State>,
    /// Signalled when a batch ends (committed or failed).
    ended: Condvar,
    /// Units that asked for the connection and have not got it yet: while there are any, the
    /// unit that holds it leaves the transaction open for them.
    arriving: AtomicUsize,
    /// Batches ended so far, for the checkpointer to tell an idle database from a busy one.
    batches: AtomicU64,
    /// Units of work run so far (with `batches`, how many share a commit: `/metrics`).
    units: AtomicU64,
    /// Opens a new connection in place of one that can no longer begin a transaction (a
    /// PostgreSQL server restarted, or the connection cut): a server's writer must outlive it.
    reopen: Option<Reopen>,
}

/// Opens the writer's connection again (`Writer::reopening`).
pub(crate) type Reopen = Box<dyn Fn() -> Result<Conn, Error> + Send + Sync>;

struct State {
    conn: Conn,
    /// The number of the batch whose transaction is open, if one is.
    open: Option<u64>,
    /// The last batch number given out.
    last: u64,
    /// Every batch up to this one has ended.
    ended: u64,
    units: usize,
    failures: VecDeque<(u64, Error)>,
}

impl Writer {
    pub(crate) fn new(conn: Conn) -> Writer {
        Writer {
            state: Mutex::new(State {
                conn,
                open: None,
                last: 0,
                ended: 0,
                units: 0,
                failures: VecDeque::new(),
            }),
            ended: Condvar::new(),
            arriving: AtomicUsize::new(0),
            batches: AtomicU64::new(0),
            units: AtomicU64::new(0),
            reopen: None,
        }
    }

    /// The writer, opening its connection again with `reopen` when it cannot begin a batch.
    pub(crate) fn reopening(self, reopen: Reopen) -> Writer {
        Writer {
            reopen: Some(reopen),
            ..self
        }
    }

    /// Begins a batch's transaction; when that fails and the writer may reopen its connection,
    /// it does, once, and begins again on the new one.
    fn begin(&self, state: &mut State) -> Result<(), Error> {
        let Err(e) = super::begin_write(&mut state.conn) else {
            return Ok(());
        };
        let Some(reopen) = &self.reopen else {
            return Err(e);
        };
        log::warn!("database: the writer's connection failed ({e}); opening a new one");
        state.conn = reopen()?;
        super::begin_write(&mut state.conn)
    }

    pub(crate) fn batches(&self) -> u64 {
        self.batches.load(Ordering::Acquire)
    }

    pub(crate) fn units(&self) -> u64 {
        self.units.load(Ordering::Relaxed)
    }

    /// Runs `PRAGMA wal_checkpoint(mode)` on the writer's connection, between batches: the open
    /// batch (if any) is committed first, and units that come meanwhile wait for the connection
    /// as they wait for each other, instead of napping in SQLite's busy handler while a checkpoint
    /// on another connection holds the write lock. Answers `(busy, frames in the WAL)`.
    pub(crate) fn checkpoint(&self, mode: &str) -> Result<(i32, i32), Error> {
        self.arriving.fetch_add(1, Ordering::SeqCst);
        let mut state = self.lock();
        self.arriving.fetch_sub(1, Ordering::SeqCst);
        if let Some(batch) = state.open {
            self.end(&mut state, batch, true);
        }
        super::checkpoint::checkpoint(&mut state.conn, mode)
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic never leaves the state half-changed (units run under `catch_unwind`).
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `f` as one unit of the current batch and returns its outcome once the batch has
    /// committed (or the commit's error if it did not).
    pub(crate) fn unit<T, F>(&self, f: F) -> Result<T, Error>
    where
        F: FnOnce(&mut Conn) -> Result<T, Error>,
    {
        self.arriving.fetch_add(1, Ordering::SeqCst);
        let mut state = self.lock();
        self.arriving.fetch_sub(1, Ordering::SeqCst);
        let batch = match state.open {
            Some(batch) => batch,
            None => {
                self.begin(&mut state)?;
                state.last += 1;
                state.open = Some(state.last);
                state.units = 0;
                state.last
            }
        };
        state.units += 1;
        self.units.fetch_add(1, Ordering::Relaxed);
        let outcome = catch_unwind(AssertUnwindSafe(|| state.conn.transaction(f)));
        if outcome.is_err() {
            // diesel leaves the savepoint of a panicking unit open: roll it back, or if that
            // fails too, the whole batch.
            if Conn::rollback_transaction(&mut state.conn).is_err() {
                self.end(&mut state, batch, false);
            }
        }
        if state.open == Some(batch)
            && (self.arriving.load(Ordering::SeqCst) == 0 || state.units >= BATCH_MAX)
        {
            self.end(&mut state, batch, true);
        }
        while state.ended < batch {
            state = self.ended.wait(state).unwrap_or_else(|p| p.into_inner());
        }
        let failed = state
            .failures
            .iter()
            .find(|(b, _)| *b == batch)
            .map(|(_, e)| e.clone());
        drop(state);
        match (outcome, failed) {
            (Err(panic), _) => resume_unwind(panic),
            (Ok(_), Some(e)) => Err(e),
            (Ok(done), None) => done,
        }
    }

    /// Ends the open batch: commits it (or rolls it back), and wakes the units waiting on it.
    fn end(&self, state: &mut State, batch: u64, commit: bool) {
        let outcome = if commit {
            Conn::commit_transaction(&mut state.conn)
        } else {
            Err(diesel::result::Error::RollbackTransaction)
        };
        if let Err(e) = outcome {
            // Leave no transaction open behind a failed commit.
            while Conn::transaction_manager_status_mut(&mut state.conn)
                .transaction_depth()
                .is_ok_and(|d| d.is_some())
            {
                if Conn::rollback_transaction(&mut state.conn).is_err() {
                    break;
                }
            }
            log::error!("database: batch {batch} was not committed: {e}");
            if state.failures.len() >= FAILURES_KEPT {
                state.failures.pop_front();
            }
            state.failures.push_back((batch, Error::from(e)));
        }
        state.open = None;
        state.ended = batch;
        self.batches.fetch_add(1, Ordering::Release);
        self.ended.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::{connect, migrate, schema};
    use diesel::prelude::*;
    use std::sync::Arc;

    fn writer() -> (tempfile::TempDir, String, Arc<Writer>) {
        let dir = tempfile::TempDir::new().unwrap();
        let url = dir.path().join("t.db").to_string_lossy().into_owned();
        let mut conn = connect(&url).unwrap();
        migrate(&mut conn).unwrap();
        (
            dir,
            url.clone(),
            Arc::new(Writer::new(connect(&url).unwrap())),
        )
    }

    fn set(conn: &mut Conn, key: &str) -> Result<(), Error> {
        use schema::settings::dsl as s;
        diesel::insert_into(s::settings)
            .values((s::key.eq(key), s::value.eq("v")))
            .execute(conn)?;
        Ok(())
    }

    fn keys(url: &str) -> Vec<String> {
        use schema::settings::dsl as s;
        let mut conn = connect(url).unwrap();
        s::settings
            .select(s::key)
            .order(s::key.asc())
            .load(&mut conn)
            .unwrap()
    }

    /// Many threads writing at once: each unit's error rolls back only that unit, every unit
    /// that succeeded is on disk when it returns, and units shared transactions.
    #[test]
    fn concurrent_units_commit_together_and_fail_alone() {
        let (_dir, url, writer) = writer();
        let threads: Vec<_> = (0..8)
            .map(|t| {
                let writer = writer.clone();
                let url = url.clone();
                std::thread::spawn(move || {
                    for i in 0..25 {
                        let key = format!("k{t:02}-{i:02}");
                        let fail = i % 5 == 0;
                        let done = writer.unit(|conn| {
                            set(conn, &key)?;
                            if fail {
                                return Err(Error::internal("this unit fails"));
                            }
                            Ok(())
                        });
                        assert_eq!(done.is_err(), fail);
                        // Acknowledged means committed: another connection sees it.
                        assert_eq!(keys(&url).contains(&key), !fail, "{key}");
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let kept = keys(&url);
        assert_eq!(kept.len(), 8 * 20);
        assert!(kept
            .iter()
            .all(|k| !k.ends_with("-00") && !k.ends_with("-05")));
    }

    /// A unit that arrives while another runs joins its transaction: one commit for both.
    #[test]
    fn a_unit_arriving_while_another_runs_shares_its_commit() {
        let (_dir, url, writer) = writer();
        let second = {
            let writer = writer.clone();
            std::thread::spawn(move || {
                // Arrives once the first unit holds the connection.
                while writer.batches() == 0 && writer.arriving.load(Ordering::SeqCst) == 0 {
                    if writer.state.try_lock().is_err() {
                        break;
                    }
                    std::thread::yield_now();
                }
                writer.unit(|conn| set(conn, "second"))
            })
        };
        writer
            .unit(|conn| {
                set(conn, "first")?;
                let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
                while writer.arriving.load(Ordering::SeqCst) == 0 {
                    assert!(std::time::Instant::now() < deadline, "the second unit came");
                    std::thread::yield_now();
                }
                Ok(())
            })
            .unwrap();
        second.join().unwrap().unwrap();
        assert_eq!(keys(&url), vec!["first".to_owned(), "second".to_owned()]);
        assert_eq!(writer.batches(), 1, "both in one transaction");
    }

    #[test]
    fn a_panicking_unit_rolls_back_alone_and_the_writer_goes_on() {
        let (_dir, url, writer) = writer();
        let panicked = catch_unwind(AssertUnwindSafe(|| {
            writer.unit(|conn| -> Result<(), Error> {
                set(conn, "lost")?;
                panic!("a bug in a unit");
            })
        }));
        assert!(panicked.is_err());
        writer.unit(|conn| set(conn, "kept")).unwrap();
        assert_eq!(keys(&url), vec!["kept".to_owned()]);
    }
}
