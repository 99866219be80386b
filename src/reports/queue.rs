//! The editors' queue: reports by state with filters, full-text search and keyset pages; the tab
//! counts (kept by triggers, never a count over the table); reports whose passages overlap, which
//! the desk handles together; and the age of a report against its publication's target time.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::workflow::State;
use super::*;
use crate::anchoring::{self, AnchorRow};
use crate::db::schema::{articles, publications, report_counts, reports, revisions};
use crate::db::{self, Conn};
use crate::error::Result;
use crate::text::anchor_status::AnchorStatus;
use crate::time::now;

/// Whose reports the queue shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssigneeFilter {
    Anyone,
    Nobody,
    User(i64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueOrder {
    OldestFirst,
    NewestFirst,
    /// The passages most readers reported first (then oldest first). A search keeps id order.
    MostReported,
}

/// What the editor asked the queue for.
#[derive(Debug, Clone)]
pub struct QueueFilter {
    pub state: State,
    pub publication_id: Option<i64>,
    pub article_id: Option<i64>,
    pub category: Option<Category>,
    pub assignee: AssigneeFilter,
    /// Only reports filed at least this many hours ago.
    pub older_than_hours: Option<i64>,
    pub search: Option<String>,
    pub order: QueueOrder,
    /// The id after which (in `order`) the page starts.
    pub after: Option<i64>,
    pub limit: i64,
}

impl Default for QueueFilter {
    fn default() -> Self {
        QueueFilter {
            state: State::New,
            publication_id: None,
            article_id: None,
            category: None,
            assignee: AssigneeFilter::Anyone,
            older_than_hours: None,
            search: None,
            order: QueueOrder::OldestFirst,
            after: None,
            limit: 50,
        }
    }
}

/// One report in the queue with what its row shows.
#[derive(Debug, Clone)]
pub struct QueueItem {
    pub report: Report,
    pub article_title: String,
    pub publication_name: String,
    pub target_hours: i64,
    pub span: Option<(usize, usize)>,
}

impl QueueItem {
    /// Hours since the report was filed.
    pub fn age_hours(&self, at: NaiveDateTime) -> i64 {
        (at - self.report.created_at).num_hours().max(0)
    }

    /// An open report older than its publication's target time.
    pub fn overdue(&self, at: NaiveDateTime) -> bool {
        self.report.state.is_open() && self.age_hours(at) >= self.target_hours
    }
}

/// Reports of one article on overlapping passages, shown as one row ("N readers").
#[derive(Debug, Clone)]
pub struct QueueGroup {
    pub items: Vec<QueueItem>,
}

impl QueueGroup {
    pub fn first(&self) -> &QueueItem {
        &self.items[0]
    }
}

pub struct QueuePage {
    pub groups: Vec<QueueGroup>,
    /// The cursor of the next page, when there is one.
    pub next: Option<i64>,
}

pub const QUEUE_MAX: i64 = 200;

/// The count of reports in each state, from the counters the database keeps.
pub fn tab_counts(conn: &mut Conn) -> Result<Vec<(State, i64)>> {
    let rows: Vec<(String, i64)> = report_counts::table
        .select((report_counts::state, report_counts::n))
        .load(conn)?;
    let counts: HashMap<String, i64> = rows.into_iter().collect();
    Ok(State::ALL
        .into_iter()
        .map(|s| (s, counts.get(s.as_str()).copied().unwrap_or(0)))
        .collect())
}

/// One page of the queue, grouped by overlapping passage within the page.
pub fn page(conn: &mut Conn, f: &QueueFilter) -> Result<QueuePage> {
    let limit = f.limit.clamp(1, QUEUE_MAX);
    let mut rows = match f.search.as_deref().and_then(db::search::fts_query) {
        None => in_order(filtered(f), f.order, cursor(conn, f.order, f.after)?)
            .limit(limit + 1)
            .select(Report::as_select())
            .load(conn)?,
        Some(query) => searched(conn, f, &query, limit + 1)?,
    };
    let next = if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|r| r.id)
    } else {
        None
    };
    let items = items_for(conn, rows)?;
    Ok(QueuePage {
        groups: group_overlapping(items),
        next,
    })
}

