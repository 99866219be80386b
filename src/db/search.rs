//! Full-text search over reports (description, suggested correction, passage) through SQLite's
//! FTS5 index `reports_fts`, kept by triggers. The SQL lives here so another backend can answer
//! the same function with its own index.
//!
//! The index is read in id order from a cursor, a bounded number at a time, so that a page of
//! results for a common word costs the same at a thousand reports as at a million. That is also
//! why each word is matched whole: FTS5 answers a prefix query (`word*`) by first merging the
//! postings of every term with that prefix, the whole table's worth, before it can return one row.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use super::Conn;
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

#[derive(QueryableByName)]
struct Hit {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// Up to `limit` ids of reports matching `query` (from `fts_query`), in id order (descending when
/// `newest_first`), strictly after `after` in that order.
pub fn matching_ids(
    conn: &mut Conn,
    query: &str,
    after: Option<i64>,
    newest_first: bool,
    limit: i64,
) -> Result<Vec<i64>> {
    // FTS5 takes the rowid bound and the order itself, walking its postings from the cursor.
    let sql = if newest_first {
        "SELECT rowid AS id FROM reports_fts WHERE reports_fts MATCH ? AND rowid < ? \
         ORDER BY rowid DESC LIMIT ?"
    } else {
        "SELECT rowid AS id FROM reports_fts WHERE reports_fts MATCH ? AND rowid > ? \
         ORDER BY rowid ASC LIMIT ?"
    };
    let bound = after.unwrap_or(if newest_first { i64::MAX } else { i64::MIN });
    let hits: Vec<Hit> = diesel::sql_query(sql)
        .bind::<Text, _>(query)
        .bind::<BigInt, _>(bound)
        .bind::<BigInt, _>(limit)
        .load(conn)?;
    Ok(hits.into_iter().map(|h| h.id).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

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
