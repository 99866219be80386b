//! The API's correction notes: the public list the embed reads (cached, with an ETag), one note
//! with its history, publishing, amending and retracting, and the W3C annotation export.

use super::*;

impl JsonInput for NoteInput {}

#[post("/api/v1/articles/<id>/corrections", data = "<body>")]
pub(super) async fn publish_correction(
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

impl JsonInput for history::AmendInput {}
impl JsonInput for history::RetractInput {}

#[get("/api/v1/corrections/<id>")]
pub(super) async fn get_correction(app: &State<App>, id: i64) -> Answer<history::NoteDetail> {
    let site = app.site.clone();
    let detail = app
        .db
        .run(move |conn| history::detail(conn, &site, id))
        .await?;
    Ok(Json(detail))
}

#[put("/api/v1/corrections/<id>", data = "<body>")]
pub(super) async fn amend_correction(
    app: &State<App>,
    auth: Authorized<CorrectionsWrite>,
    id: i64,
    body: JsonBody<history::AmendInput>,
) -> Answer<corrections::NoteView> {
    let site = app.site.clone();
    let input = body.0;
    let user = auth.user;
    let note = app
        .db
        .run(move |conn| history::amend(conn, &site, &user, id, &input))
        .await?;
    Ok(Json(note))
}

#[post("/api/v1/corrections/<id>/retract", data = "<body>")]
pub(super) async fn retract_correction(
    app: &State<App>,
    auth: Authorized<CorrectionsWrite>,
    id: i64,
    body: JsonBody<history::RetractInput>,
) -> Answer<corrections::NoteView> {
    let site = app.site.clone();
    let input = body.0;
    let user = auth.user;
    let note = app
        .db
        .run(move |conn| history::retract(conn, &site, &user, id, &input))
        .await?;
    Ok(Json(note))
}

/// Where the note's corrected claim is repeated in its publication's other articles, for the
/// desk (`corrections::related`).
#[get("/api/v1/corrections/<id>/related")]
pub(super) async fn related_claims(
    app: &State<App>,
    _auth: Authorized<ReportsRead>,
    id: i64,
) -> Answer<corrections::related::RelatedList> {
    let list = app
        .db
        .run(move |conn| corrections::related::for_note(conn, id))
        .await?;
    Ok(Json(list))
}

/// Web Annotation JSON-LD, with the profile its media type names.
#[derive(rocket::Responder)]
pub struct Annotations(String, Header<'static>);

fn annotations_answer(doc: &Value) -> Annotations {
    Annotations(
        doc.to_string(),
        Header::new(
            "Content-Type",
            format!(
                "application/ld+json; profile=\"{}\"",
                crate::annotations::CONTEXT
            ),
        ),
    )
}

#[get("/api/v1/corrections/<id>/annotation")]
pub(super) async fn note_annotation(app: &State<App>, id: i64) -> Result<Annotations> {
    let site = app.site.clone();
    let doc = app
        .db
        .run(move |conn| crate::annotations::for_note(conn, &site, id))
        .await?;
    Ok(annotations_answer(&doc))
}

#[get("/api/v1/annotations?<article_id>")]
pub(super) async fn annotations(
    app: &State<App>,
    _auth: Authorized<ReportsRead>,
    article_id: Option<i64>,
) -> Result<Annotations> {
    let article_id =
        article_id.ok_or_else(|| Error::invalid("article_id", "article_id is required"))?;
    let site = app.site.clone();
    let doc = app
        .db
        .run(move |conn| crate::annotations::for_article(conn, &site, article_id))
        .await?;
    Ok(annotations_answer(&doc))
}

/// A cached public answer with its validators.
pub struct Cacheable {
    cached: std::sync::Arc<Cached>,
    not_modified: bool,
    /// How long browsers and caches may keep it (`cache_max_age`).
    max_age: u64,
}

impl<'r> Responder<'r, 'static> for Cacheable {
    fn respond_to(self, _: &'r Request<'_>) -> response::Result<'static> {
        let mut builder = rocket::Response::build();
        builder
            .header(Header::new("ETag", self.cached.etag.clone()))
            .header(Header::new(
                "Cache-Control",
                format!(
                    "public, max-age={}, stale-while-revalidate=300",
                    self.max_age
                ),
            ));
        if self.not_modified {
            builder.status(Status::NotModified);
        } else {
            let len = self.cached.body.len();
            builder
                .header(rocket::http::ContentType::JSON)
                .sized_body(len, std::io::Cursor::new(SharedBody(self.cached)));
        }
        builder.ok()
    }
}

/// `If-None-Match` as sent, for the corrections answer.
pub struct IfNoneMatch(pub Option<String>);

#[rocket::async_trait]
impl<'r> rocket::request::FromRequest<'r> for IfNoneMatch {
    type Error = ();
    async fn from_request(req: &'r Request<'_>) -> rocket::request::Outcome<Self, ()> {
        rocket::outcome::Outcome::Success(IfNoneMatch(
            req.headers().get_one("If-None-Match").map(str::to_owned),
        ))
    }
}

pub fn etag_matches(header: &str, etag: &str) -> bool {
    header.trim() == "*"
        || header
            .split(',')
            .any(|t| t.trim().trim_start_matches("W/") == etag)
}

#[get("/api/v1/corrections?<url>")]
pub(super) async fn corrections_for_url(
    app: &State<App>,
    url: Option<String>,
    inm: IfNoneMatch,
) -> Result<Cacheable> {
    let raw = url_param(url)?;
    // Read before the cache is consulted: an answer found current is marked with it.
    let data_version = app.db.data_version();
    let cached = match app.cache.fresh(&raw, data_version) {
        Some(cached) => cached,
        None => {
            let canonical = articles::canonical_url(&raw).map_err(|m| Error::invalid("url", m))?;
            let cache = app.cache.clone();
            let site = app.site.clone();
            let cached = app
                .db
                .run(move |conn| {
                    let cached = cache.answer(conn, &site, &canonical, data_version)?;
                    cache.alias(&raw, &canonical);
                    Ok(cached)
                })
                .await?;
            cached
        }
    };
    let not_modified = inm
        .0
        .as_deref()
        .is_some_and(|h| etag_matches(h, &cached.etag));
    Ok(Cacheable {
        cached,
        not_modified,
        max_age: app.settings.cache_max_age,
    })
}