type ReportQuery = reports::BoxedQuery<'static, db::Backend>;

/// The reports in `f`'s state that pass its filters, all but the search and the page's place.
fn filtered(f: &QueueFilter) -> ReportQuery {
    let mut query = reports::table
        .filter(reports::state.eq(f.state))
        .into_boxed();
    if let Some(p) = f.publication_id {
        query = query.filter(
            reports::article_id.eq_any(
                articles::table
                    .filter(articles::publication_id.eq(p))
                    .select(articles::id),
            ),
        );
    }
    if let Some(a) = f.article_id {
        query = query.filter(reports::article_id.eq(a));
    }
    if let Some(c) = &f.category {
        query = query.filter(reports::category.eq(*c));
    }
    query = match f.assignee {
        AssigneeFilter::Anyone => query,
        AssigneeFilter::Nobody => query.filter(reports::assignee_id.is_null()),
        AssigneeFilter::User(id) => query.filter(reports::assignee_id.eq(id)),
    };
    if let Some(h) = f.older_than_hours {
        query = query.filter(reports::created_at.le(now() - chrono::Duration::hours(h)));
    }
    query
}

/// Where the page after report `after` starts, in `order`: the report's id, and for the
/// most-reported order its readers count as it is now.
#[derive(Debug, Clone, Copy)]
struct Cursor {
    id: i64,
    readers: i64,
}

fn cursor(conn: &mut Conn, order: QueueOrder, after: Option<i64>) -> Result<Option<Cursor>> {
    let Some(id) = after else { return Ok(None) };
    let readers = match order {
        QueueOrder::MostReported => reports::table
            .find(id)
            .select(reports::passage_readers)
            .first(conn)
            .optional()?
            .unwrap_or(i64::MAX),
        _ => 0,
    };
    Ok(Some(Cursor { id, readers }))
}

/// `query` in the page's order, from after the cursor: a keyset, never an offset.
fn in_order(query: ReportQuery, order: QueueOrder, after: Option<Cursor>) -> ReportQuery {
    if order == QueueOrder::MostReported {
        let query = match after {
            Some(c) => query.filter(
                reports::passage_readers
                    .lt(c.readers)
                    .or(reports::passage_readers
                        .eq(c.readers)
                        .and(reports::id.gt(c.id))),
            ),
            None => query,
        };
        return query.order((reports::passage_readers.desc(), reports::id.asc()));
    }
    match (order, after.map(|c| c.id)) {
        (QueueOrder::OldestFirst | QueueOrder::MostReported, Some(a)) => {
            query.filter(reports::id.gt(a)).order(reports::id.asc())
        }
        (QueueOrder::NewestFirst, Some(a)) => {
            query.filter(reports::id.lt(a)).order(reports::id.desc())
        }
        (QueueOrder::NewestFirst, None) => query.order(reports::id.desc()),
        (QueueOrder::OldestFirst | QueueOrder::MostReported, None) => {
            query.order(reports::id.asc())
        }
    }
}

/// The most ids one step of a search checks against the filters (SQLite binds up to 32,766).
const SEARCH_STEP_MAX: i64 = 16_384;

/// Up to `want` reports matching the search `query` and the other filters, in the page's order.
/// The search index is read from the page's cursor in id order, one step at a time (each four
/// times the last), and each step's ids are checked against the filters: a common word fills a
/// page in a step or two at any size of table, and a rare one ends as soon as the index runs out.
/// (Matching every report first and then sorting would cost as many rows as the word has.)
fn searched(conn: &mut Conn, f: &QueueFilter, query: &str, want: i64) -> Result<Vec<Report>> {
    // Reports filed in the last moments may not be in the index yet.
    db::search::catch_up(conn)?;
    let newest_first = f.order == QueueOrder::NewestFirst;
    let mut rows: Vec<Report> = Vec::new();
    let mut cursor = f.after;
    let mut step = (want * 16).min(SEARCH_STEP_MAX);
    loop {
        let ids = db::search::matching_ids(conn, query, cursor, newest_first, step)?;
        let Some(&last) = ids.last() else {
            break;
        };
        // The index gives ids in id order; a search keeps that order whatever the sort.
        let order = match f.order {
            QueueOrder::NewestFirst => QueueOrder::NewestFirst,
            _ => QueueOrder::OldestFirst,
        };
        let found: Vec<Report> = in_order(filtered(f), order, None)
            .filter(reports::id.eq_any(&ids))
            .limit(want - rows.len() as i64)
            .select(Report::as_select())
            .load(conn)?;
        rows.extend(found);
        if rows.len() as i64 >= want || (ids.len() as i64) < step {
            break;
        }
        cursor = Some(last);
        step = (step * 4).min(SEARCH_STEP_MAX);
    }
    Ok(rows)
}

