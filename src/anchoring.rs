//! Where passages are, stored: the wiring between the pure engine in `text` and the `anchors`
//! table. A report's (or note's) newest anchor row is its current place; when an article gets a
//! new revision every open report and every live note is re-anchored onto it.

use std::collections::hash_map::Entry;
use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::articles::{self, Article, Revision};
use crate::db::schema::{anchors, correction_notes, reports};
use crate::db::Conn;
use crate::error::Result;
use crate::events::{self, NewEvent};
use crate::text::{self, AnchorStatus, PriorAnchor, Reanchored, RevisionChange};
use crate::time::now;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = anchors)]
pub struct AnchorRow {
    pub id: i64,
    pub report_id: Option<i64>,
    pub note_id: Option<i64>,
    pub revision_id: i64,
    pub start_offset: Option<i64>,
    pub end_offset: Option<i64>,
    pub status: String,
    pub method: String,
    pub score: f64,
    pub now_reads: Option<String>,
    pub created_at: NaiveDateTime,
}

/// A place to record: what the engine (or an editor) decided.
#[derive(Debug, Clone)]
pub struct Placement {
    pub status: String,
    pub method: String,
    pub score: f64,
    pub span: Option<(usize, usize)>,
    pub now_reads: Option<String>,
}

impl Placement {
    pub fn anchored(method: &str, score: f64, start: usize, end: usize) -> Placement {
        Placement {
            status: AnchorStatus::Anchored.as_str().into(),
            method: method.into(),
            score,
            span: Some((start, end)),
            now_reads: None,
        }
    }

    fn from_engine(r: &Reanchored) -> Placement {
        Placement {
            status: r.status.as_str().into(),
            method: r.method.as_str().into(),
            score: r.score,
            span: r.start.zip(r.end),
            // What the old words now read matters only when the passage has no place; otherwise
            // the anchor's own text says it.
            now_reads: r
                .now_reads
                .clone()
                .filter(|_| r.status == AnchorStatus::Orphaned),
        }
    }
}

/// Whose anchor a row is.
#[derive(Debug, Clone, Copy)]
pub enum Subject {
    Report(i64),
    Note(i64),
}

pub fn insert(
    conn: &mut Conn,
    subject: Subject,
    revision_id: i64,
    p: &Placement,
) -> Result<AnchorRow> {
    let (report_id, note_id) = match subject {
        Subject::Report(id) => (Some(id), None),
        Subject::Note(id) => (None, Some(id)),
    };
    Ok(diesel::insert_into(anchors::table)
        .values((
            anchors::report_id.eq(report_id),
            anchors::note_id.eq(note_id),
            anchors::revision_id.eq(revision_id),
            anchors::start_offset.eq(p.span.map(|s| s.0 as i64)),
            anchors::end_offset.eq(p.span.map(|s| s.1 as i64)),
            anchors::status.eq(&p.status),
            anchors::method.eq(&p.method),
            anchors::score.eq(p.score),
            anchors::now_reads.eq(&p.now_reads),
            anchors::created_at.eq(now()),
        ))
        .returning(AnchorRow::as_returning())
        .get_result(conn)?)
}

fn subject_filter(subject: Subject) -> anchors::BoxedQuery<'static, diesel::sqlite::Sqlite> {
    match subject {
        Subject::Report(id) => anchors::table
            .filter(anchors::report_id.eq(id))
            .into_boxed(),
        Subject::Note(id) => anchors::table.filter(anchors::note_id.eq(id)).into_boxed(),
    }
}

/// The subject's current anchor: its newest row.
pub fn current(conn: &mut Conn, subject: Subject) -> Result<Option<AnchorRow>> {
    Ok(subject_filter(subject)
        .order(anchors::id.desc())
        .select(AnchorRow::as_select())
        .first(conn)
        .optional()?)
}

/// The newest anchor that still had a place: where an orphan is retried from.
fn last_placed(conn: &mut Conn, subject: Subject) -> Result<Option<AnchorRow>> {
    Ok(subject_filter(subject)
        .filter(anchors::start_offset.is_not_null())
        .order(anchors::id.desc())
        .select(AnchorRow::as_select())
        .first(conn)
        .optional()?)
}

/// The current anchors of many reports at once, for listings.
pub fn current_for_reports(conn: &mut Conn, report_ids: &[i64]) -> Result<HashMap<i64, AnchorRow>> {
    let rows: Vec<AnchorRow> = anchors::table
        .filter(anchors::report_id.eq_any(report_ids))
        .order(anchors::id.asc())
        .select(AnchorRow::as_select())
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|r| r.report_id.map(|id| (id, r)))
        .collect())
}

/// A live note's passage in the old revision and the text it put right, for `corrected`.
struct CorrectedSpan {
    start: usize,
    end: usize,
    right: String,
}

