//! Synthetic newsroom data for measuring Errata at scale (`errata dev fill`): a few publications,
//! articles with text, and reports on real passages of those articles, filed over the past year,
//! in every state, with the workflow moves (`transition` events), anchors and correction notes a
//! desk would have left. Never for a real newsroom's database.
//!
//! Rows go in as multi-row inserts, many to a transaction, so a million reports take minutes, not
//! hours. Nothing here bypasses the database's own bookkeeping: the triggers keep the tab counters
//! (`report_counts`) in step as they do for a reader's report, and each batch joins the search
//! index (`reports_fts`) as the server's catch-up adds filed reports.

use chrono::{Datelike, Duration, NaiveDateTime};
use diesel::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::accounts::{self, NewUser, Role};
use crate::articles::{self, ArticleInput, Body};
use crate::db::schema::{anchors, correction_notes, events, note_reports, reports};
use crate::db::{self, Conn};
use crate::error::Result;
use crate::reports::workflow::{Resolution, State};
use crate::secrets::random_secret;
use crate::time::now;

/// Words every report's description carries one of, each in about a tenth of them: what a
/// benchmark searches for.
pub const TOPICS: [&str; 10] = [
    "bridge", "budget", "council", "school", "hospital", "election", "river", "stadium", "library",
    "airport",
];

const WORDS: [&str; 60] = [
    "the",
    "city",
    "said",
    "year",
    "million",
    "mayor",
    "plan",
    "vote",
    "report",
    "state",
    "new",
    "street",
    "water",
    "police",
    "park",
    "court",
    "board",
    "housing",
    "tax",
    "rail",
    "port",
    "county",
    "officials",
    "residents",
    "repairs",
    "project",
    "funding",
    "study",
    "traffic",
    "minister",
    "spokesperson",
    "percent",
    "meeting",
    "hearing",
    "contract",
    "workers",
    "union",
    "strike",
    "flood",
    "storm",
    "harbor",
    "ferry",
    "tunnel",
    "museum",
    "market",
    "prices",
    "growth",
    "schedule",
    "delay",
    "approval",
    "proposal",
    "survey",
    "data",
    "record",
    "agency",
    "district",
    "hundred",
    "thousand",
    "figure",
    "estimate",
];

const OPENINGS: [&str; 6] = [
    "This figure does not match the",
    "The article misstates the",
    "The quote about the",
    "This is outdated: the",
    "Missing context on the",
    "Typo in the name of the",
];

const PUBLICATIONS: [(&str, &str); 4] = [
    ("Harbor Gazette", "https://gazette.fill.example/"),
    ("Valley Herald", "https://herald.fill.example/"),
    ("Metro Ledger", "https://ledger.fill.example/"),
    ("Coast Courier", "https://courier.fill.example/"),
];

/// How much to make.
#[derive(Debug, Clone, Copy)]
pub struct FillPlan {
    pub reports: u64,
    pub articles: u64,
    /// The same seed makes the same texts, states and times (relative to now).
    pub seed: u64,
}

/// What was made.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Filled {
    pub articles: u64,
    pub reports: u64,
    pub events: u64,
    pub notes: u64,
}

/// Rows per multi-row INSERT: SQLite binds at most 32,766 values to one statement.
const ROWS_PER_INSERT: usize = 500;
/// Reports per transaction.
const REPORTS_PER_COMMIT: u64 = 20_000;

#[derive(Insertable)]
#[diesel(table_name = reports, treat_none_as_default_value = false)]
struct NewReport {
    id: i64,
    reference: String,
    status_token: String,
    article_id: i64,
    revision_id: i64,
    quote_exact: String,
    quote_prefix: String,
    quote_suffix: String,
    quote_start: i64,
    quote_end: i64,
    category: &'static str,
    description: String,
    suggested_correction: Option<String>,
    evidence_urls: &'static str,
    reporter_name: Option<String>,
    reporter_email: Option<String>,
    notify: bool,
    state: &'static str,
    resolution: Option<&'static str>,
    assignee_id: Option<i64>,
    duplicate_of: Option<i64>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    resolved_at: Option<NaiveDateTime>,
}

#[derive(Insertable)]
#[diesel(table_name = anchors, treat_none_as_default_value = false)]
struct NewAnchor {
    report_id: Option<i64>,
    revision_id: i64,
    start_offset: Option<i64>,
    end_offset: Option<i64>,
    status: &'static str,
    method: &'static str,
    score: f64,
    created_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = events, treat_none_as_default_value = false)]
