//! The outbox as an admin sees it: the states a message goes through, how the worker claims one
//! with a lease and records the outcome, and what an admin may do with a message (list, retry,
//! discard). A message is kept as a row whatever becomes of it.
//!
//! ```text
//! queued ──> sending ──> sent
//!   ▲           │
//!   │           ├──> queued (retry after a back-off)
//!   │           └──> failed (refused, or out of attempts) ──> queued (an admin retries)
//!   └── discarded <── (an admin discards a queued or failed message)
//! ```

use std::cell::Cell;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::{AsExpression, FromSqlRow};
use serde::Serialize;

use crate::db::schema::outbox;
use crate::db::{self, Conn};
use crate::error::{Code, Error, Result};
use crate::events::{self, ActedBy, NewEvent};
use crate::secrets::random_secret;
use crate::time::now;

use super::{Email, Site};

/// Where a message is on its way out; stored as its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, AsExpression, FromSqlRow)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "snake_case")]
pub enum OutboxState {
    Queued,
    Sending,
    Sent,
    Failed,
    Discarded,
}

impl OutboxState {
    pub const ALL: [OutboxState; 5] = [
        OutboxState::Queued,
        OutboxState::Sending,
        OutboxState::Sent,
        OutboxState::Failed,
        OutboxState::Discarded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OutboxState::Queued => "queued",
            OutboxState::Sending => "sending",
            OutboxState::Sent => "sent",
            OutboxState::Failed => "failed",
            OutboxState::Discarded => "discarded",
        }
    }

    pub fn parse(s: &str) -> Option<OutboxState> {
        OutboxState::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

crate::stored_as_text!(OutboxState, "outbox state");

thread_local! {
    /// Whether this thread queued mail since it last asked (`take_queued`).
    static QUEUED: Cell<bool> = const { Cell::new(false) };
}

/// Whether mail was queued on this thread since the last call; clears the mark. Database work runs
/// on one blocking thread per unit (`Db::run`), which asks this afterwards (through the hook the
/// application installs, `worker::wake_when_queued`) so that the worker is woken by the domain
/// that queued the mail, whoever called it, and no route has to remember to.
pub fn take_queued() -> bool {
    QUEUED.with(|q| q.replace(false))
}

/// Queues `email`; call inside the transaction of the change that causes it.
pub fn enqueue(conn: &mut Conn, site: &Site, email: Email) -> Result<i64> {
    QUEUED.with(|q| q.set(true));
    let message_id = format!("<{}@{}>", random_secret(18), site.host);
    let t = now();
    Ok(diesel::insert_into(outbox::table)
        .values((
            outbox::kind.eq("email"),
            outbox::template.eq(email.template),
            outbox::recipient.eq(&email.to),
            outbox::subject.eq(&email.subject),
            outbox::body_text.eq(&email.text),
            outbox::body_html.eq(&email.html),
            outbox::message_id.eq(message_id),
            outbox::report_id.eq(email.report_id),
            outbox::note_id.eq(email.note_id),
            outbox::list_unsubscribe.eq(&email.list_unsubscribe),
            outbox::state.eq(OutboxState::Queued),
            outbox::attempts.eq(0),
            outbox::next_attempt_at.eq(t),
            outbox::created_at.eq(t),
        ))
        .returning(outbox::id)
        .get_result(conn)?)
}

/// How long a worker's claim on a message holds unless `outbox_lease_s` says otherwise. A send has
/// a 20 s timeout, so a claim older than this belongs to a worker that died (or an instance that
/// was killed), and the message is taken up again, by this instance or another.
pub fn lease() -> chrono::Duration {
    chrono::Duration::minutes(5)
}

/// The wait before attempt `attempts + 1`: `base_s` seconds doubling, at most six hours.
pub fn backoff(base_s: u64, attempts: i64) -> chrono::Duration {
    let base = i64::try_from(base_s).unwrap_or(i64::MAX);
    let secs = base.saturating_mul(1i64 << attempts.clamp(0, 20));
    chrono::Duration::seconds(secs.min(6 * 3600))
}

/// A message as the worker needs it to send.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = outbox)]
pub struct Due {
    pub id: i64,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub message_id: String,
    pub attempts: i64,
    pub list_unsubscribe: Option<String>,
}

/// Messages a worker has claimed, and the end of its lease on them, which also names the claim
/// (`renew_claim`).
pub struct Claimed {
    pub until: NaiveDateTime,
    pub due: Vec<Due>,
}

/// Claims up to `limit` messages that are due (queued and past their time, or sending with an
/// expired lease) by marking them `sending` with a lease of `lease`, in one write transaction, so
/// that no two workers (of this instance or of others on the same database) take the same message.
pub fn claim_due(conn: &mut Conn, limit: i64, lease: chrono::Duration) -> Result<Claimed> {
    db::write(conn, |conn| {
        let t = now();
        let due: Vec<Due> = db::load_unclaimed!(
            conn,
            outbox::table
                .filter(
                    outbox::state
                        .eq(OutboxState::Queued)
                        .and(outbox::next_attempt_at.le(t))
                        .or(outbox::state
                            .eq(OutboxState::Sending)
                            .and(outbox::lease_until.lt(t))),
                )
                .order((outbox::next_attempt_at.asc(), outbox::id.asc()))
                .limit(limit)
                .select(Due::as_select())
        )?;
        let ids: Vec<i64> = due.iter().map(|d| d.id).collect();
        let until = t + lease;
        diesel::update(outbox::table.filter(outbox::id.eq_any(&ids)))
            .set((
                outbox::state.eq(OutboxState::Sending),
                outbox::lease_until.eq(until),
            ))
            .execute(conn)?;
        Ok(Claimed { until, due })
    })
}

/// Right before a claimed message is sent: renews the claim for another `lease` if it is still
/// this worker's (its lease is still `held`, the one the claim set), and answers whether it was. A worker that went through a long
/// claim slower than its lease may find a message taken up by another (which sends it): it must
/// not send it too.
pub fn renew_claim(
    conn: &mut Conn,
    id: i64,
    held: NaiveDateTime,
    lease: chrono::Duration,
) -> Result<bool> {
    db::write(conn, |conn| {
        let until = now() + lease;
        let renewed = diesel::update(
            outbox::table
                .find(id)
                .filter(outbox::state.eq(OutboxState::Sending))
                .filter(outbox::lease_until.eq(held)),
        )
        .set(outbox::lease_until.eq(until))
        .execute(conn)?;
        Ok(renewed == 1)
    })
}

/// What one delivery attempt comes to.
pub enum Attempt {
    Sent,
    /// Not sent: `permanent` when trying again cannot help (a refused recipient).
    Failed {
        error: String,
        permanent: bool,
    },
}

/// Records the outcome of an attempt on a claimed message: sent; or queued again after a
/// back-off; or failed for good when refused or out of attempts.
pub fn record_attempt(
    conn: &mut Conn,
    id: i64,
    attempts_before: i64,
    attempt: Attempt,
    retry_base_s: u64,
    max_attempts: u32,
) -> Result<OutboxState> {
    let attempts = attempts_before + 1;
    let t = now();
    let (state, next, error) = match attempt {
        Attempt::Sent => (OutboxState::Sent, t, None),
        Attempt::Failed { error, permanent } => {
            if permanent || attempts >= i64::from(max_attempts) {
                (OutboxState::Failed, t, Some(error))
            } else {
                (
                    OutboxState::Queued,
                    t + backoff(retry_base_s, attempts - 1),
                    Some(error),
                )
            }
        }
    };
    // A message sent is recorded as sent whatever happened meanwhile. One that did not go is
    // recorded only while still `sending`: a reader who unsubscribed during the attempt had it
    // discarded, and it must not come back to the queue.
    let changes = (
        outbox::state.eq(state),
        outbox::attempts.eq(attempts),
        outbox::next_attempt_at.eq(next),
        outbox::lease_until.eq(None::<NaiveDateTime>),
        outbox::last_error.eq(error),
        outbox::sent_at.eq((state == OutboxState::Sent).then_some(t)),
    );
    let row = outbox::table.find(id);
    let changed = if state == OutboxState::Sent {
        diesel::update(row).set(changes).execute(conn)?
    } else {
        diesel::update(row.filter(outbox::state.eq(OutboxState::Sending)))
            .set(changes)
            .execute(conn)?
    };
    if changed == 0 {
        return state_of(conn, id);
    }
    Ok(state)
}

/// A message as listed for an admin.
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = outbox)]
pub struct Listed {
    pub id: i64,
    pub kind: String,
    pub template: String,
    pub recipient: String,
    pub state: OutboxState,
    pub attempts: i64,
    pub next_attempt_at: NaiveDateTime,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
}

