//! The outbox worker: delivers due messages with exponential back-off. Requests only write outbox
//! rows (in their own transaction); nothing is sent inside a request.

use std::sync::Arc;
use std::time::Duration;

use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::Message;
use rocket::tokio::sync::Notify;

use super::outbox::{self, Attempt, Due, OutboxState};
use super::transport::Transport;
use super::Site;
use crate::db::Db;
use crate::error::{Error, Result};

/// How the worker retries: from the settings `mail_retry_base_s` and `mail_max_attempts`.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    pub base_s: u64,
    pub max_attempts: u32,
    /// How long a claim on a message holds (`outbox_lease_s`).
    pub lease: chrono::Duration,
}

fn build(row: &Due, from: &Mailbox) -> std::result::Result<Message, String> {
    // The address is not quoted in the error: these messages reach the log.
    let to: Mailbox = row
        .recipient
        .parse()
        .map_err(|_| "the recipient is not a usable address".to_owned())?;
    let mut builder = Message::builder()
        .from(from.clone())
        .to(to)
        .subject(&row.subject)
        .message_id(Some(row.message_id.clone()));
    if let Some(url) = &row.list_unsubscribe {
        // RFC 8058 one-click unsubscribe. lettre encodes (and folds) the value itself, so nothing
        // in it can start a header of its own; the URL is ours, built from a random token.
        builder = builder
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe"),
                format!("<{url}>"),
            ))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                "List-Unsubscribe=One-Click".to_owned(),
            ));
    }
    builder
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
    let claimed = db
        .run(move |conn| outbox::claim_due(conn, 50, policy.lease))
        .await?;
    let held = claimed.until;
    let mut sent = 0;
    for row in claimed.due {
        // Still this worker's (the claim's lease is still on it), for long enough to send it.
        let id = row.id;
        if !crate::time::claim_is_fresh(held, policy.lease)
            && !db
                .run(move |conn| outbox::renew_claim(conn, id, held, policy.lease))
                .await?
        {
            log::info!("mail {id}: its claim ran out and another worker took it up");
            continue;
        }
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

/// Wakes the worker when mail was queued, so delivery does not wait for the next poll.
#[derive(Clone, Default)]
pub struct Wakeup(pub Arc<Notify>);

impl Wakeup {
    pub fn wake(&self) {
        self.0.notify_one();
    }
}

/// The hook for `Db::after_each_run`: wakes the worker after a unit of database work that queued
/// mail. (A separate process, such as the CLI, cannot wake it: the worker's poll finds that mail.)
pub fn wake_when_queued(wakeup: Wakeup) -> impl Fn() + Send + Sync + 'static {
    move || {
        if super::outbox::take_queued() {
            wakeup.wake();
        }
    }
}

/// How often the worker looks for digests due and reports past their target time.
pub const EDITORS_TICK: Duration = Duration::from_secs(60);

/// Runs until `shutdown` resolves: the editors' periodic mail when its tick is due, deliver what
/// is due, then sleep until woken or the poll interval.
#[allow(clippy::too_many_arguments)]
pub async fn run(
    db: Db,
    site: Site,
    transport: Transport,
    from: Mailbox,
    poll: Duration,
    policy: RetryPolicy,
    wakeup: Wakeup,
    shutdown: rocket::Shutdown,
) {
    let mut shutdown = std::pin::pin!(shutdown);
    let mut next_tick = std::time::Instant::now();
    loop {
        if std::time::Instant::now() >= next_tick {
            next_tick = std::time::Instant::now() + EDITORS_TICK;
            let site = site.clone();
            let done = db
                .run(move |conn| super::digests::tick(conn, &site, crate::time::now()))
                .await;
            match done {
                Ok((0, 0)) => {}
                Ok((digests, overdue)) => log::info!(
                    "editor mail: {digests} digest(s) queued, {overdue} report(s) past their target time"
                ),
                Err(e) => log_error(&e),
            }
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::Email;

    fn email() -> Email {
        Email {
            template: "report_received",
            to: "ada@example.org".into(),
            subject: "s".into(),
            text: "t".into(),
            html: "h".into(),
            report_id: None,
            note_id: None,
            list_unsubscribe: None,
        }
    }

    /// Whoever queues mail through `Db::run` wakes the worker; work that queues none does not.
    #[rocket::async_test]
    async fn mail_queued_in_a_unit_of_work_wakes_the_worker() {
        let dir = tempfile::TempDir::new().unwrap();
        let url = dir.path().join("t.db").to_string_lossy().into_owned();
        let mut conn = crate::db::connect(&url).unwrap();
        crate::db::migrate(&mut conn).unwrap();
        let wakeup = Wakeup::default();
        let db = Db::open(&url, 1)
            .unwrap()
            .after_each_run(wake_when_queued(wakeup.clone()));
        let woken =
            || rocket::tokio::time::timeout(Duration::from_millis(200), wakeup.0.notified());

        db.run(|_| Ok(())).await.unwrap();
        assert!(woken().await.is_err(), "nothing was queued");

        let site = Site {
            base_url: "http://errata.test".into(),
            host: "errata.test".into(),
            words: |_, id, _| id.to_owned(),
        };
        db.run(move |conn| outbox::enqueue(conn, &site, email()))
            .await
            .unwrap();
        assert!(woken().await.is_ok(), "the worker is woken");
    }
}