struct NewMove {
    report_id: Option<i64>,
    note_id: Option<i64>,
    article_id: Option<i64>,
    actor_id: Option<i64>,
    kind: &'static str,
    from_value: Option<&'static str>,
    to_value: Option<String>,
    created_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = correction_notes, treat_none_as_default_value = false)]
struct NewNote {
    id: i64,
    article_id: i64,
    kind: &'static str,
    wrong: Option<String>,
    right_text: Option<String>,
    body_markdown: String,
    body_html: String,
    placement: &'static str,
    revision_id: i64,
    author_id: i64,
    version: i64,
    published_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

/// An article made for the fill: its ids and its canonical text.
struct FillArticle {
    id: i64,
    revision_id: i64,
    text: String,
}

fn pick<'a>(rng: &mut StdRng, words: &[&'a str]) -> &'a str {
    words[rng.gen_range(0..words.len())]
}

/// Six paragraphs of plain words, already canonical (single spaces, paragraphs apart by a blank
/// line), so that offsets into it are the stored ones.
fn article_text(rng: &mut StdRng) -> String {
    let paragraphs: Vec<String> = (0..6)
        .map(|_| {
            let words: Vec<&str> = (0..40)
                .map(|i| {
                    if i % 7 == 3 {
                        pick(rng, &TOPICS)
                    } else {
                        pick(rng, &WORDS)
                    }
                })
                .collect();
            let mut p = words.join(" ");
            p.push('.');
            p
        })
        .collect();
    paragraphs.join("\n\n")
}

/// A few consecutive words of `text` (ASCII, so byte and code-point offsets agree): the passage,
/// its start and end, and up to 32 characters either side.
fn passage(rng: &mut StdRng, text: &str) -> (String, usize, usize, String, String) {
    let starts: Vec<usize> = std::iter::once(0)
        .chain(text.match_indices(' ').map(|(i, _)| i + 1))
        .collect();
    let first = rng.gen_range(0..starts.len().saturating_sub(6).max(1));
    let start = starts[first];
    let words = rng.gen_range(2..6);
    let end = starts
        .get(first + words)
        .map(|e| e - 1)
        .unwrap_or(text.len());
    let exact = text[start..end].trim_end_matches(['.', '\n']).to_owned();
    let end = start + exact.len();
    let prefix = text[start.saturating_sub(32)..start].to_owned();
    let suffix = text[end..(end + 32).min(text.len())].to_owned();
    (exact, start, end, prefix, suffix)
}

/// One report's place in the workflow: its state, resolution, and the moves that led there as
/// (from, to, hours after the previous step).
fn fate(rng: &mut StdRng) -> (State, Option<Resolution>, Vec<(&'static str, String)>) {
    let roll = rng.gen_range(0..100);
    let resolve = |r: Resolution| format!("resolved:{}", r.as_str());
    match roll {
        0..=24 => (State::New, None, vec![]),
        25..=34 => (State::Triaged, None, vec![("new", "triaged".into())]),
        35..=44 => (
            State::Investigating,
            None,
            vec![
                ("new", "triaged".into()),
                ("triaged", "investigating".into()),
            ],
        ),
        45..=59 => {
            let r = if roll < 52 {
                Resolution::Spam
            } else {
                Resolution::Duplicate
            };
            (State::Resolved, Some(r), vec![("new", resolve(r))])
        }
        _ => {
            let r = match roll {
                60..=79 => Resolution::NoError,
                80..=93 => Resolution::Corrected,
                _ => Resolution::Clarified,
            };
            (
                State::Resolved,
                Some(r),
                vec![
                    ("new", "triaged".into()),
                    ("triaged", "investigating".into()),
                    ("investigating", resolve(r)),
                ],
            )
        }
    }
}

fn category(rng: &mut StdRng) -> &'static str {
    crate::reports::Category::ALL[rng.gen_range(0..crate::reports::Category::ALL.len())].as_str()
}

