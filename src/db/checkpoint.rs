//! WAL checkpoints off the request path. The server's connections never checkpoint on commit
//! (`wal_autocheckpoint = 0`); a thread of the `Db` does it instead: a passive checkpoint (which
//! waits for no one) while writes go on, and when they have stopped, a truncating one that
//! empties the WAL file, so that it does not keep the size of the last burst; and when the WAL
//! has grown past `WAL_RESTART_FRAMES` under steady writes, a restarting one (on the writer's
//! connection, between batches), so that it starts over instead of growing without end. While
//! writes go on, it also adds the reports filed meanwhile to the search index
//! (`db::search::catch_up`).

use std::sync::Weak;
use std::thread;
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::{QueryableByName, RunQueryDsl};

use super::writer::Writer;
use crate::error::Error;

/// How often the checkpointer looks at the WAL (and indexes new reports for search).
const TICK: Duration = Duration::from_millis(200);

/// Past this many frames (16 MiB of 4 KiB pages, the writer's `journal_size_limit`) the WAL is
/// checkpointed with `RESTART` even while writes go on. Passive checkpoints copy the frames back
/// but never let the WAL start over while readers keep coming, and every read looks pages up in
/// the WAL's index: under a steady stream of filings the WAL grew by 60 MB a second, past 1.7 GB
/// in half a minute, and each filing cost more than the last. `RESTART` waits (at most its busy
/// timeout) for the writer's batch to end and for readers to finish with the WAL, so that the
/// next write starts it over.
const WAL_RESTART_FRAMES: i32 = 4096;

#[derive(QueryableByName)]
struct Checkpointed {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    busy: i32,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    log: i32,
}

/// `PRAGMA wal_checkpoint(mode)` on `conn`: whether it was kept from finishing (busy), and the
/// frames in the WAL.
pub(super) fn checkpoint(conn: &mut super::Conn, mode: &str) -> Result<(i32, i32), Error> {
    let super::Conn::Sqlite(conn) = conn else {
        return Ok((0, 0));
    };
    let done: Checkpointed =
        diesel::sql_query(format!("PRAGMA wal_checkpoint({mode})")).get_result(conn)?;
    Ok((done.busy, done.log))
}

/// Adds the reports filed since the last tick to the search index, in one unit of the writer, if
/// there are any (looked for on the checkpointer's own connection, so that a quiet tick writes
/// nothing and the database is seen idle at the next one).
fn index_new_reports(conn: &mut super::Conn, writer: &Weak<Writer>) {
    match super::search::pending(conn) {
        Ok(false) => {}
        Ok(true) => {
            if let Some(writer) = writer.upgrade() {
                if let Err(e) = writer.unit(super::search::catch_up) {
                    log::warn!("database: search index catch-up failed: {e}");
                }
            }
        }
        Err(e) => log::warn!("database: cannot read the search index's mark: {e}"),
    }
}

/// Starts the checkpointer of the database at `url`; it ends once `writer` is gone.
pub(super) fn start(url: &str, writer: Weak<Writer>) -> Result<(), Error> {
    let mut conn = super::connect(url)?;
    // A truncating checkpoint waits for readers and writers: it gives up soon and tries again
    // at the next quiet moment rather than hold back a request.
    conn.batch_execute("PRAGMA busy_timeout = 100; PRAGMA wal_autocheckpoint = 0;")?;
    thread::Builder::new()
        .name("errata-checkpoint".into())
        .spawn(move || {
            let mut seen = None;
            let mut wal_frames = 0;
            loop {
                thread::sleep(TICK);
                let Some(batches) = writer.upgrade().map(|w| w.batches()) else {
                    break;
                };
                let idle = seen == Some(batches);
                seen = Some(batches);
                if !idle {
                    index_new_reports(&mut conn, &writer);
                }
                // (A passive checkpoint of an empty WAL costs next to nothing, and it counts the
                // frames that writes of other processes or outside `write` left.)
                let mode = if idle && wal_frames > 0 {
                    "TRUNCATE"
                } else if wal_frames > WAL_RESTART_FRAMES {
                    "RESTART"
                } else {
                    "PASSIVE"
                };
                // A restart holds the write lock while it waits for readers: it runs on the
                // writer's connection, between its batches, so writes queue for it rather than
                // nap in the busy handler.
                let outcome = match (mode, writer.upgrade()) {
                    ("RESTART", Some(writer)) => writer.checkpoint(mode),
                    _ => checkpoint(&mut conn, mode),
                };
                match outcome {
                    Ok((busy, log)) => wal_frames = if busy != 0 { 1 } else { log.max(0) },
                    Err(e) => log::warn!("database: checkpoint failed: {e}"),
                }
            }
        })
        .map_err(|e| Error::internal_while("cannot start the checkpointer", e))?;
    Ok(())
}
