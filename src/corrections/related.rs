//! Error propagation: where a corrected claim (a note's `wrong` text and its passage) is repeated
//! in the publication's other articles, so that the desk can correct the follow-up stories too,
//! and opening a report on such a repeat in one step.
//!
//! The list is computed when it is asked for, on the articles' current revisions, not stored at
//! publication: a story written after the note, or a follow-up whose text the desk has since
//! put right, is then seen as it is now, and publishing (which holds the write lock) pays
//! nothing for it. The search reads each article once with the anchoring engine's folding and
//! its bit-parallel approximate matcher, which keeps it fast enough for a dashboard page.

use diesel::prelude::*;
use serde::Serialize;
use unicode_normalization::UnicodeNormalization;

use crate::accounts::permissions::{self, Action};
use crate::accounts::User;
use crate::articles::{self, Article};
use crate::db::schema::{articles as article_rows, revisions};
use crate::db::{self, Conn};
use crate::error::{Code, Error, Result};
use crate::events::{self, NewEvent};
use crate::mail::Site;
use crate::notes::Note;
use crate::reports::{self, Category, Filed, Sender, ValidReport};
use crate::text::approx::{best_start, distance, search, Pattern};
use crate::text::fold::{fold_char, is_word_char};
use crate::text::{self};

/// A repeat is listed only when its words are at least this similar to the claim (1 − edit
/// distance / length, after folding and lower-casing).
pub const MIN_SCORE: f64 = 0.8;
/// At most this many repeats are listed, the best first.
pub const MAX_RELATED: usize = 20;
/// A claim shorter than this (in code points) is not looked for: a few words match anywhere.
pub const MIN_CLAIM: usize = 8;
/// A claim shorter than this must be found word for word; longer ones may have a fifth of their
/// characters changed.
const FUZZY_FROM: usize = 20;
/// At most this many places per claim and article.
const HITS_PER_ARTICLE: usize = 8;
/// Articles read from the database at a time.
const PAGE: i64 = 200;

/// Case and typography do not make a different claim: both sides are folded (curly quotes,
/// dashes, no-break spaces) and lower-cased, one code point for one, so offsets stay offsets.
fn fold_lower(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_lowercase();
    }
    let c = fold_char(c);
    let mut lower = c.to_lowercase();
    match (lower.next(), lower.next()) {
        (Some(l), None) => l,
        _ => c,
    }
}

/// A claim prepared for searching.
pub struct Claim {
    chars: Vec<char>,
    pattern: Pattern,
    reversed: Pattern,
    max_errors: usize,
    /// The numbers the claim states, in order: a passage stating other numbers says something
    /// else (usually the corrected figure), however close its letters are.
    numbers: Vec<String>,
}

impl Claim {
    /// The claim in `raw`: NFC, white space collapsed, folded and lower-cased, without the
    /// punctuation around it. `None` when too short to be told from common words.
    pub fn new(raw: &str) -> Option<Claim> {
        let normal: String = raw.nfc().collect();
        let mut chars: Vec<char> = Vec::new();
        for word in normal.split_whitespace() {
            if !chars.is_empty() {
                chars.push(' ');
            }
            chars.extend(word.chars().map(fold_lower));
        }
        let first = chars.iter().position(|c| c.is_alphanumeric())?;
        let last = chars.iter().rposition(|c| c.is_alphanumeric())?;
        let chars = chars[first..=last].to_vec();
        if chars.len() < MIN_CLAIM {
            return None;
        }
        let reversed: Vec<char> = chars.iter().rev().copied().collect();
        let max_errors = if chars.len() < FUZZY_FROM {
            0
        } else {
            chars.len() / 5
        };
        Some(Claim {
            pattern: Pattern::new(&chars),
            reversed: Pattern::new(&reversed),
            numbers: numbers(&chars),
            chars,
            max_errors,
        })
    }
}

/// The runs of digits in `chars` ("14,000" is "14" and "000").
fn numbers(chars: &[char]) -> Vec<String> {
    let mut out = Vec::new();
    let mut run = String::new();
    for &c in chars {
        if c.is_ascii_digit() {
            run.push(c);
        } else if !run.is_empty() {
            out.push(std::mem::take(&mut run));
        }
    }
    if !run.is_empty() {
        out.push(run);
    }
    out
}

/// A place in a text where a claim is repeated: code points `[start, end)` and how alike.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Found {
    pub start: usize,
    pub end: usize,
    pub score: f64,
}