/// Moves every open report and every live note of `article` from `old` onto `new`, recording an
/// event whenever an anchor's status changes. Runs inside the caller's transaction.
pub fn reanchor_article(
    conn: &mut Conn,
    article: &Article,
    old: &Revision,
    new: &Revision,
) -> Result<()> {
    let open_reports: Vec<i64> = reports::table
        .filter(reports::article_id.eq(article.id))
        .filter(reports::state.ne("resolved"))
        .select(reports::id)
        .load(conn)?;
    let notes: Vec<(i64, Option<String>)> = correction_notes::table
        .filter(correction_notes::article_id.eq(article.id))
        .filter(correction_notes::retracted_at.is_null())
        .select((correction_notes::id, correction_notes::right_text))
        .load(conn)?;

    // Where each live note stood in the old revision: a report on those words whose words then
    // changed was put right by the note, not lost.
    let mut corrected_spans = Vec::new();
    for (note_id, right) in &notes {
        let Some(right) = right.as_ref().filter(|r| !r.trim().is_empty()) else {
            continue;
        };
        if let Some(a) = current(conn, Subject::Note(*note_id))? {
            if let (Some(s), Some(e), true) =
                (a.start_offset, a.end_offset, a.revision_id == old.id)
            {
                corrected_spans.push(CorrectedSpan {
                    start: s as usize,
                    end: e as usize,
                    right: right.clone(),
                });
            }
        }
    }

    // Each subject's status before, and the last revision where it still had a place (an orphan
    // is retried from there). Revision texts are loaded once however many anchors share them.
    let subjects: Vec<Subject> = open_reports
        .iter()
        .map(|&id| Subject::Report(id))
        .chain(notes.iter().map(|(id, _)| Subject::Note(*id)))
        .collect();
    let mut texts: HashMap<i64, String> = HashMap::from([(old.id, old.canonical_text.clone())]);
    let mut work = Vec::with_capacity(subjects.len());
    for subject in subjects {
        let before = current(conn, subject)?.map(|b| b.status);
        let prior = last_placed(conn, subject)?;
        if let Some(p) = &prior {
            if let Entry::Vacant(slot) = texts.entry(p.revision_id) {
                slot.insert(articles::revision_by_id(conn, p.revision_id)?.canonical_text);
            }
        }
        work.push((subject, before, prior));
    }

    // One diff per prior revision, shared by all its anchors.
    let changes: HashMap<i64, RevisionChange<'_>> = texts
        .iter()
        .map(|(id, text)| (*id, RevisionChange::new(text, &new.canonical_text)))
        .collect();
    let mut decided = Vec::with_capacity(work.len());
    for (subject, before, prior) in work {
        let placement = match (
            &prior,
            prior
                .as_ref()
                .and_then(|p| changes.get(&p.revision_id).zip(texts.get(&p.revision_id))),
        ) {
            (Some(p), Some((change, old_text))) => {
                let (start, end) = (
                    p.start_offset.unwrap_or(0) as usize,
                    p.end_offset.unwrap_or(0) as usize,
                );
                let prior_anchor = PriorAnchor {
                    start,
                    end,
                    quote: text::quote_at(old_text, start, end),
                };
                let result = change.reanchor(&prior_anchor);
                let lost = !matches!(result.status, AnchorStatus::Anchored);
                match lost && p.revision_id == old.id {
                    true => corrected_place(&corrected_spans, &prior_anchor, &new.canonical_text)
                        .unwrap_or_else(|| Placement::from_engine(&result)),
                    false => Placement::from_engine(&result),
                }
            }
            _ => Placement {
                status: AnchorStatus::Orphaned.as_str().into(),
                method: "none".into(),
                score: 0.0,
                span: None,
                now_reads: None,
            },
        };
        decided.push((subject, placement, before));
    }
    drop(changes);
    for (subject, placement, before) in decided {
        insert(conn, subject, new.id, &placement)?;
        if before.as_deref() != Some(placement.status.as_str()) {
            let (report_id, note_id) = match subject {
                Subject::Report(id) => (Some(id), None),
                Subject::Note(id) => (None, Some(id)),
            };
            events::record(
                conn,
                NewEvent {
                    kind: "anchor",
                    report_id,
                    note_id,
                    article_id: Some(article.id),
                    from: before,
                    to: Some(placement.status.clone()),
                    body: Some(format!("revision {}", new.number)),
                    ..Default::default()
                },
            )?;
        }
    }
    Ok(())
}

/// When a passage overlapped the words a live note corrected, and the new revision carries the
/// note's right text where they stood, the passage is `corrected` there.
fn corrected_place(
    spans: &[CorrectedSpan],
    prior: &PriorAnchor,
    new_text: &str,
) -> Option<Placement> {
    let span = spans
        .iter()
        .find(|c| c.start < prior.end && prior.start < c.end)?;
    let found = text::locate(
        new_text,
        &span.right,
        Some(&prior.quote.prefix),
        Some(&prior.quote.suffix),
    )
    .ok()?;
    Some(Placement {
        status: AnchorStatus::Corrected.as_str().into(),
        method: "correction".into(),
        score: found.score,
        span: Some((found.start, found.end)),
        now_reads: Some(found.quote.exact),
    })
}

/// The anchor as the API shows it, with the words it covers in its revision.
#[derive(Debug, Clone, Serialize)]
pub struct AnchorView {
    pub status: String,
    pub method: String,
    pub score: f64,
    pub start: Option<i64>,
    pub end: Option<i64>,
    pub revision_id: i64,
    pub text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub now_reads: Option<String>,
}

pub fn view(conn: &mut Conn, row: &AnchorRow) -> Result<AnchorView> {
    let text = match (row.start_offset, row.end_offset) {
        (Some(s), Some(e)) => {
            let rev = articles::revision_by_id(conn, row.revision_id)?;
            Some(text::cp_slice(&rev.canonical_text, s as usize, e as usize).to_owned())
        }
        _ => None,
    };
    Ok(AnchorView {
        status: row.status.clone(),
        method: row.method.clone(),
        score: (row.score * 1000.0).round() / 1000.0,
        start: row.start_offset,
        end: row.end_offset,
        revision_id: row.revision_id,
        text,
        now_reads: row.now_reads.clone(),
    })
}
