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
use crate::corrections::{self, Cached, NoteInput};
use crate::error::{Code, Error, Result};
use crate::reports::{
    self, workflow::State as ReportState, AnchorInput, ListQuery, ReportInput, TransitionInput,
};
use crate::text;
use crate::time::{self, rfc3339};

pub fn routes() -> Vec<Route> {
    routes![
        healthz,
        put_article,
        get_article,
        find_article,
        list_revisions,
        revision_diff,
        publish_correction,
        file_report,
        file_report_preflight,
        report_status,
        list_reports,
        get_report,
        transition_report,
        comment_report,
        assign_report,
        anchor_report,
        corrections_for_url,
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
    let (old, new) = app
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
            Ok((old, new))
        })
        .await?;
    let old_text = old
        .as_ref()
        .map(|r| r.canonical_text.as_str())
        .unwrap_or("");
    let spans = text::word_diff(old_text, &new.canonical_text);
    Ok(Json(json!({
        "article_id": id,
        "number": new.number,
        "previous": old.map(|r| r.number),
        "spans": spans,
    })))
}

// ---- corrections ---------------------------------------------------------------------------

impl JsonInput for NoteInput {}

#[post("/api/v1/articles/<id>/corrections", data = "<body>")]
async fn publish_correction(
    app: &State<App>,
    auth: Authorized<CorrectionsWrite>,
    id: i64,
    body: JsonBody<NoteInput>,
) -> Result<(Status, Json<corrections::NoteView>)> {
    let site = app.site.clone();
    let input = body.0;
    let user = auth.user;
    let (_, note) = app
        .db
        .run(move |conn| corrections::publish(conn, &site, &user, id, &input))
        .await?;
    Ok((Status::Created, Json(note)))
}

/// A cached public answer with its validators.
pub struct Cacheable {
    cached: std::sync::Arc<Cached>,
    not_modified: bool,
}

impl<'r> Responder<'r, 'static> for Cacheable {
    fn respond_to(self, _: &'r Request<'_>) -> response::Result<'static> {
        let mut builder = rocket::Response::build();
        builder
            .header(Header::new("ETag", self.cached.etag.clone()))
            .header(Header::new(
                "Cache-Control",
                "public, max-age=60, stale-while-revalidate=300",
            ));
        if self.not_modified {
            builder.status(Status::NotModified);
        } else {
            let body = self.cached.body.clone();
            builder
                .header(rocket::http::ContentType::JSON)
                .sized_body(body.len(), std::io::Cursor::new(body));
        }
        builder.ok()
    }
}

/// `If-None-Match` as sent, for the corrections answer.
pub struct IfNoneMatch(Option<String>);

#[rocket::async_trait]
impl<'r> rocket::request::FromRequest<'r> for IfNoneMatch {
    type Error = ();
    async fn from_request(req: &'r Request<'_>) -> rocket::request::Outcome<Self, ()> {
        rocket::outcome::Outcome::Success(IfNoneMatch(
            req.headers().get_one("If-None-Match").map(str::to_owned),
        ))
    }
}

fn etag_matches(header: &str, etag: &str) -> bool {
    header.trim() == "*"
        || header
            .split(',')
            .any(|t| t.trim().trim_start_matches("W/") == etag)
}

#[get("/api/v1/corrections?<url>")]
async fn corrections_for_url(
    app: &State<App>,
    url: Option<String>,
    inm: IfNoneMatch,
) -> Result<Cacheable> {
    let raw = url_param(url)?;
    let canonical = articles::canonical_url(&raw).map_err(|m| Error::invalid("url", m))?;
    let cache = app.cache.clone();
    let site = app.site.clone();
    let cached = app
        .db
        .run(move |conn| cache.answer(conn, &site, &canonical))
        .await?;
    let not_modified = inm
        .0
        .as_deref()
        .is_some_and(|h| etag_matches(h, &cached.etag));
    Ok(Cacheable {
        cached,
        not_modified,
    })
}

// ---- reports -------------------------------------------------------------------------------

