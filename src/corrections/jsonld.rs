//! schema.org JSON-LD for an article's corrections: a `NewsArticle` whose `correction` lists a
//! `CorrectionComment` per live note, for the publisher to put in the article's page so search
//! engines see the corrections too. Retracted notes are left out: they correct nothing.

use serde_json::{json, Value};

use super::markdown;
use crate::articles::{self, Article};
use crate::db::{self, Conn};
use crate::error::Result;
use crate::mail::Site;
use crate::notes::Note;
use crate::time::rfc3339;

/// The words of a note as one plain text: its standard sentence, then its body.
fn note_text(note: &Note) -> String {
    let body = markdown::plain_text(&note.body_html);
    match note.sentence() {
        Some(s) if body.is_empty() => s,
        Some(s) => format!("{s} {body}"),
        None => body,
    }
}

pub fn for_article(conn: &mut Conn, site: &Site, article: &Article) -> Result<Value> {
    db::read(conn, |conn| {
        let publication = articles::publication(conn, article.publication_id)?;
        let notes: Vec<Note> = super::all_for_article(conn, article.id)?
            .into_iter()
            .filter(Note::is_live)
            .collect();
        let modified = notes
            .iter()
            .map(|n| n.amended_at.unwrap_or(n.published_at))
            .max();
        let corrections: Vec<Value> = notes
            .iter()
            .map(|n| {
                json!({
                    "@type": "CorrectionComment",
                    "text": note_text(n),
                    "datePublished": rfc3339(n.published_at),
                    "url": super::permalink(site, n.id),
                })
            })
            .collect();
        let mut publisher = json!({ "@type": "Organization", "name": publication.name, "url": publication.base_url });
        if let Some(policy) = &publication.policy_url {
            publisher["publishingPrinciples"] = json!(policy);
            publisher["correctionsPolicy"] = json!(policy);
        }
        let mut doc = json!({
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "url": article.url,
            "headline": article.title,
            "publisher": publisher,
            "correction": corrections,
        });
        if let Some(t) = modified {
            doc["dateModified"] = json!(rfc3339(t));
        }
        Ok(doc)
    })
}

/// JSON-LD for a `<script type="application/ld+json">` element: `<` escaped so no text in it
/// can close the element.
pub fn for_script(doc: &Value) -> String {
    doc.to_string().replace('<', "\\u003c")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_text_can_close_the_script_element() {
        let doc = json!({ "text": "a </script><script>alert(1)</script>" });
        let out = for_script(&doc);
        assert!(!out.contains('<'), "{out}");
        let back: Value = serde_json::from_str(&out).expect("still JSON");
        assert_eq!(back, doc);
    }
}
