//! Correction notes: publishing one (with the reports it resolves and the emails that follows), the
//! public list of an article's notes, and the in-memory cache that keeps that list cheap.

mod cache;
pub mod history;
pub mod jsonld;
pub mod log;
pub mod markdown;
pub mod related;

pub use cache::{Cached, CorrectionsCache, SharedBody};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::accounts::permissions::{self, Action};
use crate::accounts::User;
use crate::anchoring::{self, Placement, Subject};
use crate::articles::{self, Article};
use crate::db::schema::{correction_notes, note_reports};
use crate::db::{self, Conn};
use crate::error::{Error, Result};
use crate::events::{self, NewEvent};
use crate::mail::{NoteMail, Site};
use crate::notes::live;
pub use crate::notes::{Note, NoteKind, NotePlacement};
use crate::reports;
use crate::text::{self, input, AnchorMethod};
use crate::time::{now, rfc3339};
use crate::webhooks::{self, WebhookEvent};
use crate::workflow;

pub const BODY_MAX: usize = 20_000;
pub const WRONG_RIGHT_MAX: usize = 2000;
pub const RESOLVES_MAX: usize = 100;
/// An amendment's or a retraction's reason.
pub const REASON_MAX: usize = 2000;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoteInput {
    pub kind: Option<String>,
    pub wrong: Option<String>,
    pub right: Option<String>,
    pub body_markdown: Option<String>,
    pub placement: Option<String>,
    pub passage: Option<crate::reports::PassageInput>,
    pub resolves: Option<Vec<i64>>,
}

struct ValidNote {
    kind: NoteKind,
    wrong: Option<String>,
    right: Option<String>,
    body_markdown: String,
    body_html: String,
    placement: NotePlacement,
    passage: Option<PassageParts>,
    resolves: Vec<i64>,
}

fn trimmed(v: &Option<String>, field: &str, max: usize) -> Result<Option<String>> {
    Ok(input::optional(v.as_deref(), field, max)?)
}

/// A passage as the newsroom sent it: (exact, prefix, suffix).
type PassageParts = (String, Option<String>, Option<String>);

fn valid_passage(p: &crate::reports::PassageInput) -> Result<PassageParts> {
    let exact =
        trimmed(&p.exact, "passage.exact", crate::reports::QUOTE_MAX)?.ok_or_else(|| {
            Error::invalid("passage.exact", "passage.exact is required with a passage")
        })?;
    let prefix = input::verbatim(
        p.prefix.as_deref(),
        "passage.prefix",
        crate::reports::CONTEXT_MAX,
    )?;
    let suffix = input::verbatim(
        p.suffix.as_deref(),
        "passage.suffix",
        crate::reports::CONTEXT_MAX,
    )?;
    Ok((exact, prefix, suffix))
}

fn valid_placement(raw: &Option<String>) -> Result<Option<NotePlacement>> {
    trimmed(raw, "placement", usize::MAX)?
        .map(|p| {
            NotePlacement::parse(&p).ok_or_else(|| {
                Error::invalid(
                    "placement",
                    format!("`{p}` is not a placement: top or bottom"),
                )
            })
        })
        .transpose()
}

