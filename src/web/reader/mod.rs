//! What a reader reaches without an account: the front door, the demo article as a publisher would
//! serve it, the status page behind every emailed link, the embed script, and the report form
//! that works without JavaScript. Validation and filing are the API's own (`reports::file`).

use askama::Template;
use hmac::{Hmac, Mac};
use rocket::form::{Form, FromForm};
use rocket::http::{ContentType, Cookie, CookieJar, Header, SameSite, Status};
use rocket::response::content::RawHtml;
use rocket::response::{self, Responder};
use rocket::{get, post, routes, Request, Route, State};
use sha2::Sha256;

use super::guards::SenderHash;
use super::App;
use crate::articles;
use crate::demo::ARTICLE_PATH as DEMO_PATH;
use crate::error::{Error, Result};
use crate::i18n::{self, Lang, Messages};
use crate::reports::{self, PassageInput, ReportInput, ReporterInput};
use crate::status::{self, PublicStatus};
use crate::workflow::{Resolution, State as ReportState};

mod form;

pub fn routes() -> Vec<Route> {
    let mut all = routes![
        home,
        demo_article,
        status_page,
        embed_script,
        reader_stylesheet
    ];
    all.extend(form::routes());
    all
}

fn render(t: &impl Template) -> Result<String> {
    t.render().map_err(|e| Error::internal_while("template", e))
}

fn page(status: Status, html: String) -> (Status, RawHtml<String>) {
    (status, RawHtml(html))
}

#[derive(Template)]
#[template(path = "reader/message.html")]
struct MessagePage<'a> {
    t: Messages,
    title: &'a str,
    message: &'a str,
}

/// A page that says what went wrong, in English (for pages not yet in the catalogue).
pub(super) fn message(
    status: Status,
    title: &str,
    text: &str,
) -> Result<(Status, RawHtml<String>)> {
    Ok(page(
        status,
        render(&MessagePage {
            t: Messages(Lang::En),
            title,
            message: text,
        })?,
    ))
}

/// A page that says what went wrong, in the reader's language: `key-title` and `key`.
fn message_in(t: Messages, status: Status, key: &str) -> Result<(Status, RawHtml<String>)> {
    Ok(page(
        status,
        render(&MessagePage {
            t,
            title: &t.get(&format!("{key}-title")),
            message: &t.get(key),
        })?,
    ))
}

/// The reader's language for a page: `?lang=`, else `Accept-Language`, else English.
pub struct ReaderLang(pub Lang);

#[rocket::async_trait]
impl<'r> rocket::request::FromRequest<'r> for ReaderLang {
    type Error = std::convert::Infallible;

    async fn from_request(req: &'r Request<'_>) -> rocket::request::Outcome<Self, Self::Error> {
        let named = req.query_value::<&str>("lang").and_then(|v| v.ok());
        let accept = req.headers().get_one("Accept-Language");
        rocket::request::Outcome::Success(ReaderLang(i18n::choose(named, accept)))
    }
}

// ---- front door and demo -------------------------------------------------------------------

#[derive(Template)]
#[template(path = "reader/home.html")]
struct HomePage {
    demo_url: Option<String>,
}

#[get("/")]
async fn home(app: &State<App>) -> Result<RawHtml<String>> {
    let url = format!("{}{DEMO_PATH}", app.site.base_url);
    let key = url.clone();
    let demo = app
        .db
        .run(move |conn| articles::find_by_url(conn, &key))
        .await?;
    Ok(RawHtml(render(&HomePage {
        demo_url: demo.map(|_| DEMO_PATH.to_owned()),
    })?))
}

#[derive(Template)]
#[template(path = "reader/article.html")]
struct ArticlePage {
    publication: String,
    title: String,
    url: String,
    published_at: Option<String>,
    paragraphs: Vec<String>,
}

/// The demo article as a newsroom's own site would show it, with the embed on it. (Rocket needs
/// the path written out; a test checks it is `DEMO_PATH`.)
#[get("/demo/2026/11/pier-9-ferry-terminal-rebuild")]
async fn demo_article(app: &State<App>) -> Result<(Status, RawHtml<String>)> {
    let url = format!("{}{DEMO_PATH}", app.site.base_url);
    let key = url.clone();
    let found = app
        .db
        .run(move |conn| {
            let Some(article) = articles::find_by_url(conn, &key)? else {
                return Ok(None);
            };
            let revision = articles::current_revision(conn, &article)?;
            let publication = articles::publication(conn, article.publication_id)?;
            Ok(Some((article, revision, publication)))
        })
        .await?;
    let Some((article, revision, publication)) = found else {
        return message(
            Status::NotFound,
            "No demo here",
            "This server was started without the demo article (set `demo = true` on an empty database to get it).",
        );
    };
    let html = render(&ArticlePage {
        publication: publication.name,
        title: article.title,
        url,
        published_at: article
            .published_at
            .map(|t| t.format("%-d %B %Y").to_string()),
        paragraphs: revision
            .canonical_text
            .split("\n\n")
            .map(str::to_owned)
            .collect(),
    })?;
    Ok(page(Status::Ok, html))
}

