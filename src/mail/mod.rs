//! Email: messages are rendered from `templates/email/` and written to the outbox in the caller's
//! transaction; `worker` delivers them later through `transport`.

pub mod digests;
pub mod editor_mail;
pub mod editors;
pub mod outbox;
pub mod readers;
pub mod transport;
pub mod worker;

pub use outbox::enqueue;

use askama::Template;
use diesel::prelude::*;

use crate::db::schema::{articles, publications};
use crate::db::Conn;
use crate::error::{Error, Result};
use crate::workflow::Resolution;

/// The reader's words from the catalogues (`i18n`): a language code, a message id and its values
/// give the text. Handed in through `Site` (by `lib.rs`) rather than imported, because `i18n`
/// quotes the reports' limits and the domain, which queues mail, cannot import it back.
pub type Words = fn(lang: &str, id: &str, args: &[(&str, &str)]) -> String;

/// What mail needs to know about this server to write links, Message-IDs and words.
#[derive(Debug, Clone)]
pub struct Site {
    pub base_url: String,
    pub host: String,
    pub words: Words,
}

impl Site {
    pub fn status_url(&self, token: &str) -> String {
        format!("{}/status/{token}", self.base_url)
    }

    /// The link in the receipt that confirms the reader's address (a page with a button).
    pub fn confirm_url(&self, mail_token: &str) -> String {
        format!("{}/confirm/{mail_token}", self.base_url)
    }

    /// The one-click unsubscribe link of every reader mail (RFC 8058).
    pub fn unsubscribe_url(&self, mail_token: &str) -> String {
        format!("{}/unsubscribe/{mail_token}", self.base_url)
    }
}

/// One language's words, for a message's templates.
#[derive(Clone, Copy)]
pub struct Tr<'a> {
    lang: &'a str,
    words: Words,
}

impl<'a> Tr<'a> {
    pub fn new(site: &Site, lang: &'a str) -> Tr<'a> {
        Tr {
            lang,
            words: site.words,
        }
    }

    pub fn lang(&self) -> &str {
        self.lang
    }

    pub fn get(&self, id: &str) -> String {
        (self.words)(self.lang, id, &[])
    }

    pub fn with(&self, id: &str, name: &str, value: &str) -> String {
        (self.words)(self.lang, id, &[(name, value)])
    }

    pub fn with2(&self, id: &str, n1: &str, v1: &str, n2: &str, v2: &str) -> String {
        (self.words)(self.lang, id, &[(n1, v1), (n2, v2)])
    }

    pub fn args(&self, id: &str, args: &[(&str, &str)]) -> String {
        (self.words)(self.lang, id, args)
    }
}

/// Who a message is from, at its foot: the publication's name and address (its contact address,
/// else its site), or this Errata server for mail about no one publication.
#[derive(Debug, Clone)]
pub struct Footer {
    pub name: String,
    pub address: String,
}

impl Footer {
    pub fn of_site(site: &Site) -> Footer {
        Footer {
            name: "Errata".into(),
            address: site.base_url.clone(),
        }
    }

    /// The footer of mail about an article: its publication's.
    pub fn of_article(conn: &mut Conn, article_id: i64) -> Result<Footer> {
        let (name, contact, base_url): (String, Option<String>, String) = articles::table
            .inner_join(publications::table)
            .filter(articles::id.eq(article_id))
            .select((
                publications::name,
                publications::contact_email,
                publications::base_url,
            ))
            .first(conn)?;
        Ok(Footer {
            name,
            address: contact.filter(|c| !c.trim().is_empty()).unwrap_or(base_url),
        })
    }
}

/// Who reads a report's mail: the language they filed in and the secret of their mail's links.
#[derive(Debug, Clone, Copy)]
pub struct Reader<'a> {
    pub lang: &'a str,
    pub mail_token: &'a str,
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
    /// The one-click unsubscribe link a reader's mail is sent with (`List-Unsubscribe`).
    pub list_unsubscribe: Option<String>,
}

fn render<T: Template>(t: &T) -> Result<String> {
    t.render()
        .map_err(|e| Error::internal_while("email template", e))
}

/// A rendered `subject.txt` as one header line: every run of white space, line breaks included
/// (a reader's name or an article's title may hold them), becomes one space, and other control
/// characters go, so no value can start a header of its own.
fn render_subject<T: Template>(t: &T) -> Result<String> {
    Ok(one_line(&render(t)?))
}

pub(crate) fn one_line(s: &str) -> String {
    s.split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// What the reader is told about their report; shared by the text and HTML bodies.
pub struct ReportMail<'a> {
    pub reference: &'a str,
    pub reporter_name: Option<&'a str>,
    pub article_title: &'a str,
    pub article_url: &'a str,
    pub quote: &'a str,
    pub status_url: String,
    pub footer: Footer,
}

/// The links of a reader's mail, and their words.
struct ReaderLinks<'a> {
    t: Tr<'a>,
    unsubscribe_url: String,
}

