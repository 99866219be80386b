//! The JSON API under `/api/v1` and `/healthz`.

use rocket::http::{Header, Status};
use rocket::response::{self, Responder};
use rocket::serde::json::Json;
use rocket::{get, options, post, put, routes, Request, Route, State};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::guards::{
    AllowedOrigin, ArticlesWrite, Authorized, CorrectionsWrite, JsonBody, JsonInput, ReportsRead,
    ReportsWrite, SenderHash,
};
use super::App;
use crate::articles::{self, Article};
use crate::corrections::{self, history, Cached, NoteInput, SharedBody};
use crate::error::{Code, Error, Result};
use crate::reports::{
    self, workflow::State as ReportState, AnchorInput, ListQuery, ReportInput, TransitionInput,
};
use crate::text;
use crate::time::{self, rfc3339};

mod note_routes;
mod publication_routes;
mod report_routes;

pub use note_routes::{etag_matches, IfNoneMatch};

pub fn routes() -> Vec<Route> {
    routes![
        super::metrics::metrics,
        healthz,
        put_article,
        get_article,
        find_article,
        list_revisions,
        revision_diff,
        note_routes::publish_correction,
        report_routes::file_report,
        report_routes::file_report_preflight,
        report_routes::report_status,
        report_routes::list_reports,
        report_routes::get_report,
        report_routes::transition_report,
        report_routes::comment_report,
        report_routes::assign_report,
        report_routes::anchor_report,
        note_routes::corrections_for_url,
        note_routes::get_correction,
        note_routes::amend_correction,
        note_routes::retract_correction,
        note_routes::related_claims,
        note_routes::note_annotation,
        note_routes::annotations,
        publication_routes::edit_publication,
        publication_routes::set_webhook,
        publication_routes::get_webhook,
        publication_routes::remove_webhook,
        publication_routes::list_deliveries,
        publication_routes::redeliver,
    ]
}

type Answer<T> = Result<Json<T>>;

#[get("/healthz")]
async fn healthz(app: &State<App>) -> Answer<Value> {
    app.db.run(crate::db::ping).await?;
    Ok(Json(json!({ "status": "ok" })))
}

// ---- articles ------------------------------------------------------------------------------

impl JsonInput for articles::ArticleRequest {
    const LIMIT_BYTES: u64 = 5 * 1024 * 1024;
}

#[derive(Serialize)]
struct RevisionRef {
    id: i64,
    number: i64,
    sha256: String,
}

#[derive(Serialize)]
struct UpsertAnswer {
    id: i64,
    url: String,
    title: String,
    revision: RevisionRef,
    changed: bool,
}

#[put("/api/v1/articles", data = "<body>")]
async fn put_article(
    app: &State<App>,
    _auth: Authorized<ArticlesWrite>,
    body: JsonBody<articles::ArticleRequest>,
) -> Result<(Status, Json<UpsertAnswer>)> {
    let input = body.0.into_input()?;
    let done = app
        .db
        .run(move |conn| crate::anchoring::upsert_article(conn, &input))
        .await?;
    let status = if done.created {
        Status::Created
    } else {
        Status::Ok
    };
    Ok((
        status,
        Json(UpsertAnswer {
            id: done.article.id,
            url: done.article.url,
            title: done.article.title,
            revision: RevisionRef {
                id: done.revision.id,
                number: done.revision.number,
                sha256: done.revision.sha256,
            },
            changed: done.changed,
        }),
    ))
}

#[derive(Serialize)]
struct ArticleView {
    id: i64,
    url: String,
    title: String,
    publication: PublicationRef,
    published_at: Option<String>,
    created_at: String,
    updated_at: String,
    revision: RevisionView,
}

#[derive(Serialize)]
struct PublicationRef {
    id: i64,
    name: String,
}

#[derive(Serialize)]
struct RevisionView {
    id: i64,
    number: i64,
    sha256: String,
    title: String,
    seen_at: String,
    length: usize,
    text: String,
}

fn article_view(conn: &mut crate::db::Conn, article: Article) -> Result<ArticleView> {
    let revision = articles::current_revision(conn, &article)?;
    let publication = articles::publication(conn, article.publication_id)?;
    Ok(ArticleView {
        id: article.id,
        url: article.url,
        title: article.title,
        publication: PublicationRef {
            id: publication.id,
            name: publication.name,
        },
        published_at: time::rfc3339_opt(article.published_at),
        created_at: rfc3339(article.created_at),
        updated_at: rfc3339(article.updated_at),
        revision: RevisionView {
            id: revision.id,
            number: revision.number,
            length: text::cp_len(&revision.canonical_text),
            sha256: revision.sha256,
            title: revision.title,
            seen_at: rfc3339(revision.seen_at),
            text: revision.canonical_text,
        },
    })
}

/// The `url` query parameter, which the route cannot do without.
fn url_param(url: Option<String>) -> Result<String> {
    url.filter(|u| !u.trim().is_empty())
        .ok_or_else(|| Error::invalid("url", "the url parameter is required"))
}

#[get("/api/v1/articles/<id>", rank = 2)]
async fn get_article(
    app: &State<App>,
    _auth: Authorized<ReportsRead>,
    id: i64,
) -> Answer<ArticleView> {
    let view = app
        .db
        .run(move |conn| {
            let article = articles::require(conn, id)?;
            article_view(conn, article)
        })
        .await?;
    Ok(Json(view))
}

#[get("/api/v1/articles?<url>")]
async fn find_article(
    app: &State<App>,
    _auth: Authorized<ReportsRead>,
    url: Option<String>,
) -> Answer<ArticleView> {
    let url = url_param(url)?;
    let view = app
        .db
        .run(move |conn| {
            let article = articles::require_by_url(conn, &url)?;
            article_view(conn, article)
        })
        .await?;
    Ok(Json(view))
}

#[get("/api/v1/articles/<id>/revisions")]
async fn list_revisions(
    app: &State<App>,
    _auth: Authorized<ReportsRead>,
    id: i64,
) -> Answer<Value> {
    let list = app
        .db
        .run(move |conn| {
            articles::require(conn, id)?;
            articles::list_revisions(conn, id)
        })
        .await?;
    let revisions: Vec<Value> = list
        .into_iter()
        .map(|r| json!({ "id": r.id, "number": r.number, "title": r.title, "sha256": r.sha256, "seen_at": rfc3339(r.seen_at) }))
        .collect();
    Ok(Json(json!({ "article_id": id, "revisions": revisions })))
}

#[get("/api/v1/articles/<id>/revisions/<number>/diff")]
async fn revision_diff(
    app: &State<App>,
    _auth: Authorized<ReportsRead>,
    id: i64,
    number: i64,
) -> Answer<Value> {
    let (old, new, spans) = app
        .db
        .run(move |conn| {
            articles::require(conn, id)?;
            let new = articles::revision_by_number(conn, id, number)?.ok_or_else(|| {
                Error::not_found(
                    Code::RevisionNotFound,
                    format!("article {id} has no revision {number}"),
                )
            })?;
            let old = if number > 1 {
                articles::revision_by_number(conn, id, number - 1)?
            } else {
                None
            };
            // A diff of two long texts is CPU work: done here, off the async executor.
            let old_text = old.as_ref().map_or("", |r| r.canonical_text.as_str());
            let spans = text::word_diff(old_text, &new.canonical_text);
            Ok((old, new, spans))
        })
        .await?;
    Ok(Json(json!({
        "article_id": id,
        "number": new.number,
        "previous": old.map(|r| r.number),
        "spans": spans,
    })))
}
