//! The corrections log: every publication's (`/corrections`) or one's (`/p/{slug}/corrections`),
//! newest first, filtered by kind and month, a page at a time.

use askama::Template;
use rocket::http::Status;
use rocket::{get, State};

use super::{when, Meta, Public, When};
use crate::articles::{self, Publication};
use crate::corrections::log::{self, LogFilter};
use crate::error::Result;
use crate::notes::NoteKind;
use crate::web::api::IfNoneMatch;
use crate::web::App;

struct Row {
    id: i64,
    kind_label: &'static str,
    retracted: bool,
    amended: bool,
    published_at: When,
    article_title: String,
    article_url: String,
    article_id: i64,
    publication: String,
    sentence: Option<String>,
}

#[derive(Template)]
#[template(path = "public/log.html")]
struct LogPage {
    meta: Meta,
    heading: String,
    /// The log's own path, for the filter form and the next-page link.
    path: String,
    feed: String,
    policy_url: Option<String>,
    kinds: Vec<(&'static str, &'static str, bool)>,
    month: String,
    rows: Vec<Row>,
    next: Option<String>,
}

#[get("/corrections?<kind>&<month>&<cursor>")]
pub async fn everything(
    app: &State<App>,
    kind: Option<String>,
    month: Option<String>,
    cursor: Option<String>,
    inm: IfNoneMatch,
) -> Result<Public> {
    show(app, None, kind, month, cursor, inm).await
}

#[get("/p/<slug>/corrections?<kind>&<month>&<cursor>")]
pub async fn publication(
    app: &State<App>,
    slug: String,
    kind: Option<String>,
    month: Option<String>,
    cursor: Option<String>,
    inm: IfNoneMatch,
) -> Result<Public> {
    let found = app
        .db
        .run(move |conn| articles::publication_by_slug(conn, &slug))
        .await?;
    let Some(p) = found else {
        return Public::message(
            Status::NotFound,
            "Not found",
            "There is no publication at this address.",
        );
    };
    show(app, Some(p), kind, month, cursor, inm).await
}

async fn show(
    app: &State<App>,
    publication: Option<Publication>,
    kind: Option<String>,
    month: Option<String>,
    cursor: Option<String>,
    inm: IfNoneMatch,
) -> Result<Public> {
    let mut filter = match LogFilter::parse(kind.as_deref(), month.as_deref(), cursor.as_deref()) {
        Ok(f) => f,
        Err(e) => return Public::refused(&e),
    };
    filter.publication_id = publication.as_ref().map(|p| p.id);
    let query = filter.clone();
    let page = match app.db.run(move |conn| log::page(conn, &query)).await {
        Ok(p) => p,
        Err(e) if e.status.code < 500 => return Public::refused(&e),
        Err(e) => return Err(e),
    };
    let (path, heading, feed) = match &publication {
        Some(p) => {
            let slug = p.slug.clone().unwrap_or_default();
            (
                format!("/p/{slug}/corrections"),
                format!("Corrections log of {}", p.name),
                format!("/p/{slug}/corrections.atom"),
            )
        }
        None => (
            "/corrections".to_owned(),
            "Corrections log".to_owned(),
            "/corrections.atom".to_owned(),
        ),
    };
    let mut query = Vec::new();
    if let Some(k) = filter.kind {
        query.push(format!("kind={}", k.as_str()));
    }
    if let Some(m) = filter.month {
        query.push(format!("month={}", m.label()));
    }
    let next = page.next.map(|c| {
        let mut q = query.clone();
        q.push(format!("cursor={c}"));
        format!("{path}?{}", q.join("&"))
    });
    let canonical = if query.is_empty() {
        path.clone()
    } else {
        format!("{path}?{}", query.join("&"))
    };
    let rows = page
        .entries
        .into_iter()
        .map(|e| Row {
            id: e.note.id,
            kind_label: e.note.kind.label(),
            retracted: !e.note.is_live(),
            amended: e.note.amended_at.is_some(),
            published_at: when(e.note.published_at),
            sentence: e.note.sentence(),
            article_title: e.article.title,
            article_url: e.article.url,
            article_id: e.article.id,
            publication: e.publication.name,
        })
        .collect();
    let meta = Meta {
        title: heading.clone(),
        url: format!("{}{canonical}", app.site.base_url),
        description: "Every correction, clarification, update and editor's note, newest first."
            .to_owned(),
        og_type: "website",
    };
    let page = LogPage {
        meta,
        heading,
        path,
        feed,
        policy_url: publication.and_then(|p| p.policy_url),
        kinds: NoteKind::ALL
            .iter()
            .map(|k| (k.as_str(), k.label(), filter.kind == Some(*k)))
            .collect(),
        month: filter.month.map(|m| m.label()).unwrap_or_default(),
        rows,
        next,
    };
    Public::html(&page, &inm)
}
