//! The API's reports: filing (with its CORS preflight), the reader's status, and the editors'
//! list, detail, moves, comments, assignment and hand placement.

use super::*;

impl JsonInput for ReportInput {}
impl JsonInput for TransitionInput {}
impl JsonInput for AnchorInput {}

#[options("/api/v1/reports")]
pub(super) fn file_report_preflight(_origin: AllowedOrigin) -> Status {
    Status::NoContent
}

#[post("/api/v1/reports", data = "<body>")]
pub(super) async fn file_report(
    app: &State<App>,
    origin: AllowedOrigin,
    sender: SenderHash,
    accept: AcceptLanguage,
    body: JsonBody<ReportInput>,
) -> Result<(Status, Json<reports::Filed>)> {
    let mut valid = body.0.validate()?;
    // The reader's mail is written in the language they named, else their browser's.
    let lang = crate::i18n::choose(valid.lang.as_deref(), accept.0.as_deref());
    valid.lang = Some(lang.code().to_owned());
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

/// The `Accept-Language` header, if sent.
pub struct AcceptLanguage(Option<String>);

#[rocket::async_trait]
impl<'r> rocket::request::FromRequest<'r> for AcceptLanguage {
    type Error = ();
    async fn from_request(req: &'r Request<'_>) -> rocket::request::Outcome<Self, ()> {
        let header = req.headers().get_one("Accept-Language").map(str::to_owned);
        rocket::outcome::Outcome::Success(AcceptLanguage(header))
    }
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
pub(super) async fn report_status(
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
            rocket::response::content::RawHtml(crate::web::reader::status_html(&status)?),
        ))),
        (Err(e), true) if e.status == Status::NotFound => Ok(rocket::Either::Right(
            crate::web::reader::unknown_status_link()?,
        )),
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
pub(super) struct ReportPage {
    reports: Vec<reports::ReportView>,
    next_cursor: Option<String>,
}

#[allow(clippy::too_many_arguments)]
#[get("/api/v1/reports?<state>&<article_id>&<assignee_id>&<limit>&<cursor>&<order>")]
pub(super) async fn list_reports(
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
pub(super) async fn get_report(
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
pub(super) async fn transition_report(
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
pub(super) struct CommentBody {
    body: Option<String>,
}

impl JsonInput for CommentBody {}

#[post("/api/v1/reports/<id>/comments", data = "<body>")]
pub(super) async fn comment_report(
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
pub(super) struct AssigneeBody {
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
pub(super) async fn assign_report(
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
    let site = app.site.clone();
    let view = app
        .db
        .run(move |conn| {
            let report = reports::assign(conn, &site, &user, id, target)?;
            reports::view(conn, &report, &user, true)
        })
        .await?;
    Ok(Json(view))
}

#[put("/api/v1/reports/<id>/anchor", data = "<body>")]
pub(super) async fn anchor_report(
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