impl JsonInput for ReportInput {}
impl JsonInput for TransitionInput {}
impl JsonInput for AnchorInput {}

#[options("/api/v1/reports")]
fn file_report_preflight(_origin: AllowedOrigin) -> Status {
    Status::NoContent
}

#[post("/api/v1/reports", data = "<body>")]
async fn file_report(
    app: &State<App>,
    origin: AllowedOrigin,
    sender: SenderHash,
    body: JsonBody<ReportInput>,
) -> Result<(Status, Json<reports::Filed>)> {
    let valid = body.0.validate()?;
    let site = app.site.clone();
    let sender = reports::Sender {
        ip_hash: sender.0,
        origin: origin.0,
        hourly_limit: app.settings.report_rate_limit,
    };
    let filed = app
        .db
        .run(move |conn| reports::file(conn, &site, &valid, sender))
        .await?;
    if filed.repeated {
        // The sender's own report of moments ago: the same answer, nothing new written.
        return Ok((Status::Ok, Json(filed)));
    }
    Ok((Status::Created, Json(filed)))
}

/// Whether the client prefers a page to JSON: a browser opening the emailed status link.
pub struct WantsHtml(bool);

#[rocket::async_trait]
impl<'r> rocket::request::FromRequest<'r> for WantsHtml {
    type Error = ();
    async fn from_request(req: &'r Request<'_>) -> rocket::request::Outcome<Self, ()> {
        let html = req
            .accept()
            .and_then(|a| {
                a.preferred()
                    .media_type()
                    .sub()
                    .as_str()
                    .eq_ignore_ascii_case("html")
                    .then_some(())
            })
            .is_some();
        rocket::outcome::Outcome::Success(WantsHtml(html))
    }
}

/// The report's progress for whoever holds the secret status link: JSON, or the reader's page
/// when a browser asks for HTML.
#[get("/api/v1/reports/status/<token>")]
async fn report_status(
    app: &State<App>,
    token: &str,
    wants: WantsHtml,
) -> Result<
    rocket::Either<
        Json<crate::status::PublicStatus>,
        (Status, rocket::response::content::RawHtml<String>),
    >,
> {
    let site = app.site.clone();
    let token = token.to_owned();
    let found = app
        .db
        .run(move |conn| crate::status::public_status(conn, &site, &token))
        .await;
    match (found, wants.0) {
        (Ok(status), false) => Ok(rocket::Either::Left(Json(status))),
        (Ok(status), true) => Ok(rocket::Either::Right((
            Status::Ok,
            rocket::response::content::RawHtml(super::reader::status_html(&status)?),
        ))),
        (Err(e), true) if e.status == Status::NotFound => {
            Ok(rocket::Either::Right(super::reader::unknown_status_link()?))
        }
        (Err(e), _) => Err(e),
    }
}

fn parse_positive(value: Option<&str>, field: &str) -> Result<Option<i64>> {
    match value.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(v) => v
            .parse::<i64>()
            .ok()
            .filter(|n| *n > 0)
            .map(Some)
            .ok_or_else(|| Error::invalid(field, format!("{field} must be a positive integer"))),
    }
}

#[derive(Serialize)]
struct ReportPage {
    reports: Vec<reports::ReportView>,
    next_cursor: Option<String>,
}

