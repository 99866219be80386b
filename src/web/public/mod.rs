//! Public pages and feeds, readable by anyone and cacheable: a note's permalink, an article's
//! corrections and version history, the corrections log (all publications, or one), and the
//! Atom and JSON feeds. Every answer carries an ETag of its body and a short `Cache-Control`, so
//! a note change shows at once on every surface that shows it and nothing else changes.

mod articles;
mod feeds;
mod jsonld;
mod log;
mod note;

use askama::Template;
use rocket::http::{ContentType, Header, Status};
use rocket::response::{self, Responder};
use rocket::{get, routes, Request, Route};

use super::api::{etag_matches, IfNoneMatch};
use crate::error::{Error, Result};
use crate::secrets::sha256_hex;

pub fn routes() -> Vec<Route> {
    routes![
        note::permalink,
        articles::article_corrections,
        articles::revision,
        log::everything,
        log::publication,
        feeds::atom,
        feeds::publication_atom,
        feeds::json,
        jsonld::article,
        jsonld::article_by_url,
        stylesheet,
    ]
}

/// The pages' stylesheet, built into the binary. A file rather than inline styles so the pages'
/// CSP can forbid inline style.
#[derive(rocket::Responder)]
#[response(content_type = "text/css")]
struct Stylesheet(&'static str, Header<'static>);

#[get("/static/pages.css")]
fn stylesheet() -> Stylesheet {
    Stylesheet(
        include_str!("../../../static/pages.css"),
        Header::new("Cache-Control", "public, max-age=3600"),
    )
}

/// What a page says about itself to link previews and search engines: its canonical address and
/// the Open Graph tags.
pub struct Meta {
    pub title: String,
    pub url: String,
    pub description: String,
    /// `article` for a note, `website` for lists.
    pub og_type: &'static str,
}

impl Meta {
    /// At most 200 characters of plain text, cut at a word.
    pub fn describe(text: &str) -> String {
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if text.chars().count() <= 200 {
            return text;
        }
        let cut: String = text.chars().take(200).collect();
        let cut = cut.rsplit_once(' ').map(|(a, _)| a).unwrap_or(&cut);
        format!("{cut} …")
    }
}

/// A public answer: its body, validated by an ETag of the body, and fresh for a minute.
pub struct Public {
    status: Status,
    content_type: ContentType,
    body: String,
    etag: String,
    not_modified: bool,
}

impl Public {
    pub fn new(content_type: ContentType, body: String, inm: &IfNoneMatch) -> Public {
        let etag = format!("\"{}\"", &sha256_hex(&body)[..32]);
        let not_modified = inm.0.as_deref().is_some_and(|h| etag_matches(h, &etag));
        Public {
            status: Status::Ok,
            content_type,
            body,
            etag,
            not_modified,
        }
    }

    pub fn html(t: &impl Template, inm: &IfNoneMatch) -> Result<Public> {
        Ok(Public::new(ContentType::HTML, render(t)?, inm))
    }

    /// A page that says what is wrong (not found, a filter refused), never cached.
    pub fn message(status: Status, title: &str, text: &str) -> Result<Public> {
        let (_, page) = super::reader::message(status, title, text)?;
        Ok(Public {
            status,
            content_type: ContentType::HTML,
            body: page.0,
            etag: String::new(),
            not_modified: false,
        })
    }

    /// A refused query parameter as a page: the status and message of the error.
    pub fn refused(e: &Error) -> Result<Public> {
        Public::message(e.status, "Not valid", &e.message)
    }
}

impl<'r> Responder<'r, 'static> for Public {
    fn respond_to(self, _: &'r Request<'_>) -> response::Result<'static> {
        let mut builder = rocket::Response::build();
        builder.status(self.status);
        if self.status == Status::Ok {
            builder
                .header(Header::new("ETag", self.etag))
                .header(Header::new(
                    "Cache-Control",
                    "public, max-age=60, stale-while-revalidate=300",
                ));
        } else {
            builder.header(Header::new("Cache-Control", "no-store"));
        }
        if self.not_modified {
            builder.status(Status::NotModified);
        } else {
            builder
                .header(self.content_type)
                .sized_body(self.body.len(), std::io::Cursor::new(self.body));
        }
        builder.ok()
    }
}

fn render(t: &impl Template) -> Result<String> {
    t.render().map_err(|e| Error::internal_while("template", e))
}

/// A time for `<time datetime>` and in words.
pub type When = (String, String);

pub fn when(t: chrono::NaiveDateTime) -> When {
    (crate::time::rfc3339(t), crate::time::readable(t))
}
