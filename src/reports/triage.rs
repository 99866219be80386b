//! Working a report: comments and assignment, each an event.

use diesel::prelude::*;
use serde::Serialize;

use super::*;
use crate::accounts::permissions::{self, Action};
use crate::accounts::User;
use crate::db::schema::{reports, users};
use crate::db::{self, Conn};
use crate::error::{Error, Result};
use crate::events::{self, NewEvent};
use crate::mail::{self, Site};
use crate::text::input;
use crate::time::{now, rfc3339};

/// A comment on a report, as the API shows it.
#[derive(Debug, Clone, Serialize)]
pub struct CommentView {
    pub id: i64,
    pub report_id: i64,
    pub author: UserRef,
    pub body: String,
    pub created_at: String,
}

pub fn comment(
    conn: &mut Conn,
    actor: &User,
    id: i64,
    body: &Option<String>,
) -> Result<CommentView> {
    permissions::require(actor.role, Action::Comment)?;
    let body = input::required(body.as_deref(), "body", 1, COMMENT_MAX)?;
    db::write(conn, |conn| {
        let report = find(conn, id)?;
        let event_id = events::record(
            conn,
            NewEvent {
                kind: "comment",
                report_id: Some(report.id),
                article_id: Some(report.article_id),
                actor: Some(actor.id),
                body: Some(body.clone()),
                ..Default::default()
            },
        )?;
        diesel::update(reports::table.find(report.id))
            .set(reports::updated_at.eq(now()))
            .execute(conn)?;
        Ok(CommentView {
            id: event_id,
            report_id: report.id,
            author: UserRef {
                id: actor.id,
                name: actor.name.clone(),
                email: actor.email.clone(),
            },
            body,
            created_at: rfc3339(now()),
        })
    })
}

/// Assigns a report to an active user, or clears the assignee with `None`.
pub fn assign(
    conn: &mut Conn,
    site: &Site,
    actor: &User,
    id: i64,
    user_id: Option<i64>,
) -> Result<Report> {
    permissions::require(actor.role, Action::Assign)?;
    db::write(conn, |conn| {
        let report = find(conn, id)?;
        if let Some(uid) = user_id {
            let active: Option<bool> = users::table
                .find(uid)
                .select(users::active)
                .first(conn)
                .optional()?;
            match active {
                Some(true) => {}
                Some(false) => {
                    return Err(Error::invalid(
                        "user_id",
                        format!("user {uid} is deactivated"),
                    ))
                }
                None => return Err(Error::invalid("user_id", format!("there is no user {uid}"))),
            }
        }
        if report.assignee_id == user_id {
            return Ok(report);
        }
        let updated: Report = diesel::update(reports::table.find(report.id))
            .set((
                reports::assignee_id.eq(user_id),
                reports::updated_at.eq(now()),
            ))
            .returning(db::columns_of::<Report>())
            .get_result(conn)?;
        events::record(
            conn,
            NewEvent {
                kind: "assigned",
                report_id: Some(report.id),
                article_id: Some(report.article_id),
                actor: Some(actor.id),
                from: report.assignee_id.map(|v| v.to_string()),
                to: user_id.map(|v| v.to_string()),
                ..Default::default()
            },
        )?;
        mail::editors::report_assigned(conn, site, actor, report.id, user_id)?;
        Ok(updated)
    })
}
