//! Readers' reports: the stored report and its limits here; intake, the editors' views, workflow
//! moves, triage and placing a passage by hand each in a module of its own.

pub mod bulk;
pub mod intake;
pub mod queue;
pub mod reattach;
pub mod transition;
pub mod triage;
pub mod view;
pub mod workflow;

pub use bulk::*;
pub use intake::*;
pub use reattach::*;
pub use transition::*;
pub use triage::*;
pub use view::*;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::articles::Article;
use crate::db::schema::reports;
use crate::db::Conn;
use crate::error::{Error, Result};
use crate::mail::{ReportMail, Site};
use workflow::State;

pub const CATEGORIES: [&str; 6] = [
    "factual_error",
    "misquote",
    "outdated",
    "missing_context",
    "typo",
    "other",
];
/// A category as a reader reads it.
pub fn category_label(category: &str) -> &'static str {
    match category {
        "factual_error" => "Factual error",
        "misquote" => "Misquote",
        "outdated" => "Outdated",
        "missing_context" => "Missing context",
        "typo" => "Typo",
        _ => "Other",
    }
}

pub const DESCRIPTION_MIN: usize = 10;
pub const DESCRIPTION_MAX: usize = 5000;
pub const SUGGESTION_MAX: usize = 5000;
pub const QUOTE_MAX: usize = 2000;
pub const CONTEXT_MAX: usize = 500;
pub const EVIDENCE_MAX: usize = 5;
pub const URL_MAX: usize = 2000;
pub const NAME_MAX: usize = 200;
pub const COMMENT_MAX: usize = 10_000;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = reports)]
pub struct Report {
    pub id: i64,
    pub reference: String,
    pub status_token: String,
    pub article_id: i64,
    pub revision_id: i64,
    pub quote_exact: String,
    pub quote_prefix: String,
    pub quote_suffix: String,
    pub quote_start: i64,
    pub quote_end: i64,
    pub category: String,
    pub description: String,
    pub suggested_correction: Option<String>,
    pub evidence_urls: String,
    pub reporter_name: Option<String>,
    pub reporter_email: Option<String>,
    pub notify: bool,
    pub state: String,
    pub resolution: Option<String>,
    pub assignee_id: Option<i64>,
    pub duplicate_of: Option<i64>,
    pub ip_hash: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub resolved_at: Option<NaiveDateTime>,
}

impl Report {
    pub fn state(&self) -> State {
        State::parse(&self.state).unwrap_or(State::New)
    }

    pub fn evidence(&self) -> Vec<String> {
        serde_json::from_str(&self.evidence_urls).unwrap_or_default()
    }

    fn wants_mail(&self) -> Option<&str> {
        self.reporter_email.as_deref().filter(|_| self.notify)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct PassageView {
    pub exact: String,
    pub prefix: String,
    pub suffix: String,
    pub start: i64,
    pub end: i64,
    pub revision_id: i64,
}

impl PassageView {
    fn of(r: &Report) -> PassageView {
        PassageView {
            exact: r.quote_exact.clone(),
            prefix: r.quote_prefix.clone(),
            suffix: r.quote_suffix.clone(),
            start: r.quote_start,
            end: r.quote_end,
            revision_id: r.revision_id,
        }
    }
}

fn reference_for(id: i64, at: NaiveDateTime) -> String {
    use chrono::Datelike;
    format!("ERR-{}-{id:06}", at.year())
}

fn mail_view<'a>(r: &'a Report, article: &'a Article, site: &Site) -> ReportMail<'a> {
    ReportMail {
        reference: &r.reference,
        reporter_name: r.reporter_name.as_deref(),
        article_title: &article.title,
        article_url: &article.url,
        quote: &r.quote_exact,
        status_url: site.status_url(&r.status_token),
    }
}

pub fn find(conn: &mut Conn, id: i64) -> Result<Report> {
    reports::table
        .find(id)
        .select(Report::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| Error::not_found("report_not_found", format!("there is no report {id}")))
}

/// `find` for an id named in a request body: a missing report is that field's fault (422); any
/// other failure stays what it is.
pub fn find_referenced(conn: &mut Conn, id: i64, field: &str) -> Result<Report> {
    find(conn, id).map_err(|e| {
        if e.code == "report_not_found" {
            Error::invalid(field, format!("there is no report {id}"))
        } else {
            e
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_category_has_a_label_of_its_own() {
        let labels: std::collections::HashSet<&str> =
            CATEGORIES.iter().map(|c| category_label(c)).collect();
        assert_eq!(labels.len(), CATEGORIES.len());
    }
}
