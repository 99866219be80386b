//! The workspace's actions: each a form (CSRF-checked), each answered by the workspace again,
//! with the last action's message or with the refusal and its status (nothing changed).

use rocket::form::FromForm;
use rocket::http::Status;
use rocket::response::content::RawHtml;
use rocket::response::{Flash, Redirect, Responder};
use rocket::{post, routes, Route, State};

use super::{resolution_label, workspace, Problem, PublishForm};
use crate::corrections::{self, NoteInput};
use crate::error::{Error, Result};
use crate::reports::workflow::State as ReportState;
use crate::reports::{self, AnchorInput, PassageInput, TransitionInput};
use crate::web::dashboard::session::{Checked, CsrfForm, EditorDesk, Staff};
use crate::web::dashboard::PageError;
use crate::web::App;

pub fn routes() -> Vec<Route> {
    routes![
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
    let site = app.site.clone();
    let done = app
        .db
        .run(move |conn| {
            let r = reports::assign(conn, &site, &actor, id, user_id)?;
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