fn next_id(conn: &mut Conn, table: &str) -> Result<i64> {
    #[derive(QueryableByName)]
    struct Max {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    // `table` is one of ours, never input.
    let max: Max = diesel::sql_query(format!("SELECT COALESCE(MAX(id), 0) AS n FROM {table}"))
        .get_result(conn)?;
    Ok(max.n + 1)
}

/// The publications, the desk's synthetic editor (author of notes, actor of moves), and the
/// articles; returns the editor's id and the articles.
fn newsroom(conn: &mut Conn, rng: &mut StdRng, plan: &FillPlan) -> Result<(i64, Vec<FillArticle>)> {
    let known: Vec<String> = articles::list_publications(conn)?
        .into_iter()
        .map(|(p, _)| p.base_url)
        .collect();
    for (name, url) in PUBLICATIONS {
        if !known.iter().any(|k| k == url) {
            articles::create_publication(conn, name, url, &[])?;
        }
    }
    let email = "fill-editor@fill.example";
    let editor = match accounts::find_user_by_email(conn, email)? {
        Some(u) => u,
        None => accounts::create_user(
            conn,
            NewUser {
                email,
                name: "Synthetic Editor",
                role: Role::Editor,
                password: &random_secret(18),
            },
        )?,
    };
    // Article addresses carry where this run started, so a second fill adds new articles.
    let run = next_id(conn, "articles")?;
    let mut made = Vec::new();
    for chunk in (0..plan.articles.max(1)).collect::<Vec<_>>().chunks(500) {
        db::write(conn, |conn| {
            for &i in chunk {
                let (_, base) = PUBLICATIONS[i as usize % PUBLICATIONS.len()];
                let topic = pick(rng, &TOPICS);
                let text = article_text(rng);
                let done = articles::upsert(
                    conn,
                    &ArticleInput {
                        url: format!("{base}news/{run}-{i}-{topic}"),
                        title: format!("The {topic} story, part {i}"),
                        body: Body::Text(text.clone()),
                        published_at: None,
                    },
                )?;
                made.push(FillArticle {
                    id: done.article.id,
                    revision_id: done.revision.id,
                    text,
                });
            }
            Ok(())
        })?;
    }
    Ok((editor.id, made))
}

/// Fills the database as `plan` says; `progress` is told how many reports are in so far.
pub fn fill(conn: &mut Conn, plan: &FillPlan, mut progress: impl FnMut(u64)) -> Result<Filled> {
    let mut rng = StdRng::seed_from_u64(plan.seed);
    db::for_bulk_load(conn)?;
    let (editor, arts) = newsroom(conn, &mut rng, plan)?;
    let mut filled = Filled {
        articles: arts.len() as u64,
        ..Filled::default()
    };
    let first_id = next_id(conn, "reports")?;
    let mut note_id = next_id(conn, "correction_notes")?;
    let end = now();
    // Filed evenly over the past year, in id order, as a desk receives them.
    let span = Duration::days(365).num_seconds() as f64;
    let step = span / plan.reports.max(1) as f64;
    let start = end - Duration::days(365);
    let mut done = 0u64;
    while done < plan.reports {
        let batch = (plan.reports - done).min(REPORTS_PER_COMMIT);
        let mut new_reports = Vec::with_capacity(batch as usize);
        let mut new_anchors = Vec::with_capacity(batch as usize);
        let mut moves = Vec::new();
        let mut notes = Vec::new();
        let mut links = Vec::new();
        for k in 0..batch {
            let n = done + k;
            let id = first_id + n as i64;
            let filed = start + Duration::seconds((n as f64 * step) as i64);
            let art = &arts[rng.gen_range(0..arts.len())];
            let (exact, s, e, prefix, suffix) = passage(&mut rng, &art.text);
            let (state, resolution, path) = fate(&mut rng);
            let mut at = filed;
            let mut resolved_at = None;
            let note = match resolution {
                Some(Resolution::Corrected | Resolution::Clarified) => {
                    note_id += 1;
                    Some(note_id - 1)
                }
                _ => None,
            };
            for (from, to) in path {
                let hours = rng.gen_range(1..=96);
                at = (at + Duration::minutes(hours * 45)).min(end);
                if to.starts_with("resolved") {
                    resolved_at = Some(at);
                }
                moves.push(NewMove {
                    report_id: Some(id),
                    note_id: note.filter(|_| to.starts_with("resolved")),
                    article_id: Some(art.id),
                    actor_id: Some(editor),
                    kind: "transition",
                    from_value: Some(from),
                    to_value: Some(to),
                    created_at: at,
                });
            }
            if let (Some(nid), Some(r)) = (note, resolution) {
                let kind = if r == Resolution::Clarified {
                    "clarification"
                } else {
                    "correction"
                };
                let body = format!("An earlier version of this article misstated {exact}.");
                notes.push(NewNote {
                    id: nid,
                    article_id: art.id,
                    kind,
                    wrong: Some(exact.clone()),
                    right_text: Some(format!("not {exact}")),
                    body_html: format!("<p>{body}</p>"),
                    body_markdown: body,
                    placement: "bottom",
                    revision_id: art.revision_id,
                    author_id: editor,
                    version: 1,
                    published_at: at,
                    updated_at: at,
                });
                links.push((nid, id));
            }
            let topic = pick(&mut rng, &TOPICS);
            let words: Vec<&str> = (0..5).map(|_| pick(&mut rng, &WORDS)).collect();
            let named = rng.gen_bool(0.3);
            new_reports.push(NewReport {
                id,
                reference: format!("ERR-{}-{id:06}", filed.year()),
                status_token: random_secret(24),
                article_id: art.id,
                revision_id: art.revision_id,
                quote_exact: exact,
                quote_prefix: prefix,
                quote_suffix: suffix,
                quote_start: s as i64,
                quote_end: e as i64,
                category: category(&mut rng),
                description: format!("{} {topic} {}.", pick(&mut rng, &OPENINGS), words.join(" ")),
                suggested_correction: rng
                    .gen_bool(0.4)
                    .then(|| format!("It should say {}.", pick(&mut rng, &WORDS))),
                evidence_urls: "[]",
                reporter_name: named.then(|| format!("Reader {id}")),
                reporter_email: named.then(|| format!("reader{id}@readers.fill.example")),
                notify: named,
                state: state.as_str(),
                resolution: resolution.map(Resolution::as_str),
                assignee_id: (state != State::New && rng.gen_bool(0.5)).then_some(editor),
                duplicate_of: (resolution == Some(Resolution::Duplicate) && id > first_id)
                    .then(|| rng.gen_range(first_id.max(id - 50)..id)),
                created_at: filed,
                updated_at: at,
                resolved_at,
            });
            new_anchors.push(NewAnchor {
                report_id: Some(id),
                revision_id: art.revision_id,
                start_offset: Some(s as i64),
                end_offset: Some(e as i64),
                status: "anchored",
                method: "intake",
                score: 1.0,
                created_at: filed,
            });
        }
        db::write(conn, |conn| {
            for rows in new_reports.chunks(ROWS_PER_INSERT) {
                db::on_engine!(conn, |c| diesel::insert_into(reports::table)
                    .values(rows)
                    .execute(c))?;
            }
            for rows in new_anchors.chunks(ROWS_PER_INSERT) {
                db::on_engine!(conn, |c| diesel::insert_into(anchors::table)
                    .values(rows)
                    .execute(c))?;
            }
            for rows in notes.chunks(ROWS_PER_INSERT) {
                db::on_engine!(conn, |c| diesel::insert_into(correction_notes::table)
                    .values(rows)
                    .execute(c))?;
            }
            for rows in links.chunks(ROWS_PER_INSERT) {
                let values: Vec<_> = rows
                    .iter()
                    .map(|(n, r)| (note_reports::note_id.eq(n), note_reports::report_id.eq(r)))
                    .collect();
                db::on_engine!(conn, |c| diesel::insert_into(note_reports::table)
                    .values(values)
                    .execute(c))?;
            }
            for rows in moves.chunks(ROWS_PER_INSERT) {
                db::on_engine!(conn, |c| diesel::insert_into(events::table)
                    .values(rows)
                    .execute(c))?;
            }
            // Into the search index with the batch, as the server's catch-up would do.
            db::search::catch_up(conn)?;
            db::sequences_past_ids(conn, &["reports", "anchors", "correction_notes", "events"])?;
            Ok(())
        })?;
        filled.reports += batch;
        filled.events += moves.len() as u64;
        filled.notes += notes.len() as u64;
        done += batch;
        progress(done);
    }
    Ok(filled)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_passage_is_whole_words_of_the_text_at_its_offsets() {
        let mut rng = StdRng::seed_from_u64(7);
        for _ in 0..200 {
            let text = article_text(&mut rng);
            let (exact, s, e, prefix, suffix) = passage(&mut rng, &text);
            assert_eq!(&text[s..e], exact);
            assert!(!exact.is_empty() && !exact.starts_with(' ') && !exact.ends_with(' '));
            assert!(text[..s].ends_with(&prefix) && text[e..].starts_with(&suffix));
            assert!(prefix.len() <= 32 && suffix.len() <= 32);
        }
    }

    #[test]
    fn every_state_and_resolution_comes_up_with_the_moves_that_lead_there() {
        let mut rng = StdRng::seed_from_u64(1);
        let mut seen = std::collections::HashSet::new();
        for _ in 0..2000 {
            let (state, resolution, path) = fate(&mut rng);
            seen.insert((state.as_str(), resolution.map(Resolution::as_str)));
            let last = path.last().map(|(_, to)| to.clone());
            match resolution {
                Some(r) => assert_eq!(last, Some(format!("resolved:{}", r.as_str()))),
                None if state == State::New => assert!(path.is_empty()),
                None => assert_eq!(last.as_deref(), Some(state.as_str())),
            }
        }
        assert_eq!(seen.len(), 3 + Resolution::ALL.len());
    }
}
