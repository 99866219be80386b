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
use crate::db::{self, Conn};
use crate::error::{Code, Error, Result};
use crate::events::{self, NewEvent};
use crate::notes;
use crate::text::{
    self, AnchorMethod, AnchorStatus, Candidate, CorrectedPlace, Reanchored, RevisionChange,
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
        Placement {
            status: r.status,
            method: r.method,
            score: r.score,
            span: r.recorded_span(),
            now_reads: r.recorded_now_reads().map(str::to_owned),
            candidates: r.recorded_candidates().to_vec(),
        }
    }

    fn corrected(c: CorrectedPlace) -> Placement {
        Placement {
            status: AnchorStatus::Corrected,
            method: AnchorMethod::Correction,
            score: c.score,
            span: Some((c.start, c.end)),
            now_reads: None,
            candidates: Vec::new(),
        }
    }
}

/// Whose anchor a row is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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
        .returning(db::columns_of::<AnchorRow>())
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
    located_or_refused(text::locate(revision_text, exact, prefix, suffix), field)
}

/// [`locate`] in a revision's text prepared before (see [`prepared`]).
pub fn locate_prepared(
    prepared: &text::Prepared,
    exact: &str,
    prefix: Option<&str>,
    suffix: Option<&str>,
    field: &str,
) -> Result<text::Located> {
    located_or_refused(
        text::locate_prepared(prepared, exact, prefix, suffix),
        field,
    )
}

/// Revision texts prepared for locating, kept by content: a viral story's readers all quote its
/// current revision, which is folded once rather than once per filing.
const PREPARED_KEPT: usize = 8;

static PREPARED: std::sync::Mutex<Vec<(String, std::sync::Arc<text::Prepared>)>> =
    std::sync::Mutex::new(Vec::new());

/// Revision `id`, prepared for locating quotes: kept by the revision's content hash (so a kept
/// one can never stand for other words, whatever database it came from), the most recently used
/// first, at most `PREPARED_KEPT`.
pub fn prepared(conn: &mut Conn, id: i64) -> Result<std::sync::Arc<text::Prepared>> {
    use crate::db::schema::revisions;
    let sha256: String = revisions::table
        .find(id)
        .select(revisions::sha256)
        .first(conn)?;
    let kept = |sha256: &str| {
        let mut kept = PREPARED.lock().unwrap_or_else(|p| p.into_inner());
        let i = kept.iter().position(|(k, _)| k == sha256)?;
        let entry = kept.remove(i);
        let found = entry.1.clone();
        kept.insert(0, entry);
        Some(found)
    };
    if let Some(found) = kept(&sha256) {
        return Ok(found);
    }
    let text = articles::revision_by_id(conn, id)?.canonical_text;
    let made = std::sync::Arc::new(text::Prepared::new(text));
    let mut kept = PREPARED.lock().unwrap_or_else(|p| p.into_inner());
    if !kept.iter().any(|(k, _)| *k == sha256) {
        kept.insert(0, (sha256, made.clone()));
        kept.truncate(PREPARED_KEPT);
    }
    Ok(made)
}

