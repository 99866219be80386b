//! Full-text search over reports (description, suggested correction, passage) through SQLite's
//! FTS5 index `reports_fts`. The SQL lives here so another backend can answer the same function
//! with its own index.
//!
//! New reports join the index in batches (`catch_up`), not one by one as they are filed: FTS5
//! writes what it holds to disk at every savepoint, and every filing runs in one, so a report
//! indexed by a trigger cost an index segment of its own (and later merges). Reports up to the
//! mark in `search_indexed` are in the index, and triggers keep them in step when they change;
//! the server catches up at each tick of its checkpointer (`db::checkpoint`, 200 ms) while
//! reports come in, and every search catches up first, so a search never misses a report.
//!
//! The index is read in id order from a cursor, a bounded number at a time, so that a page of
//! results for a common word costs the same at a thousand reports as at a million. That is also
//! why each word is matched whole: FTS5 answers a prefix query (`word*`) by first merging the
//! postings of every term with that prefix, the whole table's worth, before it can return one row.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use super::{Conn, Engine};
use crate::error::Result;

/// The editor's words as an FTS5 query: each word quoted (so no word is read as an operator) and
/// matched whole, all of them required. `None` when nothing searchable is left.
pub fn fts_query(words: &str) -> Option<String> {
    let terms: Vec<String> = words
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(16)
        .map(|w| format!("\"{w}\""))
        .collect();
    (!terms.is_empty()).then(|| terms.join(" "))
}

/// The mark and the newest report's id, when the index is behind.
fn behind(conn: &mut Conn) -> Result<Option<(i64, i64)>> {
    use super::schema::{reports, search_indexed};
    let up_to: i64 = search_indexed::table
        .select(search_indexed::up_to)
        .first(conn)?;
    let newest: Option<i64> = reports::table
        .select(diesel::dsl::max(reports::id))
        .first(conn)?;
    Ok(newest.filter(|&n| n > up_to).map(|n| (up_to, n)))
}

/// Whether some report is not in the index yet.
pub fn pending(conn: &mut Conn) -> Result<bool> {
    if conn.engine() == Engine::Postgres {
        return Ok(false);
    }
    Ok(behind(conn)?.is_some())
}

/// Adds every report not yet in the index (those above the `search_indexed` mark), in one write;
/// the number added. Cheap when there is none: one look at the mark and at the newest id.
pub fn catch_up(conn: &mut Conn) -> Result<usize> {
    if conn.engine() == Engine::Postgres {
        return Ok(0);
    }
    if behind(conn)?.is_none() {
        return Ok(0);
    }
    super::write(conn, |conn| {
        // Asked again under the write lock: another catch-up may have done it meanwhile.
        let Some((up_to, newest)) = behind(conn)? else {
            return Ok(0);
        };
        let added = diesel::sql_query(
            "INSERT INTO reports_fts (rowid, description, suggested_correction, quote_exact) \
             SELECT id, description, COALESCE(suggested_correction, ''), quote_exact \
             FROM reports WHERE id > ? AND id <= ? ORDER BY id",
        )
        .bind::<BigInt, _>(up_to)
        .bind::<BigInt, _>(newest)
        .execute(conn)?;
        diesel::update(super::schema::search_indexed::table)
            .set(super::schema::search_indexed::up_to.eq(newest))
            .execute(conn)?;
        Ok(added)
    })
}

#[derive(QueryableByName)]
struct Hit {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// Up to `limit` ids of reports matching `query` (from `fts_query`), in id order (descending when
/// `newest_first`), strictly after `after` in that order.
///
/// On SQLite, FTS5 takes the rowid bound and the order itself, walking its postings from the
/// cursor. On PostgreSQL, the generated `reports.search` column (a `tsvector` of the same three
/// fields, with a GIN index) is matched against every word of the query: `fts_query`'s quoted
/// words, which hold letters and digits only, so none can be a `tsquery` operator.
pub fn matching_ids(
    conn: &mut Conn,
    query: &str,
    after: Option<i64>,
    newest_first: bool,
    limit: i64,
) -> Result<Vec<i64>> {
    let (sql, query) = match (conn.engine(), newest_first) {
        (Engine::Sqlite, true) => (
            "SELECT rowid AS id FROM reports_fts WHERE reports_fts MATCH ? AND rowid < ? \
             ORDER BY rowid DESC LIMIT ?",
            query.to_owned(),
        ),
        (Engine::Sqlite, false) => (
            "SELECT rowid AS id FROM reports_fts WHERE reports_fts MATCH ? AND rowid > ? \
             ORDER BY rowid ASC LIMIT ?",
            query.to_owned(),
        ),
        (Engine::Postgres, true) => (
            "SELECT id FROM reports WHERE search @@ to_tsquery('simple', $1) AND id < $2 \
             ORDER BY id DESC LIMIT $3",
            tsquery(query),
        ),
        (Engine::Postgres, false) => (
            "SELECT id FROM reports WHERE search @@ to_tsquery('simple', $1) AND id > $2 \
             ORDER BY id ASC LIMIT $3",
            tsquery(query),
        ),
    };
    let bound = after.unwrap_or(if newest_first { i64::MAX } else { i64::MIN });
    let hits: Vec<Hit> = diesel::sql_query(sql)
        .bind::<Text, _>(query)
        .bind::<BigInt, _>(bound)
        .bind::<BigInt, _>(limit)
        .load(conn)?;
    Ok(hits.into_iter().map(|h| h.id).collect())
}

/// `fts_query`'s quoted words as a PostgreSQL `tsquery` that wants all of them, lower-cased as
/// `to_tsvector` stores them.
fn tsquery(fts_query: &str) -> String {
    fts_query
        .split('"')
        .map(str::trim)
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" & ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_wants_every_word_lower_cased() {
        let query = fts_query("Ferry  NOT pier, 9.5").expect("words");
        assert_eq!(tsquery(&query), "ferry & not & pier & 9 & 5");
    }

    #[test]
    fn words_become_quoted_whole_words_and_operators_are_plain_words() {
        assert_eq!(
            fts_query("ferry  NOT \"pier\"").as_deref(),
            Some("\"ferry\" \"NOT\" \"pier\"")
        );
        assert_eq!(fts_query("9,200").as_deref(), Some("\"9\" \"200\""));
        assert_eq!(fts_query("  \"*()  "), None);
    }
}