/// Every place in canonical `text` where one of `claims` is repeated, best first; overlapping
/// places are one, the best of them.
pub fn find_in(text: &str, claims: &[Claim]) -> Vec<Found> {
    // Most articles repeat nothing: the text is scanned as it streams, and folded into a
    // buffer only when a claim may be there. Plain ASCII, most of an English article, is
    // lower-cased byte by byte without decoding.
    let ascii = text.is_ascii();
    let mut folded: Option<Vec<char>> = None;
    let mut found: Vec<Found> = Vec::new();
    for claim in claims {
        let (k, cap) = (claim.max_errors, HITS_PER_ARTICLE);
        let hits = if ascii {
            let stream = text.bytes().map(|b| char::from(b.to_ascii_lowercase()));
            search(&claim.pattern, stream.enumerate(), k, cap, None)
        } else {
            let stream = text.chars().map(fold_lower);
            search(&claim.pattern, stream.enumerate(), k, cap, None)
        };
        if hits.is_empty() {
            continue;
        }
        let hay = folded.get_or_insert_with(|| text.chars().map(fold_lower).collect());
        for hit in hits {
            let end = hit.at + 1;
            let (start, _) = best_start(
                &claim.reversed,
                hay,
                end,
                claim.chars.len() + claim.max_errors,
            );
            let (start, end) = whole_words(hay, start, end);
            if start >= end {
                continue;
            }
            let span = &hay[start..end];
            if numbers(span) != claim.numbers {
                continue;
            }
            let errors = distance(&claim.pattern, span);
            let score = 1.0 - errors as f64 / claim.chars.len().max(span.len()) as f64;
            if score + 1e-9 < MIN_SCORE {
                continue;
            }
            let next = Found { start, end, score };
            match found
                .iter_mut()
                .find(|f| f.start < next.end && next.start < f.end)
            {
                Some(kept) if better(&next, kept) => *kept = next,
                Some(_) => {}
                None => found.push(next),
            }
        }
    }
    found.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.start.cmp(&b.start)));
    found
}

/// The higher score, then the longer span (the fuller claim).
fn better(a: &Found, b: &Found) -> bool {
    if (a.score - b.score).abs() > 1e-9 {
        return a.score > b.score;
    }
    a.end - a.start > b.end - b.start
}

/// The span widened to whole words and trimmed of white space and punctuation at its ends.
fn whole_words(text: &[char], mut start: usize, mut end: usize) -> (usize, usize) {
    while start > 0
        && start < text.len()
        && is_word_char(text[start - 1])
        && is_word_char(text[start])
    {
        start -= 1;
    }
    while end > 0 && end < text.len() && is_word_char(text[end - 1]) && is_word_char(text[end]) {
        end += 1;
    }
    while start < end && !text[start].is_alphanumeric() {
        start += 1;
    }
    while end > start && !text[end - 1].is_alphanumeric() {
        end -= 1;
    }
    (start, end)
}

/// The claims a note corrected: its `wrong` text and its passage, each when long enough.
pub fn claims_of(note: &Note) -> Vec<Claim> {
    let mut out: Vec<Claim> = Vec::new();
    for raw in [note.wrong.as_deref(), note.quote_exact.as_deref()]
        .into_iter()
        .flatten()
    {
        if let Some(claim) = Claim::new(raw) {
            if out.iter().all(|c| c.chars != claim.chars) {
                out.push(claim);
            }
        }
    }
    out
}

