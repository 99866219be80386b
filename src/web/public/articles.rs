//! An article's public corrections page (its notes and its list of revisions) and the word diff
//! of one revision against the one before.

use askama::Template;
use rocket::http::Status;
use rocket::{get, State};

use super::{when, Meta, Public, When};
use crate::articles::{self, RevisionSummary};
use crate::corrections::{self, NoteView};
use crate::error::{Code, Result};
use crate::text::{self, DiffOp};
use crate::web::api::IfNoneMatch;
use crate::web::App;

#[derive(Template)]
#[template(path = "public/article.html")]
struct ArticlePage {
    meta: Meta,
    publication: String,
    policy_url: Option<String>,
    article_id: i64,
    article_title: String,
    article_url: String,
    notes: Vec<(NoteView, &'static str, String)>,
    /// The article's schema.org JSON-LD, escaped for a script element.
    jsonld: String,
    revisions: Vec<(RevisionSummary, When)>,
}

#[get("/articles/<id>/corrections")]
pub async fn article_corrections(app: &State<App>, id: i64, inm: IfNoneMatch) -> Result<Public> {
    let site = app.site.clone();
    let found = app
        .db
        .run(move |conn| {
            crate::db::read(conn, |conn| {
                let Some(article) = articles::find(conn, id)? else {
                    return Ok(None);
                };
                let publication = articles::publication(conn, article.publication_id)?;
                let answer = corrections::for_article(conn, &site, &article)?;
                let jsonld = corrections::jsonld::for_article(conn, &site, &article)?;
                let revisions = articles::list_revisions(conn, id)?;
                Ok(Some((article, publication, answer, jsonld, revisions)))
            })
        })
        .await?;
    let Some((article, publication, answer, jsonld, revisions)) = found else {
        return Public::message(
            Status::NotFound,
            "Not found",
            "There is no article at this address.",
        );
    };
    let mut notes: Vec<(NoteView, &'static str, String)> = answer
        .corrections
        .into_iter()
        .map(|n| {
            let words = crate::time::readable_rfc3339(&n.published_at);
            (n.clone(), n.kind.label(), words)
        })
        .collect();
    notes.reverse();
    let meta = Meta {
        title: format!("Corrections: {}", article.title),
        url: format!("{}/articles/{id}/corrections", app.site.base_url),
        description: Meta::describe(&format!(
            "{} correction notes and {} versions of “{}”, from {}.",
            notes.len(),
            revisions.len(),
            article.title,
            publication.name
        )),
        og_type: "website",
    };
    let page = ArticlePage {
        meta,
        publication: publication.name,
        policy_url: publication.policy_url,
        article_id: article.id,
        article_title: article.title,
        article_url: article.url,
        notes,
        jsonld: corrections::jsonld::for_script(&jsonld),
        revisions: revisions
            .into_iter()
            .map(|r| {
                let seen = when(r.seen_at);
                (r, seen)
            })
            .collect(),
    };
    Public::html(&page, &inm)
}

/// A stretch of the diff: unchanged, inserted or deleted words.
pub struct Stretch {
    pub op: &'static str,
    pub text: String,
    /// The note whose passage (in the version before) these deleted words were.
    pub note: Option<i64>,
}

#[derive(Template)]
#[template(path = "public/revision.html")]
struct RevisionPage {
    meta: Meta,
    publication: String,
    article_id: i64,
    article_title: String,
    article_url: String,
    number: i64,
    previous: Option<i64>,
    next: Option<i64>,
    seen_at: When,
    stretches: Vec<Stretch>,
    inserted: usize,
    deleted: usize,
}

#[get("/articles/<id>/revisions/<number>")]
pub async fn revision(app: &State<App>, id: i64, number: i64, inm: IfNoneMatch) -> Result<Public> {
    let found = app
        .db
        .run(move |conn| {
            crate::db::read(conn, |conn| {
                let Some(article) = articles::find(conn, id)? else {
                    return Ok(None);
                };
                let Some(new) = articles::revision_by_number(conn, id, number)? else {
                    return Ok(None);
                };
                let old = if number > 1 {
                    articles::revision_by_number(conn, id, number - 1)?
                } else {
                    None
                };
                let has_next = articles::revision_by_number(conn, id, number + 1)?.is_some();
                let publication = articles::publication(conn, article.publication_id)?;
                let passages = match &old {
                    Some(o) => corrections::note_passages_in(conn, o.id)?,
                    None => Vec::new(),
                };
                Ok(Some((article, publication, old, new, has_next, passages)))
            })
        })
        .await
        .or_else(|e| {
            if e.code == Code::ArticleNotFound {
                Ok(None)
            } else {
                Err(e)
            }
        })?;
    let Some((article, publication, old, new, has_next, passages)) = found else {
        return Public::message(
            Status::NotFound,
            "Not found",
            "There is no such version of this article.",
        );
    };
    let old_text = old
        .as_ref()
        .map(|r| r.canonical_text.as_str())
        .unwrap_or("");
    let spans = text::word_diff(old_text, &new.canonical_text);
    let mut inserted = 0;
    let mut deleted = 0;
    // Where each stretch is in the old text, so a deletion inside a note's passage is marked
    // as the words that note corrected.
    let mut at = 0;
    let stretches: Vec<Stretch> = spans
        .into_iter()
        .map(|s| {
            let len = s.text.chars().count();
            let (op, note) = match s.op {
                DiffOp::Equal => {
                    at += len;
                    ("equal", None)
                }
                DiffOp::Insert => {
                    inserted += 1;
                    ("insert", None)
                }
                DiffOp::Delete => {
                    deleted += 1;
                    let (from, to) = (at, at + len);
                    at = to;
                    let note = passages
                        .iter()
                        .find(|(_, start, end)| from < *end && *start < to)
                        .map(|(id, _, _)| *id);
                    ("delete", note)
                }
            };
            Stretch {
                op,
                text: s.text,
                note,
            }
        })
        .collect();
    let meta = Meta {
        title: format!("Version {number}: {}", article.title),
        url: format!("{}/articles/{id}/revisions/{number}", app.site.base_url),
        description: Meta::describe(&format!(
            "What changed in version {number} of “{}”: {inserted} insertions, {deleted} deletions.",
            article.title
        )),
        og_type: "website",
    };
    let page = RevisionPage {
        meta,
        publication: publication.name,
        article_id: article.id,
        article_title: article.title,
        article_url: article.url,
        number,
        previous: old.map(|r| r.number),
        next: has_next.then_some(number + 1),
        seen_at: when(new.seen_at),
        stretches,
        inserted,
        deleted,
    };
    Public::html(&page, &inm)
}
