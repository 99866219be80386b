//! The audit log: every state change, assignment, comment, publication and anchor move is a row
//! saying who, when, what, from and to.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::{events, users};
use crate::db::Conn;
use crate::error::Result;
use crate::time::{now, rfc3339};

/// What an event is about and who did it; `actor` is `None` for readers and the system.
#[derive(Debug, Default, Clone)]
pub struct NewEvent<'a> {
    pub kind: &'a str,
    pub report_id: Option<i64>,
    pub note_id: Option<i64>,
    pub article_id: Option<i64>,
    pub actor: Option<i64>,
    /// Who acted when it was not a user: `cli` for the command line.
    pub actor_label: Option<&'a str>,
    /// The user, API token or outbox message an admin action was about.
    pub user_id: Option<i64>,
    pub token_id: Option<i64>,
    pub outbox_id: Option<i64>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub body: Option<String>,
}

/// Who did an admin action: a signed-in user, or the command line (which has no user).
#[derive(Debug, Clone, Copy)]
pub struct ActedBy<'a> {
    pub user_id: Option<i64>,
    pub label: Option<&'a str>,
}

impl ActedBy<'static> {
    /// An operator at the `errata` command line.
    pub const CLI: ActedBy<'static> = ActedBy {
        user_id: None,
        label: Some("cli"),
    };
}

pub fn record(conn: &mut Conn, e: NewEvent<'_>) -> Result<i64> {
    Ok(diesel::insert_into(events::table)
        .values((
            events::kind.eq(e.kind),
            events::report_id.eq(e.report_id),
            events::note_id.eq(e.note_id),
            events::article_id.eq(e.article_id),
            events::actor_id.eq(e.actor),
            events::actor_label.eq(e.actor_label),
            events::user_id.eq(e.user_id),
            events::token_id.eq(e.token_id),
            events::outbox_id.eq(e.outbox_id),
            events::from_value.eq(e.from),
            events::to_value.eq(e.to),
            events::body.eq(e.body),
            events::created_at.eq(now()),
        ))
        .returning(events::id)
        .get_result(conn)?)
}

#[derive(Debug, Clone, Serialize)]
pub struct Actor {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct EventView {
    pub id: i64,
    pub kind: String,
    pub actor: Option<Actor>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub body: Option<String>,
    pub note_id: Option<i64>,
    pub created_at: String,
}

type EventRow = (
    i64,
    String,
    Option<i64>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<i64>,
    NaiveDateTime,
    Option<String>,
);

/// A report's events, oldest first.
pub fn for_report(conn: &mut Conn, report_id: i64) -> Result<Vec<EventView>> {
    let rows: Vec<EventRow> = events::table
        .left_join(users::table)
        .filter(events::report_id.eq(report_id))
        .order(events::id.asc())
        .select((
            events::id,
            events::kind,
            events::actor_id,
            events::from_value,
            events::to_value,
            events::body,
            events::note_id,
            events::created_at,
            users::name.nullable(),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(id, kind, actor_id, from, to, body, note_id, at, name)| EventView {
                id,
                kind,
                actor: actor_id.map(|id| Actor {
                    id,
                    name: name.unwrap_or_default(),
                }),
                from,
                to,
                body,
                note_id,
                created_at: rfc3339(at),
            },
        )
        .collect())
}
