//! The corrections feeds: Atom 1.0 for every publication (`/corrections.atom`) and for one
//! (`/p/{slug}/corrections.atom`), and JSON Feed 1.1 (`/corrections.json`). One entry per
//! publication of a note, per amendment and per retraction, so a subscriber sees the history too.

use askama::Template;
use rocket::http::{ContentType, Status};
use rocket::{get, State};
use serde_json::json;

use super::Public;
use crate::articles::{self, Publication};
use crate::corrections::log::{self, FeedEntry, Happening};
use crate::corrections::permalink;
use crate::error::{Error, Result};
use crate::mail::Site;
use crate::notes;
use crate::time::rfc3339;
use crate::web::api::IfNoneMatch;
use crate::web::App;

/// An entry as both feeds write it.
struct Item {
    id: String,
    title: String,
    link: String,
    article_url: String,
    article_title: String,
    kind: &'static str,
    kind_label: &'static str,
    published: String,
    updated: String,
    content_html: String,
}

fn paragraph(text: &str) -> String {
    format!(
        "<p>{}</p>",
        askama::filters::escape(text, askama::filters::Html)
            .map(|e| e.to_string())
            .unwrap_or_default()
    )
}

fn item(site: &Site, e: &FeedEntry) -> Item {
    let note = &e.entry.note;
    let link = permalink(site, note.id);
    let label = note.kind.label();
    let article = &e.entry.article;
    let (id, title, content_html) = match &e.happening {
        Happening::Published(v) | Happening::Amended(v) => {
            let sentence = notes::sentence(v.kind, v.wrong.as_deref(), v.right_text.as_deref());
            let mut html = String::new();
            let title = match &e.happening {
                Happening::Amended(_) => {
                    html.push_str(&paragraph(&format!(
                        "Amended (version {}): {}",
                        v.version,
                        v.reason.as_deref().unwrap_or("")
                    )));
                    format!("{label} amended: {}", article.title)
                }
                _ => format!("{label}: {}", article.title),
            };
            if let Some(s) = sentence {
                html.push_str(&paragraph(&s));
            }
            html.push_str(&v.body_html);
            let id = if v.version == 1 {
                link.clone()
            } else {
                format!("{link}#version-{}", v.version)
            };
            (id, title, html)
        }
        Happening::Retracted => {
            let mut html = paragraph(&format!(
                "Retracted: {}",
                note.retraction_reason.as_deref().unwrap_or("")
            ));
            if let Some(s) = note.sentence() {
                html.push_str(&paragraph(&format!("The note said: {s}")));
            }
            (
                format!("{link}#retracted"),
                format!("{label} retracted: {}", article.title),
                html,
            )
        }
    };
    Item {
        id,
        title,
        link,
        article_url: article.url.clone(),
        article_title: article.title.clone(),
        kind: note.kind.as_str(),
        kind_label: label,
        published: rfc3339(note.published_at),
        updated: rfc3339(e.at),
        content_html,
    }
}

#[derive(Template)]
#[template(path = "public/feed.xml")]
struct AtomFeed {
    id: String,
    title: String,
    self_link: String,
    alternate: String,
    updated: String,
    items: Vec<Item>,
}

/// A feed with no entries yet still needs an `updated`: the Unix epoch says "never".
const NEVER: &str = "1970-01-01T00:00:00Z";

async fn atom_for(
    app: &State<App>,
    publication: Option<Publication>,
    inm: IfNoneMatch,
) -> Result<Public> {
    let id = publication.as_ref().map(|p| p.id);
    let entries = app.db.run(move |conn| log::feed(conn, id)).await?;
    let site = &app.site;
    let items: Vec<Item> = entries.iter().map(|e| item(site, e)).collect();
    let (path, title) = match &publication {
        Some(p) => (
            format!("/p/{}/corrections", p.slug.as_deref().unwrap_or_default()),
            format!("Corrections: {}", p.name),
        ),
        None => ("/corrections".to_owned(), "Corrections".to_owned()),
    };
    let feed = AtomFeed {
        id: format!("{}{path}.atom", site.base_url),
        title,
        self_link: format!("{}{path}.atom", site.base_url),
        alternate: format!("{}{path}", site.base_url),
        updated: items
            .iter()
            .map(|i| i.updated.clone())
            .max()
            .unwrap_or_else(|| NEVER.to_owned()),
        items,
    };
    let body = feed
        .render()
        .map_err(|e| Error::internal_while("atom feed", e))?;
    Ok(Public::new(
        ContentType::new("application", "atom+xml").with_params(("charset", "utf-8")),
        body,
        &inm,
    ))
}

#[get("/corrections.atom")]
pub async fn atom(app: &State<App>, inm: IfNoneMatch) -> Result<Public> {
    atom_for(app, None, inm).await
}

#[get("/p/<slug>/corrections.atom")]
pub async fn publication_atom(app: &State<App>, slug: String, inm: IfNoneMatch) -> Result<Public> {
    let found = app
        .db
        .run(move |conn| articles::publication_by_slug(conn, &slug))
        .await?;
    match found {
        Some(p) => atom_for(app, Some(p), inm).await,
        None => Public::message(
            Status::NotFound,
            "Not found",
            "There is no publication at this address.",
        ),
    }
}

#[get("/corrections.json")]
pub async fn json(app: &State<App>, inm: IfNoneMatch) -> Result<Public> {
    let entries = app.db.run(move |conn| log::feed(conn, None)).await?;
    let site = &app.site;
    let items: Vec<serde_json::Value> = entries
        .iter()
        .map(|e| {
            let i = item(site, e);
            json!({
                "id": i.id,
                "url": i.link,
                "external_url": i.article_url,
                "title": i.title,
                "content_html": i.content_html,
                "date_published": i.published,
                "date_modified": i.updated,
                "tags": [i.kind],
            })
        })
        .collect();
    let feed = json!({
        "version": "https://jsonfeed.org/version/1.1",
        "title": "Corrections",
        "home_page_url": format!("{}/corrections", site.base_url),
        "feed_url": format!("{}/corrections.json", site.base_url),
        "language": "en",
        "items": items,
    });
    let body = serde_json::to_string(&feed).map_err(Error::internal)?;
    Ok(Public::new(
        ContentType::new("application", "feed+json").with_params(("charset", "utf-8")),
        body,
        &inm,
    ))
}