fn located_or_refused(
    located: std::result::Result<text::Located, text::LocateError>,
    field: &str,
) -> Result<text::Located> {
    located.map_err(|e| match e {
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

/// Creates or updates an article (see `articles::upsert`) and, when its text changed, moves every
/// passage on it onto the new revision, all in one transaction. Every writer of articles (the API,
/// `errata article import`, the demo) comes through here.
///
/// Re-anchoring diffs the two texts and may search for every passage: like intake's locating of
/// a quote, that is worked out before the write lock is taken ([`plan_revision`]), and under the
/// lock only checked against what is there then ([`commit_revision`]).
pub fn upsert_article(
    conn: &mut Conn,
    input: &articles::ArticleInput,
) -> Result<articles::Upserted> {
    let plan = plan_revision(conn, input)?;
    commit_revision(conn, input, plan)
}

/// Re-anchoring worked out ahead of the write lock, with what it assumed.
pub struct RevisionPlan {
    new_text: String,
    inputs: Inputs,
    decided: Vec<Placement>,
}

/// Works out, without taking the write lock, where every passage of the article that `input`
/// names goes if `input` becomes its new revision; `None` when the article is unknown or its
/// text unchanged, so nothing moves. What it read is checked again under the lock.
pub fn plan_revision(
    conn: &mut Conn,
    input: &articles::ArticleInput,
) -> Result<Option<RevisionPlan>> {
    let (url, _, new_text) = input.validate()?;
    let Some(article) = articles::find_by_url(conn, &url)? else {
        return Ok(None);
    };
    let old = articles::current_revision(conn, &article)?;
    if old.canonical_text == new_text {
        return Ok(None);
    }
    let inputs = load(conn, &article, &old)?;
    let decided = decide(&inputs, &new_text);
    Ok(Some(RevisionPlan {
        new_text,
        inputs,
        decided,
    }))
}

/// Stores `input` (see `articles::upsert`) and, when its text changed, moves the article's
/// passages onto the new revision, in one `BEGIN IMMEDIATE` transaction. `plan` is used when what
/// it assumed still holds under the lock: the same revision replaced by the same text, the same
/// open reports and live notes with the same anchors and corrections. When anything moved
/// meanwhile (a report filed, a note published, another revision stored) the passages are placed
/// again here: slower under the lock, but rare and never stale.
pub fn commit_revision(
    conn: &mut Conn,
    input: &articles::ArticleInput,
    plan: Option<RevisionPlan>,
) -> Result<articles::Upserted> {
    crate::db::write(conn, |conn| {
        let done = articles::upsert(conn, input)?;
        if let Some(previous) = &done.previous {
            let inputs = load(conn, &done.article, previous)?;
            let new_text = &done.revision.canonical_text;
            let decided = match plan {
                Some(plan) if plan.new_text == *new_text && plan.inputs.same_as(&inputs) => {
                    plan.decided
                }
                _ => decide(&inputs, new_text),
            };
            store(conn, &done.article, &done.revision, &inputs, decided)?;
        }
        Ok(done)
    })
}

/// One passage to move: whose it is, its current anchor, and the newest anchor whose words were
/// surely there (an orphan is retried from there).
struct Work {
    subject: Subject,
    current: Option<AnchorRow>,
    prior: Option<AnchorRow>,
}

/// Everything re-anchoring an article reads from the database.
struct Inputs {
    /// The revision being replaced.
    old_revision: i64,
    /// Every open report, then every live note with a passage.
    work: Vec<Work>,
    /// Where each live note stood in the replaced revision, with its right words.
    corrections: Vec<text::CorrectedSpan>,
    /// The texts of the revisions the passages are moved from.
    texts: Texts,
}

impl Inputs {
    /// Whether both reads found the same: anchor rows are only ever added and revisions never
    /// change, so the same ids mean the same rows and texts.
    fn same_as(&self, other: &Inputs) -> bool {
        let id = |row: &Option<AnchorRow>| row.as_ref().map(|r| r.id);
        self.old_revision == other.old_revision
            && self.corrections == other.corrections
            && self.work.len() == other.work.len()
            && self.work.iter().zip(&other.work).all(|(a, b)| {
                a.subject == b.subject
                    && id(&a.current) == id(&b.current)
                    && id(&a.prior) == id(&b.prior)
            })
    }
}

/// Reads what moving the passages of `article` off revision `old` needs: a fixed handful of
/// queries however many passages there are.
fn load(conn: &mut Conn, article: &Article, old: &Revision) -> Result<Inputs> {
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
    let note_ids: Vec<i64> = notes.iter().map(|(id, _)| *id).collect();
    let mut anchors = newest_anchors(conn, &open_reports, &note_ids)?;

    // Where each live note stood in the old revision: a report on those words whose words then
    // changed was put right by the note, not lost.
    let mut corrections = Vec::new();
    for (note_id, right) in &notes {
        let Some(right) = right.as_ref().filter(|r| !r.trim().is_empty()) else {
            continue;
        };
        let current = anchors
            .get(&Subject::Note(*note_id))
            .and_then(|n| n.current.as_ref());
        if let Some(a) = current.filter(|a| a.revision_id == old.id) {
            if let Some((start, end)) = a.placed_span() {
                corrections.push(text::CorrectedSpan {
                    start,
                    end,
                    right: right.clone(),
                });
            }
        }
    }

    let subjects = open_reports
        .iter()
        .map(|&id| Subject::Report(id))
        .chain(notes.iter().map(|(id, _)| Subject::Note(*id)));
    let mut texts = Texts::default();
    texts.0.insert(old.id, old.canonical_text.clone());
    let mut work = Vec::new();
    for subject in subjects {
        let Newest { current, prior } = anchors.remove(&subject).unwrap_or_default();
        if let Some(p) = &prior {
            texts.get(conn, p.revision_id)?;
        }
        work.push(Work {
            subject,
            current,
            prior,
        });
    }
    Ok(Inputs {
        old_revision: old.id,
        work,
        corrections,
        texts,
    })
}

/// A subject's current anchor and the newest whose words were surely there.
#[derive(Default)]
struct Newest {
    current: Option<AnchorRow>,
    prior: Option<AnchorRow>,
}

/// Ids in one `IN (…)` list, well under SQLite's limit on bound values.
const IDS_PER_QUERY: usize = 500;

/// The current anchor of many reports and notes at once (as [`current`]), and the newest anchor
/// whose words were surely there, where an orphan (or an ambiguous anchor) is retried from: the
/// newest ids of each kind, grouped in SQL, then those rows.
fn newest_anchors(
    conn: &mut Conn,
    report_ids: &[i64],
    note_ids: &[i64],
) -> Result<HashMap<Subject, Newest>> {
    use diesel::dsl::max;
    let mut ids: Vec<i64> = Vec::new();
    for chunk in report_ids.chunks(IDS_PER_QUERY) {
        let newest: Vec<Option<i64>> = anchors::table
            .filter(anchors::report_id.eq_any(chunk))
            .group_by(anchors::report_id)
            .select(max(anchors::id))
            .load(conn)?;
        let placed: Vec<Option<i64>> = anchors::table
            .filter(anchors::report_id.eq_any(chunk))
            .filter(anchors::status.eq_any(AnchorStatus::PLACED))
            .filter(anchors::start_offset.is_not_null())
            .group_by(anchors::report_id)
            .select(max(anchors::id))
            .load(conn)?;
        ids.extend(newest.into_iter().chain(placed).flatten());
    }
    for chunk in note_ids.chunks(IDS_PER_QUERY) {
        let newest: Vec<Option<i64>> = anchors::table
            .filter(anchors::note_id.eq_any(chunk))
            .group_by(anchors::note_id)
            .select(max(anchors::id))
            .load(conn)?;
        let placed: Vec<Option<i64>> = anchors::table
            .filter(anchors::note_id.eq_any(chunk))
            .filter(anchors::status.eq_any(AnchorStatus::PLACED))
            .filter(anchors::start_offset.is_not_null())
            .group_by(anchors::note_id)
            .select(max(anchors::id))
            .load(conn)?;
        ids.extend(newest.into_iter().chain(placed).flatten());
    }
    ids.sort_unstable();
    ids.dedup();
    let mut rows: Vec<AnchorRow> = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(IDS_PER_QUERY) {
        rows.extend(
            anchors::table
                .filter(anchors::id.eq_any(chunk))
                .select(AnchorRow::as_select())
                .load(conn)?,
        );
    }
    // Ascending ids: of a subject's (at most two) rows, the later one is its newest.
    rows.sort_by_key(|r| r.id);
    let mut found: HashMap<Subject, Newest> = HashMap::new();
    for row in rows {
        let subject = match (row.report_id, row.note_id) {
            (Some(id), _) => Subject::Report(id),
            (None, Some(id)) => Subject::Note(id),
            (None, None) => continue,
        };
        let entry = found.entry(subject).or_default();
        if row.status.is_placed() && row.start_offset.is_some() {
            entry.prior = Some(row.clone());
        }
        entry.current = Some(row);
    }
    Ok(found)
}

/// Where each passage of `inputs.work` goes in `new_text`, in the same order: the engine's
/// answer, or `corrected` where a live note put its words right. Pure and CPU-bound.
fn decide(inputs: &Inputs, new_text: &str) -> Vec<Placement> {
    // One diff per prior revision, shared by all its anchors.
    let mut changes: HashMap<i64, RevisionChange<'_>> = HashMap::new();
    for p in inputs.work.iter().filter_map(|w| w.prior.as_ref()) {
        if let (Entry::Vacant(e), Some(old_text)) = (
            changes.entry(p.revision_id),
            inputs.texts.0.get(&p.revision_id),
        ) {
            e.insert(RevisionChange::new(old_text, new_text));
        }
    }
    inputs
        .work
        .iter()
        .map(|w| {
            let found = w
                .prior
                .as_ref()
                .and_then(|p| Some((p, p.placed_span()?, changes.get(&p.revision_id)?)));
            let Some((p, (start, end), change)) = found else {
                return Placement::orphaned();
            };
            let prior = change.prior(start, end);
            let result = change.reanchor(&prior);
            // The notes' spans are offsets in the replaced revision, so they speak only for
            // anchors carried from it.
            let notes = if p.revision_id == inputs.old_revision {
                &inputs.corrections[..]
            } else {
                &[]
            };
            match text::corrected_place(notes, &prior, &result, new_text) {
                Some(place) => Placement::corrected(place),
                None => Placement::from_engine(&result),
            }
        })
        .collect()
}

/// Records each decided place on revision `new` (many rows to one `INSERT`), with an event
/// whenever an anchor's status changes.
fn store(
    conn: &mut Conn,
    article: &Article,
    new: &Revision,
    inputs: &Inputs,
    decided: Vec<Placement>,
) -> Result<()> {
    let created_at = now();
    let rows: Vec<_> = inputs
        .work
        .iter()
        .zip(&decided)
        .map(|(w, p)| {
            let (report_id, note_id) = w.subject.ids();
            let candidates = if p.candidates.is_empty() {
                None
            } else {
                serde_json::to_string(&p.candidates).ok()
            };
            (
                anchors::report_id.eq(report_id),
                anchors::note_id.eq(note_id),
                anchors::revision_id.eq(new.id),
                anchors::start_offset.eq(p.span.map(|s| s.0 as i64)),
                anchors::end_offset.eq(p.span.map(|s| s.1 as i64)),
                anchors::status.eq(p.status),
                anchors::method.eq(p.method),
                anchors::score.eq(p.score),
                anchors::now_reads.eq(p.now_reads.clone()),
                anchors::candidates.eq(candidates),
                anchors::created_at.eq(created_at),
            )
        })
        .collect();
    // Each row binds 11 values: 500 rows stay well under SQLite's limit.
    for chunk in rows.chunks(IDS_PER_QUERY) {
        db::on_engine!(conn, |c| diesel::insert_into(anchors::table)
            .values(chunk.to_vec())
            .execute(c))?;
    }
    for (w, placement) in inputs.work.iter().zip(decided) {
        let before = w.current.as_ref().map(|b| b.status);
        if before != Some(placement.status) {
            let (report_id, note_id) = w.subject.ids();
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
    use crate::text::AnchorMethod;

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