/// Articles, publications and current spans for `rows`, each loaded once.
fn items_for(conn: &mut Conn, rows: Vec<Report>) -> Result<Vec<QueueItem>> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let anchors = anchoring::current_for_reports(conn, &ids)?;
    let mut article_ids: Vec<i64> = rows.iter().map(|r| r.article_id).collect();
    article_ids.sort_unstable();
    article_ids.dedup();
    let about: HashMap<i64, (String, String, i64)> = articles::table
        .inner_join(publications::table)
        .filter(articles::id.eq_any(&article_ids))
        .select((
            articles::id,
            articles::title,
            publications::name,
            publications::target_hours,
        ))
        .load::<(i64, String, String, i64)>(conn)?
        .into_iter()
        .map(|(id, title, publication, hours)| (id, (title, publication, hours)))
        .collect();
    Ok(rows
        .into_iter()
        .map(|report| {
            let (title, publication, hours) = about
                .get(&report.article_id)
                .cloned()
                .unwrap_or_else(|| (String::new(), String::new(), 48));
            let span = span_of(&report, anchors.get(&report.id));
            QueueItem {
                report,
                article_title: title,
                publication_name: publication,
                target_hours: hours,
                span,
            }
        })
        .collect())
}

/// Where a report's passage is now, or where it was filed when it has no trusted place.
fn span_of(report: &Report, anchor: Option<&AnchorRow>) -> Option<(usize, usize)> {
    match anchor {
        Some(a) => a.placed_span(),
        None => Some((report.quote_start as usize, report.quote_end as usize)),
    }
}

fn overlaps(a: (usize, usize), b: (usize, usize)) -> bool {
    a.0 < b.1 && b.0 < a.1
}

/// Groups items of one article whose spans overlap (directly or through another), keeping the
/// page's order by each group's first item.
pub fn group_overlapping(items: Vec<QueueItem>) -> Vec<QueueGroup> {
    let mut groups: Vec<QueueGroup> = Vec::new();
    for item in items {
        let joins = item.span.and_then(|span| {
            groups.iter().position(|g| {
                g.first().report.article_id == item.report.article_id
                    && g.items
                        .iter()
                        .any(|o| o.span.is_some_and(|s| overlaps(s, span)))
            })
        });
        match joins {
            Some(i) => groups[i].items.push(item),
            None => groups.push(QueueGroup { items: vec![item] }),
        }
    }
    groups
}

/// The other reports on the same article whose current passage overlaps this one's: the readers
/// who flagged the same words. Resolved duplicates of another report are left out.
pub fn overlapping(conn: &mut Conn, report: &Report) -> Result<Vec<Report>> {
    Ok(on_same_words(conn, report)?
        .into_iter()
        .filter(|o| o.duplicate_of.is_none_or(|d| d == report.id))
        .collect())
}

/// Earlier readers a filing counts at most: a passage with this many is the desk's first concern
/// whatever its exact count, and a bound keeps each filing's cost from growing with a viral story.
/// (The count only orders the queue, "most reported" first; at 1,000 it was a tenth of a viral
/// story's intake time, counting readers no editor would rank differently.)
pub const READERS_COUNTED: i64 = 200;

