//! The report workspace at `/dashboard/reports/{id}`: the claim beside the article's words, the
//! other readers on the same passage, the timeline and comments, assignment, the workflow's moves
//! this user may make, and the form that publishes a correction and resolves the report with it.
//! The actions themselves are in `actions`.

mod actions;
mod note;

use askama::Template;
use rocket::form::FromForm;
use rocket::http::Status;
use rocket::request::FlashMessage;
use rocket::response::content::RawHtml;
use rocket::{get, routes, Route, State};

use super::session::{CsrfForm, Staff};
use super::{render, Frame, Page};
use crate::accounts::{self, permissions::Action};
use crate::anchoring::AnchorView;
use crate::articles;
use crate::events::EventView;
use crate::notes::NoteKind;
use crate::reports::queue;
use crate::reports::workflow::{self, Resolution, State as ReportState};
use crate::reports::{self, Report, ReportView};
use crate::text::AnchorStatus;
use crate::text::{self, DiffOp};
use crate::web::App;

pub fn routes() -> Vec<Route> {
    let mut all = routes![workspace_page];
    all.extend(actions::routes());
    all.extend(note::routes());
    all
}

/// A run of the article's text, marked when it is the report's passage.
struct Piece {
    text: String,
    marked: bool,
}

/// What the publish form shows: the report's prefill, or what the editor typed.
#[derive(Debug, Default, Clone, FromForm)]
pub struct PublishForm {
    #[field(default = String::new())]
    pub(super) kind: String,
    #[field(default = String::new())]
    pub(super) wrong: String,
    #[field(default = String::new())]
    pub(super) right: String,
    #[field(default = String::new())]
    pub(super) body_markdown: String,
    #[field(default = String::new())]
    pub(super) placement: String,
    #[field(default = String::new())]
    pub(super) passage: String,
    #[field(default = String::new())]
    pub(super) prefix: String,
    #[field(default = String::new())]
    pub(super) suffix: String,
    #[field(default = String::new())]
    pub(super) csrf_token: String,
}

