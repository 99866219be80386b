//! What re-anchoring answers: the anchor itself ([`Reanchored`]), with where it stands
//! ([`AnchorStatus`]) and how it was placed ([`AnchorMethod`]), both defined in `anchor_status`.

use serde::Serialize;

pub use crate::text::anchor_status::{AnchorMethod, AnchorStatus};
use crate::text::selector::TextQuote;

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
