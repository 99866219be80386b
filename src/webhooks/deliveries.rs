//! The deliveries queue: how the worker claims due deliveries with a lease and records each
//! attempt, and what an admin sees and does (the log, redeliver). A delivery is kept as a row
//! whatever becomes of it.
//!
//! ```text
//! queued ──> sending ──> delivered
//!   ▲           │
//!   │           ├──> queued (retry after a back-off)
//!   │           └──> failed (out of attempts, or no webhook any more)
//!   └── redeliver (an admin; from delivered or failed, or to send a queued one now)
//! ```

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::{AsExpression, FromSqlRow};
use serde::Serialize;

use super::WebhookEvent;
use crate::db::schema::{webhook_deliveries as d, webhooks};
use crate::db::{self, Conn};
use crate::error::{Code, Error, Result};
use crate::events::{self, ActedBy, NewEvent};
use crate::time::{now, rfc3339};

/// Where a delivery is; stored as its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, AsExpression, FromSqlRow)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    Queued,
    Sending,
    Delivered,
    Failed,
}

impl DeliveryState {
    pub const ALL: [DeliveryState; 4] = [
        DeliveryState::Queued,
        DeliveryState::Sending,
        DeliveryState::Delivered,
        DeliveryState::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Queued => "queued",
            DeliveryState::Sending => "sending",
            DeliveryState::Delivered => "delivered",
            DeliveryState::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<DeliveryState> {
        DeliveryState::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

crate::stored_as_text!(DeliveryState, "webhook delivery state");

/// How many deliveries a worker claims at once. They are sent one after the other, each within
/// `webhook_timeout_s` (at most 60 s), so a whole claim is done well inside its lease.
pub const CLAIM: i64 = 4;

/// How long a worker's claim holds: longer than `CLAIM` deliveries can take, so an older claim
/// belongs to a worker that died and is taken up again.
pub fn lease() -> chrono::Duration {
    chrono::Duration::minutes(5)
}

/// The wait before attempt `attempts + 1`: `base_s` seconds doubling, at most six hours.
pub fn backoff(base_s: u64, attempts: i64) -> chrono::Duration {
    let base = i64::try_from(base_s).unwrap_or(i64::MAX);
    let secs = base.saturating_mul(1i64 << attempts.clamp(0, 20));
    chrono::Duration::seconds(secs.min(6 * 3600))
}

/// A claimed delivery, with where it goes now (`None` when the webhook was removed).
#[derive(Debug, Clone)]
pub struct Due {
    pub id: i64,
    pub event: WebhookEvent,
    pub body: String,
    pub attempts: i64,
    pub target: Option<(String, String)>,
    /// The end of the worker's lease on it, which also names the claim (`renew_claim`).
    pub held: NaiveDateTime,
}

/// Claims up to `limit` due deliveries (queued and past their time, or sending with an expired
/// lease) by marking them `sending` with a lease of `lease`, in one write transaction, so that no
/// two workers (of this instance or of others on the same database) take the same delivery.
pub fn claim_due(conn: &mut Conn, limit: i64, lease: chrono::Duration) -> Result<Vec<Due>> {
    db::write(conn, |conn| {
        let t = now();
        // The deliveries are claimed first, on their own table, and their webhooks read after.
        let ids: Vec<i64> = db::load_unclaimed!(
            conn,
            d::table
                .filter(
                    d::state
                        .eq(DeliveryState::Queued)
                        .and(d::next_attempt_at.le(t))
                        .or(d::state
                            .eq(DeliveryState::Sending)
                            .and(d::lease_until.lt(t))),
                )
                .order((d::next_attempt_at.asc(), d::id.asc()))
                .limit(limit)
                .select(d::id)
        )?;
        #[allow(clippy::type_complexity)]
        let rows: Vec<(
            i64,
            WebhookEvent,
            String,
            i64,
            Option<String>,
            Option<String>,
        )> = d::table
            .left_join(webhooks::table.on(webhooks::publication_id.eq(d::publication_id)))
            .filter(d::id.eq_any(&ids))
            .order((d::next_attempt_at.asc(), d::id.asc()))
            .select((
                d::id,
                d::event,
                d::body,
                d::attempts,
                webhooks::url.nullable(),
                webhooks::secret.nullable(),
            ))
            .load(conn)?;
        let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
        let held = t + lease;
        diesel::update(d::table.filter(d::id.eq_any(&ids)))
            .set((d::state.eq(DeliveryState::Sending), d::lease_until.eq(held)))
            .execute(conn)?;
        Ok(rows
            .into_iter()
            .map(|(id, event, body, attempts, url, secret)| Due {
                id,
                event,
                body,
                attempts,
                target: url.zip(secret),
                held,
            })
            .collect())
    })
}

/// Right before a claimed delivery is sent: renews the claim for another `lease` if it is still
/// this worker's (its lease is still `held`, the one the claim set), and answers whether it was:
/// after the lease ran out another worker may have taken it up (and sends it: this one must not).
pub fn renew_claim(
    conn: &mut Conn,
    id: i64,
    held: NaiveDateTime,
    lease: chrono::Duration,
) -> Result<bool> {
    db::write(conn, |conn| {
        let until = now() + lease;
        let renewed = diesel::update(
            d::table
                .find(id)
                .filter(d::state.eq(DeliveryState::Sending))
                .filter(d::lease_until.eq(held)),
        )
        .set(d::lease_until.eq(until))
        .execute(conn)?;
        Ok(renewed == 1)
    })
}

/// What one attempt came to: the receiver's status code, if it answered, and an error unless it
/// answered 2xx. `permanent` when trying again cannot help.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    pub status: Option<u16>,
    pub error: Option<String>,
    pub permanent: bool,
}

impl Attempt {
    pub fn delivered(status: u16) -> Attempt {
        Attempt {
            status: Some(status),
            error: None,
            permanent: false,
        }
    }

    pub fn failed(status: Option<u16>, error: impl Into<String>, permanent: bool) -> Attempt {
        Attempt {
            status,
            error: Some(error.into()),
            permanent,
        }
    }
}

/// Records an attempt on a claimed delivery: delivered; or queued again after a back-off; or
/// failed when permanent or out of attempts. Returns the new state.
pub fn record_attempt(
    conn: &mut Conn,
    id: i64,
    attempts_before: i64,
    attempt: Attempt,
    retry_base_s: u64,
    max_attempts: u32,
) -> Result<DeliveryState> {
    let attempts = attempts_before + 1;
    let t = now();
    let (state, next) = match &attempt.error {
        None => (DeliveryState::Delivered, t),
        Some(_) if attempt.permanent || attempts >= i64::from(max_attempts) => {
            (DeliveryState::Failed, t)
        }
        Some(_) => (
            DeliveryState::Queued,
            t + backoff(retry_base_s, attempts - 1),
        ),
    };
    diesel::update(d::table.find(id))
        .set((
            d::state.eq(state),
            d::attempts.eq(attempts),
            d::next_attempt_at.eq(next),
            d::lease_until.eq(None::<NaiveDateTime>),
            d::last_status.eq(attempt.status.map(i32::from)),
            d::last_error.eq(attempt.error),
            d::delivered_at.eq((state == DeliveryState::Delivered).then_some(t)),
        ))
        .execute(conn)?;
    Ok(state)
}

/// A delivery as the log lists it.
#[derive(Debug, Clone, Serialize)]
pub struct DeliveryView {
    pub id: i64,
    pub event: WebhookEvent,
    pub state: DeliveryState,
    /// The receiver's answer to the last attempt; `null` before any, or when it did not answer.
    pub status_code: Option<i32>,
    pub attempts: i64,
    pub last_error: Option<String>,
    /// When the next attempt is due; `null` unless queued or being sent.
    pub next_attempt_at: Option<String>,
    pub created_at: String,
    pub delivered_at: Option<String>,
    pub note_id: Option<i64>,
    pub report_id: Option<i64>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = d)]
struct Listed {
    id: i64,
    event: WebhookEvent,
    state: DeliveryState,
    last_status: Option<i32>,
    attempts: i64,
    last_error: Option<String>,
    next_attempt_at: NaiveDateTime,
    created_at: NaiveDateTime,
    delivered_at: Option<NaiveDateTime>,
    note_id: Option<i64>,
    report_id: Option<i64>,
}

impl From<Listed> for DeliveryView {
    fn from(l: Listed) -> DeliveryView {
        let pending = matches!(l.state, DeliveryState::Queued | DeliveryState::Sending);
        DeliveryView {
            id: l.id,
            event: l.event,
            state: l.state,
            status_code: l.last_status,
            attempts: l.attempts,
            last_error: l.last_error,
            next_attempt_at: pending.then(|| rfc3339(l.next_attempt_at)),
            created_at: rfc3339(l.created_at),
            delivered_at: l.delivered_at.map(rfc3339),
            note_id: l.note_id,
            report_id: l.report_id,
        }
    }
}

/// A publication's deliveries, newest first.
pub fn list(conn: &mut Conn, publication_id: i64, limit: i64) -> Result<Vec<DeliveryView>> {
    db::read(conn, |conn| {
        super::require_publication(conn, publication_id)?;
        let rows: Vec<Listed> = d::table
            .filter(d::publication_id.eq(publication_id))
            .order(d::id.desc())
            .limit(limit)
            .select(Listed::as_select())
            .load(conn)?;
        Ok(rows.into_iter().map(DeliveryView::from).collect())
    })
}

/// How many deliveries are in each state, for `/metrics`.
pub fn counts(conn: &mut Conn) -> Result<Vec<(DeliveryState, i64)>> {
    Ok(d::table
        .group_by(d::state)
        .select((d::state, diesel::dsl::count_star()))
        .load(conn)?)
}

/// When the worker next has something to do: the earliest queued delivery's time, or the
/// earliest lease that will run out.
pub fn next_due(conn: &mut Conn) -> Result<Option<NaiveDateTime>> {
    let queued: Option<NaiveDateTime> = d::table
        .filter(d::state.eq(DeliveryState::Queued))
        .select(diesel::dsl::min(d::next_attempt_at))
        .first(conn)?;
    let leased: Option<NaiveDateTime> = d::table
        .filter(d::state.eq(DeliveryState::Sending))
        .select(diesel::dsl::min(d::lease_until))
        .first(conn)?;
    Ok(match (queued, leased) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    })
}

