//! The public status of a report, for whoever holds its secret link: how far it got, and the
//! published note that resolved it. Never the reporter. It reads reports and corrections both, so
//! it sits above them.

use diesel::prelude::*;
use serde::Serialize;

use crate::articles;
use crate::corrections::{self, NoteView};
use crate::db::schema::reports as report_rows;
use crate::db::Conn;
use crate::error::{Code, Error, Result};
use crate::mail::Site;
use crate::reports::{self, Category, Report};
use crate::time::{rfc3339, rfc3339_opt};
use crate::workflow::{Resolution, State};

/// What anyone holding the status link may see: never the reporter's name or email.
#[derive(Debug, Clone, Serialize)]
pub struct PublicStatus {
    pub reference: String,
    pub status: State,
    pub resolution: Option<Resolution>,
    pub category: Category,
    pub article: articles::PublicArticle,
    pub passage: String,
    pub duplicate_of: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub resolved_at: Option<String>,
    pub note: Option<NoteView>,
}

pub fn public_status(conn: &mut Conn, site: &Site, token: &str) -> Result<PublicStatus> {
    let report: Report = report_rows::table
        .filter(report_rows::status_token.eq(token))
        .select(Report::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| Error::not_found(Code::ReportNotFound, "no report has this status link"))?;
    let article = articles::find(conn, report.article_id)?
        .ok_or_else(|| Error::internal("report without article"))?;
    // A duplicate's reader follows the original, including the note that resolved it.
    let note_source = report.duplicate_of.unwrap_or(report.id);
    let note = match corrections::live_note_for_report(conn, site, note_source)? {
        Some(live) => Some(live),
        // A retracted note is still the one that resolved the report: shown, marked retracted
        // with its reason, rather than leaving the reader with a resolution and no note.
        None => retracted_note_for_report(conn, site, note_source)?,
    };
    let duplicate_of = match report.duplicate_of {
        Some(id) => Some(reports::find(conn, id)?.reference),
        None => None,
    };
    Ok(PublicStatus {
        reference: report.reference,
        status: report.state,
        resolution: report.resolution,
        category: report.category,
        article: articles::PublicArticle {
            url: article.url,
            title: article.title,
        },
        passage: report.quote_exact,
        duplicate_of,
        created_at: rfc3339(report.created_at),
        updated_at: rfc3339(report.updated_at),
        resolved_at: rfc3339_opt(report.resolved_at),
        note,
    })
}

/// The newest retracted note that resolved the report, if any.
fn retracted_note_for_report(
    conn: &mut Conn,
    site: &Site,
    report_id: i64,
) -> Result<Option<NoteView>> {
    use crate::db::schema::{correction_notes, note_reports};
    let note: Option<crate::notes::Note> = correction_notes::table
        .inner_join(note_reports::table)
        .filter(note_reports::report_id.eq(report_id))
        .filter(correction_notes::retracted_at.is_not_null())
        .order(correction_notes::id.desc())
        .select(crate::notes::Note::as_select())
        .first(conn)
        .optional()?;
    note.map(|n| corrections::view(conn, site, &n)).transpose()
}