/// Counts the readers of a newly filed report's words: it and the reports of the article filed
/// before it on overlapping words (duplicates too: each is a reader). The newest report of a
/// passage carries the passage's whole count, so the most-reported sort brings that passage up
/// first and the queue groups the rest of its readers beside it.
///
/// Nothing but the new report is written (the count goes into its own row as it is inserted),
/// and the counts are read from indexes inside SQLite: a viral story's thousandth reader costs one
/// indexed count (of at most `READERS_COUNTED` entries), not a write to every earlier report
/// (which made each filing dearer than the last). Both statements are prepared once per
/// connection (`ReadersOnRevision`, `ReadersFromEarlierRevisions`), not for every filing.
///
/// `passage` is the new report's place on `revision_id`, the revision it is filed on; it is
/// counted before the report is inserted, in the same transaction.
pub fn readers_of_new_report(
    conn: &mut Conn,
    article_id: i64,
    revision_id: i64,
    passage: (i64, i64),
) -> Result<i64> {
    let (start, end) = passage;
    // Reports filed on the same revision compare by the offsets they were filed with (the
    // `reports_passage` index covers this count).
    let same_revision = ReadersOnRevision {
        article_id,
        revision_id,
        start,
        end,
    }
    .get_result::<i64>(conn)?;
    // Older ones (filed on earlier revisions: revision ids grow) by their current place (their
    // newest anchor), when that is on this revision's text, the only text this report's offsets
    // compare with. On an article's first revision (most are never revised) there are none, and
    // the count is not asked: PostgreSQL's plan for it reads every anchor.
    let first_revision: Option<i64> = revisions::table
        .filter(revisions::article_id.eq(article_id))
        .select(diesel::dsl::min(revisions::id))
        .first(conn)?;
    let older = if first_revision == Some(revision_id) {
        0
    } else {
        ReadersFromEarlierRevisions {
            article_id,
            revision_id,
            start,
            end,
        }
        .get_result::<i64>(conn)?
    };
    Ok((same_revision + older).min(READERS_COUNTED) + 1)
}

/// The count of reports filed on a revision over a stretch of it (at most `READERS_COUNTED`), as
/// a query type of its own so that diesel keeps its prepared statement (raw `sql_query`s are
/// prepared again at each run).
#[derive(diesel::query_builder::QueryId)]
struct ReadersOnRevision {
    article_id: i64,
    revision_id: i64,
    start: i64,
    end: i64,
}

impl diesel::query_builder::QueryFragment<db::Backend> for ReadersOnRevision {
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, db::Backend>,
    ) -> QueryResult<()> {
        use diesel::sql_types::BigInt;
        out.push_sql("SELECT COUNT(*) FROM (SELECT 1 FROM reports WHERE article_id = ");
        out.push_bind_param::<BigInt, _>(&self.article_id)?;
        out.push_sql(" AND revision_id = ");
        out.push_bind_param::<BigInt, _>(&self.revision_id)?;
        out.push_sql(" AND quote_start < ");
        out.push_bind_param::<BigInt, _>(&self.end)?;
        out.push_sql(" AND quote_end > ");
        out.push_bind_param::<BigInt, _>(&self.start)?;
        out.push_sql(&format!(" LIMIT {READERS_COUNTED}) AS counted"));
        Ok(())
    }
}

impl diesel::query_builder::Query for ReadersOnRevision {
    type SqlType = diesel::sql_types::BigInt;
}

impl RunQueryDsl<Conn> for ReadersOnRevision {}

/// The count of reports filed on earlier revisions whose newest anchor is placed on `revision_id`
/// over a stretch of it (at most `READERS_COUNTED`); prepared once, as `ReadersOnRevision`.
#[derive(diesel::query_builder::QueryId)]
struct ReadersFromEarlierRevisions {
    article_id: i64,
    revision_id: i64,
    start: i64,
    end: i64,
}

