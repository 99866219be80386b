//! The stored correction note: its row, its kind and placement, and what makes a note live (not
//! retracted). Publishing and the public answers are `corrections`; this sits below reports,
//! anchoring and corrections, which all need to know which notes count.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::{AsExpression, FromSqlRow};
use serde::Serialize;

use crate::db::schema::{correction_notes, note_reports};
use crate::db::Conn;
use crate::error::Result;

/// What a note is, as the newsroom labels it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, AsExpression, FromSqlRow)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "snake_case")]
pub enum NoteKind {
    Correction,
    Clarification,
    Update,
    EditorsNote,
}

impl NoteKind {
    pub const ALL: [NoteKind; 4] = [
        NoteKind::Correction,
        NoteKind::Clarification,
        NoteKind::Update,
        NoteKind::EditorsNote,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NoteKind::Correction => "correction",
            NoteKind::Clarification => "clarification",
            NoteKind::Update => "update",
            NoteKind::EditorsNote => "editors_note",
        }
    }

    pub fn parse(s: &str) -> Option<NoteKind> {
        NoteKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The kind as a reader reads it.
    pub fn label(self) -> &'static str {
        match self {
            NoteKind::Correction => "Correction",
            NoteKind::Clarification => "Clarification",
            NoteKind::Update => "Update",
            NoteKind::EditorsNote => "Editor's note",
        }
    }
}

crate::stored_as_text!(NoteKind, "note kind");

/// Where the embed shows a note: in the corrections box above or below the article.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, AsExpression, FromSqlRow)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "snake_case")]
pub enum NotePlacement {
    Top,
    #[default]
    Bottom,
}

impl NotePlacement {
    pub const ALL: [NotePlacement; 2] = [NotePlacement::Top, NotePlacement::Bottom];

    pub fn as_str(self) -> &'static str {
        match self {
            NotePlacement::Top => "top",
            NotePlacement::Bottom => "bottom",
        }
    }

    pub fn parse(s: &str) -> Option<NotePlacement> {
        NotePlacement::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

crate::stored_as_text!(NotePlacement, "note placement");

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = correction_notes)]
pub struct Note {
    pub id: i64,
    pub article_id: i64,
    pub kind: NoteKind,
    pub wrong: Option<String>,
    pub right_text: Option<String>,
    pub body_markdown: String,
    pub body_html: String,
    pub placement: NotePlacement,
    pub revision_id: i64,
    pub quote_exact: Option<String>,
    pub quote_prefix: Option<String>,
    pub quote_suffix: Option<String>,
    pub quote_start: Option<i64>,
    pub quote_end: Option<i64>,
    pub author_id: i64,
    pub version: i64,
    pub published_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub amended_at: Option<NaiveDateTime>,
    pub retracted_at: Option<NaiveDateTime>,
    pub retraction_reason: Option<String>,
}

impl Note {
    /// A note is live until it is retracted: only live notes are shown, resolve reports and
    /// follow the article's revisions. A retracted note is kept, never erased.
    pub fn is_live(&self) -> bool {
        self.retracted_at.is_none()
    }
}

/// `Note::is_live` as a query filter on `correction_notes`.
pub fn live() -> diesel::dsl::IsNull<correction_notes::retracted_at> {
    correction_notes::retracted_at.is_null()
}

/// Whether a live note resolves the report (which `corrected` and `clarified` stand on).
pub fn has_live_note(conn: &mut Conn, report_id: i64) -> Result<bool> {
    let n: i64 = note_reports::table
        .inner_join(correction_notes::table)
        .filter(note_reports::report_id.eq(report_id))
        .filter(live())
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_labels_differ() {
        for k in NoteKind::ALL {
            assert_eq!(NoteKind::parse(k.as_str()), Some(k));
            assert_eq!(
                serde_json::to_value(k).ok(),
                Some(serde_json::json!(k.as_str()))
            );
        }
        let labels: std::collections::HashSet<_> =
            NoteKind::ALL.iter().map(|k| k.label()).collect();
        assert_eq!(labels.len(), NoteKind::ALL.len());
        for p in NotePlacement::ALL {
            assert_eq!(NotePlacement::parse(p.as_str()), Some(p));
        }
        assert_eq!(NoteKind::parse("erratum"), None);
    }
}