/// How many messages there are of each kind in each state, for `/metrics`.
pub fn counts(conn: &mut Conn) -> Result<Vec<(String, OutboxState, i64)>> {
    Ok(outbox::table
        .group_by((outbox::kind, outbox::state))
        .select((outbox::kind, outbox::state, diesel::dsl::count_star()))
        .order((outbox::kind.asc(), outbox::state.asc()))
        .load(conn)?)
}

/// When the oldest message still waiting in the queue was queued, if any is.
pub fn oldest_queued(conn: &mut Conn) -> Result<Option<NaiveDateTime>> {
    Ok(outbox::table
        .filter(outbox::state.eq(OutboxState::Queued))
        .select(diesel::dsl::min(outbox::created_at))
        .first(conn)?)
}

/// Messages, newest first, optionally in one state.
pub fn list(conn: &mut Conn, state: Option<OutboxState>, limit: i64) -> Result<Vec<Listed>> {
    let mut query = outbox::table
        .order(outbox::id.desc())
        .limit(limit)
        .select(Listed::as_select())
        .into_boxed();
    if let Some(state) = state {
        query = query.filter(outbox::state.eq(state));
    }
    Ok(query.load(conn)?)
}

fn state_of(conn: &mut Conn, id: i64) -> Result<OutboxState> {
    let state: Option<OutboxState> = outbox::table
        .find(id)
        .select(outbox::state)
        .first(conn)
        .optional()?;
    state.ok_or_else(|| Error::not_found(Code::OutboxNotFound, format!("there is no message {id}")))
}

