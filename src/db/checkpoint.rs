//! WAL checkpoints off the request path. The server's connections never checkpoint on commit
//! (`wal_autocheckpoint = 0`); a thread of the `Db` does it instead: a passive checkpoint (which
//! waits for no one) while writes go on, and when they have stopped, a truncating one that
//! empties the WAL file, so that it does not keep the size of the last burst. While writes go on,
//! it also adds the reports filed meanwhile to the search index (`db::search::catch_up`).

use std::sync::Weak;
use std::thread;
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::sqlite::SqliteConnection;
use diesel::{QueryableByName, RunQueryDsl};

use super::writer::Writer;
use crate::error::Error;

/// How often the checkpointer looks at the WAL (and indexes new reports for search).
const TICK: Duration = Duration::from_millis(500);

#[derive(QueryableByName)]
struct Checkpointed {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    busy: i32,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    log: i32,
}

fn checkpoint(conn: &mut SqliteConnection, mode: &str) -> Result<Checkpointed, Error> {
    Ok(diesel::sql_query(format!("PRAGMA wal_checkpoint({mode})")).get_result(conn)?)
}

/// Adds the reports filed since the last tick to the search index, in one unit of the writer, if
/// there are any (looked for on the checkpointer's own connection, so that a quiet tick writes
/// nothing and the database is seen idle at the next one).
fn index_new_reports(conn: &mut SqliteConnection, writer: &Weak<Writer>) {
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
                let mode = match idle && wal_frames > 0 {
                    true => "TRUNCATE",
                    false => "PASSIVE",
                };
                let outcome = checkpoint(&mut conn, mode);
                match outcome {
                    Ok(done) => wal_frames = if done.busy != 0 { 1 } else { done.log.max(0) },
                    Err(e) => log::warn!("database: checkpoint failed: {e}"),
                }
            }
        })
        .map_err(|e| Error::internal_while("cannot start the checkpointer", e))?;
    Ok(())
}
