//! Where passages are, stored: the wiring between the pure engine in `text` and the `anchors`
//! table. A report's (or note's) newest anchor row is its current place; when an article gets a
//! new revision every open report and every live note with a passage is re-anchored onto it.

use std::collections::hash_map::Entry;
use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::articles::{self, Article, Revision};
use crate::db::schema::{anchors, correction_notes, reports};
use crate::db::Conn;
use crate::error::{Code, Error, Result};
use crate::events::{self, NewEvent};
use crate::notes;
use crate::text::{
    self, AnchorMethod, AnchorStatus, Candidate, PriorAnchor, Reanchored, RevisionChange,
};
use crate::time::now;
use crate::workflow::State;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = anchors)]
pub struct AnchorRow {
    pub id: i64,
    pub report_id: Option<i64>,
    pub note_id: Option<i64>,
    pub revision_id: i64,
    pub start_offset: Option<i64>,
    pub end_offset: Option<i64>,
    pub status: AnchorStatus,
    pub method: AnchorMethod,
    pub score: f64,
    pub now_reads: Option<String>,
    pub candidates: Option<String>,
    pub created_at: NaiveDateTime,
}

impl AnchorRow {
    /// The span, when the status says the words are there.
    pub fn placed_span(&self) -> Option<(usize, usize)> {
        match (self.start_offset, self.end_offset) {
            (Some(s), Some(e)) if self.status.is_placed() => Some((s as usize, e as usize)),
            _ => None,
        }
    }
}

/// A place to record: what the engine (or an editor) decided.
#[derive(Debug, Clone)]
pub struct Placement {
    pub status: AnchorStatus,
    pub method: AnchorMethod,
    pub score: f64,
    pub span: Option<(usize, usize)>,
    pub now_reads: Option<String>,
    /// For `ambiguous`: the near-equal places, none of which is taken.
    pub candidates: Vec<Candidate>,
}

impl Placement {
    pub fn anchored(method: AnchorMethod, score: f64, start: usize, end: usize) -> Placement {
        Placement {
            status: AnchorStatus::Anchored,
            method,
            score,
            span: Some((start, end)),
            now_reads: None,
            candidates: Vec::new(),
        }
    }

    fn orphaned() -> Placement {
        Placement {
            status: AnchorStatus::Orphaned,
            method: AnchorMethod::None,
            score: 0.0,
            span: None,
            now_reads: None,
            candidates: Vec::new(),
        }
    }

    fn from_engine(r: &Reanchored) -> Placement {
        let ambiguous = r.status == AnchorStatus::Ambiguous;
        Placement {
            status: r.status,
            method: r.method,
            score: r.score,
            // Two near-equal places: taking either would be a guess, and a wrong anchor is worse
            // than none; an editor picks from the candidates.
            span: if ambiguous { None } else { r.start.zip(r.end) },
            // What the old words now read matters only when the passage has no place.
            now_reads: r
                .now_reads
                .clone()
                .filter(|_| r.status == AnchorStatus::Orphaned),
            candidates: if ambiguous {
                r.candidates.clone()
            } else {
                Vec::new()
            },
        }
    }
}

/// Whose anchor a row is.
#[derive(Debug, Clone, Copy)]
pub enum Subject {
    Report(i64),
    Note(i64),
}

impl Subject {
    fn ids(self) -> (Option<i64>, Option<i64>) {
        match self {
            Subject::Report(id) => (Some(id), None),
            Subject::Note(id) => (None, Some(id)),
        }
    }
}

pub fn insert(
    conn: &mut Conn,
    subject: Subject,
    revision_id: i64,
    p: &Placement,
) -> Result<AnchorRow> {
    let (report_id, note_id) = subject.ids();
    let candidates = if p.candidates.is_empty() {
        None
    } else {
        serde_json::to_string(&p.candidates).ok()
    };
    Ok(diesel::insert_into(anchors::table)
        .values((
            anchors::report_id.eq(report_id),
            anchors::note_id.eq(note_id),
            anchors::revision_id.eq(revision_id),
            anchors::start_offset.eq(p.span.map(|s| s.0 as i64)),
            anchors::end_offset.eq(p.span.map(|s| s.1 as i64)),
            anchors::status.eq(p.status),
            anchors::method.eq(p.method),
            anchors::score.eq(p.score),
            anchors::now_reads.eq(&p.now_reads),
            anchors::candidates.eq(candidates),
            anchors::created_at.eq(now()),
        ))
        .returning(AnchorRow::as_returning())
        .get_result(conn)?)
}

