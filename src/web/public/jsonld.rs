//! `GET /api/v1/articles/{id}/jsonld`: the article's schema.org JSON-LD with its live
//! corrections, readable from any origin so a publisher's page or build step can fetch it.

use rocket::http::{ContentType, Header};
use rocket::response::{self, Responder};
use rocket::{get, Request, State};

use super::Public;
use crate::articles;
use crate::corrections::jsonld;
use crate::error::{Error, Result};
use crate::web::api::IfNoneMatch;
use crate::web::App;

/// A public answer any origin may read.
pub struct OpenToAll(Public);

impl<'r> Responder<'r, 'static> for OpenToAll {
    fn respond_to(self, req: &'r Request<'_>) -> response::Result<'static> {
        let mut res = self.0.respond_to(req)?;
        res.set_header(Header::new("Access-Control-Allow-Origin", "*"));
        res.set_header(Header::new("Access-Control-Expose-Headers", "ETag"));
        Ok(res)
    }
}

#[get("/api/v1/articles/<id>/jsonld")]
pub async fn article(app: &State<App>, id: i64, inm: IfNoneMatch) -> Result<OpenToAll> {
    let site = app.site.clone();
    let doc = app
        .db
        .run(move |conn| {
            let article = articles::require(conn, id)?;
            jsonld::for_article(conn, &site, &article)
        })
        .await?;
    answer(&doc, &inm)
}

/// The same by the article's canonical URL: what the embed knows (`data-errata-jsonld`).
#[get("/api/v1/articles/jsonld?<url>")]
pub async fn article_by_url(
    app: &State<App>,
    url: Option<String>,
    inm: IfNoneMatch,
) -> Result<OpenToAll> {
    let url = url.ok_or_else(|| Error::invalid("url", "url is required"))?;
    let site = app.site.clone();
    let doc = app
        .db
        .run(move |conn| {
            let article = articles::require_by_url(conn, &url)?;
            jsonld::for_article(conn, &site, &article)
        })
        .await?;
    answer(&doc, &inm)
}

fn answer(doc: &serde_json::Value, inm: &IfNoneMatch) -> Result<OpenToAll> {
    let body = serde_json::to_string(&doc).map_err(Error::internal)?;
    Ok(OpenToAll(Public::new(
        ContentType::new("application", "ld+json").with_params(("charset", "utf-8")),
        body,
        inm,
    )))
}
