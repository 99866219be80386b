//! Reports as editors read them: one whole, or a keyset-paginated list with filters, each with
//! its current anchor, its notes and (for one) its event log.

use std::collections::HashMap;

use diesel::prelude::*;
use serde::Serialize;

use super::workflow::{Resolution, State};
use super::*;
use crate::accounts::{self, User};
use crate::anchoring::{self, AnchorView, Subject};
use crate::articles::{self};
use crate::db::schema::{note_reports, reports};
use crate::db::Conn;
use crate::error::{Error, Result};
use crate::events::{self, EventView};
use crate::time::{rfc3339, rfc3339_opt};

#[derive(Debug, Clone, Serialize)]
pub struct ArticleRef {
    pub id: i64,
    pub url: String,
    pub title: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReporterView {
    pub name: Option<String>,
    pub email: Option<String>,
    pub notify: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct UserRef {
    pub id: i64,
    pub name: String,
    pub email: String,
}

/// A report as editors see it through the API.
#[derive(Debug, Clone, Serialize)]
pub struct ReportView {
    pub id: i64,
    pub reference: String,
    pub article: ArticleRef,
    pub state: State,
    /// The same as `state`; the name the reader-facing answers use.
    pub status: State,
    pub resolution: Option<Resolution>,
    pub category: Category,
    pub description: String,
    pub suggested_correction: Option<String>,
    pub evidence_urls: Vec<String>,
    pub reporter: ReporterView,
    pub assignee: Option<UserRef>,
    pub duplicate_of: Option<i64>,
    pub passage: PassageView,
    pub anchor: Option<AnchorView>,
    pub notes: Vec<i64>,
    /// The states this caller may move the report to.
    pub allowed_transitions: Vec<State>,
    pub created_at: String,
    pub updated_at: String,
    pub resolved_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events: Option<Vec<EventView>>,
}

/// What report views share, loaded once per request: revision texts, articles, users, and (for
/// listings) every report's current anchor in one query.
#[derive(Default)]
pub struct Lookups {
    texts: anchoring::Texts,
    articles: HashMap<i64, ArticleRef>,
    users: HashMap<i64, Option<UserRef>>,
    anchors: Option<HashMap<i64, anchoring::AnchorRow>>,
}

impl Lookups {
    fn article(&mut self, conn: &mut Conn, id: i64) -> Result<ArticleRef> {
        if let Some(a) = self.articles.get(&id) {
            return Ok(a.clone());
        }
        let a = articles::find(conn, id)?
            .ok_or_else(|| Error::internal(format!("article {id} missing")))?;
        let r = ArticleRef {
            id: a.id,
            url: a.url,
            title: a.title,
        };
        self.articles.insert(id, r.clone());
        Ok(r)
    }

    fn user(&mut self, conn: &mut Conn, id: Option<i64>) -> Result<Option<UserRef>> {
        let Some(id) = id else { return Ok(None) };
        if let Some(u) = self.users.get(&id) {
            return Ok(u.clone());
        }
        let u = accounts::find_user(conn, id)?.map(|u| UserRef {
            id: u.id,
            name: u.name,
            email: u.email,
        });
        self.users.insert(id, u.clone());
        Ok(u)
    }

    fn anchor(&mut self, conn: &mut Conn, report_id: i64) -> Result<Option<anchoring::AnchorRow>> {
        match &mut self.anchors {
            Some(batch) => Ok(batch.remove(&report_id)),
            None => anchoring::current(conn, Subject::Report(report_id)),
        }
    }
}

fn note_ids(conn: &mut Conn, report_id: i64) -> Result<Vec<i64>> {
    Ok(note_reports::table
        .filter(note_reports::report_id.eq(report_id))
        .order(note_reports::note_id.asc())
        .select(note_reports::note_id)
        .load(conn)?)
}

pub fn view(conn: &mut Conn, r: &Report, viewer: &User, with_events: bool) -> Result<ReportView> {
    view_with(conn, r, viewer, with_events, &mut Lookups::default())
}

fn view_with(
    conn: &mut Conn,
    r: &Report,
    viewer: &User,
    with_events: bool,
    lookups: &mut Lookups,
) -> Result<ReportView> {
    let anchor = match lookups.anchor(conn, r.id)? {
        Some(row) => Some(anchoring::view(conn, &row, &mut lookups.texts)?),
        None => None,
    };
    Ok(ReportView {
        id: r.id,
        reference: r.reference.clone(),
        article: lookups.article(conn, r.article_id)?,
        state: r.state,
        status: r.state,
        resolution: r.resolution,
        category: r.category,
        description: r.description.clone(),
        suggested_correction: r.suggested_correction.clone(),
        evidence_urls: r.evidence(),
        reporter: ReporterView {
            name: r.reporter_name.clone(),
            email: r.reporter_email.clone(),
            notify: r.notify,
        },
        assignee: lookups.user(conn, r.assignee_id)?,
        duplicate_of: r.duplicate_of,
        passage: PassageView::of(r),
        anchor,
        notes: note_ids(conn, r.id)?,
        allowed_transitions: workflow::allowed_for(r.state, viewer.role),
        created_at: rfc3339(r.created_at),
        updated_at: rfc3339(r.updated_at),
        resolved_at: rfc3339_opt(r.resolved_at),
        events: if with_events {
            Some(events::for_report(conn, r.id)?)
        } else {
            None
        },
    })
}

/// Filters and page of `GET /api/v1/reports`.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub state: Option<State>,
    pub article_id: Option<i64>,
    pub assignee_id: Option<i64>,
    pub oldest_first: bool,
    pub limit: i64,
    /// The id after which (in the chosen order) the page starts.
    pub after: Option<i64>,
}

pub const LIST_DEFAULT: i64 = 50;
pub const LIST_MAX: i64 = 200;

/// One page of reports in id order (ids grow with filing time), and the cursor of the next page.
pub fn list(
    conn: &mut Conn,
    q: &ListQuery,
    viewer: &User,
) -> Result<(Vec<ReportView>, Option<i64>)> {
    let mut query = reports::table.select(Report::as_select()).into_boxed();
    if let Some(state) = q.state {
        query = query.filter(reports::state.eq(state));
    }
    if let Some(article) = q.article_id {
        query = query.filter(reports::article_id.eq(article));
    }
    if let Some(assignee) = q.assignee_id {
        query = query.filter(reports::assignee_id.eq(assignee));
    }
    query = match (q.oldest_first, q.after) {
        (true, Some(after)) => query.filter(reports::id.gt(after)).order(reports::id.asc()),
        (true, None) => query.order(reports::id.asc()),
        (false, Some(after)) => query
            .filter(reports::id.lt(after))
            .order(reports::id.desc()),
        (false, None) => query.order(reports::id.desc()),
    };
    let limit = q.limit.clamp(1, LIST_MAX);
    let mut rows: Vec<Report> = query.limit(limit + 1).load(conn)?;
    let next = if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|r| r.id)
    } else {
        None
    };
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut lookups = Lookups {
        anchors: Some(anchoring::current_for_reports(conn, &ids)?),
        ..Default::default()
    };
    let views = rows
        .iter()
        .map(|r| view_with(conn, r, viewer, false, &mut lookups))
        .collect::<Result<Vec<_>>>()?;
    Ok((views, next))
}