impl NoteInput {
    fn validate(&self) -> Result<ValidNote> {
        let kind = match trimmed(&self.kind, "kind", usize::MAX)?.as_deref() {
            None => return Err(Error::invalid("kind", "kind is required")),
            Some(k) => NoteKind::parse(k).ok_or_else(|| {
                let kinds: Vec<&str> = NoteKind::ALL.iter().map(|k| k.as_str()).collect();
                Error::invalid("kind", format!("`{k}` is not a kind: {}", kinds.join(", ")))
            })?,
        };
        let wrong = trimmed(&self.wrong, "wrong", WRONG_RIGHT_MAX)?;
        let right = trimmed(&self.right, "right", WRONG_RIGHT_MAX)?;
        // The body is optional when `wrong` or `right` gives the note its standard sentence;
        // a note with neither would say nothing.
        let body_markdown =
            trimmed(&self.body_markdown, "body_markdown", BODY_MAX)?.unwrap_or_default();
        if body_markdown.is_empty() && wrong.is_none() && right.is_none() {
            return Err(Error::invalid(
                "body_markdown",
                "body_markdown is required unless wrong or right is given",
            ));
        }
        let body_html = markdown::render(&body_markdown);
        let placement = valid_placement(&self.placement)?.unwrap_or_default();
        let passage = self.passage.as_ref().map(valid_passage).transpose()?;
        let mut resolves = self.resolves.clone().unwrap_or_default();
        if resolves.len() > RESOLVES_MAX {
            return Err(Error::invalid(
                "resolves",
                format!("a note resolves at most {RESOLVES_MAX} reports"),
            ));
        }
        resolves.sort_unstable();
        resolves.dedup();
        Ok(ValidNote {
            kind,
            wrong,
            right,
            body_markdown,
            body_html,
            placement,
            passage,
            resolves,
        })
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct NotePassage {
    pub exact: String,
    /// Up to 32 code points each side, so the embed can tell look-alike places apart.
    pub prefix: String,
    pub suffix: String,
    pub start: i64,
    pub end: i64,
}

/// A note as the public and the embed see it.
#[derive(Debug, Clone, Serialize)]
pub struct NoteView {
    pub id: i64,
    pub kind: NoteKind,
    pub wrong: Option<String>,
    pub right: Option<String>,
    /// `wrong` and `right` as the standard sentence for the kind.
    pub sentence: Option<String>,
    pub body_html: String,
    pub placement: NotePlacement,
    pub published_at: String,
    pub updated_at: String,
    pub amended_at: Option<String>,
    /// `live` or `retracted`: a retracted note stays in every list, marked so.
    pub status: &'static str,
    pub retracted_at: Option<String>,
    pub retraction_reason: Option<String>,
    /// How many times the note was amended, plus one.
    pub version: i64,
    pub passage: Option<NotePassage>,
    pub permalink: String,
}

pub fn permalink(site: &Site, note_id: i64) -> String {
    format!("{}/corrections/{note_id}", site.base_url)
}

/// Where the note's passage is now: only when its current anchor is on the article's current
/// revision and the words are surely there. Offsets from an older revision, or a guess between
/// two look-alike places, would make the embed mark the wrong words; `null` is the honest answer.
fn note_passage(conn: &mut Conn, note: &Note) -> Result<Option<NotePassage>> {
    if note.quote_exact.is_none() {
        return Ok(None);
    }
    let Some(anchor) = anchoring::current(conn, Subject::Note(note.id))? else {
        return Ok(None);
    };
    let current_revision =
        articles::find(conn, note.article_id)?.and_then(|a| a.current_revision_id);
    let Some((start, end)) = anchor
        .placed_span()
        .filter(|_| current_revision == Some(anchor.revision_id))
    else {
        return Ok(None);
    };
    let rev = articles::revision_by_id(conn, anchor.revision_id)?;
    let context = 32;
    let text = &rev.canonical_text;
    Ok(Some(NotePassage {
        exact: text::cp_slice(text, start, end).to_owned(),
        prefix: text::cp_slice(text, start.saturating_sub(context), start).to_owned(),
        suffix: text::cp_slice(text, end, (end + context).min(text::cp_len(text))).to_owned(),
        start: start as i64,
        end: end as i64,
    }))
}

pub fn view(conn: &mut Conn, site: &Site, note: &Note) -> Result<NoteView> {
    Ok(NoteView {
        id: note.id,
        kind: note.kind,
        wrong: note.wrong.clone(),
        right: note.right_text.clone(),
        sentence: note.sentence(),
        body_html: note.body_html.clone(),
        placement: note.placement,
        published_at: rfc3339(note.published_at),
        updated_at: rfc3339(note.updated_at),
        amended_at: note.amended_at.map(rfc3339),
        status: note.status(),
        retracted_at: note.retracted_at.map(rfc3339),
        retraction_reason: note.retraction_reason.clone(),
        version: note.version,
        // A retracted note marks no words: its passage is history, not a correction.
        passage: if note.is_live() {
            note_passage(conn, note)?
        } else {
            None
        },
        permalink: permalink(site, note.id),
    })
}

/// Publishes a note on `article_id` for `actor` (an editor or admin), resolving `resolves`: the
/// note, its anchor, its links, the reports' moves, the events and the reporters' emails are one
/// transaction.
pub fn publish(
    conn: &mut Conn,
    site: &Site,
    actor: &User,
    article_id: i64,
    input: &NoteInput,
) -> Result<(Article, NoteView)> {
    permissions::require(actor.role, Action::Publish)?;
    let v = input.validate()?;
    db::write(conn, |conn| {
        let article = articles::require(conn, article_id)?;
        let revision = articles::current_revision(conn, &article)?;
        let located = match &v.passage {
            None => None,
            Some((exact, prefix, suffix)) => Some(anchoring::locate(
                &revision.canonical_text,
                exact,
                prefix.as_deref(),
                suffix.as_deref(),
                "passage.exact",
            )?),
        };
        let t = now();
        let note: Note = diesel::insert_into(correction_notes::table)
            .values((
                correction_notes::article_id.eq(article.id),
                correction_notes::kind.eq(v.kind),
                correction_notes::wrong.eq(&v.wrong),
                correction_notes::right_text.eq(&v.right),
                correction_notes::body_markdown.eq(&v.body_markdown),
                correction_notes::body_html.eq(&v.body_html),
                correction_notes::placement.eq(v.placement),
                correction_notes::revision_id.eq(revision.id),
                correction_notes::quote_exact.eq(located.as_ref().map(|l| l.quote.exact.clone())),
                correction_notes::quote_prefix.eq(located.as_ref().map(|l| l.quote.prefix.clone())),
                correction_notes::quote_suffix.eq(located.as_ref().map(|l| l.quote.suffix.clone())),
                correction_notes::quote_start.eq(located.as_ref().map(|l| l.start as i64)),
                correction_notes::quote_end.eq(located.as_ref().map(|l| l.end as i64)),
                correction_notes::author_id.eq(actor.id),
                correction_notes::version.eq(1),
                correction_notes::published_at.eq(t),
                correction_notes::updated_at.eq(t),
            ))
            .returning(db::columns_of::<Note>())
            .get_result(conn)?;
        crate::notes::record_version(conn, &note, None)?;
        if let Some(l) = &located {
            let method = if l.exact_match {
                AnchorMethod::Intake
            } else {
                AnchorMethod::Fuzzy
            };
            anchoring::insert(
                conn,
                Subject::Note(note.id),
                revision.id,
                &Placement::anchored(method, l.score, l.start, l.end),
            )?;
        }
        events::record(
            conn,
            NewEvent {
                kind: "published",
                note_id: Some(note.id),
                article_id: Some(article.id),
                actor: Some(actor.id),
                to: Some(note.kind.as_str().into()),
                ..Default::default()
            },
        )?;
        articles::corrections_changed(conn, article.id)?;
        webhooks::note_event(conn, site, WebhookEvent::NotePublished, note.id)?;
        let resolution = workflow::resolution_by_note(note.kind);
        // A note without a body says its standard sentence, in the mail too.
        let (mail_markdown, mail_html) = match note.sentence() {
            Some(sentence) if note.body_markdown.is_empty() => {
                (sentence.clone(), markdown::render(&sentence))
            }
            _ => (note.body_markdown.clone(), note.body_html.clone()),
        };
        let mail_note = NoteMail {
            kind_label: note.kind.label(),
            body_markdown: &mail_markdown,
            body_html: &mail_html,
            permalink: permalink(site, note.id),
        };
        for &report_id in &v.resolves {
            let report = reports::find_referenced(conn, report_id, "resolves")?;
            if report.article_id != article.id {
                return Err(Error::invalid(
                    "resolves",
                    format!("report {} is about another article", report.reference),
                ));
            }
            let from = report.state;
            workflow::check(from, workflow::Move::resolve(resolution), actor.role, true)
                .map_err(|r| reports::refusal_error(r, from).with_field("resolves"))?;
            diesel::insert_into(note_reports::table)
                .values((
                    note_reports::note_id.eq(note.id),
                    note_reports::report_id.eq(report.id),
                ))
                .execute(conn)?;
            reports::apply(
                conn,
                site,
                actor,
                &report,
                workflow::Move::resolve(resolution),
                Some(format!("resolved by note {}", note.id)),
                Some((note.id, &mail_note)),
            )?;
        }
        let view = view(conn, site, &note)?;
        Ok((article, view))
    })
}

pub fn find(conn: &mut Conn, id: i64) -> Result<Option<Note>> {
    Ok(correction_notes::table
        .find(id)
        .select(Note::as_select())
        .first(conn)
        .optional()?)
}

/// Where live notes' passages are in one revision: (note id, start, end) in code points. The
/// version-history page marks the changed words that a note corrected.
pub fn note_passages_in(conn: &mut Conn, revision_id: i64) -> Result<Vec<(i64, usize, usize)>> {
    use crate::db::schema::anchors;
    let rows: Vec<anchoring::AnchorRow> = anchors::table
        .inner_join(
            correction_notes::table.on(anchors::note_id.eq(correction_notes::id.nullable())),
        )
        .filter(anchors::revision_id.eq(revision_id))
        .filter(live())
        .order(anchors::id.asc())
        .select(anchoring::AnchorRow::as_select())
        .load(conn)?;
    Ok(rows
        .iter()
        .filter_map(|a| Some((a.note_id?, a.placed_span()?)))
        .map(|(id, (start, end))| (id, start, end))
        .collect())
}

/// The live note that resolved a report, if any.
pub fn live_note_for_report(
    conn: &mut Conn,
    site: &Site,
    report_id: i64,
) -> Result<Option<NoteView>> {
    let note: Option<Note> = correction_notes::table
        .inner_join(note_reports::table)
        .filter(note_reports::report_id.eq(report_id))
        .filter(live())
        .order(correction_notes::id.desc())
        .select(Note::as_select())
        .first(conn)
        .optional()?;
    note.map(|n| view(conn, site, &n)).transpose()
}

/// The public answer of `GET /api/v1/corrections?url=`: every note, retracted ones included and
/// marked so, since a correction is never quietly erased.
#[derive(Debug, Clone, Serialize)]
pub struct ArticleCorrections {
    pub article: crate::articles::PublicArticle,
    pub corrections: Vec<NoteView>,
}

/// Every note of an article, retracted ones included, oldest first.
pub fn all_for_article(conn: &mut Conn, article_id: i64) -> Result<Vec<Note>> {
    Ok(correction_notes::table
        .filter(correction_notes::article_id.eq(article_id))
        .order((
            correction_notes::published_at.asc(),
            correction_notes::id.asc(),
        ))
        .select(Note::as_select())
        .load(conn)?)
}

pub fn for_article(conn: &mut Conn, site: &Site, article: &Article) -> Result<ArticleCorrections> {
    let notes = all_for_article(conn, article.id)?;
    let corrections = notes
        .iter()
        .map(|n| view(conn, site, n))
        .collect::<Result<Vec<_>>>()?;
    Ok(ArticleCorrections {
        article: crate::articles::PublicArticle {
            url: article.url.clone(),
            title: article.title.clone(),
        },
        corrections,
    })
}