/// Queues delivery `id` again, now, for a full round of attempts with the same body (signed
/// afresh when sent). A delivery being sent right now cannot be.
pub fn redeliver(conn: &mut Conn, id: i64, by: ActedBy<'_>) -> Result<DeliveryView> {
    db::write(conn, |conn| {
        let from: DeliveryState = d::table
            .find(id)
            .select(d::state)
            .first(conn)
            .optional()?
            .ok_or_else(|| {
                Error::not_found(
                    Code::DeliveryNotFound,
                    format!("there is no webhook delivery {id}"),
                )
            })?;
        if from == DeliveryState::Sending {
            return Err(Error::conflict(
                Code::BeingSent,
                format!("webhook delivery {id} is being sent right now; try again in a moment"),
            ));
        }
        diesel::update(d::table.find(id))
            .set((
                d::state.eq(DeliveryState::Queued),
                d::attempts.eq(0),
                d::next_attempt_at.eq(now()),
                d::lease_until.eq(None::<NaiveDateTime>),
            ))
            .execute(conn)?;
        events::record(
            conn,
            NewEvent {
                kind: "webhook_redelivered",
                actor: by.user_id,
                actor_label: by.label,
                from: Some(from.as_str().into()),
                to: Some(DeliveryState::Queued.as_str().into()),
                body: Some(format!("webhook delivery {id}")),
                ..Default::default()
            },
        )?;
        super::QUEUED.with(|q| q.set(true));
        let row: Listed = d::table.find(id).select(Listed::as_select()).first(conn)?;
        Ok(row.into())
    })
}

