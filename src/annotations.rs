//! The W3C Web Annotation export: an article's reports (motivation `questioning`) and notes
//! (motivation `editing`) as Web Annotation JSON-LD, each targeting the passage in the revision
//! it was made against, by a `TextQuoteSelector` and a `TextPositionSelector`. Above the domain:
//! it reads reports, notes and articles.

use diesel::prelude::*;
use serde_json::{json, Value};

use crate::articles::{self, Article};
use crate::corrections;
use crate::db::schema::reports;
use crate::db::{self, Conn};
use crate::error::{Code, Error, Result};
use crate::mail::Site;
use crate::notes::Note;
use crate::reports::Report;
use crate::time::rfc3339;

/// The Web Annotation context, which every annotation names.
pub const CONTEXT: &str = "http://www.w3.org/ns/anno.jsonld";

/// A passage in one revision: (exact, prefix, suffix, start, end).
type Passage<'a> = (&'a str, &'a str, &'a str, i64, i64);

/// The article as it was at `revision_id`, with the passage in it when there is one.
fn target(
    conn: &mut Conn,
    article: &Article,
    revision_id: i64,
    passage: Option<Passage<'_>>,
) -> Result<Value> {
    let revision = articles::revision_by_id(conn, revision_id)?;
    let mut t = json!({
        "type": "SpecificResource",
        "source": article.url,
        "state": { "type": "TimeState", "sourceDate": rfc3339(revision.seen_at) },
    });
    if let Some((exact, prefix, suffix, start, end)) = passage {
        t["selector"] = json!([
            { "type": "TextQuoteSelector", "exact": exact, "prefix": prefix, "suffix": suffix },
            { "type": "TextPositionSelector", "start": start, "end": end },
        ]);
    }
    Ok(t)
}

fn report_annotation(conn: &mut Conn, site: &Site, article: &Article, r: &Report) -> Result<Value> {
    let passage = (
        r.quote_exact.as_str(),
        r.quote_prefix.as_str(),
        r.quote_suffix.as_str(),
        r.quote_start,
        r.quote_end,
    );
    Ok(json!({
        "@context": CONTEXT,
        "id": format!("{}/api/v1/reports/{}", site.base_url, r.id),
        "type": "Annotation",
        "motivation": "questioning",
        "created": rfc3339(r.created_at),
        "modified": rfc3339(r.updated_at),
        "body": {
            "type": "TextualBody",
            "value": r.description,
            "format": "text/plain",
        },
        "target": target(conn, article, r.revision_id, Some(passage))?,
    }))
}

/// A note as an annotation: the note's text (its standard sentence and body) edits the passage
/// it was published against.
pub fn note_annotation(conn: &mut Conn, site: &Site, article: &Article, n: &Note) -> Result<Value> {
    let mut html = String::new();
    if let Some(s) = n.sentence() {
        html.push_str(&format!("<p>{}</p>", escape(&s)));
    }
    html.push_str(&n.body_html);
    let passage = match (&n.quote_exact, n.quote_start, n.quote_end) {
        (Some(exact), Some(start), Some(end)) => Some((
            exact.as_str(),
            n.quote_prefix.as_deref().unwrap_or(""),
            n.quote_suffix.as_deref().unwrap_or(""),
            start,
            end,
        )),
        _ => None,
    };
    Ok(json!({
        "@context": CONTEXT,
        "id": corrections::permalink(site, n.id),
        "type": "Annotation",
        "motivation": "editing",
        "created": rfc3339(n.published_at),
        "modified": rfc3339(n.updated_at),
        "body": {
            "type": "TextualBody",
            "value": html,
            "format": "text/html",
        },
        "target": target(conn, article, n.revision_id, passage)?,
    }))
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `GET /api/v1/annotations?article_id=`: every report and note of the article, one page.
pub fn for_article(conn: &mut Conn, site: &Site, article_id: i64) -> Result<Value> {
    db::read(conn, |conn| {
        let article = articles::require(conn, article_id)?;
        let filed: Vec<Report> = reports::table
            .filter(reports::article_id.eq(article.id))
            .order(reports::id.asc())
            .select(Report::as_select())
            .load(conn)?;
        let mut items = Vec::new();
        for r in &filed {
            items.push(report_annotation(conn, site, &article, r)?);
        }
        for n in corrections::all_for_article(conn, article.id)? {
            items.push(note_annotation(conn, site, &article, &n)?);
        }
        let id = format!(
            "{}/api/v1/annotations?article_id={}",
            site.base_url, article.id
        );
        Ok(json!({
            "@context": CONTEXT,
            "id": id,
            "type": "AnnotationCollection",
            "label": format!("Reports and correction notes on “{}”", article.title),
            "total": items.len(),
            "first": {
                "id": format!("{id}&page=0"),
                "type": "AnnotationPage",
                "startIndex": 0,
                "items": items,
            },
        }))
    })
}

/// `GET /api/v1/corrections/{id}/annotation`: one note, public.
pub fn for_note(conn: &mut Conn, site: &Site, note_id: i64) -> Result<Value> {
    db::read(conn, |conn| {
        let note = corrections::find(conn, note_id)?.ok_or_else(|| {
            Error::not_found(
                Code::NoteNotFound,
                format!("there is no correction note {note_id}"),
            )
        })?;
        let article = articles::require(conn, note.article_id)?;
        note_annotation(conn, site, &article, &note)
    })
}
