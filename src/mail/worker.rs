//! The outbox worker: delivers due messages with exponential back-off. Requests only write outbox
//! rows (in their own transaction); nothing is sent inside a request.

use std::sync::Arc;
use std::time::Duration;

use lettre::message::{Mailbox, MultiPart};
use lettre::Message;
use rocket::tokio::sync::Notify;

use super::outbox::{self, Attempt, Due, OutboxState};
use super::transport::Transport;
use crate::db::Db;
use crate::error::{Error, Result};

/// How the worker retries: from the settings `mail_retry_base_s` and `mail_max_attempts`.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    pub base_s: u64,
    pub max_attempts: u32,
}

fn build(row: &Due, from: &Mailbox) -> std::result::Result<Message, String> {
    // The address is not quoted in the error: these messages reach the log.
    let to: Mailbox = row
        .recipient
        .parse()
        .map_err(|_| "the recipient is not a usable address".to_owned())?;
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

/// Claims and sends every message that is due; returns how many were delivered.
pub async fn deliver_due(
    db: &Db,
    transport: &Transport,
    from: &Mailbox,
    policy: RetryPolicy,
) -> Result<usize> {
    let due = db.run(|conn| outbox::claim_due(conn, 50)).await?;
    let mut sent = 0;
    for row in due {
        // A message that cannot even be built (a bad address) will never go: no retries.
        let attempt = match build(&row, from) {
            Ok(message) => match transport.send(message).await {
                Ok(()) => Attempt::Sent,
                Err(e) => Attempt::Failed {
                    error: e.message,
                    permanent: e.permanent,
                },
            },
            Err(e) => Attempt::Failed {
                error: e,
                permanent: true,
            },
        };
        if let Attempt::Failed { error, .. } = &attempt {
            // Named by id only: the recipient is a reader's personal data (and an address the
            // server quotes in its answer is taken out by the logger's scrub).
            log::warn!(
                "mail {} failed (attempt {}): {error}",
                row.id,
                row.attempts + 1
            );
        }
        let (id, attempts) = (row.id, row.attempts);
        let state = db
            .run(move |conn| {
                outbox::record_attempt(
                    conn,
                    id,
                    attempts,
                    attempt,
                    policy.base_s,
                    policy.max_attempts,
                )
            })
            .await?;
        match state {
            OutboxState::Sent => {
                sent += 1;
                log::info!("mail {id} sent");
            }
            OutboxState::Failed => {
                log::warn!("mail {id} failed for good; `errata mail retry {id}` queues it again")
            }
            _ => {}
        }
    }
    Ok(sent)
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
    policy: RetryPolicy,
    wakeup: Wakeup,
    shutdown: rocket::Shutdown,
) {
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        if let Err(e) = deliver_due(&db, &transport, &from, policy).await {
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
