//! An anchor's status and method: the names the engine decides and the `anchors` table stores.

use std::fmt;

use diesel::{AsExpression, FromSqlRow};
use serde::Serialize;

/// Where an anchor stands after a revision; stored as its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, AsExpression, FromSqlRow)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "snake_case")]
pub enum AnchorStatus {
    /// The passage's text is where the anchor says.
    Anchored,
    /// The passage was found, but its words have changed.
    Drifted,
    /// The passage was replaced by a published correction (set by the server).
    Corrected,
    /// Two places fit equally well; an editor must choose.
    Ambiguous,
    /// The passage could not be found; `now_reads` tells what the old span became.
    Orphaned,
}

impl AnchorStatus {
    /// Statuses under which an anchor's span is trusted: the words are there. (`ambiguous` and
    /// `orphaned` have no span.)
    pub const PLACED: [AnchorStatus; 3] = [
        AnchorStatus::Anchored,
        AnchorStatus::Drifted,
        AnchorStatus::Corrected,
    ];

    pub fn is_placed(self) -> bool {
        AnchorStatus::PLACED.contains(&self)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AnchorStatus::Anchored => "anchored",
            AnchorStatus::Drifted => "drifted",
            AnchorStatus::Corrected => "corrected",
            AnchorStatus::Ambiguous => "ambiguous",
            AnchorStatus::Orphaned => "orphaned",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "anchored" => AnchorStatus::Anchored,
            "drifted" => AnchorStatus::Drifted,
            "corrected" => AnchorStatus::Corrected,
            "ambiguous" => AnchorStatus::Ambiguous,
            "orphaned" => AnchorStatus::Orphaned,
            _ => return None,
        })
    }
}

impl fmt::Display for AnchorStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How an anchor was placed; stored as its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, AsExpression, FromSqlRow)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "snake_case")]
pub enum AnchorMethod {
    /// Located when the report was filed.
    Intake,
    /// The canonical text did not change.
    Unchanged,
    /// Shifted along an unchanged stretch of the diff.
    Diff,
    /// Found by the fuzzy search.
    Fuzzy,
    /// A moved paragraph or sentence, recognised by its own paragraph's context.
    Moved,
    /// Attached by an editor (set by the server).
    Manual,
    /// Where a published note's right words replaced the passage (set by the server).
    Correction,
    /// Not placed (orphaned).
    None,
}

impl AnchorMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            AnchorMethod::Intake => "intake",
            AnchorMethod::Unchanged => "unchanged",
            AnchorMethod::Diff => "diff",
            AnchorMethod::Fuzzy => "fuzzy",
            AnchorMethod::Moved => "moved",
            AnchorMethod::Manual => "manual",
            AnchorMethod::Correction => "correction",
            AnchorMethod::None => "none",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "intake" => AnchorMethod::Intake,
            "unchanged" => AnchorMethod::Unchanged,
            "diff" => AnchorMethod::Diff,
            "fuzzy" => AnchorMethod::Fuzzy,
            "moved" => AnchorMethod::Moved,
            "manual" => AnchorMethod::Manual,
            "correction" => AnchorMethod::Correction,
            "none" => AnchorMethod::None,
            _ => return None,
        })
    }
}

impl fmt::Display for AnchorMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

crate::stored_as_text!(AnchorStatus, "anchor status");
crate::stored_as_text!(AnchorMethod, "anchor method");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for s in [
            AnchorStatus::Anchored,
            AnchorStatus::Drifted,
            AnchorStatus::Corrected,
            AnchorStatus::Ambiguous,
            AnchorStatus::Orphaned,
        ] {
            assert_eq!(AnchorStatus::parse(s.as_str()), Some(s));
            assert_eq!(
                serde_json::to_value(s).ok(),
                Some(serde_json::json!(s.as_str()))
            );
        }
        assert!(AnchorStatus::Drifted.is_placed());
        assert!(!AnchorStatus::Ambiguous.is_placed());
        assert_eq!(
            AnchorMethod::parse("correction"),
            Some(AnchorMethod::Correction)
        );
    }
}
