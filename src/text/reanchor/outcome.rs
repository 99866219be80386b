//! What re-anchoring answers: where an anchor stands after a revision ([`AnchorStatus`]), how
//! it was placed ([`AnchorMethod`]), and the anchor itself ([`Reanchored`]).

use std::fmt;

use serde::Serialize;

use crate::text::selector::TextQuote;

/// Where an anchor stands after a revision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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
    /// The statuses under which an anchor's span is trusted: the words are there. (`ambiguous`
    /// and `orphaned` have no span.)
    pub const PLACED: [AnchorStatus; 3] = [
        AnchorStatus::Anchored,
        AnchorStatus::Drifted,
        AnchorStatus::Corrected,
    ];

    /// Whether an anchor with this status has a span whose words are surely there.
    pub fn has_place(self) -> bool {
        Self::PLACED.contains(&self)
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

/// How an anchor was placed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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

/// An anchor in the previous revision: its span and the quote selector stored for it.
#[derive(Debug, Clone, PartialEq)]
pub struct PriorAnchor {
    pub start: usize,
    pub end: usize,
    pub quote: TextQuote,
}

/// One place an ambiguous anchor could go.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    pub start: usize,
    pub end: usize,
    pub score: f64,
}

/// The anchor in the new revision.
///
/// `start`/`end` are the passage (the best candidate when ambiguous; `None` when orphaned).
/// `now_reads` is the text there, or for an orphan what the old span now reads according to the
/// diff ("" if it was deleted). `score` is 1.0 for unchanged, diff and moved anchors, the
/// candidate's score for fuzzy ones, and 0.0 for orphans. `candidates` is filled only when
/// ambiguous: every accepted passage within 0.01 of the best, best first.
#[derive(Debug, Clone, PartialEq)]
pub struct Reanchored {
    pub status: AnchorStatus,
    pub method: AnchorMethod,
    pub score: f64,
    pub start: Option<usize>,
    pub end: Option<usize>,
    pub now_reads: Option<String>,
    pub candidates: Vec<Candidate>,
}

impl Reanchored {
    /// The span to record: none when ambiguous, since taking either of two near-equal places
    /// would be a guess, and a wrong anchor is worse than none; an editor picks from the
    /// candidates.
    pub fn recorded_span(&self) -> Option<(usize, usize)> {
        if self.status == AnchorStatus::Ambiguous {
            return None;
        }
        self.start.zip(self.end)
    }

    /// What the old words now read, recorded only when the passage has no place.
    pub fn recorded_now_reads(&self) -> Option<&str> {
        self.now_reads
            .as_deref()
            .filter(|_| self.status == AnchorStatus::Orphaned)
    }

    /// The places to offer an editor: only an ambiguous anchor has them.
    pub fn recorded_candidates(&self) -> &[Candidate] {
        if self.status == AnchorStatus::Ambiguous {
            &self.candidates
        } else {
            &[]
        }
    }
}