#[allow(clippy::too_many_arguments)]
#[get("/api/v1/reports?<state>&<article_id>&<assignee_id>&<limit>&<cursor>&<order>")]
async fn list_reports(
    app: &State<App>,
    auth: Authorized<ReportsRead>,
    state: Option<&str>,
    article_id: Option<&str>,
    assignee_id: Option<&str>,
    limit: Option<&str>,
    cursor: Option<&str>,
    order: Option<&str>,
) -> Answer<ReportPage> {
    let state = match state.map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(ReportState::parse(s).ok_or_else(|| {
            Error::invalid(
                "state",
                format!("`{s}` is not a state: new, triaged, investigating or resolved"),
            )
        })?),
    };
    let oldest_first = match order.map(str::trim) {
        None | Some("") | Some("newest") => false,
        Some("oldest") => true,
        Some(o) => {
            return Err(Error::invalid(
                "order",
                format!("`{o}` is not an order: newest or oldest"),
            ))
        }
    };
    let limit = parse_positive(limit, "limit")?.unwrap_or(reports::LIST_DEFAULT);
    if limit > reports::LIST_MAX {
        return Err(Error::invalid(
            "limit",
            format!("limit must be at most {}", reports::LIST_MAX),
        ));
    }
    let query = ListQuery {
        state,
        article_id: parse_positive(article_id, "article_id")?,
        assignee_id: parse_positive(assignee_id, "assignee_id")?,
        oldest_first,
        limit,
        after: parse_positive(cursor, "cursor")?,
    };
    let user = auth.user;
    let (views, next) = app
        .db
        .run(move |conn| reports::list(conn, &query, &user))
        .await?;
    Ok(Json(ReportPage {
        reports: views,
        next_cursor: next.map(|n| n.to_string()),
    }))
}

#[get("/api/v1/reports/<id>")]
async fn get_report(
    app: &State<App>,
    auth: Authorized<ReportsRead>,
    id: i64,
) -> Answer<reports::ReportView> {
    let user = auth.user;
    let view = app
        .db
        .run(move |conn| {
            let report = reports::find(conn, id)?;
            reports::view(conn, &report, &user, true)
        })
        .await?;
    Ok(Json(view))
}

#[post("/api/v1/reports/<id>/transitions", data = "<body>")]
async fn transition_report(
    app: &State<App>,
    auth: Authorized<ReportsWrite>,
    id: i64,
    body: JsonBody<TransitionInput>,
) -> Answer<reports::ReportView> {
    let site = app.site.clone();
    let user = auth.user;
    let input = body.0;
    let view = app
        .db
        .run(move |conn| {
            let report = reports::transition(conn, &site, &user, id, &input)?;
            reports::view(conn, &report, &user, true)
        })
        .await?;
    Ok(Json(view))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CommentBody {
    body: Option<String>,
}

impl JsonInput for CommentBody {}

#[post("/api/v1/reports/<id>/comments", data = "<body>")]
async fn comment_report(
    app: &State<App>,
    auth: Authorized<ReportsWrite>,
    id: i64,
    body: JsonBody<CommentBody>,
) -> Result<(Status, Json<reports::CommentView>)> {
    let user = auth.user;
    let text = body.0.body;
    let view = app
        .db
        .run(move |conn| reports::comment(conn, &user, id, &text))
        .await?;
    Ok((Status::Created, Json(view)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AssigneeBody {
    /// Absent is an error; `null` clears the assignee.
    #[serde(default, deserialize_with = "present")]
    user_id: Option<Option<i64>>,
}

fn present<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<Option<i64>>, D::Error> {
    Option::<i64>::deserialize(d).map(Some)
}

impl JsonInput for AssigneeBody {}

#[put("/api/v1/reports/<id>/assignee", data = "<body>")]
async fn assign_report(
    app: &State<App>,
    auth: Authorized<ReportsWrite>,
    id: i64,
    body: JsonBody<AssigneeBody>,
) -> Answer<reports::ReportView> {
    let target = body
        .0
        .user_id
        .ok_or_else(|| Error::invalid("user_id", "user_id is required (null to unassign)"))?;
    let user = auth.user;
    let view = app
        .db
        .run(move |conn| {
            let report = reports::assign(conn, &user, id, target)?;
            reports::view(conn, &report, &user, true)
        })
        .await?;
    Ok(Json(view))
}

#[put("/api/v1/reports/<id>/anchor", data = "<body>")]
async fn anchor_report(
    app: &State<App>,
    auth: Authorized<ReportsWrite>,
    id: i64,
    body: JsonBody<AnchorInput>,
) -> Answer<reports::ReportView> {
    let user = auth.user;
    let input = body.0;
    let view = app
        .db
        .run(move |conn| {
            let report = reports::attach(conn, &user, id, &input)?;
            reports::view(conn, &report, &user, true)
        })
        .await?;
    Ok(Json(view))
}
