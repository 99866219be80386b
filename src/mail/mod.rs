//! Email: messages are rendered from `templates/email/` and written to the outbox in the caller's
//! transaction; `worker` delivers them later through `transport`.

pub mod outbox;
pub mod transport;
pub mod worker;

pub use outbox::enqueue;

use askama::Template;

use crate::error::{Error, Result};
use crate::workflow::Resolution;

/// What mail needs to know about this server to write links and Message-IDs.
#[derive(Debug, Clone)]
pub struct Site {
    pub base_url: String,
    pub host: String,
}

impl Site {
    pub fn status_url(&self, token: &str) -> String {
        format!("{}/status/{token}", self.base_url)
    }
}

/// One rendered email.
#[derive(Debug, Clone)]
pub struct Email {
    pub template: &'static str,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub report_id: Option<i64>,
    pub note_id: Option<i64>,
}

fn render<T: Template>(t: &T) -> Result<String> {
    t.render()
        .map_err(|e| Error::internal_while("email template", e))
}

/// What the reader is told about their report; shared by the text and HTML bodies.
pub struct ReportMail<'a> {
    pub reference: &'a str,
    pub reporter_name: Option<&'a str>,
    pub article_title: &'a str,
    pub article_url: &'a str,
    pub quote: &'a str,
    pub status_url: String,
}

#[derive(Template)]
#[template(path = "email/report_received.txt")]
struct ReceivedText<'a> {
    m: &'a ReportMail<'a>,
}

#[derive(Template)]
#[template(path = "email/report_received.html")]
struct ReceivedHtml<'a> {
    m: &'a ReportMail<'a>,
}

pub fn report_received(to: &str, report_id: i64, m: &ReportMail<'_>) -> Result<Email> {
    Ok(Email {
        template: "report_received",
        to: to.into(),
        subject: format!("We received your report {}", m.reference),
        text: render(&ReceivedText { m })?,
        html: render(&ReceivedHtml { m })?,
        report_id: Some(report_id),
        note_id: None,
    })
}

/// What an invited colleague is told; shared by the text and HTML bodies.
pub struct InviteMail<'a> {
    pub name: &'a str,
    pub email: &'a str,
    pub role: &'a str,
    pub inviter: &'a str,
    pub link: String,
    pub signin: String,
    pub expires: String,
}

#[derive(Template)]
#[template(path = "email/invite.txt")]
struct InviteText<'a> {
    m: &'a InviteMail<'a>,
}

#[derive(Template)]
#[template(path = "email/invite.html")]
struct InviteHtml<'a> {
    m: &'a InviteMail<'a>,
}

pub fn invite(m: &InviteMail<'_>) -> Result<Email> {
    Ok(Email {
        template: "invite",
        to: m.email.into(),
        subject: format!("{} invited you to Errata", m.inviter),
        text: render(&InviteText { m })?,
        html: render(&InviteHtml { m })?,
        report_id: None,
        note_id: None,
    })
}

/// The note a resolution points to, as the reader sees it.
pub struct NoteMail<'a> {
    pub kind_label: &'a str,
    pub body_markdown: &'a str,
    pub body_html: &'a str,
    pub permalink: String,
}

#[derive(Template)]
#[template(path = "email/report_resolved.txt")]
struct ResolvedText<'a> {
    m: &'a ReportMail<'a>,
    outcome: &'a str,
    explanation: &'a str,
    note: Option<&'a NoteMail<'a>>,
}

#[derive(Template)]
#[template(path = "email/report_resolved.html")]
struct ResolvedHtml<'a> {
    m: &'a ReportMail<'a>,
    outcome: &'a str,
    explanation: &'a str,
    note: Option<&'a NoteMail<'a>>,
}

/// A short outcome line and a sentence for the reader, by resolution.
pub fn outcome_words(resolution: Resolution, duplicate_of: Option<&str>) -> (&'static str, String) {
    match resolution {
        Resolution::Corrected => ("Corrected", "The newsroom agreed and published a correction.".into()),
        Resolution::Clarified => ("Clarified", "The newsroom published a clarification.".into()),
        Resolution::NoError => (
            "No error found",
            "The newsroom reviewed the passage and found it accurate as published.".into(),
        ),
        Resolution::Duplicate => (
            "Already reported",
            format!(
                "Another reader reported the same passage{}. We will write to you again when that report is resolved.",
                duplicate_of.map(|r| format!(" ({r})")).unwrap_or_default()
            ),
        ),
        Resolution::Spam => ("Closed", "The newsroom closed the report.".into()),
    }
}

pub fn report_resolved(
    to: &str,
    report_id: i64,
    m: &ReportMail<'_>,
    resolution: Resolution,
    duplicate_of: Option<&str>,
    note: Option<(i64, &NoteMail<'_>)>,
) -> Result<Email> {
    let (outcome, explanation) = outcome_words(resolution, duplicate_of);
    let note_ref = note.map(|n| n.1);
    Ok(Email {
        template: "report_resolved",
        to: to.into(),
        subject: format!(
            "Your report {} was resolved: {}",
            m.reference,
            outcome.to_lowercase()
        ),
        text: render(&ResolvedText {
            m,
            outcome,
            explanation: &explanation,
            note: note_ref,
        })?,
        html: render(&ResolvedHtml {
            m,
            outcome,
            explanation: &explanation,
            note: note_ref,
        })?,
        report_id: Some(report_id),
        note_id: note.map(|n| n.0),
    })
}