fn audit(
    conn: &mut Conn,
    by: ActedBy<'_>,
    id: i64,
    kind: &str,
    from: OutboxState,
    to: OutboxState,
) -> Result<()> {
    events::record(
        conn,
        NewEvent {
            kind,
            outbox_id: Some(id),
            actor: by.user_id,
            actor_label: by.label,
            from: Some(from.as_str().into()),
            to: Some(to.as_str().into()),
            ..Default::default()
        },
    )?;
    Ok(())
}

/// Puts a failed or discarded message back in the queue for one more full round of attempts.
pub fn retry(conn: &mut Conn, id: i64, by: ActedBy<'_>) -> Result<()> {
    db::write(conn, |conn| {
        let from = state_of(conn, id)?;
        match from {
            OutboxState::Failed | OutboxState::Discarded => {}
            OutboxState::Queued | OutboxState::Sending => {
                return Err(Error::conflict(
                    Code::AlreadyQueued,
                    format!("message {id} is already {}", from.as_str()),
                ))
            }
            OutboxState::Sent => {
                return Err(Error::conflict(
                    Code::AlreadySent,
                    format!("message {id} was sent; it is not sent twice"),
                ))
            }
        }
        diesel::update(outbox::table.find(id))
            .set((
                outbox::state.eq(OutboxState::Queued),
                outbox::attempts.eq(0),
                outbox::next_attempt_at.eq(now()),
                outbox::lease_until.eq(None::<NaiveDateTime>),
            ))
            .execute(conn)?;
        audit(conn, by, id, "mail_retried", from, OutboxState::Queued)
    })
}

/// Retries every failed message; returns their ids.
pub fn retry_failed(conn: &mut Conn, by: ActedBy<'_>) -> Result<Vec<i64>> {
    db::write(conn, |conn| {
        let ids: Vec<i64> = outbox::table
            .filter(outbox::state.eq(OutboxState::Failed))
            .order(outbox::id.asc())
            .select(outbox::id)
            .load(conn)?;
        for &id in &ids {
            retry(conn, id, by)?;
        }
        Ok(ids)
    })
}