#[derive(Debug, Clone, Serialize)]
pub struct RelatedArticle {
    pub id: i64,
    pub url: String,
    pub title: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct RelatedPassage {
    pub exact: String,
    /// Code points into the article's current revision, as every passage of the API.
    pub start: i64,
    pub end: i64,
}

/// A likely repeat of the corrected claim in another article.
#[derive(Debug, Clone, Serialize)]
pub struct Related {
    pub article: RelatedArticle,
    pub passage: RelatedPassage,
    pub score: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct RelatedList {
    pub related: Vec<Related>,
}

fn note_not_found(id: i64) -> Error {
    Error::not_found(
        Code::NoteNotFound,
        format!("there is no correction note {id}"),
    )
}

fn related_in(article: &Article, text: &str, claims: &[Claim]) -> Vec<Related> {
    find_in(text, claims)
        .into_iter()
        .map(|f| Related {
            article: RelatedArticle {
                id: article.id,
                url: article.url.clone(),
                title: article.title.clone(),
            },
            passage: RelatedPassage {
                exact: text::cp_slice(text, f.start, f.end).to_owned(),
                start: f.start as i64,
                end: f.end as i64,
            },
            // Two decimals: what an editor compares, and stable across platforms.
            score: (f.score * 100.0).round() / 100.0,
        })
        .collect()
}

/// The likely repeats of note `id`'s claim in its publication's other articles, best first, at
/// most [`MAX_RELATED`]. A retracted note has none: its claim is no longer the newsroom's
/// correction, and sending the desk after its repeats would spread the retracted correction.
pub fn for_note(conn: &mut Conn, id: i64) -> Result<RelatedList> {
    db::read(conn, |conn| {
        let note = super::find(conn, id)?.ok_or_else(|| note_not_found(id))?;
        let claims = claims_of(&note);
        if !note.is_live() || claims.is_empty() {
            return Ok(RelatedList {
                related: Vec::new(),
            });
        }
        let own = articles::require(conn, note.article_id)?;
        let mut related = Vec::new();
        let mut after = 0i64;
        loop {
            let page: Vec<(Article, String)> = article_rows::table
                .inner_join(
                    revisions::table
                        .on(article_rows::current_revision_id.eq(revisions::id.nullable())),
                )
                .filter(article_rows::publication_id.eq(own.publication_id))
                .filter(article_rows::id.ne(own.id))
                .filter(article_rows::id.gt(after))
                .order(article_rows::id.asc())
                .limit(PAGE)
                .select((Article::as_select(), revisions::canonical_text))
                .load(conn)?;
            let Some((last, _)) = page.last() else {
                break;
            };
            after = last.id;
            for (article, text) in &page {
                related.extend(related_in(article, text, &claims));
            }
        }
        related.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then(a.article.id.cmp(&b.article.id))
                .then(a.passage.start.cmp(&b.passage.start))
        });
        related.truncate(MAX_RELATED);
        Ok(RelatedList { related })
    })
}

/// Opens a report on a repeat of note `note_id`'s claim: the passage at code points
/// `[start, end)` of article `article_id`'s current revision, which must still be one of the
/// note's repeats. The report is filed as the newsroom's own (the editor named as its reporter,
/// no email), as a factual error whose description points to the note; an event names the
/// editor and the note.
pub fn open_report(
    conn: &mut Conn,
    site: &Site,
    actor: &User,
    note_id: i64,
    article_id: i64,
    start: i64,
    end: i64,
) -> Result<Filed> {
    permissions::require(actor.role, Action::Publish)?;
    let (article, valid) = db::read(conn, |conn| {
        let note = super::find(conn, note_id)?.ok_or_else(|| note_not_found(note_id))?;
        if !note.is_live() {
            return Err(Error::conflict(
                Code::AlreadyRetracted,
                format!("correction note {note_id} was retracted: its claim is not a correction"),
            ));
        }
        let article = articles::find(conn, article_id)?.ok_or_else(|| {
            Error::invalid("article_id", format!("there is no article {article_id}"))
        })?;
        let own = articles::require(conn, note.article_id)?;
        if article.id == own.id || article.publication_id != own.publication_id {
            return Err(Error::invalid(
                "article_id",
                "choose another article of the note's publication",
            ));
        }
        let revision = articles::current_revision(conn, &article)?;
        let repeat = related_in(&article, &revision.canonical_text, &claims_of(&note))
            .into_iter()
            .find(|r| r.passage.start == start && r.passage.end == end)
            .ok_or_else(|| {
                Error::conflict(
                    Code::PassageNotFound,
                    "the article no longer repeats the claim there; reload the list",
                )
                .with_field("start")
            })?;
        let quote = text::quote_at(&revision.canonical_text, start as usize, end as usize);
        let claim = note
            .sentence()
            .or_else(|| note.wrong.clone())
            .unwrap_or_else(|| repeat.passage.exact.clone());
        let mut description = format!(
            "Repeats the claim corrected by correction note {note_id} on \u{201C}{}\u{201D}: {claim}",
            own.title
        );
        if description.chars().count() > reports::DESCRIPTION_MAX {
            description = description
                .chars()
                .take(reports::DESCRIPTION_MAX - 1)
                .chain(['…'])
                .collect();
        }
        let valid = ValidReport {
            article_url: article.url.clone(),
            exact: quote.exact,
            prefix: Some(quote.prefix),
            suffix: Some(quote.suffix),
            category: Category::FactualError,
            description,
            suggested_correction: note.right_text.clone(),
            evidence_urls: vec![super::permalink(site, note_id)],
            reporter_name: Some(actor.name.clone()),
            reporter_email: None,
            notify: false,
            lang: None,
        };
        Ok((article, valid))
    })?;
    db::write(conn, |conn| {
        let filed = reports::file(conn, site, &valid, Sender::default())?;
        events::record(
            conn,
            NewEvent {
                kind: "opened_from_note",
                report_id: Some(filed.id),
                note_id: Some(note_id),
                article_id: Some(article.id),
                actor: Some(actor.id),
                to: Some(format!("note {note_id}")),
                ..Default::default()
            },
        )?;
        Ok(filed)
    })
}

