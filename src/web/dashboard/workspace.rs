//! The report workspace at `/dashboard/reports/{id}`: the claim beside the article's words, the
//! other readers on the same passage, the timeline and comments, assignment, the workflow's moves
//! this user may make, and the form that publishes a correction and resolves the report with it.

use askama::Template;
use rocket::form::FromForm;
use rocket::http::Status;
use rocket::request::FlashMessage;
use rocket::response::content::RawHtml;
use rocket::response::{Flash, Redirect, Responder};
use rocket::{get, post, routes, Route, State};

use super::session::{Checked, CsrfForm, EditorDesk, Staff};
use super::{render, Frame, Page, PageError};
use crate::accounts::{self, permissions::Action};
use crate::anchoring::AnchorView;
use crate::articles;
use crate::corrections::{self, NoteInput};
use crate::error::{Error, Result};
use crate::events::EventView;
use crate::notes::NoteKind;
use crate::reports::queue;
use crate::reports::workflow::{self, Resolution, State as ReportState};
use crate::reports::{self, AnchorInput, PassageInput, Report, ReportView, TransitionInput};
use crate::text::{self, DiffOp};
use crate::web::App;

pub fn routes() -> Vec<Route> {
    routes![
        workspace_page,
        move_report,
        resolve_report,
        assign_report,
        comment_report,
        mark_duplicates,
        reattach,
        publish,
        preview
    ]
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
    kind: String,
    #[field(default = String::new())]
    wrong: String,
    #[field(default = String::new())]
    right: String,
    #[field(default = String::new())]
    body_markdown: String,
    #[field(default = String::new())]
    placement: String,
    #[field(default = String::new())]
    passage: String,
    #[field(default = String::new())]
    prefix: String,
    #[field(default = String::new())]
    suffix: String,
    #[field(default = String::new())]
    csrf_token: String,
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
struct Problem {
    message: String,
    field: Option<String>,
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
    notes: Vec<i64>,
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
    let words = match a.status.as_str() {
        "drifted" => "The article changed around this passage; it was followed to where it is now.",
        "orphaned" => "The reported words are no longer in the article. Re-attach the report to the right words if they moved.",
        "ambiguous" => "The reported words now appear in more than one place. Re-attach the report to the right one.",
        "corrected" => "This passage was corrected by a published note.",
        _ => return None,
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

async fn workspace(
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
            Ok((report, view, revision, others, users))
        })
        .await?;
    let (report, view, revision, others, users) = loaded;
    let on_current = view
        .anchor
        .as_ref()
        .filter(|a| a.revision_id == revision.id && a.status.is_placed())
        .and_then(|a| a.start.zip(a.end))
        .map(|(s, e)| (s as usize, e as usize));
    let drift = match view.anchor.as_ref() {
        Some(a) if matches!(a.status.as_str(), "drifted" | "orphaned") => {
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
                to: "triaged",
                label: "Triage",
            }),
            ReportState::Investigating if report.state == ReportState::Resolved => Some(Move {
                to: "investigating",
                label: "Reopen",
            }),
            ReportState::Investigating => Some(Move {
                to: "investigating",
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
        notes: view.notes.clone(),
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

fn resolution_label(r: Resolution) -> &'static str {
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

/// After an action: back to the workspace with a message, or the workspace again with the
/// refusal and its status (nothing was changed).
#[derive(Responder)]
pub enum Acted {
    Done(Box<Flash<Redirect>>),
    Refused((Status, RawHtml<String>)),
}

async fn after(
    app: &App,
    staff: &Staff,
    id: i64,
    done: Result<String>,
    form: Option<PublishForm>,
) -> std::result::Result<Acted, PageError> {
    match done {
        Ok(message) => Ok(Acted::Done(Box::new(Flash::success(
            Redirect::to(format!("/dashboard/reports/{id}")),
            message,
        )))),
        Err(e) if e.status.code < 500 && e.status != Status::NotFound => {
            let problem = Problem {
                message: e.message.clone(),
                field: e.field.clone(),
            };
            let page = workspace(app, staff, id, None, form, Some(problem), e.status).await?;
            Ok(Acted::Refused(page))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Default, FromForm)]
pub struct MoveForm {
    #[field(default = String::new())]
    to: String,
    #[field(default = String::new())]
    resolution: String,
    duplicate_of: Option<i64>,
    #[field(default = String::new())]
    note: String,
    #[field(default = String::new())]
    csrf_token: String,
}

impl CsrfForm for MoveForm {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

impl MoveForm {
    fn input(&self) -> TransitionInput {
        let text = |s: &str| (!s.trim().is_empty()).then(|| s.to_owned());
        TransitionInput {
            to: text(&self.to),
            resolution: text(&self.resolution),
            duplicate_of: self.duplicate_of,
            note: text(&self.note),
        }
    }
}

async fn apply_move(
    app: &App,
    staff: &Staff,
    id: i64,
    input: TransitionInput,
) -> std::result::Result<Acted, PageError> {
    let (site, actor) = (app.site.clone(), staff.user.clone());
    let done = app
        .db
        .run(move |conn| {
            let r = reports::transition(conn, &site, &actor, id, &input)?;
            Ok(match &r.resolution {
                Some(res) => format!("{} is resolved: {}.", r.reference, resolution_label(*res)),
                None => format!("{} is now {}.", r.reference, r.state.as_str()),
            })
        })
        .await;
    after(app, staff, id, done, None).await
}

/// Triage, investigate: the moves every staff role may make (the state machine decides).
#[post("/dashboard/reports/<id>/move", data = "<form>")]
async fn move_report(
    app: &State<App>,
    staff: Staff,
    id: i64,
    form: Checked<MoveForm>,
) -> std::result::Result<Acted, PageError> {
    let mut input = form.0.input();
    if input.to.as_deref() == Some(ReportState::Resolved.as_str()) {
        // Resolving has its own route, for editors; a reviewer's duplicates go through
        // "Mark as duplicates of this".
        input.to = None;
    }
    apply_move(app, &staff, id, input).await
}

/// Resolve and reopen: editors and admins only, refused before the form is read.
#[post("/dashboard/reports/<id>/resolve", data = "<form>")]
async fn resolve_report(
    app: &State<App>,
    desk: EditorDesk,
    id: i64,
    form: Checked<MoveForm>,
) -> std::result::Result<Acted, PageError> {
    apply_move(app, &desk.0, id, form.0.input()).await
}

#[derive(Debug, Default, FromForm)]
pub struct AssignForm {
    /// `me` from the "Assign to me" button…
    #[field(default = String::new())]
    user_id: String,
    /// …else the person chosen in the list (`nobody` clears it).
    #[field(default = String::new())]
    assignee: String,
    #[field(default = String::new())]
    csrf_token: String,
}

impl CsrfForm for AssignForm {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

#[post("/dashboard/reports/<id>/assign", data = "<form>")]
async fn assign_report(
    app: &State<App>,
    staff: Staff,
    id: i64,
    form: Checked<AssignForm>,
) -> std::result::Result<Acted, PageError> {
    let chosen = match form.0.user_id.as_str() {
        "me" => "me",
        _ => form.0.assignee.as_str(),
    };
    let user_id = match chosen {
        "me" => Some(staff.user.id),
        "" | "nobody" => None,
        other => match other.parse::<i64>() {
            Ok(v) => Some(v),
            Err(_) => {
                let e = Error::invalid("user_id", "choose someone to assign the report to");
                return after(app, &staff, id, Err(e), None).await;
            }
        },
    };
    let actor = staff.user.clone();
    let done = app
        .db
        .run(move |conn| {
            let r = reports::assign(conn, &actor, id, user_id)?;
            Ok(match user_id {
                Some(_) => format!("{} is assigned.", r.reference),
                None => format!("{} is unassigned.", r.reference),
            })
        })
        .await;
    after(app, &staff, id, done, None).await
}

#[derive(Debug, Default, FromForm)]
pub struct CommentForm {
    #[field(default = String::new())]
    body: String,
    #[field(default = String::new())]
    csrf_token: String,
}

impl CsrfForm for CommentForm {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

#[post("/dashboard/reports/<id>/comments", data = "<form>")]
async fn comment_report(
    app: &State<App>,
    staff: Staff,
    id: i64,
    form: Checked<CommentForm>,
) -> std::result::Result<Acted, PageError> {
    let (actor, body) = (staff.user.clone(), Some(form.0.body));
    let done = app
        .db
        .run(move |conn| {
            reports::comment(conn, &actor, id, &body)?;
            Ok("Comment added.".to_owned())
        })
        .await;
    after(app, &staff, id, done, None).await
}

#[derive(Debug, Default, FromForm)]
pub struct DuplicatesForm {
    #[field(default = Vec::new())]
    ids: Vec<i64>,
    #[field(default = String::new())]
    csrf_token: String,
}

impl CsrfForm for DuplicatesForm {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

/// "Mark as duplicates of this": every ticked report follows this one, in one transaction.
#[post("/dashboard/reports/<id>/duplicates", data = "<form>")]
async fn mark_duplicates(
    app: &State<App>,
    staff: Staff,
    id: i64,
    form: Checked<DuplicatesForm>,
) -> std::result::Result<Acted, PageError> {
    let ids = form.0.ids;
    if ids.is_empty() {
        let e = Error::invalid("ids", "tick at least one report to mark as a duplicate");
        return after(app, &staff, id, Err(e), None).await;
    }
    let (site, actor) = (app.site.clone(), staff.user.clone());
    let done = app
        .db
        .run(move |conn| {
            let n = reports::bulk(
                conn,
                &site,
                &actor,
                &ids,
                reports::BulkAction::DuplicatesOf(id),
            )?;
            Ok(format!(
                "{n} report{} marked as duplicate{} of this one.",
                if n == 1 { "" } else { "s" },
                if n == 1 { "" } else { "s" }
            ))
        })
        .await;
    after(app, &staff, id, done, None).await
}

#[derive(Debug, Default, FromForm)]
pub struct ReattachForm {
    #[field(default = String::new())]
    exact: String,
    #[field(default = String::new())]
    csrf_token: String,
}

impl CsrfForm for ReattachForm {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

/// Places the report's passage on words the editor chose in the current text.
#[post("/dashboard/reports/<id>/anchor", data = "<form>")]
async fn reattach(
    app: &State<App>,
    staff: Staff,
    id: i64,
    form: Checked<ReattachForm>,
) -> std::result::Result<Acted, PageError> {
    let input = AnchorInput {
        exact: Some(form.0.exact),
        ..Default::default()
    };
    let actor = staff.user.clone();
    let done = app
        .db
        .run(move |conn| {
            let r = reports::attach(conn, &actor, id, &input)?;
            Ok(format!("{} is attached to the chosen words.", r.reference))
        })
        .await;
    after(app, &staff, id, done, None).await
}

/// Publishes a note from the report: the note and the report's resolution are one transaction,
/// and readers who reported duplicates of it hear too.
#[post("/dashboard/reports/<id>/publish", data = "<form>")]
async fn publish(
    app: &State<App>,
    desk: EditorDesk,
    id: i64,
    form: Checked<PublishForm>,
) -> std::result::Result<Acted, PageError> {
    let staff = desk.0;
    let f = form.0;
    let text = |s: &str| (!s.trim().is_empty()).then(|| s.to_owned());
    let input = NoteInput {
        kind: text(&f.kind),
        wrong: text(&f.wrong),
        right: text(&f.right),
        body_markdown: text(&f.body_markdown),
        placement: text(&f.placement),
        passage: text(&f.passage).map(|exact| PassageInput {
            exact: Some(exact),
            prefix: text(&f.prefix),
            suffix: text(&f.suffix),
        }),
        resolves: Some(vec![id]),
    };
    let (site, actor) = (app.site.clone(), staff.user.clone());
    let done = app
        .db
        .run(move |conn| {
            let report = reports::find(conn, id)?;
            let (_, note) = corrections::publish(conn, &site, &actor, report.article_id, &input)?;
            Ok(format!(
                "Correction {} is published and the report is resolved.",
                note.id
            ))
        })
        .await;
    after(app, &staff, id, done, Some(f)).await
}

#[derive(Debug, Default, FromForm)]
pub struct PreviewForm {
    #[field(default = String::new())]
    body_markdown: String,
    #[field(default = String::new())]
    csrf_token: String,
}

impl CsrfForm for PreviewForm {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

/// The note's Markdown as readers will see it, sanitised as on publication (for the script).
#[post("/dashboard/preview", data = "<form>")]
fn preview(_staff: Staff, form: Checked<PreviewForm>) -> RawHtml<String> {
    RawHtml(corrections::markdown::render(&form.0.body_markdown))
}