impl diesel::query_builder::QueryFragment<db::Backend> for ReadersFromEarlierRevisions {
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, db::Backend>,
    ) -> QueryResult<()> {
        use diesel::sql_types::BigInt;
        let placed = AnchorStatus::PLACED
            .map(|s| format!("'{}'", s.as_str()))
            .join(", ");
        out.push_sql("SELECT COUNT(*) FROM (SELECT 1 FROM reports WHERE article_id = ");
        out.push_bind_param::<BigInt, _>(&self.article_id)?;
        out.push_sql(" AND revision_id < ");
        out.push_bind_param::<BigInt, _>(&self.revision_id)?;
        out.push_sql(
            " AND EXISTS (SELECT 1 FROM anchors a WHERE a.report_id = reports.id \
             AND a.id = (SELECT MAX(b.id) FROM anchors b WHERE b.report_id = reports.id) \
             AND a.revision_id = ",
        );
        out.push_bind_param::<BigInt, _>(&self.revision_id)?;
        out.push_sql(&format!(
            " AND a.status IN ({placed}) AND a.start_offset < "
        ));
        out.push_bind_param::<BigInt, _>(&self.end)?;
        out.push_sql(" AND a.end_offset > ");
        out.push_bind_param::<BigInt, _>(&self.start)?;
        out.push_sql(&format!(") LIMIT {READERS_COUNTED}) AS counted"));
        Ok(())
    }
}

impl diesel::query_builder::Query for ReadersFromEarlierRevisions {
    type SqlType = diesel::sql_types::BigInt;
}

impl RunQueryDsl<Conn> for ReadersFromEarlierRevisions {}

/// Every other report of the same article whose current words overlap this one's.
fn on_same_words(conn: &mut Conn, report: &Report) -> Result<Vec<Report>> {
    let others: Vec<Report> = reports::table
        .filter(reports::article_id.eq(report.article_id))
        .filter(reports::id.ne(report.id))
        .order(reports::id.asc())
        .select(Report::as_select())
        .load(conn)?;
    let mut ids: Vec<i64> = others.iter().map(|r| r.id).collect();
    ids.push(report.id);
    let anchors = anchoring::current_for_reports(conn, &ids)?;
    let Some(mine) = span_of(report, anchors.get(&report.id)) else {
        return Ok(Vec::new());
    };
    Ok(others
        .into_iter()
        .filter(|o| span_of(o, anchors.get(&o.id)).is_some_and(|s| overlaps(s, mine)))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(id: i64, article: i64, span: Option<(usize, usize)>) -> QueueItem {
        let t = now();
        QueueItem {
            report: Report {
                id,
                reference: format!("ERR-2026-{id:06}"),
                status_token: String::new(),
                article_id: article,
                revision_id: 1,
                quote_exact: String::new(),
                quote_prefix: String::new(),
                quote_suffix: String::new(),
                quote_start: 0,
                quote_end: 0,
                category: Category::Typo,
                description: String::new(),
                suggested_correction: None,
                evidence_urls: "[]".into(),
                reporter_name: None,
                reporter_email: None,
                notify: false,
                state: State::New,
                resolution: None,
                assignee_id: None,
                duplicate_of: None,
                ip_hash: None,
                created_at: t - chrono::Duration::hours(50),
                updated_at: t,
                resolved_at: None,
            },
            article_title: String::new(),
            publication_name: String::new(),
            target_hours: 48,
            span,
        }
    }

    #[test]
    fn overlapping_passages_of_one_article_group_together() {
        let groups = group_overlapping(vec![
            item(1, 1, Some((10, 20))),
            item(2, 2, Some((10, 20))),
            item(3, 1, Some((15, 30))),
            item(4, 1, Some((20, 25))),
            item(5, 1, Some((40, 50))),
            item(6, 1, None),
        ]);
        let ids: Vec<Vec<i64>> = groups
            .iter()
            .map(|g| g.items.iter().map(|i| i.report.id).collect())
            .collect();
        // 4 touches 1 only at its end, but overlaps 3.
        assert_eq!(ids, vec![vec![1, 3, 4], vec![2], vec![5], vec![6]]);
    }

    #[test]
    fn a_report_past_its_target_time_is_overdue_until_resolved() {
        let mut i = item(1, 1, None);
        assert!(i.overdue(now()));
        i.target_hours = 72;
        assert!(!i.overdue(now()));
        i.target_hours = 48;
        i.report.state = State::Resolved;
        assert!(!i.overdue(now()));
    }
}
