//! Readers' reports: the stored report and its limits here; intake, the editors' views, workflow
//! moves, triage and placing a passage by hand each in a module of its own.

pub mod bulk;
pub mod intake;
pub mod queue;
pub mod reattach;
pub mod transition;
pub mod triage;
pub mod view;

/// The state machine sits below reports (anchoring and publishing ask it too); reached from here
/// as well, where a reader of reports looks for it.
pub use crate::workflow;
pub use bulk::*;
pub use intake::*;
pub use reattach::*;
pub use transition::*;
pub use triage::*;
pub use view::*;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::{AsExpression, FromSqlRow};
use serde::Serialize;

use crate::articles::Article;
use crate::db::schema::reports;
use crate::db::Conn;
use crate::error::{Code, Error, Result};
use crate::mail::{Footer, ReportMail, Site};
use workflow::{Resolution, State};

/// What kind of inaccuracy a reader reports; stored as its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, AsExpression, FromSqlRow)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    FactualError,
    Misquote,
    Outdated,
    MissingContext,
    Typo,
    Other,
}

impl Category {
    /// In the order the reader's form offers them.
    pub const ALL: [Category; 6] = [
        Category::FactualError,
        Category::Misquote,
        Category::Outdated,
        Category::MissingContext,
        Category::Typo,
        Category::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::FactualError => "factual_error",
            Category::Misquote => "misquote",
            Category::Outdated => "outdated",
            Category::MissingContext => "missing_context",
            Category::Typo => "typo",
            Category::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// The category as a reader reads it.
    pub fn label(self) -> &'static str {
        match self {
            Category::FactualError => "Factual error",
            Category::Misquote => "Misquote",
            Category::Outdated => "Outdated",
            Category::MissingContext => "Missing context",
            Category::Typo => "Typo",
            Category::Other => "Other",
        }
    }
}

crate::stored_as_text!(Category, "report category");

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
    pub category: Category,
    pub description: String,
    pub suggested_correction: Option<String>,
    pub evidence_urls: String,
    pub reporter_name: Option<String>,
    pub reporter_email: Option<String>,
    pub notify: bool,
    pub state: State,
    pub resolution: Option<Resolution>,
    pub assignee_id: Option<i64>,
    pub duplicate_of: Option<i64>,
    pub ip_hash: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub resolved_at: Option<NaiveDateTime>,
}

impl Report {
    /// Whether the report is still being worked on (see `State::is_open`).
    pub fn is_open(&self) -> bool {
        self.state.is_open()
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

fn mail_view<'a>(
    conn: &mut Conn,
    r: &'a Report,
    article: &'a Article,
    site: &Site,
) -> Result<ReportMail<'a>> {
    Ok(ReportMail {
        reference: &r.reference,
        reporter_name: r.reporter_name.as_deref(),
        article_title: &article.title,
        article_url: &article.url,
        quote: &r.quote_exact,
        status_url: site.status_url(&r.status_token),
        footer: Footer::of_article(conn, article.id)?,
    })
}

fn find_row(conn: &mut Conn, id: i64) -> Result<Option<Report>> {
    Ok(reports::table
        .find(id)
        .select(Report::as_select())
        .first(conn)
        .optional()?)
}

pub fn find(conn: &mut Conn, id: i64) -> Result<Report> {
    find_row(conn, id)?
        .ok_or_else(|| Error::not_found(Code::ReportNotFound, format!("there is no report {id}")))
}

/// `find` for an id named in a request body: a missing report is that field's fault (422).
pub fn find_referenced(conn: &mut Conn, id: i64, field: &str) -> Result<Report> {
    find_row(conn, id)?.ok_or_else(|| Error::invalid(field, format!("there is no report {id}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_category_has_a_label_of_its_own() {
        let labels: std::collections::HashSet<&str> =
            Category::ALL.iter().map(|c| c.label()).collect();
        assert_eq!(labels.len(), Category::ALL.len());
        for c in Category::ALL {
            assert_eq!(Category::parse(c.as_str()), Some(c));
            assert_eq!(
                serde_json::to_value(c).ok(),
                Some(serde_json::json!(c.as_str()))
            );
        }
    }
}