/// Marks a queued or failed message `discarded`: kept as a row, never sent.
pub fn discard(conn: &mut Conn, id: i64, by: ActedBy<'_>) -> Result<()> {
    db::write(conn, |conn| {
        let from = state_of(conn, id)?;
        match from {
            OutboxState::Queued | OutboxState::Failed => {}
            OutboxState::Sending => {
                return Err(Error::conflict(
                    Code::BeingSent,
                    format!("message {id} is being sent right now; try again in a moment"),
                ))
            }
            OutboxState::Sent => {
                return Err(Error::conflict(
                    Code::AlreadySent,
                    format!("message {id} was already sent"),
                ))
            }
            OutboxState::Discarded => {
                return Err(Error::conflict(
                    Code::AlreadyDiscarded,
                    format!("message {id} is already discarded"),
                ))
            }
        }
        diesel::update(outbox::table.find(id))
            .set(outbox::state.eq(OutboxState::Discarded))
            .execute(conn)?;
        audit(conn, by, id, "mail_discarded", from, OutboxState::Discarded)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_its_base_and_is_capped() {
        assert_eq!(backoff(30, 0).num_seconds(), 30);
        assert_eq!(backoff(30, 1).num_seconds(), 60);
        assert_eq!(backoff(30, 3).num_seconds(), 240);
        assert_eq!(backoff(30, 20).num_seconds(), 6 * 3600);
        assert_eq!(backoff(1, 2).num_seconds(), 4);
        assert_eq!(backoff(u64::MAX, 5).num_seconds(), 6 * 3600);
    }

    fn site() -> Site {
        Site {
            base_url: "http://errata.test".into(),
            host: "errata.test".into(),
            words: |_, id, _| id.to_owned(),
        }
    }

    fn email(to: &str) -> Email {
        Email {
            template: "report_received",
            to: to.into(),
            subject: "s".into(),
            text: "t".into(),
            html: "h".into(),
            report_id: None,
            note_id: None,
            list_unsubscribe: None,
        }
    }

    #[test]
    fn a_claim_taken_up_by_another_worker_is_not_renewed_by_the_first() {
        let mut conn = crate::db::connect(":memory:").expect("a database");
        crate::db::migrate(&mut conn).expect("migrations");
        let site = site();
        let id = enqueue(&mut conn, &site, email("a@example.org")).expect("queued");
        let short = chrono::Duration::milliseconds(1);
        let first = claim_due(&mut conn, 10, short).expect("claimed");
        assert_eq!(first.due.len(), 1);
        assert!(renew_claim(&mut conn, id, first.until, short).expect("renewed"));
        // The lease runs out while the first worker is busy: a second worker takes it up.
        std::thread::sleep(std::time::Duration::from_millis(5));
        let second = claim_due(&mut conn, 10, lease()).expect("claimed again");
        assert_eq!(second.due.len(), 1);
        assert!(
            !renew_claim(&mut conn, id, first.until, lease()).expect("asked"),
            "the first worker must not send it now"
        );
        assert!(renew_claim(&mut conn, id, second.until, lease()).expect("asked"));
    }

    #[test]
    fn a_failed_attempt_on_a_message_discarded_meanwhile_leaves_it_discarded() {
        let mut conn = crate::db::connect(":memory:").expect("a database");
        crate::db::migrate(&mut conn).expect("migrations");
        let site = site();
        let failed = enqueue(&mut conn, &site, email("a@example.org")).expect("queued");
        let sent = enqueue(&mut conn, &site, email("b@example.org")).expect("queued");
        assert_eq!(
            claim_due(&mut conn, 10, lease())
                .expect("claimed")
                .due
                .len(),
            2
        );
        // The reader unsubscribes while both are being sent.
        diesel::update(outbox::table)
            .set(outbox::state.eq(OutboxState::Discarded))
            .execute(&mut conn)
            .expect("discarded");
        let attempt = Attempt::Failed {
            error: "421 try later".into(),
            permanent: false,
        };
        assert_eq!(
            record_attempt(&mut conn, failed, 0, attempt, 30, 5).expect("recorded"),
            OutboxState::Discarded,
            "not queued again"
        );
        assert_eq!(
            record_attempt(&mut conn, sent, 0, Attempt::Sent, 30, 5).expect("recorded"),
            OutboxState::Sent,
            "what went is recorded as sent"
        );
    }

    #[test]
    fn states_parse_their_names() {
        for s in OutboxState::ALL {
            assert_eq!(OutboxState::parse(s.as_str()), Some(s));
        }
        assert_eq!(OutboxState::parse("pending"), None);
    }
}
