//! A correction note in the dashboard at `/dashboard/notes/{id}`: its text and state, the reports
//! it resolved, and where its corrected claim is repeated in the publication's other articles,
//! each repeat with a button that opens a report on it (editors and admins).

use askama::Template;
use rocket::form::FromForm;
use rocket::http::Status;
use rocket::request::FlashMessage;
use rocket::response::content::RawHtml;
use rocket::response::{Flash, Redirect};
use rocket::{get, post, routes, Route, State};

use super::actions::Acted;
use super::Problem;
use crate::accounts::permissions::Action;
use crate::articles;
use crate::corrections::{self, related};
use crate::error::{Code, Error};
use crate::notes::Note;
use crate::web::dashboard::session::{Checked, CsrfForm, EditorDesk, Staff};
use crate::web::dashboard::{render, Frame, Page, PageError};
use crate::web::App;

pub fn routes() -> Vec<Route> {
    routes![note_page, open_report]
}

#[derive(Template)]
#[template(path = "dashboard/note.html")]
struct NotePage {
    frame: Frame,
    note: Note,
    kind: &'static str,
    sentence: Option<String>,
    article: (i64, String, String),
    published: String,
    retracted: Option<String>,
    reports: Vec<(i64, String)>,
    related: Vec<related::Related>,
    may_open: bool,
    problem: Option<Problem>,
}

async fn note_view(
    app: &App,
    staff: &Staff,
    id: i64,
    flash: Option<FlashMessage<'_>>,
    problem: Option<Problem>,
    status: Status,
) -> Page {
    let loaded = app
        .db
        .run(move |conn| {
            let note = corrections::find(conn, id)?.ok_or_else(|| {
                Error::not_found(
                    Code::NoteNotFound,
                    format!("there is no correction note {id}"),
                )
            })?;
            let article = articles::require(conn, note.article_id)?;
            let reports = corrections::related::resolved_reports(conn, id)?;
            let list = related::for_note(conn, id)?;
            Ok((note, article, reports, list))
        })
        .await?;
    let (note, article, reports, list) = loaded;
    let page = NotePage {
        frame: Frame::new(staff, flash),
        kind: note.kind.label(),
        sentence: note.sentence(),
        article: (article.id, article.url, article.title),
        published: crate::time::readable_rfc3339(&crate::time::rfc3339(note.published_at)),
        retracted: note
            .retracted_at
            .map(|t| crate::time::readable_rfc3339(&crate::time::rfc3339(t))),
        reports,
        related: list.related,
        may_open: staff.may(Action::Publish) && note.is_live(),
        problem,
        note,
    };
    Ok((status, RawHtml(render(&page)?)))
}

#[get("/dashboard/notes/<id>")]
async fn note_page(
    app: &State<App>,
    staff: Staff,
    id: i64,
    flash: Option<FlashMessage<'_>>,
) -> Page {
    note_view(app, &staff, id, flash, None, Status::Ok).await
}

#[derive(Debug, Default, FromForm)]
pub struct OpenForm {
    article_id: Option<i64>,
    start: Option<i64>,
    end: Option<i64>,
    #[field(default = String::new())]
    csrf_token: String,
}

impl CsrfForm for OpenForm {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

/// "Open a report" on one repeat: files the report and takes the editor to it.
#[post("/dashboard/notes/<id>/related", data = "<form>")]
async fn open_report(
    app: &State<App>,
    desk: EditorDesk,
    id: i64,
    form: Checked<OpenForm>,
) -> std::result::Result<Acted, PageError> {
    let staff = desk.0;
    let f = form.0;
    let done = match (f.article_id, f.start, f.end) {
        (Some(article_id), Some(start), Some(end)) => {
            let (site, actor) = (app.site.clone(), staff.user.clone());
            app.db
                .run(move |conn| {
                    related::open_report(conn, &site, &actor, id, article_id, start, end)
                })
                .await
        }
        _ => Err(Error::invalid(
            "article_id",
            "choose a repeat of the claim to report",
        )),
    };
    match done {
        Ok(filed) => Ok(Acted::Done(Box::new(Flash::success(
            Redirect::to(format!("/dashboard/reports/{}", filed.id)),
            format!(
                "{} is open on the repeat of correction note {id}.",
                filed.reference
            ),
        )))),
        Err(e) if e.status.code < 500 && e.status != Status::NotFound => {
            let problem = Problem {
                message: e.message.clone(),
                field: e.field.clone(),
            };
            let page = note_view(app, &staff, id, None, Some(problem), e.status).await?;
            Ok(Acted::Refused(page))
        }
        Err(e) => Err(e.into()),
    }
}
