//! A note's permalink, the address every embed, email and feed links to: the note in the
//! standard sentence, the passage in its context, the article, and the note's whole history.

use askama::Template;
use rocket::http::Status;
use rocket::{get, State};

use super::{when, Meta, Public, When};
use crate::corrections::history::{self, VersionView};
use crate::corrections::{self, NotePassage};
use crate::error::{Code, Result};
use crate::web::api::IfNoneMatch;
use crate::web::App;
use crate::{articles, time};

#[derive(Template)]
#[template(path = "public/note.html")]
struct NotePage {
    meta: Meta,
    publication: String,
    policy_url: Option<String>,
    article_id: i64,
    article_title: String,
    article_url: String,
    kind_label: &'static str,
    published_at: When,
    amended_at: Option<When>,
    /// Why the current version replaced the one before.
    amend_reason: Option<String>,
    retraction: Option<(When, String)>,
    /// The passage now, with its context; else the words as published.
    passage: Option<NotePassage>,
    quote: Option<String>,
    wrong: Option<String>,
    right: Option<String>,
    sentence: Option<String>,
    body_html: String,
    /// Earlier versions, newest first (the current one is the page itself).
    earlier: Vec<(VersionView, Option<String>)>,
}

#[get("/corrections/<id>")]
pub async fn permalink(app: &State<App>, id: i64, inm: IfNoneMatch) -> Result<Public> {
    let site = app.site.clone();
    let found = app
        .db
        .run(move |conn| {
            let detail = match history::detail(conn, &site, id) {
                Ok(d) => d,
                Err(e) if e.code == Code::NoteNotFound => return Ok(None),
                Err(e) => return Err(e),
            };
            let note = corrections::find(conn, id)?
                .ok_or_else(|| crate::error::Error::internal(format!("note {id} vanished")))?;
            let article = articles::require(conn, note.article_id)?;
            let publication = articles::publication(conn, article.publication_id)?;
            Ok(Some((detail, note, article, publication)))
        })
        .await?;
    let Some((detail, note, article, publication)) = found else {
        return Public::message(
            Status::NotFound,
            "Not found",
            "There is no correction note at this address.",
        );
    };
    let view = detail.note;
    let retraction = note
        .retracted_at
        .map(|t| (when(t), note.retraction_reason.clone().unwrap_or_default()));
    let current = view.version;
    let amend_reason = detail
        .versions
        .iter()
        .find(|v| v.version == current)
        .and_then(|v| v.reason.clone());
    let mut earlier: Vec<(VersionView, Option<String>)> = detail
        .versions
        .into_iter()
        .filter(|v| v.version < current)
        .map(|v| {
            let words = v.amended_at.as_deref().map(time::readable_rfc3339);
            (v, words)
        })
        .collect();
    earlier.reverse();
    let description = view
        .sentence
        .clone()
        .unwrap_or_else(|| corrections::markdown::plain_text(&view.body_html));
    let meta = Meta {
        title: format!("{}: {}", note.kind.label(), article.title),
        url: view.permalink.clone(),
        description: Meta::describe(&description),
        og_type: "article",
    };
    let page = NotePage {
        meta,
        publication: publication.name,
        policy_url: publication.policy_url,
        article_id: article.id,
        article_title: article.title,
        article_url: article.url,
        kind_label: note.kind.label(),
        published_at: when(note.published_at),
        amended_at: note.amended_at.map(when),
        amend_reason,
        retraction,
        passage: view.passage.clone(),
        quote: note.quote_exact.clone(),
        wrong: view.wrong.clone(),
        right: view.right.clone(),
        sentence: view.sentence.clone(),
        body_html: view.body_html.clone(),
        earlier,
    };
    Public::html(&page, &inm)
}
