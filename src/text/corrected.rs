//! Passages put right by a published correction: when the words a report quoted changed because
//! a live correction note replaced them, the report is `corrected` where the note's right words
//! now stand, not lost. Where they stand is checked, never assumed.

use super::fold::fold;
use super::reanchor::{AnchorStatus, PriorAnchor, Reanchored};
use super::{cp_slice, locate};

/// How many code points of a passage's old context must survive beside the note's right words
/// when the engine found no place of its own: about two words, enough that a look-alike in
/// another sentence does not pass.
const NEED: usize = 12;

/// A live note's passage in the old revision and the words it put right.
#[derive(Debug, Clone, PartialEq)]
pub struct CorrectedSpan {
    pub start: usize,
    pub end: usize,
    pub right: String,
}

/// Where a passage put right by a note now stands, and how well the right words were found.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CorrectedPlace {
    pub start: usize,
    pub end: usize,
    pub score: f64,
}

/// When a passage whose words did not stay put (`result` is not `anchored`) overlapped the words
/// a live note corrected (`notes`, in the passage's own old revision) and the new text carries
/// the note's right words where they stood, the passage is `corrected` there. "Where they stood"
/// is checked, never assumed: the right words must overlap the engine's own place for the
/// passage, or, when the engine found none, sit against the passage's surviving context; a
/// look-alike elsewhere in the article proves nothing.
pub fn corrected_place(
    notes: &[CorrectedSpan],
    prior: &PriorAnchor,
    result: &Reanchored,
    new_text: &str,
) -> Option<CorrectedPlace> {
    if result.status == AnchorStatus::Anchored {
        return None;
    }
    let note = notes
        .iter()
        .find(|c| c.start < prior.end && prior.start < c.end)?;
    let found = locate(
        new_text,
        &note.right,
        Some(&prior.quote.prefix),
        Some(&prior.quote.suffix),
    )
    .ok()?;
    let (start, end) = match result.start.zip(result.end) {
        Some((s, e)) if s < found.end && found.start < e => (s.min(found.start), e.max(found.end)),
        Some(_) => return None,
        None if context_survives(new_text, found.start, found.end, prior) => {
            (found.start, found.end)
        }
        None => return None,
    };
    Some(CorrectedPlace {
        start,
        end,
        score: found.score,
    })
}

/// Whether the words just before `[start, end)` end the passage's old prefix, or the words just
/// after begin its old suffix ([`NEED`] code points, within the paragraph).
fn context_survives(new_text: &str, start: usize, end: usize, prior: &PriorAnchor) -> bool {
    let fold = |s: &str| fold(s).chars().collect::<Vec<char>>();
    let before: Vec<char> = fold(cp_slice(new_text, start.saturating_sub(NEED), start));
    let after: Vec<char> = fold(cp_slice(new_text, end, end + NEED));
    let prefix = fold(&prior.quote.prefix);
    let suffix = fold(&prior.quote.suffix);
    let tail = &prefix[prefix.len().saturating_sub(NEED)..];
    let head = &suffix[..suffix.len().min(NEED)];
    (!tail.is_empty() && before.ends_with(tail)) || (!head.is_empty() && after.starts_with(head))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::{quote_at, AnchorMethod};

    fn orphan() -> Reanchored {
        Reanchored {
            status: AnchorStatus::Orphaned,
            method: AnchorMethod::None,
            score: 0.0,
            start: None,
            end: None,
            now_reads: Some(String::new()),
            candidates: Vec::new(),
        }
    }

    const OLD: &str = "The bridge is closed to trucks since March. Cars may cross it.";

    fn prior_on_trucks() -> PriorAnchor {
        let start = OLD.find("trucks").expect("trucks in the fixture");
        PriorAnchor {
            start,
            end: start + 6,
            quote: quote_at(OLD, start, start + 6),
        }
    }

    fn note_on(prior: &PriorAnchor, right: &str) -> [CorrectedSpan; 1] {
        [CorrectedSpan {
            start: prior.start,
            end: prior.end,
            right: right.into(),
        }]
    }

    #[test]
    fn the_right_words_where_the_wrong_ones_stood_are_corrected() {
        let prior = prior_on_trucks();
        let new = "The bridge is closed to lorries since March. Cars may cross it.";
        let placed = corrected_place(&note_on(&prior, "lorries"), &prior, &orphan(), new)
            .expect("corrected");
        assert_eq!((placed.start, placed.end), (24, 31));
    }

    #[test]
    fn the_right_words_elsewhere_prove_nothing() {
        let prior = prior_on_trucks();
        // The sentence was rewritten; "lorries" appears only in an unrelated place.
        let new = "The bridge reopened in March. Lorries and lorries queue at the port.";
        assert!(corrected_place(&note_on(&prior, "lorries"), &prior, &orphan(), new).is_none());
    }

    #[test]
    fn a_report_away_from_the_corrected_words_is_left_to_the_engine() {
        let prior = prior_on_trucks();
        let notes = [CorrectedSpan {
            start: 0,
            end: 3,
            right: "A".into(),
        }];
        assert!(corrected_place(&notes, &prior, &orphan(), OLD).is_none());
    }

    #[test]
    fn an_anchored_passage_is_left_where_the_engine_put_it() {
        let prior = prior_on_trucks();
        let new = "The bridge is closed to lorries since March. Cars may cross it.";
        let anchored = Reanchored {
            status: AnchorStatus::Anchored,
            method: AnchorMethod::Diff,
            score: 1.0,
            start: Some(24),
            end: Some(31),
            now_reads: Some("lorries".into()),
            candidates: Vec::new(),
        };
        assert!(corrected_place(&note_on(&prior, "lorries"), &prior, &anchored, new).is_none());
        assert!(corrected_place(&note_on(&prior, "lorries"), &prior, &orphan(), new).is_some());
    }
}
