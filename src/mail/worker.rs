//! The outbox worker: delivers due messages with exponential back-off. Requests only write outbox
//! rows (in their own transaction); nothing is sent inside a request.

use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use lettre::message::{Mailbox, MultiPart};
use lettre::Message;
use rocket::tokio::sync::Notify;

use super::transport::{SendError, Transport};
use crate::db::schema::outbox;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::time::now;

/// After this many failed attempts a message is marked `failed` and left for an admin.
pub const MAX_ATTEMPTS: i64 = 10;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = outbox)]
pub struct OutboxRow {
    pub id: i64,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub message_id: String,
    pub attempts: i64,
}

/// The wait before attempt `attempts + 1`: 30 s doubling, at most six hours.
pub fn backoff(attempts: i64) -> chrono::Duration {
    let secs = 30i64.saturating_mul(1i64 << attempts.clamp(0, 12));
    chrono::Duration::seconds(secs.min(6 * 3600))
}

fn build(row: &OutboxRow, from: &Mailbox) -> std::result::Result<Message, String> {
    let to: Mailbox = row
        .recipient
        .parse()
        .map_err(|e| format!("bad recipient: {e}"))?;
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(&row.subject)
        .message_id(Some(row.message_id.clone()))
        .multipart(MultiPart::alternative_plain_html(
            row.body_text.clone(),
            row.body_html.clone(),
        ))
        .map_err(|e| format!("cannot build message: {e}"))
}

/// Sends every message that is due; returns how many were delivered.
pub async fn deliver_due(db: &Db, transport: &Transport, from: &Mailbox) -> Result<usize> {
    let due: Vec<OutboxRow> = db
        .run(|conn| {
            Ok(outbox::table
                .filter(outbox::state.eq("pending"))
                .filter(outbox::next_attempt_at.le(now()))
                .order((outbox::next_attempt_at.asc(), outbox::id.asc()))
                .limit(50)
                .select(OutboxRow::as_select())
                .load(conn)?)
        })
        .await?;
    let mut sent = 0;
    for row in due {
        // A message that cannot even be built (a bad address) will never go: no retries.
        let outcome = match build(&row, from) {
            Ok(message) => transport.send(message).await,
            Err(e) => Err(SendError {
                message: e,
                permanent: true,
            }),
        };
        let id = row.id;
        let attempts = row.attempts + 1;
        let update = match outcome {
            Ok(()) => {
                sent += 1;
                Update {
                    state: "sent",
                    next: None,
                    error: None,
                }
            }
            Err(e) => {
                log::warn!(
                    "mail {id} to {} failed (attempt {attempts}): {}",
                    row.recipient,
                    e.message
                );
                let give_up = e.permanent || attempts >= MAX_ATTEMPTS;
                Update {
                    state: if give_up { "failed" } else { "pending" },
                    next: (!give_up).then(|| now() + backoff(attempts - 1)),
                    error: Some(e.message),
                }
            }
        };
        db.run(move |conn| {
            let t = now();
            diesel::update(outbox::table.find(id))
                .set((
                    outbox::state.eq(update.state),
                    outbox::attempts.eq(attempts),
                    outbox::next_attempt_at.eq(update.next.unwrap_or(t)),
                    outbox::last_error.eq(update.error),
                    outbox::sent_at.eq((update.state == "sent").then_some(t)),
                ))
                .execute(conn)?;
            Ok(())
        })
        .await?;
    }
    Ok(sent)
}

/// What one delivery attempt leaves on the outbox row.
struct Update {
    state: &'static str,
    next: Option<NaiveDateTime>,
    error: Option<String>,
}

/// Wakes the worker when a request has queued mail, so delivery does not wait for the next poll.
#[derive(Clone, Default)]
pub struct Wakeup(pub Arc<Notify>);

impl Wakeup {
    pub fn wake(&self) {
        self.0.notify_one();
    }
}

/// Runs until `shutdown` resolves: deliver what is due, then sleep until woken or the poll interval.
pub async fn run(
    db: Db,
    transport: Transport,
    from: Mailbox,
    poll: Duration,
    wakeup: Wakeup,
    shutdown: rocket::Shutdown,
) {
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        if let Err(e) = deliver_due(&db, &transport, &from).await {
            log_error(&e);
        }
        rocket::tokio::select! {
            _ = wakeup.0.notified() => {}
            _ = rocket::tokio::time::sleep(poll) => {}
            _ = &mut shutdown => break,
        }
    }
}

fn log_error(e: &Error) {
    log::error!("mail worker: {e}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        assert_eq!(backoff(0).num_seconds(), 30);
        assert_eq!(backoff(1).num_seconds(), 60);
        assert_eq!(backoff(3).num_seconds(), 240);
        assert_eq!(backoff(20).num_seconds(), 6 * 3600);
    }
}
