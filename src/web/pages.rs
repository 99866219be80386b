//! Public HTML pages. For now: a correction note's permalink, the address every note and email
//! links to.

use askama::Template;
use rocket::http::{Header, Status};
use rocket::response::content::RawHtml;
use rocket::{get, routes, Route, State};

use super::App;
use crate::articles;
use crate::corrections;
use crate::error::{Error, Result};
use crate::time::{readable, rfc3339};

pub fn routes() -> Vec<Route> {
    routes![note_permalink, stylesheet]
}

/// The pages' stylesheet, built into the binary. A file rather than inline styles so the pages'
/// CSP can forbid inline style.
#[derive(rocket::Responder)]
#[response(content_type = "text/css")]
struct Stylesheet(&'static str, Header<'static>);

#[get("/static/pages.css")]
fn stylesheet() -> Stylesheet {
    Stylesheet(
        include_str!("../../static/pages.css"),
        Header::new("Cache-Control", "public, max-age=3600"),
    )
}

#[derive(Template)]
#[template(path = "note.html")]
struct NotePage {
    publication: String,
    article_title: String,
    article_url: String,
    kind_label: &'static str,
    /// RFC 3339 for `<time datetime>`, and in words.
    published_at: (String, String),
    amended_at: Option<(String, String)>,
    retraction: Option<String>,
    passage: Option<String>,
    wrong: Option<String>,
    right: Option<String>,
    body_html: String,
}

fn render(t: &impl Template) -> Result<String> {
    t.render().map_err(|e| Error::internal_while("template", e))
}

#[get("/corrections/<id>")]
async fn note_permalink(app: &State<App>, id: i64) -> Result<(Status, RawHtml<String>)> {
    let found = app
        .db
        .run(move |conn| {
            let Some(note) = corrections::find(conn, id)? else {
                return Ok(None);
            };
            let article = articles::find(conn, note.article_id)?
                .ok_or_else(|| Error::internal(format!("note {id} without article")))?;
            let publication = articles::publication(conn, article.publication_id)?;
            Ok(Some((note, article, publication)))
        })
        .await?;
    let Some((note, article, publication)) = found else {
        return super::reader::message(
            Status::NotFound,
            "Not found",
            "There is no correction note at this address.",
        );
    };
    let retraction = (!note.is_live()).then(|| note.retraction_reason.clone().unwrap_or_default());
    let page = NotePage {
        publication: publication.name,
        article_title: article.title,
        article_url: article.url,
        kind_label: note.kind.label(),
        published_at: (rfc3339(note.published_at), readable(note.published_at)),
        amended_at: note.amended_at.map(|t| (rfc3339(t), readable(t))),
        retraction,
        passage: note.quote_exact,
        wrong: note.wrong,
        right: note.right_text,
        body_html: note.body_html,
    };
    Ok((Status::Ok, RawHtml(render(&page)?)))
}