impl<'a> ReaderLinks<'a> {
    fn new(site: &Site, reader: Reader<'a>) -> ReaderLinks<'a> {
        ReaderLinks {
            t: Tr::new(site, reader.lang),
            unsubscribe_url: site.unsubscribe_url(reader.mail_token),
        }
    }

    fn hello(&self, m: &ReportMail<'_>) -> String {
        match m.reporter_name {
            Some(name) => self.t.with("mail-hello-name", "name", name),
            None => self.t.get("mail-hello"),
        }
    }
}

#[derive(Template)]
#[template(path = "email/report_received/subject.txt")]
struct ReceivedSubject<'a> {
    m: &'a ReportMail<'a>,
    t: Tr<'a>,
}

#[derive(Template)]
#[template(path = "email/report_received/body.txt")]
struct ReceivedText<'a> {
    m: &'a ReportMail<'a>,
    r: &'a ReaderLinks<'a>,
    t: Tr<'a>,
    confirm_url: &'a str,
}

#[derive(Template)]
#[template(path = "email/report_received/body.html")]
struct ReceivedHtml<'a> {
    m: &'a ReportMail<'a>,
    r: &'a ReaderLinks<'a>,
    t: Tr<'a>,
    confirm_url: &'a str,
}

/// The receipt: the reference, the status link, and the link that confirms the address (the only
/// message an unconfirmed address is sent), in the reader's language.
pub fn report_received(
    site: &Site,
    to: &str,
    report_id: i64,
    m: &ReportMail<'_>,
    reader: Reader<'_>,
) -> Result<Email> {
    let r = ReaderLinks::new(site, reader);
    let t = r.t;
    let confirm_url = site.confirm_url(reader.mail_token);
    Ok(Email {
        template: "report_received",
        to: to.into(),
        subject: render_subject(&ReceivedSubject { m, t })?,
        text: render(&ReceivedText {
            m,
            r: &r,
            t,
            confirm_url: &confirm_url,
        })?,
        html: render(&ReceivedHtml {
            m,
            r: &r,
            t,
            confirm_url: &confirm_url,
        })?,
        report_id: Some(report_id),
        note_id: None,
        list_unsubscribe: Some(r.unsubscribe_url.clone()),
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
#[template(path = "email/invite/subject.txt")]
struct InviteSubject<'a> {
    m: &'a InviteMail<'a>,
}

#[derive(Template)]
#[template(path = "email/invite/body.txt")]
struct InviteText<'a> {
    m: &'a InviteMail<'a>,
    footer: &'a Footer,
}

#[derive(Template)]
#[template(path = "email/invite/body.html")]
struct InviteHtml<'a> {
    m: &'a InviteMail<'a>,
    footer: &'a Footer,
}

pub fn invite(site: &Site, m: &InviteMail<'_>) -> Result<Email> {
    let footer = &Footer::of_site(site);
    Ok(Email {
        template: "invite",
        to: m.email.into(),
        subject: render_subject(&InviteSubject { m })?,
        text: render(&InviteText { m, footer })?,
        html: render(&InviteHtml { m, footer })?,
        report_id: None,
        note_id: None,
        list_unsubscribe: None,
    })
}

/// What a user sent a set-password link by an admin is told.
pub struct ResetMail<'a> {
    pub name: &'a str,
    pub email: &'a str,
    pub link: String,
    pub signin: String,
    pub expires: String,
}

#[derive(Template)]
#[template(path = "email/password_reset/subject.txt")]
struct ResetSubject;

#[derive(Template)]
#[template(path = "email/password_reset/body.txt")]
struct ResetText<'a> {
    m: &'a ResetMail<'a>,
    footer: &'a Footer,
}

#[derive(Template)]
#[template(path = "email/password_reset/body.html")]
struct ResetHtml<'a> {
    m: &'a ResetMail<'a>,
    footer: &'a Footer,
}

pub fn password_reset(site: &Site, m: &ResetMail<'_>) -> Result<Email> {
    let footer = &Footer::of_site(site);
    Ok(Email {
        template: "password_reset",
        to: m.email.into(),
        subject: render_subject(&ResetSubject)?,
        text: render(&ResetText { m, footer })?,
        html: render(&ResetHtml { m, footer })?,
        report_id: None,
        note_id: None,
        list_unsubscribe: None,
    })
}

/// The note a resolution points to, as the reader sees it.
pub struct NoteMail<'a> {
    pub kind_label: &'a str,
    pub body_markdown: &'a str,
    pub body_html: &'a str,
    pub permalink: String,
}

/// The note that resolved a report, for its reader's mail: its id, kind (`correction`, …) and text.
#[derive(Clone, Copy)]
pub struct ResolvingNote<'a> {
    pub id: i64,
    pub kind: &'a str,
    pub mail: &'a NoteMail<'a>,
}

