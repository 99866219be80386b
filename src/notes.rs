//! The stored correction note: its row, its kind and placement, and what makes a note live (not
//! retracted). Publishing and the public answers are `corrections`; this sits below reports,
//! anchoring and corrections, which all need to know which notes count.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::{AsExpression, FromSqlRow};
use serde::Serialize;

use crate::db::schema::{correction_notes, note_reports, note_versions};
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

/// The note's `wrong` and `right` as the standard sentence for its kind, the wording news
/// standards ask for ("An earlier version of this article misstated …. It is ….", for a
/// correction). `None` when the note has neither; either alone gives its half.
pub fn sentence(kind: NoteKind, wrong: Option<&str>, right: Option<&str>) -> Option<String> {
    let (said, now) = match kind {
        NoteKind::Correction => ("misstated", "It is"),
        NoteKind::Clarification => ("said", "To clarify, it is"),
        NoteKind::Update => ("said", "It has been updated to say"),
        NoteKind::EditorsNote => ("said", "It now says"),
    };
    let first = wrong.map(|w| format!("An earlier version of this article {said} {}", ended(w)));
    let second = right.map(|r| format!("{now} {}", ended(r)));
    match (first, second) {
        (None, None) => None,
        (Some(a), None) => Some(a),
        (None, Some(b)) => Some(b),
        (Some(a), Some(b)) => Some(format!("{a} {b}")),
    }
}

/// A phrase closed with a full stop, unless it ends with its own punctuation already.
fn ended(phrase: &str) -> String {
    let phrase = phrase.trim();
    if phrase.ends_with(['.', '!', '?', '…']) {
        phrase.to_owned()
    } else {
        format!("{phrase}.")
    }
}

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

    /// `live` or `retracted`, as the API and the embed say it.
    pub fn status(&self) -> &'static str {
        if self.is_live() {
            "live"
        } else {
            "retracted"
        }
    }

    /// The standard sentence of this note's `wrong` and `right` (see `sentence`).
    pub fn sentence(&self) -> Option<String> {
        sentence(self.kind, self.wrong.as_deref(), self.right_text.as_deref())
    }
}

/// One version of a note's text: the first as published, each later one made by an amendment
/// with its reason. Kept for ever; the note row holds the newest.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = note_versions)]
pub struct NoteVersion {
    pub note_id: i64,
    pub version: i64,
    pub kind: NoteKind,
    pub wrong: Option<String>,
    pub right_text: Option<String>,
    pub body_markdown: String,
    pub body_html: String,
    pub placement: NotePlacement,
    pub quote_exact: Option<String>,
    pub author_id: i64,
    /// When this version was published (the first) or made (an amendment).
    pub created_at: NaiveDateTime,
    /// Why this version replaced the one before; `None` for the first.
    pub reason: Option<String>,
}

/// Records the note's current text as its version `note.version`, with the reason it was made.
pub fn record_version(conn: &mut Conn, note: &Note, reason: Option<&str>) -> Result<()> {
    diesel::insert_into(note_versions::table)
        .values((
            note_versions::note_id.eq(note.id),
            note_versions::version.eq(note.version),
            note_versions::kind.eq(note.kind),
            note_versions::wrong.eq(&note.wrong),
            note_versions::right_text.eq(&note.right_text),
            note_versions::body_markdown.eq(&note.body_markdown),
            note_versions::body_html.eq(&note.body_html),
            note_versions::placement.eq(note.placement),
            note_versions::quote_exact.eq(&note.quote_exact),
            note_versions::author_id.eq(note.author_id),
            note_versions::created_at.eq(note.amended_at.unwrap_or(note.published_at)),
            note_versions::reason.eq(reason),
        ))
        .execute(conn)?;
    Ok(())
}

/// Every version of a note, oldest first.
pub fn versions(conn: &mut Conn, note_id: i64) -> Result<Vec<NoteVersion>> {
    Ok(note_versions::table
        .filter(note_versions::note_id.eq(note_id))
        .order(note_versions::version.asc())
        .select(NoteVersion::as_select())
        .load(conn)?)
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

    #[test]
    fn wrong_and_right_make_the_standard_sentence() {
        assert_eq!(
            sentence(
                NoteKind::Correction,
                Some("the bridge carries 14,000 vehicles a day"),
                Some("12,000 vehicles a day.")
            )
            .as_deref(),
            Some("An earlier version of this article misstated the bridge carries 14,000 vehicles a day. It is 12,000 vehicles a day.")
        );
        assert_eq!(
            sentence(NoteKind::Clarification, Some("the bond"), None).as_deref(),
            Some("An earlier version of this article said the bond.")
        );
        assert_eq!(
            sentence(NoteKind::Update, None, Some("the vote is on Friday")).as_deref(),
            Some("It has been updated to say the vote is on Friday.")
        );
        assert_eq!(sentence(NoteKind::EditorsNote, None, None), None);
        let kinds: std::collections::HashSet<_> = NoteKind::ALL
            .iter()
            .map(|k| sentence(*k, Some("a"), Some("b")))
            .collect();
        assert_eq!(
            kinds.len(),
            NoteKind::ALL.len(),
            "each kind words it its own way"
        );
    }
}