// ---- static files --------------------------------------------------------------------------

#[derive(rocket::Responder)]
struct Asset(&'static str, ContentType, Header<'static>);

/// Where `static/embed.js` takes its messages: the server puts the catalogues' widget strings
/// there, so the embed needs no request of its own for them.
const MESSAGES_SLOT: &str = "/*ERRATA_MESSAGES*/{}";

/// The embed with every language's widget messages inside, made once.
static EMBED: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    include_str!("../../../static/embed.js").replacen(
        MESSAGES_SLOT,
        &i18n::widget_catalogue().to_string(),
        1,
    )
});

/// The embed, built into the binary. Publishers' pages load it on every view: cached briefly, so
/// a fixed embed reaches readers within minutes.
#[get("/embed.js")]
fn embed_script() -> Asset {
    Asset(
        EMBED.as_str(),
        ContentType::JavaScript,
        Header::new("Cache-Control", "public, max-age=300"),
    )
}

#[get("/static/reader.css")]
fn reader_stylesheet() -> Asset {
    Asset(
        include_str!("../../../static/reader.css"),
        ContentType::CSS,
        Header::new("Cache-Control", "public, max-age=3600"),
    )
}

// ---- status page ---------------------------------------------------------------------------

/// One step of the public timeline.
struct Step {
    label: String,
    /// When, as RFC 3339 (for `<time datetime>`) and in words.
    at: Option<(String, String)>,
    /// `done`, `current` or `upcoming`.
    state: &'static str,
}

#[derive(Template)]
#[template(path = "reader/status.html")]
struct StatusPage<'a> {
    t: Messages,
    s: &'a PublicStatus,
    steps: Vec<Step>,
    outcome: Option<String>,
}

/// A resolution in the reader's words: the outcome, and what it means.
fn outcome_words(
    t: Messages,
    resolution: Resolution,
    duplicate_of: Option<&str>,
) -> (String, String) {
    let key = match resolution {
        Resolution::Spam => "closed",
        other => other.as_str(),
    };
    let why = t.with(
        &format!("outcome-{key}-why"),
        "original",
        duplicate_of.unwrap_or("none"),
    );
    (t.get(&format!("outcome-{key}")), why)
}

/// The reader's timeline in plain words: Received, Under review, Resolved (with its outcome).
fn timeline(t: Messages, s: &PublicStatus) -> (Vec<Step>, Option<String>) {
    let when = |rfc3339: &str| (rfc3339.to_owned(), t.date_time_rfc3339(rfc3339));
    let resolved = !s.status.is_open();
    let reviewing = matches!(s.status, ReportState::Triaged | ReportState::Investigating);
    let outcome = s
        .resolution
        .map(|r| outcome_words(t, r, s.duplicate_of.as_deref()));
    let steps = vec![
        Step {
            label: t.get("status-received"),
            at: Some(when(&s.created_at)),
            state: if resolved || reviewing {
                "done"
            } else {
                "current"
            },
        },
        Step {
            label: t.get("status-under-review"),
            at: None,
            state: if resolved {
                "done"
            } else if reviewing {
                "current"
            } else {
                "upcoming"
            },
        },
        Step {
            label: match &outcome {
                Some((word, _)) if resolved => t.with("status-resolved-as", "outcome", word),
                _ => t.get("status-resolved"),
            },
            at: s.resolved_at.as_deref().filter(|_| resolved).map(when),
            state: if resolved { "current" } else { "upcoming" },
        },
    ];
    (steps, outcome.filter(|_| resolved).map(|(_, e)| e))
}

#[get("/status/<token>")]
async fn status_page(
    app: &State<App>,
    lang: ReaderLang,
    token: &str,
) -> Result<(Status, RawHtml<String>)> {
    let t = Messages(lang.0);
    let site = app.site.clone();
    let token = token.to_owned();
    let found = app
        .db
        .run(move |conn| status::public_status(conn, &site, &token))
        .await;
    match found {
        Ok(status) => Ok(page(Status::Ok, status_page_in(t, &status)?)),
        Err(e) if e.status == Status::NotFound => {
            message_in(t, Status::NotFound, "message-unknown-status")
        }
        Err(e) => Err(e),
    }
}

fn status_page_in(t: Messages, status: &PublicStatus) -> Result<String> {
    let (steps, outcome) = timeline(t, status);
    render(&StatusPage {
        t,
        s: status,
        steps,
        outcome,
    })
}

/// The reader's status page for a browser at the API's status link (in English).
pub(super) fn status_html(status: &PublicStatus) -> Result<String> {
    status_page_in(Messages(Lang::En), status)
}

/// The page for a status link that matches no report (in English, for the API's link).
pub(super) fn unknown_status_link() -> Result<(Status, RawHtml<String>)> {
    message_in(
        Messages(Lang::En),
        Status::NotFound,
        "message-unknown-status",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_article_is_served_where_the_demo_puts_it() {
        assert!(routes()
            .iter()
            .any(|r| r.name.as_deref() == Some("demo_article") && r.uri.path() == DEMO_PATH));
    }
}