/// The publication a delivery belongs to (for the dashboard's way back).
pub fn publication_of(conn: &mut Conn, id: i64) -> Result<Option<i64>> {
    Ok(d::table
        .find(id)
        .select(d::publication_id)
        .first(conn)
        .optional()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::schema::{publications, webhooks};

    fn queued(conn: &mut Conn) -> i64 {
        let t = now();
        diesel::insert_into(d::table)
            .values((
                d::publication_id.eq(1),
                d::event.eq(WebhookEvent::NotePublished),
                d::body.eq("{}"),
                d::state.eq(DeliveryState::Queued),
                d::attempts.eq(0),
                d::next_attempt_at.eq(t),
                d::created_at.eq(t),
            ))
            .returning(d::id)
            .get_result(conn)
            .expect("a delivery")
    }

    fn database() -> Conn {
        let mut conn = crate::db::connect(":memory:").expect("a database");
        crate::db::migrate(&mut conn).expect("migrations");
        diesel::insert_into(publications::table)
            .values((
                publications::id.eq(1),
                publications::name.eq("Daily"),
                publications::base_url.eq("https://daily.example/"),
                publications::host.eq("daily.example"),
                publications::created_at.eq(now()),
            ))
            .execute(&mut conn)
            .expect("a publication");
        diesel::insert_into(webhooks::table)
            .values((
                webhooks::publication_id.eq(1),
                webhooks::url.eq("https://cms.example/hook"),
                webhooks::secret.eq("a-long-enough-secret"),
                webhooks::created_at.eq(now()),
                webhooks::updated_at.eq(now()),
            ))
            .execute(&mut conn)
            .expect("a webhook");
        conn
    }

    #[test]
    fn a_claim_is_exclusive_until_its_lease_runs_out() {
        let mut conn = database();
        let id = queued(&mut conn);
        let first = claim_due(&mut conn, 10, lease()).expect("claimed");
        assert_eq!(first.len(), 1);
        assert_eq!(
            first[0].target.as_ref().map(|t| t.0.as_str()),
            Some("https://cms.example/hook")
        );
        assert!(claim_due(&mut conn, 10, lease())
            .expect("claimed")
            .is_empty());
        // The worker that claimed it dies: once the lease is over, another takes it up.
        diesel::update(d::table.find(id))
            .set(d::lease_until.eq(Some(now() - chrono::Duration::seconds(1))))
            .execute(&mut conn)
            .expect("lease expired");
        let again = claim_due(&mut conn, 10, lease()).expect("claimed");
        assert_eq!(again.iter().map(|d| d.id).collect::<Vec<_>>(), vec![id]);
    }

    #[test]
    fn failures_back_off_then_fail_and_success_is_recorded_with_its_status() {
        let mut conn = database();
        let id = queued(&mut conn);
        claim_due(&mut conn, 1, lease()).expect("claimed");
        let state = record_attempt(
            &mut conn,
            id,
            0,
            Attempt::failed(Some(500), "HTTP 500", false),
            30,
            3,
        )
        .expect("recorded");
        assert_eq!(state, DeliveryState::Queued);
        let next: NaiveDateTime = d::table
            .find(id)
            .select(d::next_attempt_at)
            .first(&mut conn)
            .expect("row");
        assert!(next > now() + chrono::Duration::seconds(25), "backs off");
        let failed = Attempt::failed(Some(500), "HTTP 500", false);
        assert_eq!(
            record_attempt(&mut conn, id, 2, failed, 30, 3).expect("recorded"),
            DeliveryState::Failed,
            "out of attempts"
        );
        let view = redeliver(&mut conn, id, ActedBy::CLI).expect("queued again");
        assert_eq!((view.state, view.attempts), (DeliveryState::Queued, 0));
        assert_eq!(
            record_attempt(&mut conn, id, 0, Attempt::delivered(204), 30, 3).expect("recorded"),
            DeliveryState::Delivered
        );
        let listed = list(&mut conn, 1, 10).expect("listed");
        assert_eq!(listed[0].status_code, Some(204));
        assert_eq!(listed[0].next_attempt_at, None);
        assert!(redeliver(&mut conn, 999, ActedBy::CLI).is_err());
    }

    #[test]
    fn backoff_doubles_from_its_base_and_is_capped() {
        assert_eq!(backoff(30, 0).num_seconds(), 30);
        assert_eq!(backoff(30, 2).num_seconds(), 120);
        assert_eq!(backoff(0, 5).num_seconds(), 0);
        assert_eq!(backoff(30, 40).num_seconds(), 6 * 3600);
    }

    #[test]
    fn states_parse_their_names() {
        for s in DeliveryState::ALL {
            assert_eq!(DeliveryState::parse(s.as_str()), Some(s));
        }
    }
}