fn subject_filter(subject: Subject) -> anchors::BoxedQuery<'static, crate::db::Backend> {
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

/// The newest anchor whose words were surely there: where an orphan (or an ambiguous anchor) is
/// retried from.
fn last_placed(conn: &mut Conn, subject: Subject) -> Result<Option<AnchorRow>> {
    Ok(subject_filter(subject)
        .filter(anchors::status.eq_any(AnchorStatus::PLACED))
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
    // Ascending ids: each report's newest row is inserted last and wins.
    Ok(rows
        .into_iter()
        .filter_map(|r| r.report_id.map(|id| (id, r)))
        .collect())
}

/// Finds a quote sent by a browser or an editor in a revision's text; the API's answer when it
/// is not there, naming `field`.
pub fn locate(
    revision_text: &str,
    exact: &str,
    prefix: Option<&str>,
    suffix: Option<&str>,
    field: &str,
) -> Result<text::Located> {
    text::locate(revision_text, exact, prefix, suffix).map_err(|e| match e {
        text::LocateError::EmptyQuote => {
            Error::invalid(field, format!("{field} must not be empty"))
        }
        text::LocateError::NotFound => Error::invalid(
            field,
            "the quoted passage is not in the current text of the article",
        )
        .with_code(Code::PassageNotFound),
    })
}

/// Revision texts loaded once per request, however many anchors point into them.
#[derive(Default)]
pub struct Texts(HashMap<i64, String>);

impl Texts {
    pub fn get(&mut self, conn: &mut Conn, revision_id: i64) -> Result<&str> {
        let text = match self.0.entry(revision_id) {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(e) => {
                e.insert(articles::revision_by_id(conn, revision_id)?.canonical_text)
            }
        };
        Ok(text)
    }
}

/// A live note's passage in the old revision and the text it put right, for `corrected`.
struct CorrectedSpan {
    start: usize,
    end: usize,
    right: String,
}

/// Creates or updates an article (see `articles::upsert`) and, when its text changed, moves every
/// passage on it onto the new revision, all in one transaction. Every writer of articles (the API,
/// `errata article import`, the demo) comes through here.
pub fn upsert_article(
    conn: &mut Conn,
    input: &articles::ArticleInput,
) -> Result<articles::Upserted> {
    crate::db::write(conn, |conn| {
        let done = articles::upsert(conn, input)?;
        if let Some(previous) = &done.previous {
            reanchor_article(conn, &done.article, previous, &done.revision)?;
        }
        Ok(done)
    })
}

/// Moves every open report and every live note with a passage of `article` from `old` onto
/// `new`, recording an event whenever an anchor's status changes. Runs inside the caller's
/// transaction.
pub fn reanchor_article(
    conn: &mut Conn,
    article: &Article,
    old: &Revision,
    new: &Revision,
) -> Result<()> {
    let open_reports: Vec<i64> = reports::table
        .filter(reports::article_id.eq(article.id))
        .filter(reports::state.eq_any(State::open_states()))
        .select(reports::id)
        .load(conn)?;
    let notes: Vec<(i64, Option<String>)> = correction_notes::table
        .filter(correction_notes::article_id.eq(article.id))
        .filter(notes::live())
        .filter(correction_notes::quote_exact.is_not_null())
        .select((correction_notes::id, correction_notes::right_text))
        .load(conn)?;

    // Where each live note stood in the old revision: a report on those words whose words then
    // changed was put right by the note, not lost.
    let mut corrected_spans = Vec::new();
    for (note_id, right) in &notes {
        let Some(right) = right.as_ref().filter(|r| !r.trim().is_empty()) else {
            continue;
        };
        if let Some(a) = current(conn, Subject::Note(*note_id))?.filter(|a| a.revision_id == old.id)
        {
            if let Some((start, end)) = a.placed_span() {
                corrected_spans.push(CorrectedSpan {
                    start,
                    end,
                    right: right.clone(),
                });
            }
        }
    }

    // Each subject's status before, and the last revision where it surely had a place (an
    // orphan is retried from there).
    let subjects = open_reports
        .iter()
        .map(|&id| Subject::Report(id))
        .chain(notes.iter().map(|(id, _)| Subject::Note(*id)));
    let mut texts = Texts::default();
    texts.0.insert(old.id, old.canonical_text.clone());
    let mut work = Vec::new();
    for subject in subjects {
        let before = current(conn, subject)?.map(|b| b.status);
        let prior = last_placed(conn, subject)?;
        if let Some(p) = &prior {
            texts.get(conn, p.revision_id)?;
        }
        work.push((subject, before, prior));
    }

    // One diff per prior revision, shared by all its anchors.
    let changes: HashMap<i64, (&str, RevisionChange<'_>)> = texts
        .0
        .iter()
        .map(|(id, text)| {
            (
                *id,
                (
                    text.as_str(),
                    RevisionChange::new(text, &new.canonical_text),
                ),
            )
        })
        .collect();
    let mut decided = Vec::with_capacity(work.len());
    for (subject, before, prior) in work {
        let found = prior
            .as_ref()
            .and_then(|p| Some((p, p.placed_span()?, changes.get(&p.revision_id)?)));
        let placement = match found {
            None => Placement::orphaned(),
            Some((p, (start, end), (old_text, change))) => {
                let prior_anchor = PriorAnchor {
                    start,
                    end,
                    quote: text::quote_at(old_text, start, end),
                };
                let result = change.reanchor(&prior_anchor);
                let corrected =
                    if result.status != AnchorStatus::Anchored && p.revision_id == old.id {
                        corrected_place(
                            &corrected_spans,
                            &prior_anchor,
                            &result,
                            &new.canonical_text,
                        )
                    } else {
                        None
                    };
                corrected.unwrap_or_else(|| Placement::from_engine(&result))
            }
        };
        decided.push((subject, placement, before));
    }
    drop(changes);
    for (subject, placement, before) in decided {
        insert(conn, subject, new.id, &placement)?;
        if before != Some(placement.status) {
            let (report_id, note_id) = subject.ids();
            events::record(
                conn,
                NewEvent {
                    kind: "anchor",
                    report_id,
                    note_id,
                    article_id: Some(article.id),
                    from: before.map(|b| b.as_str().into()),
                    to: Some(placement.status.as_str().into()),
                    body: Some(format!("revision {}", new.number)),
                    ..Default::default()
                },
            )?;
        }
    }
    Ok(())
}

/// When a passage overlapped the words a live note corrected and the new revision carries the
/// note's right text where they stood, the passage is `corrected` there. "Where they stood" is
/// checked, never assumed: the right text must overlap the engine's own place for the passage,
/// or, when the engine found none, sit against the passage's surviving context; a look-alike
/// elsewhere in the article proves nothing.
fn corrected_place(
    spans: &[CorrectedSpan],
    prior: &PriorAnchor,
    result: &Reanchored,
    new_text: &str,
) -> Option<Placement> {
    let note = spans
        .iter()
        .find(|c| c.start < prior.end && prior.start < c.end)?;
    let found = text::locate(
        new_text,
        &note.right,
        Some(&prior.quote.prefix),
        Some(&prior.quote.suffix),
    )
    .ok()?;
    let span = match result.start.zip(result.end) {
        Some((s, e)) if s < found.end && found.start < e => (s.min(found.start), e.max(found.end)),
        Some(_) => return None,
        None if context_survives(new_text, found.start, found.end, prior) => {
            (found.start, found.end)
        }
        None => return None,
    };
    Some(Placement {
        status: AnchorStatus::Corrected,
        method: AnchorMethod::Correction,
        score: found.score,
        span: Some(span),
        now_reads: None,
        candidates: Vec::new(),
    })
}

/// Whether the words just before `[start, end)` end the passage's old prefix, or the words just
/// after begin its old suffix (a dozen code points, within the paragraph).
fn context_survives(new_text: &str, start: usize, end: usize, prior: &PriorAnchor) -> bool {
    const NEED: usize = 12;
    let fold = |s: &str| text::fold(s).chars().collect::<Vec<char>>();
    let before: Vec<char> = fold(text::cp_slice(new_text, start.saturating_sub(NEED), start));
    let after: Vec<char> = fold(text::cp_slice(new_text, end, end + NEED));
    let prefix = fold(&prior.quote.prefix);
    let suffix = fold(&prior.quote.suffix);
    let tail = &prefix[prefix.len().saturating_sub(NEED)..];
    let head = &suffix[..suffix.len().min(NEED)];
    (!tail.is_empty() && before.ends_with(tail)) || (!head.is_empty() && after.starts_with(head))
}

/// The anchor as the API shows it, with the words it covers in its revision.
#[derive(Debug, Clone, Serialize)]
pub struct AnchorView {
    pub status: AnchorStatus,
    pub method: AnchorMethod,
    pub score: f64,
    pub start: Option<i64>,
    pub end: Option<i64>,
    pub revision_id: i64,
    pub text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub now_reads: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub candidates: Option<Vec<CandidateView>>,
}

/// One of an ambiguous anchor's places, with its words.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct CandidateView {
    pub start: usize,
    pub end: usize,
    pub score: f64,
    #[serde(default)]
    pub text: String,
}

pub fn view(conn: &mut Conn, row: &AnchorRow, texts: &mut Texts) -> Result<AnchorView> {
    let needs_text = row.start_offset.is_some() || row.candidates.is_some();
    let revision_text = if needs_text {
        texts.get(conn, row.revision_id)?
    } else {
        ""
    };
    let text = row
        .start_offset
        .zip(row.end_offset)
        .map(|(s, e)| text::cp_slice(revision_text, s as usize, e as usize).to_owned());
    let candidates = row.candidates.as_deref().map(|json| {
        let mut list: Vec<CandidateView> = serde_json::from_str(json).unwrap_or_default();
        for c in &mut list {
            c.text = text::cp_slice(revision_text, c.start, c.end).to_owned();
            c.score = (c.score * 1000.0).round() / 1000.0;
        }
        list
    });
    Ok(AnchorView {
        status: row.status,
        method: row.method,
        score: (row.score * 1000.0).round() / 1000.0,
        start: row.start_offset,
        end: row.end_offset,
        revision_id: row.revision_id,
        text,
        now_reads: row.now_reads.clone(),
        candidates,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn orphan() -> Reanchored {
        Reanchored {
            status: AnchorStatus::Orphaned,
            method: AnchorMethod::None,
            score: 0.0,
            start: None,
            end: None,
            now_reads: Some(String::new()),
            candidates: Vec::new(),
        }
    }

    const OLD: &str = "The bridge is closed to trucks since March. Cars may cross it.";

    fn prior_on_trucks() -> PriorAnchor {
        let start = OLD.find("trucks").unwrap();
        PriorAnchor {
            start,
            end: start + 6,
            quote: text::quote_at(OLD, start, start + 6),
        }
    }

    #[test]
    fn the_right_words_where_the_wrong_ones_stood_are_corrected() {
        let prior = prior_on_trucks();
        let spans = [CorrectedSpan {
            start: prior.start,
            end: prior.end,
            right: "lorries".into(),
        }];
        let new = "The bridge is closed to lorries since March. Cars may cross it.";
        let placed = corrected_place(&spans, &prior, &orphan(), new).expect("corrected");
        assert_eq!(placed.status, AnchorStatus::Corrected);
        assert_eq!(placed.span, Some((24, 31)));
    }

    #[test]
    fn the_right_words_elsewhere_prove_nothing() {
        let prior = prior_on_trucks();
        let spans = [CorrectedSpan {
            start: prior.start,
            end: prior.end,
            right: "lorries".into(),
        }];
        // The sentence was rewritten; "lorries" appears only in an unrelated place.
        let new = "The bridge reopened in March. Lorries and lorries queue at the port.";
        assert!(corrected_place(&spans, &prior, &orphan(), new).is_none());
    }

    #[test]
    fn a_report_away_from_the_corrected_words_is_left_to_the_engine() {
        let prior = prior_on_trucks();
        let spans = [CorrectedSpan {
            start: 0,
            end: 3,
            right: "A".into(),
        }];
        assert!(corrected_place(&spans, &prior, &orphan(), OLD).is_none());
    }

    #[test]
    fn ambiguous_anchors_keep_no_span_but_their_candidates() {
        let r = Reanchored {
            status: AnchorStatus::Ambiguous,
            method: AnchorMethod::Fuzzy,
            score: 0.8,
            start: Some(1),
            end: Some(4),
            now_reads: None,
            candidates: vec![
                Candidate {
                    start: 1,
                    end: 4,
                    score: 0.8,
                },
                Candidate {
                    start: 9,
                    end: 12,
                    score: 0.795,
                },
            ],
        };
        let p = Placement::from_engine(&r);
        assert_eq!(p.span, None);
        assert_eq!(p.candidates.len(), 2);
    }
}
