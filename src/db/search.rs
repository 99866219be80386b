//! Full-text search over reports (description, suggested correction, passage) through SQLite's
//! FTS5 index `reports_fts`, kept by triggers. The SQL lives here so another backend can answer
//! the same function with its own index.

use diesel::dsl::sql;
use diesel::expression::BoxableExpression;
use diesel::sql_types::{Bool, Text};
use diesel::sqlite::Sqlite;

use super::schema::reports;

/// The editor's words as an FTS5 query: each word quoted (so no word is read as an operator) and
/// matched as a prefix, all of them required. `None` when nothing searchable is left.
pub fn fts_query(words: &str) -> Option<String> {
    let terms: Vec<String> = words
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(16)
        .map(|w| format!("\"{w}\"*"))
        .collect();
    (!terms.is_empty()).then(|| terms.join(" "))
}

/// A filter on `reports` for rows matching `words`.
pub fn report_match(
    words: &str,
) -> Option<Box<dyn BoxableExpression<reports::table, Sqlite, SqlType = Bool>>> {
    let query = fts_query(words)?;
    Some(Box::new(
        sql::<Bool>("reports.id IN (SELECT rowid FROM reports_fts WHERE reports_fts MATCH ")
            .bind::<Text, _>(query)
            .sql(")"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_become_quoted_prefixes_and_operators_are_plain_words() {
        assert_eq!(
            fts_query("ferry  NOT \"pier\"").as_deref(),
            Some("\"ferry\"* \"NOT\"* \"pier\"*")
        );
        assert_eq!(fts_query("9,200").as_deref(), Some("\"9\"* \"200\"*"));
        assert_eq!(fts_query("  \"*()  "), None);
    }
}
