//! The messages editors are sent (in English, as the dashboard is): a new report, a report assigned
//! to them, one of theirs reopened, one waiting past its publication's target time, and the
//! digests. Each is a folder under `templates/email/` with its subject, text and HTML bodies.

use askama::Template;
use chrono::NaiveDateTime;

use super::{render, render_subject, Email, Footer, Site};
use crate::time::readable;

/// What editor mail says about one report. Everything here but the ids and times may come from a
/// reader or a CMS: the HTML bodies escape it, and subjects are made one line.
#[derive(Debug, Clone)]
pub struct ReportFacts {
    pub id: i64,
    pub reference: String,
    pub category: String,
    pub description: String,
    pub quote: String,
    pub state: String,
    pub created_at: NaiveDateTime,
    pub assignee_id: Option<i64>,
    pub article_title: String,
    pub article_url: String,
    pub publication_id: i64,
    pub publication_name: String,
    pub target_hours: i64,
    pub footer: Footer,
}

impl ReportFacts {
    /// The category in words: `factual_error` reads "factual error".
    pub fn category_words(&self) -> String {
        self.category.replace('_', " ")
    }

    pub fn filed(&self) -> String {
        readable(self.created_at)
    }
}

/// The dashboard page of a report.
pub fn report_link(site: &Site, report_id: i64) -> String {
    format!("{}/dashboard/reports/{report_id}", site.base_url)
}

/// Where an editor chooses how they hear of new reports.
pub fn account_link(site: &Site) -> String {
    format!("{}/dashboard/account", site.base_url)
}

/// One report's message to one editor.
pub struct Notice<'a> {
    pub r: &'a ReportFacts,
    /// Who did it (assigned, reopened), as the dashboard names them.
    pub actor: &'a str,
    pub link: String,
    pub account_url: String,
}

#[derive(Template)]
#[template(path = "email/new_report/subject.txt")]
struct NewSubject<'a> {
    n: &'a Notice<'a>,
}

#[derive(Template)]
#[template(path = "email/new_report/body.txt")]
struct NewText<'a> {
    n: &'a Notice<'a>,
}

#[derive(Template)]
#[template(path = "email/new_report/body.html")]
struct NewHtml<'a> {
    n: &'a Notice<'a>,
}

#[derive(Template)]
#[template(path = "email/assigned/subject.txt")]
struct AssignedSubject<'a> {
    n: &'a Notice<'a>,
}

#[derive(Template)]
#[template(path = "email/assigned/body.txt")]
struct AssignedText<'a> {
    n: &'a Notice<'a>,
}

#[derive(Template)]
#[template(path = "email/assigned/body.html")]
struct AssignedHtml<'a> {
    n: &'a Notice<'a>,
}

#[derive(Template)]
#[template(path = "email/reopened/subject.txt")]
struct ReopenedSubject<'a> {
    n: &'a Notice<'a>,
}

#[derive(Template)]
#[template(path = "email/reopened/body.txt")]
struct ReopenedText<'a> {
    n: &'a Notice<'a>,
}

#[derive(Template)]
#[template(path = "email/reopened/body.html")]
struct ReopenedHtml<'a> {
    n: &'a Notice<'a>,
}

#[derive(Template)]
#[template(path = "email/overdue/subject.txt")]
struct OverdueSubject<'a> {
    n: &'a Notice<'a>,
}

#[derive(Template)]
#[template(path = "email/overdue/body.txt")]
struct OverdueText<'a> {
    n: &'a Notice<'a>,
}

#[derive(Template)]
#[template(path = "email/overdue/body.html")]
struct OverdueHtml<'a> {
    n: &'a Notice<'a>,
}

#[derive(Template)]
#[template(path = "email/digest/subject.txt")]
struct DigestSubject<'a> {
    n: &'a Digest<'a>,
}

#[derive(Template)]
#[template(path = "email/digest/body.txt")]
struct DigestText<'a> {
    n: &'a Digest<'a>,
}

#[derive(Template)]
#[template(path = "email/digest/body.html")]
struct DigestHtml<'a> {
    n: &'a Digest<'a>,
}

/// Which of the single-report messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeKind {
    NewReport,
    Assigned,
    Reopened,
    Overdue,
}

impl NoticeKind {
    /// The outbox's name for the message (its template folder).
    pub fn template(self) -> &'static str {
        match self {
            NoticeKind::NewReport => "new_report",
            NoticeKind::Assigned => "assigned",
            NoticeKind::Reopened => "reopened",
            NoticeKind::Overdue => "overdue",
        }
    }
}

/// Renders one report's message to `to`.
pub fn notice(kind: NoticeKind, to: &str, n: &Notice<'_>) -> crate::error::Result<Email> {
    let (subject, text, html) = match kind {
        NoticeKind::NewReport => (
            render_subject(&NewSubject { n })?,
            render(&NewText { n })?,
            render(&NewHtml { n })?,
        ),
        NoticeKind::Assigned => (
            render_subject(&AssignedSubject { n })?,
            render(&AssignedText { n })?,
            render(&AssignedHtml { n })?,
        ),
        NoticeKind::Reopened => (
            render_subject(&ReopenedSubject { n })?,
            render(&ReopenedText { n })?,
            render(&ReopenedHtml { n })?,
        ),
        NoticeKind::Overdue => (
            render_subject(&OverdueSubject { n })?,
            render(&OverdueText { n })?,
            render(&OverdueHtml { n })?,
        ),
    };
    Ok(Email {
        template: kind.template(),
        to: to.into(),
        subject,
        text,
        html,
        report_id: Some(n.r.id),
        note_id: None,
        list_unsubscribe: None,
    })
}

/// One report in a digest.
pub struct DigestLine {
    pub reference: String,
    pub category: String,
    pub state: String,
    pub quote: String,
    pub article_title: String,
    pub filed: String,
    pub link: String,
}

/// A publication's reports in a digest.
pub struct DigestGroup {
    pub publication: String,
    pub lines: Vec<DigestLine>,
}

/// An hourly or daily digest: the reports filed in one period, by publication.
pub struct Digest<'a> {
    /// `hourly` or `daily`.
    pub frequency: &'a str,
    pub period: String,
    pub count: usize,
    pub groups: Vec<DigestGroup>,
    pub account_url: String,
    pub footer: Footer,
}

impl Digest<'_> {
    pub fn reports_word(&self) -> &'static str {
        if self.count == 1 {
            "report"
        } else {
            "reports"
        }
    }
}

pub fn digest(to: &str, n: &Digest<'_>) -> crate::error::Result<Email> {
    Ok(Email {
        template: "digest",
        to: to.into(),
        subject: render_subject(&DigestSubject { n })?,
        text: render(&DigestText { n })?,
        html: render(&DigestHtml { n })?,
        report_id: None,
        note_id: None,
        list_unsubscribe: None,
    })
}