impl CsrfForm for PublishForm {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

struct Other {
    id: i64,
    reference: String,
    state: String,
    description: String,
    /// Already a duplicate of this report: shown, not offered again.
    following: bool,
}

struct Move {
    to: &'static str,
    label: &'static str,
}

/// A refusal to show at the top of the page (and, for the publish form, by its field).
pub(super) struct Problem {
    pub(super) message: String,
    pub(super) field: Option<String>,
}

#[derive(Template)]
#[template(path = "dashboard/report.html")]
struct WorkspacePage {
    frame: Frame,
    r: ReportView,
    filed: String,
    category: &'static str,
    paragraphs: Vec<Vec<Piece>>,
    anchor_note: Option<String>,
    drift: Vec<(&'static str, String)>,
    others: Vec<Other>,
    users: Vec<(i64, String)>,
    moves: Vec<Move>,
    can_resolve: bool,
    resolutions: Vec<(&'static str, &'static str)>,
    events: Vec<EventLine>,
    notes: Vec<ResolvingNote>,
    form: PublishForm,
    kinds: Vec<(&'static str, &'static str)>,
    problem: Option<Problem>,
}

impl WorkspacePage {
    fn problem_at(&self, field: &str) -> Option<&str> {
        self.problem
            .as_ref()
            .filter(|p| p.field.as_deref().is_some_and(|f| f.starts_with(field)))
            .map(|p| p.message.as_str())
    }
}

/// A note that resolved the report, and when and why it was retracted, if it was.
struct ResolvingNote {
    id: i64,
    retracted: Option<(String, String)>,
}

/// One line of the timeline in words.
struct EventLine {
    at: (String, String),
    who: String,
    what: String,
    body: Option<String>,
}

fn event_line(e: &EventView) -> EventLine {
    let what = match (e.kind.as_str(), &e.from, &e.to) {
        ("created", _, _) => "filed the report".to_owned(),
        ("transition", Some(from), Some(to)) => {
            format!("moved it from {from} to {}", to.replace(':', ": "))
        }
        ("comment", _, _) => "commented".to_owned(),
        ("assigned", _, Some(to)) => format!("assigned it to user {to}"),
        ("assigned", _, None) => "unassigned it".to_owned(),
        ("duplicate_of", _, Some(to)) => format!("made it follow report {to}"),
        ("note_retracted", _, Some(note)) => format!("retracted {note}, which resolved it"),
        ("opened_from_note", _, Some(note)) => format!("opened it from a repeat of {note}"),
        (kind, _, _) => kind.replace('_', " "),
    };
    EventLine {
        at: (
            e.created_at.clone(),
            crate::time::readable_rfc3339(&e.created_at),
        ),
        who: e
            .actor
            .as_ref()
            .map(|a| a.name.clone())
            .unwrap_or_else(|| "Reader or system".into()),
        what,
        body: e.body.clone(),
    }
}

/// The article's current text in paragraphs, with `span` (code points) marked.
fn pieces(canonical: &str, span: Option<(usize, usize)>) -> Vec<Vec<Piece>> {
    let mut paragraphs = Vec::new();
    let mut offset = 0usize;
    for paragraph in canonical.split("\n\n") {
        let len = paragraph.chars().count();
        let (start, end) = (offset, offset + len);
        let mut out = Vec::new();
        match span {
            Some((s, e)) if s < end && e > start => {
                let (a, b) = (s.max(start) - start, e.min(end) - start);
                let before = text::cp_slice(paragraph, 0, a);
                let inside = text::cp_slice(paragraph, a, b);
                let after = text::cp_slice(paragraph, b, len);
                for (t, marked) in [(before, false), (inside, true), (after, false)] {
                    if !t.is_empty() {
                        out.push(Piece {
                            text: t.to_owned(),
                            marked,
                        });
                    }
                }
            }
            _ => out.push(Piece {
                text: paragraph.to_owned(),
                marked: false,
            }),
        }
        paragraphs.push(out);
        offset = end + 2;
    }
    paragraphs
}

/// What the anchor's status means for the editor, when it is not simply "the words are there".
fn anchor_words(anchor: Option<&AnchorView>) -> Option<String> {
    let a = anchor?;
    let words = match a.status {
        AnchorStatus::Drifted => "The article changed around this passage; it was followed to where it is now.",
        AnchorStatus::Orphaned => "The reported words are no longer in the article. Re-attach the report to the right words if they moved.",
        AnchorStatus::Ambiguous => "The reported words now appear in more than one place. Re-attach the report to the right one.",
        AnchorStatus::Corrected => "This passage was corrected by a published note.",
        AnchorStatus::Anchored => return None,
    };
    Some(words.to_owned())
}

/// The prefill of the publish form: the report's words as now in the article, its suggestion.
fn prefill(r: &Report, current: Option<(&str, usize, usize)>) -> PublishForm {
    let (passage, prefix, suffix) = match current {
        Some((text, s, e)) => {
            let q = text::quote_at(text, s, e);
            (q.exact, q.prefix, q.suffix)
        }
        None => (
            r.quote_exact.clone(),
            r.quote_prefix.clone(),
            r.quote_suffix.clone(),
        ),
    };
    let right = r.suggested_correction.clone().unwrap_or_default();
    let body = if right.is_empty() {
        format!("An earlier version of this article misstated \"{passage}\".")
    } else {
        format!("An earlier version of this article misstated \"{passage}\". It is \"{right}\".")
    };
    PublishForm {
        kind: "correction".into(),
        wrong: passage.clone(),
        right,
        body_markdown: body,
        placement: "bottom".into(),
        passage,
        prefix,
        suffix,
        csrf_token: String::new(),
    }
}

pub(super) async fn workspace(
    app: &App,
    staff: &Staff,
    id: i64,
    flash: Option<FlashMessage<'_>>,
    form: Option<PublishForm>,
    problem: Option<Problem>,
    status: Status,
) -> Page {
    let viewer = staff.user.clone();
    let loaded = app
        .db
        .run(move |conn| {
            let report = reports::find(conn, id)?;
            let view = reports::view(conn, &report, &viewer, true)?;
            let article = articles::require(conn, report.article_id)?;
            let revision = articles::current_revision(conn, &article)?;
            let others = queue::overlapping(conn, &report)?;
            let users: Vec<(i64, String)> = accounts::list_users(conn)?
                .into_iter()
                .filter(|u| u.active)
                .map(|u| (u.id, u.name))
                .collect();
            let mut notes = Vec::new();
            for &id in &view.notes {
                if let Some(n) = crate::corrections::find(conn, id)? {
                    notes.push(ResolvingNote {
                        id,
                        retracted: n.retracted_at.map(|t| {
                            let reason = n.retraction_reason.clone().unwrap_or_default();
                            (
                                crate::time::readable_rfc3339(&crate::time::rfc3339(t)),
                                reason,
                            )
                        }),
                    });
                }
            }
            Ok((report, view, revision, others, users, notes))
        })
        .await?;
    let (report, view, revision, others, users, notes) = loaded;
    let on_current = view
        .anchor
        .as_ref()
        .filter(|a| a.revision_id == revision.id && a.status.is_placed())
        .and_then(|a| a.start.zip(a.end))
        .map(|(s, e)| (s as usize, e as usize));
    let drift = match view.anchor.as_ref() {
        Some(a) if matches!(a.status, AnchorStatus::Drifted | AnchorStatus::Orphaned) => {
            let now = a
                .text
                .clone()
                .or_else(|| a.now_reads.clone())
                .unwrap_or_default();
            text::word_diff(&report.quote_exact, &now)
                .into_iter()
                .map(|d| {
                    let op = match d.op {
                        DiffOp::Equal => "same",
                        DiffOp::Insert => "ins",
                        DiffOp::Delete => "del",
                    };
                    (op, d.text)
                })
                .collect()
        }
        _ => Vec::new(),
    };
    let role = staff.role();
    let moves = workflow::allowed_for(report.state, role)
        .into_iter()
        .filter_map(|to| match to {
            ReportState::Triaged => Some(Move {
                to: ReportState::Triaged.as_str(),
                label: "Triage",
            }),
            ReportState::Investigating if report.state == ReportState::Resolved => Some(Move {
                to: ReportState::Investigating.as_str(),
                label: "Reopen",
            }),
            ReportState::Investigating => Some(Move {
                to: ReportState::Investigating.as_str(),
                label: "Investigate",
            }),
            _ => None,
        })
        .collect();
    let can_resolve = staff.may(Action::Resolve)
        && workflow::allowed_for(report.state, role).contains(&ReportState::Resolved);
    let page = WorkspacePage {
        frame: Frame::new(staff, flash),
        category: report.category.label(),
        paragraphs: pieces(&revision.canonical_text, on_current),
        anchor_note: anchor_words(view.anchor.as_ref()),
        drift,
        others: others
            .iter()
            .map(|o| Other {
                id: o.id,
                reference: o.reference.clone(),
                state: match &o.resolution {
                    Some(r) => format!("{}: {}", o.state.as_str(), resolution_label(*r)),
                    None => o.state.as_str().to_owned(),
                },
                description: o.description.clone(),
                following: o.duplicate_of == Some(report.id),
            })
            .collect(),
        users,
        moves,
        can_resolve,
        resolutions: [Resolution::NoError, Resolution::Duplicate, Resolution::Spam]
            .into_iter()
            .map(|r| (r.as_str(), resolution_label(r)))
            .collect(),
        events: view.events.iter().flatten().map(event_line).collect(),
        notes,
        form: form.unwrap_or_else(|| {
            prefill(
                &report,
                on_current.map(|(s, e)| (revision.canonical_text.as_str(), s, e)),
            )
        }),
        kinds: NoteKind::ALL
            .iter()
            .map(|k| (k.as_str(), k.label()))
            .collect(),
        problem,
        filed: crate::time::readable_rfc3339(&view.created_at),
        r: view,
    };
    Ok((status, RawHtml(render(&page)?)))
}

pub(crate) fn resolution_label(r: Resolution) -> &'static str {
    match r {
        Resolution::Corrected => "Corrected",
        Resolution::Clarified => "Clarified",
        Resolution::NoError => "No error",
        Resolution::Duplicate => "Duplicate",
        Resolution::Spam => "Spam",
    }
}

#[get("/dashboard/reports/<id>")]
async fn workspace_page(
    app: &State<App>,
    staff: Staff,
    id: i64,
    flash: Option<FlashMessage<'_>>,
) -> Page {
    workspace(app, &staff, id, flash, None, None, Status::Ok).await
}