/// The reports a note resolved, as (id, reference), for the note's dashboard page.
pub fn resolved_reports(conn: &mut Conn, note_id: i64) -> Result<Vec<(i64, String)>> {
    use crate::db::schema::{note_reports, reports as report_rows};
    Ok(note_reports::table
        .inner_join(report_rows::table)
        .filter(note_reports::note_id.eq(note_id))
        .order(report_rows::id.asc())
        .select((report_rows::id, report_rows::reference))
        .load(conn)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(raw: &[&str]) -> Vec<Claim> {
        raw.iter().filter_map(|r| Claim::new(r)).collect()
    }

    fn found_words(text: &str, raw: &[&str]) -> Vec<String> {
        find_in(text, &claims(raw))
            .iter()
            .map(|f| text::cp_slice(text, f.start, f.end).to_owned())
            .collect()
    }

    #[test]
    fn finds_a_verbatim_repeat_with_its_code_point_offsets() {
        let text = "Caf\u{e9} owners met.\n\nThe bridge carries roughly 14,000 vehicles a day, a study says.";
        let found = find_in(
            text,
            &claims(&["the bridge carries roughly 14,000 vehicles a day"]),
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].score, 1.0);
        assert_eq!(
            text::cp_slice(text, found[0].start, found[0].end),
            "The bridge carries roughly 14,000 vehicles a day"
        );
        // Code points: 'é' is one (and two bytes).
        assert_eq!(found[0].start, 18);
    }

    #[test]
    fn small_edits_still_match_but_score_lower() {
        let text = "Officials said THE BRIDGE \u{2014} carries about 14,000 vehicles each day.";
        let found = find_in(
            text,
            &claims(&["the bridge - carries roughly 14,000 vehicles a day"]),
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].score >= MIN_SCORE && found[0].score < 1.0);
        assert_eq!(
            text::cp_slice(text, found[0].start, found[0].end),
            "THE BRIDGE \u{2014} carries about 14,000 vehicles each day"
        );
    }

    #[test]
    fn other_numbers_are_another_claim() {
        // The corrected figure, in a story that got it right.
        assert!(found_words(
            "The bridge carries roughly 12,000 vehicles a day.",
            &["the bridge carries roughly 14,000 vehicles a day"]
        )
        .is_empty());
    }

    #[test]
    fn unrelated_text_and_short_claims_are_not_matched() {
        assert!(found_words(
            "The council will hold a public hearing on the schedule on May 7.",
            &["the bridge carries roughly 14,000 vehicles a day"]
        )
        .is_empty());
        assert!(Claim::new("6-3").is_none());
        assert!(Claim::new(" \u{201C}a day.\u{201D} ").is_none());
    }

    #[test]
    fn a_short_claim_must_be_word_for_word_and_whole_words() {
        assert_eq!(
            found_words("Ridership was about 9,200 a day.", &["about 9,200"]),
            vec!["about 9,200"]
        );
        assert!(found_words("Ridership was abut 9,200 a day.", &["about 9,200"]).is_empty());
    }

    #[test]
    fn overlapping_claims_give_one_place() {
        let text = "Ridership was about 9,200 passengers on an average weekday last year.";
        let found = find_in(
            text,
            &claims(&[
                "about 9,200",
                "about 9,200 passengers on an average weekday",
            ]),
        );
        assert_eq!(found.len(), 1);
        assert_eq!(
            text::cp_slice(text, found[0].start, found[0].end),
            "about 9,200 passengers on an average weekday"
        );
    }
}