#[derive(Template)]
#[template(path = "email/report_resolved/subject.txt")]
struct ResolvedSubject<'a> {
    m: &'a ReportMail<'a>,
    t: Tr<'a>,
    outcome_lower: &'a str,
}

#[derive(Template)]
#[template(path = "email/report_resolved/body.txt")]
struct ResolvedText<'a> {
    m: &'a ReportMail<'a>,
    r: &'a ReaderLinks<'a>,
    t: Tr<'a>,
    intro: &'a str,
    outcome: &'a str,
    explanation: &'a str,
    note: Option<&'a NoteMail<'a>>,
    note_heading: &'a str,
}

#[derive(Template)]
#[template(path = "email/report_resolved/body.html")]
struct ResolvedHtml<'a> {
    m: &'a ReportMail<'a>,
    r: &'a ReaderLinks<'a>,
    t: Tr<'a>,
    intro: &'a str,
    outcome: &'a str,
    explanation: &'a str,
    note: Option<&'a NoteMail<'a>>,
    note_heading: &'a str,
}

/// How a report was resolved: the resolution, and the original's reference for a duplicate.
#[derive(Debug, Clone, Copy)]
pub struct Outcome<'a> {
    pub resolution: Resolution,
    pub duplicate_of: Option<&'a str>,
}

/// A resolution in the reader's words, as their status page says it: the outcome, and what it
/// means.
fn outcome_words(
    t: Tr<'_>,
    resolution: Resolution,
    duplicate_of: Option<&str>,
) -> (String, String) {
    let key = match resolution {
        Resolution::Spam => "closed",
        other => other.as_str(),
    };
    (
        t.get(&format!("outcome-{key}")),
        t.with(
            &format!("outcome-{key}-why"),
            "original",
            duplicate_of.unwrap_or("none"),
        ),
    )
}

/// The resolution: the outcome in plain words, the published note when there is one, thanks.
pub fn report_resolved(
    site: &Site,
    to: &str,
    report_id: i64,
    m: &ReportMail<'_>,
    reader: Reader<'_>,
    outcome: Outcome<'_>,
    note: Option<ResolvingNote<'_>>,
) -> Result<Email> {
    let r = ReaderLinks::new(site, reader);
    let t = r.t;
    let (outcome, explanation) = outcome_words(t, outcome.resolution, outcome.duplicate_of);
    let note_heading = note
        .map(|n| t.with("status-note-heading", "kind", n.kind))
        .unwrap_or_default();
    let note_mail = note.map(|n| n.mail);
    let intro = t.args(
        "mail-resolved-intro",
        &[("reference", m.reference), ("title", m.article_title)],
    );
    Ok(Email {
        template: "report_resolved",
        to: to.into(),
        subject: render_subject(&ResolvedSubject {
            m,
            t,
            outcome_lower: &outcome.to_lowercase(),
        })?,
        text: render(&ResolvedText {
            m,
            r: &r,
            t,
            intro: &intro,
            outcome: &outcome,
            explanation: &explanation,
            note: note_mail,
            note_heading: &note_heading,
        })?,
        html: render(&ResolvedHtml {
            m,
            r: &r,
            t,
            intro: &intro,
            outcome: &outcome,
            explanation: &explanation,
            note: note_mail,
            note_heading: &note_heading,
        })?,
        report_id: Some(report_id),
        note_id: note.map(|n| n.id),
        list_unsubscribe: Some(r.unsubscribe_url.clone()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_subject_is_one_line_whatever_its_values_hold() {
        assert_eq!(
            one_line("  New report on\r\nBcc: victim@example.org\n\tand\u{0}more  "),
            "New report on Bcc: victim@example.org and more"
        );
        assert_eq!(one_line("plain"), "plain");
    }

    #[test]
    fn an_editor_subject_from_a_title_with_line_breaks_stays_one_line() {
        let facts = editor_mail::ReportFacts {
            id: 1,
            reference: "ERR-2026-000001".into(),
            category: "factual_error".into(),
            description: "d".into(),
            quote: "q".into(),
            state: "new".into(),
            created_at: crate::time::now(),
            assignee_id: None,
            article_title: "Bridge\r\nBcc: victim@example.org".into(),
            article_url: "https://news.example/a".into(),
            publication_id: 1,
            publication_name: "Harbor Times".into(),
            target_hours: 48,
            footer: Footer {
                name: "Harbor Times".into(),
                address: "news@harbor.example".into(),
            },
        };
        let notice = editor_mail::Notice {
            r: &facts,
            actor: "",
            link: "http://errata.test/dashboard/reports/1".into(),
            account_url: "http://errata.test/dashboard/account".into(),
        };
        let email = editor_mail::notice(
            editor_mail::NoticeKind::NewReport,
            "chief@example.org",
            &notice,
        )
        .expect("renders");
        assert!(!email.subject.contains(['\r', '\n']), "{}", email.subject);
        assert!(email.subject.contains("Bridge Bcc: victim@example.org"));
        assert!(email.text.contains("Harbor Times · news@harbor.example"));
    }
}
