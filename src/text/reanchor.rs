//! Re-anchoring: carrying a report's passage from one revision of an article to the next.
//! Unchanged text keeps its offsets; a passage inside an unchanged stretch of the character
//! diff is shifted; anything else goes through a fuzzy search whose candidates must clear
//! fixed thresholds, because a wrong anchor is worse than an orphan that an editor re-attaches.

use std::ops::Range;

use serde::Serialize;

use super::anchor_status::{AnchorMethod, AnchorStatus};
use super::diff::{Alignment, DIFF_WORK};
use super::fold::{fold_chars, is_word_char};
use super::search::{
    accepted_passages, context_candidates, evaluate, paragraph_context_unchanged, quote_candidates,
    score, word_edge, Query, Scored,
};
use super::selector::{CharIndex, TextQuote, CONTEXT_LEN};

/// Two accepted passages whose scores are this close are indistinguishable.
const AMBIGUITY_MARGIN: f64 = 0.01;

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

/// The diff between two revisions, computed once and reused for every anchor on the article.
pub struct RevisionChange<'a> {
    identical: bool,
    old: Vec<char>,
    new: Vec<char>,
    new_text: CharIndex<'a>,
    alignment: Alignment,
}

impl<'a> RevisionChange<'a> {
    /// Prepares re-anchoring from canonical `old_text` to canonical `new_text`.
    pub fn new(old_text: &'a str, new_text: &'a str) -> Self {
        Self::with_diff_work(old_text, new_text, DIFF_WORK)
    }

    /// The same with a diff budget of `work` steps, so that tests reach the diff's fallback
    /// with small texts.
    fn with_diff_work(old_text: &'a str, new_text: &'a str, work: u64) -> Self {
        let identical = old_text == new_text;
        let old = fold_chars(old_text);
        let new = fold_chars(new_text);
        let alignment = if identical {
            Alignment::identity(old.len())
        } else {
            Alignment::new(&old, &new, work)
        };
        RevisionChange {
            identical,
            old,
            new,
            new_text: CharIndex::new(new_text),
            alignment,
        }
    }

    /// Places one anchor of the old revision in the new one.
    pub fn reanchor(&self, prior: &PriorAnchor) -> Reanchored {
        let (start, end) = (prior.start, prior.end);
        // Offsets that do not fit the old text cannot be shifted; the quote can still be found.
        let old_span = (start <= end && end <= self.old.len()).then_some(start..end);
        if let Some(span) = &old_span {
            if self.identical {
                return self.placed(
                    AnchorStatus::Anchored,
                    AnchorMethod::Unchanged,
                    1.0,
                    span.clone(),
                );
            }
            if let Some(new_start) = self.alignment.shift(span.start, span.end) {
                let moved = new_start..new_start + span.len();
                // Unchanged characters whose word grew ("Whitcomb" of "Whitcombe") are not the
                // passage: its ends must stay whole-word ends; the search snaps to the new word.
                if self.keeps_word_edges(span, &moved) && self.context_came_along(prior, &moved) {
                    return self.placed(AnchorStatus::Anchored, AnchorMethod::Diff, 1.0, moved);
                }
            }
        }
        self.search(prior, old_span)
    }

    /// The fuzzy search (spec steps a–f).
    fn search(&self, prior: &PriorAnchor, old_span: Option<Range<usize>>) -> Reanchored {
        let quote = fold_chars(&prior.quote.exact);
        // Stored context is at most CONTEXT_LEN long; a longer one is cut to that so that
        // comparing contexts stays cheap.
        let mut prefix = fold_chars(&prior.quote.prefix);
        prefix.drain(..prefix.len().saturating_sub(CONTEXT_LEN));
        let mut suffix = fold_chars(&prior.quote.suffix);
        suffix.truncate(CONTEXT_LEN);
        if quote.iter().all(|c| c.is_whitespace()) {
            return self.orphaned(old_span);
        }
        let mut query = Query::new(&quote, Some(&prefix), Some(&suffix));
        query.paragraphs = true;
        query.expected_start = Some(match &old_span {
            Some(span) => self.alignment.map_start(span.start),
            None => prior.start.min(self.new.len()),
        });
        // Where the old quote itself began or ended inside a word, that end stays where found.
        query.keep_start = matches!((prefix.last(), quote.first()),
            (Some(&a), Some(&b)) if is_word_char(a) && is_word_char(b));
        query.keep_end = matches!((quote.last(), suffix.first()),
            (Some(&a), Some(&b)) if is_word_char(a) && is_word_char(b));

        // a. Candidates from the quote and from the surviving context.
        let mut spans = quote_candidates(&self.new, &query);
        spans.extend(context_candidates(&self.new, &query));
        spans.sort_by_key(|s| (s.start, s.end));
        spans.dedup();
        // b. Text that was unchanged but stood elsewhere is another passage, never this one.
        if let Some(old) = &old_span {
            spans.retain(|s| {
                2 * self
                    .alignment
                    .unchanged_outside(s.start, s.end, old.clone())
                    <= s.len()
            });
        }
        // c, d. Whole words, scores, acceptance; overlapping candidates are one passage.
        let scored: Vec<Scored> = spans
            .iter()
            .map(|span| evaluate(&self.new, &query, span.clone()))
            .collect();
        let passages = accepted_passages(scored);

        let Some(best) = passages.first().copied() else {
            // e. A moved paragraph or sentence: its only exact copy, with its own paragraph's
            // context intact around it.
            let exact: Vec<&Range<usize>> = spans
                .iter()
                .filter(|s| self.new[s.start..s.end] == quote[..])
                .collect();
            if let [only] = exact[..] {
                if quote.len() >= CONTEXT_LEN
                    && paragraph_context_unchanged(&self.new, only.clone(), &prefix, &suffix)
                {
                    return self.placed(
                        AnchorStatus::Anchored,
                        AnchorMethod::Moved,
                        1.0,
                        only.clone(),
                    );
                }
            }
            // f. Nothing good enough.
            return self.orphaned(old_span);
        };
        let close: Vec<Candidate> = passages
            .iter()
            .take_while(|p| best.score - p.score <= AMBIGUITY_MARGIN)
            .map(|p| Candidate {
                start: p.start,
                end: p.end,
                score: p.score,
            })
            .collect();
        if close.len() > 1 {
            let mut ambiguous = self.placed(
                AnchorStatus::Ambiguous,
                AnchorMethod::Fuzzy,
                best.score,
                best.start..best.end,
            );
            ambiguous.candidates = close;
            return ambiguous;
        }
        let status = if self.new[best.start..best.end] == quote[..] {
            AnchorStatus::Anchored
        } else {
            AnchorStatus::Drifted
        };
        self.placed(
            status,
            AnchorMethod::Fuzzy,
            best.score,
            best.start..best.end,
        )
    }

    /// Whether each end of `moved` in the new text is a word edge wherever the same end of
    /// `span` was one in the old text (never between two letters or digits).
    /// A character diff can line up a few common letters ("the", "said") across a rewritten
    /// stretch; a shift is trusted only when the passage's context came along with it, by the
    /// same test the fuzzy search applies to a candidate's context.
    fn context_came_along(&self, prior: &PriorAnchor, moved: &Range<usize>) -> bool {
        let quote = fold_chars(&prior.quote.exact);
        let mut prefix = fold_chars(&prior.quote.prefix);
        prefix.drain(..prefix.len().saturating_sub(CONTEXT_LEN));
        let mut suffix = fold_chars(&prior.quote.suffix);
        suffix.truncate(CONTEXT_LEN);
        let mut query = Query::new(&quote, Some(&prefix), Some(&suffix));
        query.paragraphs = true;
        score(&self.new, &query, moved.start, moved.end).context_supports()
    }

    fn keeps_word_edges(&self, span: &Range<usize>, moved: &Range<usize>) -> bool {
        let edge = word_edge;
        (!edge(&self.old, span.start) || edge(&self.new, moved.start))
            && (!edge(&self.old, span.end) || edge(&self.new, moved.end))
    }

    fn placed(
        &self,
        status: AnchorStatus,
        method: AnchorMethod,
        score: f64,
        span: Range<usize>,
    ) -> Reanchored {
        Reanchored {
            status,
            method,
            score,
            start: Some(span.start),
            end: Some(span.end),
            now_reads: Some(self.new_text.slice(span.start, span.end).to_owned()),
            candidates: Vec::new(),
        }
    }

    /// An orphan, with what its old span now reads according to the diff.
    fn orphaned(&self, old_span: Option<Range<usize>>) -> Reanchored {
        let now_reads = old_span.map(|span| {
            let start = self.alignment.map_start(span.start);
            let end = self.alignment.map_end(span.end).max(start);
            self.new_text.slice(start, end).to_owned()
        });
        Reanchored {
            status: AnchorStatus::Orphaned,
            method: AnchorMethod::None,
            score: 0.0,
            start: None,
            end: None,
            now_reads: Some(now_reads.unwrap_or_default()),
            candidates: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::tests_support::{r1, R1_PARAGRAPHS};
    use crate::text::{canonical_from_text, cp_slice, quote_at};
    use proptest::prelude::*;

    fn prior(text: &str, start: usize, end: usize) -> PriorAnchor {
        PriorAnchor {
            start,
            end,
            quote: quote_at(text, start, end),
        }
    }

    fn reanchor(old: &str, new: &str, start: usize, end: usize) -> Reanchored {
        RevisionChange::new(old, new).reanchor(&prior(old, start, end))
    }

    fn span_of(text: &str, needle: &str) -> (usize, usize) {
        let byte = text.find(needle).expect("needle in text");
        let start = text[..byte].chars().count();
        (start, start + needle.chars().count())
    }

    fn paragraphs(ps: &[&str]) -> String {
        ps.join("\n\n")
    }

    fn assert_at(result: &Reanchored, status: AnchorStatus, start: usize, end: usize) {
        assert_eq!(result.status, status, "{result:?}");
        assert_eq!(
            (result.start, result.end),
            (Some(start), Some(end)),
            "{result:?}"
        );
    }

    #[test]
    fn a_deleted_sentence_does_not_move_to_the_next_with_the_same_opening() {
        let old = "Whitcomb said the bond would pay for the bridge. Whitcomb said the bond would not raise taxes.";
        let new = "Whitcomb said the bond would not raise taxes.";
        for (start, end) in [(0, 13), (0, 32), (0, 49)] {
            let result = reanchor(old, new, start, end);
            assert_eq!(result.status, AnchorStatus::Orphaned, "{result:?}");
        }
        // The surviving sentence keeps its anchor.
        let result = reanchor(old, new, 49, 94);
        assert_at(&result, AnchorStatus::Anchored, 0, 45);
        assert_eq!(result.method, AnchorMethod::Diff);
    }

    #[test]
    fn a_sentence_deleted_mid_paragraph_does_not_move_to_the_next_with_the_same_opening() {
        let old = "Repairs are expected to take 18 months. The city council voted 6-3 to approve. The city council voted 5-4 to delay.";
        let new = "Repairs are expected to take 18 months. The city council voted 5-4 to delay.";
        let deleted = "The city council voted 6-3 to approve.";
        let (s, _) = span_of(old, deleted);
        for quote in ["The city council voted", "city council", deleted] {
            let (start, end) = span_of(&old[old.find(deleted).unwrap()..], quote);
            let result = reanchor(old, new, s + start, s + end);
            assert_eq!(
                result.status,
                AnchorStatus::Orphaned,
                "{quote:?}: {result:?}"
            );
        }
        // The surviving sentences keep their anchors, whole.
        let (s, e) = span_of(old, "The city council voted 5-4 to delay.");
        let result = reanchor(old, new, s, e);
        assert_at(&result, AnchorStatus::Anchored, 40, 76);
        assert_eq!(result.method, AnchorMethod::Diff);
        let result = reanchor(old, new, 0, 39);
        assert_at(&result, AnchorStatus::Anchored, 0, 39);
    }

    #[test]
    fn a_sentence_deleted_between_two_with_the_same_ending_moves_no_other_quote() {
        let old = "\"We need the money,\" Ortega said. Ortega said it was fine. \"We can wait,\" Ortega said.";
        let new = "\"We need the money,\" Ortega said. \"We can wait,\" Ortega said.";
        // The deleted sentence's words are gone, not moved onto a neighbour's.
        let (s, e) = span_of(old, "Ortega said it was fine.");
        for (start, end) in [(s, e), (s, s + 11), (s, s + 6)] {
            let result = reanchor(old, new, start, end);
            assert_eq!(result.status, AnchorStatus::Orphaned, "{result:?}");
        }
        // The neighbours' own "Ortega said." stay where they were.
        let (s, e) = span_of(old, "Ortega said.");
        let result = reanchor(old, new, s, e);
        assert_at(&result, AnchorStatus::Anchored, s, e);
        assert_eq!(result.method, AnchorMethod::Diff);
        let result = reanchor(old, new, 0, e);
        assert_at(&result, AnchorStatus::Anchored, 0, e);
        let (s, e) = (old.len() - 12, old.len());
        let result = reanchor(old, new, s, e);
        assert_at(&result, AnchorStatus::Anchored, new.len() - 12, new.len());
        assert_eq!(result.method, AnchorMethod::Diff);
        let (s, e) = span_of(old, "\"We can wait,\" Ortega said.");
        let result = reanchor(old, new, s, e);
        assert_at(&result, AnchorStatus::Anchored, s - 25, e - 25);
    }

    #[test]
    fn a_diff_shift_that_would_cut_a_lengthened_word_drifts_to_the_whole_word() {
        let old = r1();
        let new = old.replace("Dana Whitcomb", "Dana Whitcombe");
        let result = reanchor(&old, &new, 179, 187);
        assert_at(&result, AnchorStatus::Drifted, 179, 188);
        assert_eq!(result.now_reads.as_deref(), Some("Whitcombe"));
        // A quote that itself cut the word may still be shifted.
        let result = reanchor(&old, &new, 179, 185);
        assert_at(&result, AnchorStatus::Anchored, 179, 185);
        assert_eq!(result.method, AnchorMethod::Diff);
    }

    // ----- The examples from the issue -----

    #[test]
    fn r1_is_793_code_points() {
        let text = r1();
        assert_eq!(crate::text::cp_len(&text), 793);
        assert_ne!(text.len(), 793, "byte offsets differ after the em dash");
        assert_eq!(cp_slice(&text, 497, 526), "roughly 14,000 vehicles a day");
    }

    #[test]
    fn example_paragraph_inserted_before_shifts_the_anchor() {
        let old = r1();
        let p = R1_PARAGRAPHS;
        let inserted = "The bond will be repaid over 20 years through a property tax levy approved by voters in 2019.";
        let new = paragraphs(&[p[0], inserted, p[1], p[2], p[3], p[4], p[5]]);
        let result = reanchor(&old, &new, 497, 526);
        assert_at(&result, AnchorStatus::Anchored, 592, 621);
        assert_eq!(result.method, AnchorMethod::Diff);
        assert_eq!(result.score, 1.0);
        assert_eq!(
            result.now_reads.as_deref(),
            Some("roughly 14,000 vehicles a day")
        );
    }

    #[test]
    fn example_typo_fixed_before_the_quote_shifts_it_by_one() {
        let old = r1();
        let new = old.replace("Tusday", "Tuesday");
        let result = reanchor(&old, &new, 50, 79);
        assert_at(&result, AnchorStatus::Anchored, 51, 80);
        assert_eq!(result.method, AnchorMethod::Diff);
    }

    #[test]
    fn example_renamed_person_orphans_instead_of_jumping() {
        let old = r1();
        let new = old.replace("Luis Ortega", "Luis Ortiz");
        assert!(new.contains("Ortega said"));
        let result = reanchor(&old, &new, 312, 318);
        assert_eq!(result.status, AnchorStatus::Orphaned, "{result:?}");
        assert_eq!(result.method, AnchorMethod::None);
        assert_eq!((result.start, result.end), (None, None));
        assert_eq!(result.now_reads.as_deref(), Some("Ortiz"));
    }

    #[test]
    fn example_moved_paragraph_is_followed() {
        let old = r1();
        let p = R1_PARAGRAPHS;
        let new = paragraphs(&[p[0], p[3], p[1], p[2], p[4], p[5]]);
        let result = reanchor(&old, &new, 478, 587);
        assert_at(&result, AnchorStatus::Anchored, 168, 277);
        // Found by the search (d): a whole paragraph whose edges are paragraph edges again.
        assert_eq!(result.method, AnchorMethod::Fuzzy);
    }

    #[test]
    fn a_moved_and_edited_paragraph_drifts_with_it() {
        let old = r1();
        let p = R1_PARAGRAPHS;
        let edited = p[3].replace("2022", "2021");
        let new = paragraphs(&[p[0], &edited, p[1], p[2], p[4], p[5]]);
        let result = reanchor(&old, &new, 478, 587);
        assert_at(&result, AnchorStatus::Drifted, 168, 277);
    }

    #[test]
    fn example_whitespace_only_changes_keep_the_offsets() {
        let p = R1_PARAGRAPHS;
        let old = canonical_from_text(&p.join("\n\n"));
        let messy = p
            .iter()
            .map(|para| {
                para.replace(" the ", "  the\u{a0}")
                    .replace("Street ", "Street\n")
            })
            .collect::<Vec<_>>()
            .join("\n \n\n");
        let new = canonical_from_text(&messy);
        assert_eq!(old, new);
        let result = reanchor(&old, &new, 99, 120);
        assert_at(&result, AnchorStatus::Anchored, 99, 120);
        assert_eq!(result.method, AnchorMethod::Unchanged);
    }

    // ----- Edits around the quote -----

    #[test]
    fn edits_before_and_after_the_quote_shift_it() {
        let old = r1();
        let (s, e) = span_of(&old, "a public hearing");
        let new = old
            .replace("HARBORVIEW", "HARBORVIEW, Ore.")
            .replace("May 7.", "May 7 at City Hall.");
        let result = reanchor(&old, &new, s, e);
        let (ns, ne) = span_of(&new, "a public hearing");
        assert_at(&result, AnchorStatus::Anchored, ns, ne);
        assert_eq!(result.method, AnchorMethod::Diff);
    }

    #[test]
    fn a_word_changed_inside_a_long_quote_drifts_at_the_right_words() {
        let old = r1();
        let quote =
            "During that time, the bridge will remain open to passanger cars but closed to trucks.";
        let (s, e) = span_of(&old, quote);
        let new = old.replace("will remain open", "will stay open");
        let result = reanchor(&old, &new, s, e);
        let (ns, ne) = span_of(
            &new,
            "During that time, the bridge will stay open to passanger cars but closed to trucks.",
        );
        assert_at(&result, AnchorStatus::Drifted, ns, ne);
        assert_eq!(result.method, AnchorMethod::Fuzzy);
        assert!(result.score >= 0.75 && result.score < 1.0);
    }

    #[test]
    fn a_fixed_typo_inside_the_quote_drifts() {
        let old = r1();
        let (s, e) = span_of(&old, "open to passanger cars");
        let new = old.replace("passanger", "passenger");
        let result = reanchor(&old, &new, s, e);
        assert_at(&result, AnchorStatus::Drifted, s, e);
        assert_eq!(result.now_reads.as_deref(), Some("open to passenger cars"));
    }

    #[test]
    fn typographic_changes_inside_the_quote_stay_anchored() {
        let old = r1();
        let quote = "called the vote \"a long-overdue investment\"";
        let (s, e) = span_of(&old, quote);
        let new = old.replace(
            quote,
            "called the vote \u{201C}a long\u{2010}overdue investment\u{201D}",
        );
        let result = reanchor(&old, &new, s, e);
        assert_at(&result, AnchorStatus::Anchored, s, e);
        // The diff compares folded text, where nothing changed.
        assert_eq!(result.method, AnchorMethod::Diff);
    }

    #[test]
    fn a_rewritten_sentence_orphans_with_what_it_now_reads() {
        let old = r1();
        let quote = "Repairs are expected to take 18 months.";
        let (s, e) = span_of(&old, quote);
        let new = old.replace(quote, "Work should wrap up by late next year.");
        let result = reanchor(&old, &new, s, e);
        assert_eq!(result.status, AnchorStatus::Orphaned, "{result:?}");
        assert_eq!(
            result.now_reads.as_deref(),
            Some("Work should wrap up by late next year.")
        );
    }

    #[test]
    fn a_deleted_paragraph_orphans_with_nothing_left() {
        let old = r1();
        let p = R1_PARAGRAPHS;
        let new = paragraphs(&[p[0], p[1], p[3], p[4], p[5]]);
        for quote in ["Ortega", "matching funds from the state", p[2]] {
            let (s, e) = span_of(&old, quote);
            let result = reanchor(&old, &new, s, e);
            assert_eq!(result.status, AnchorStatus::Orphaned, "{quote}: {result:?}");
            assert_eq!(result.now_reads.as_deref(), Some(""), "{quote}");
        }
    }

    #[test]
    fn a_repeated_phrase_never_jumps_to_the_other_occurrence() {
        let old = r1();
        // "closed to trucks" is in P1 and P5; P5's is quoted and then rewritten.
        let (s, e) = span_of(&old, "but closed to trucks");
        let (s, e) = (s + 4, e);
        assert_eq!(cp_slice(&old, s, e), "closed to trucks");
        let new = old.replace("but closed to trucks.", "but closed to heavy lorries.");
        let result = reanchor(&old, &new, s, e);
        assert_eq!(result.status, AnchorStatus::Orphaned, "{result:?}");
        assert_eq!(result.now_reads.as_deref(), Some("closed to heavy lorries"));
        // Deleting P5 altogether: still an orphan, never P1's phrase.
        let p = R1_PARAGRAPHS;
        let new = paragraphs(&[p[0], p[1], p[2], p[3], p[5]]);
        let result = reanchor(&old, &new, s, e);
        assert_eq!(result.status, AnchorStatus::Orphaned, "{result:?}");
        assert_eq!(result.now_reads.as_deref(), Some(""));
    }

    #[test]
    fn a_repeated_phrase_follows_its_context() {
        let old = paragraphs(&[
            "The mayor said the plan was sound. Critics disagreed.",
            "Later the mayor said the plan was sound, again.",
        ]);
        let (s, e) = span_of(&old, "Critics disagreed.");
        let (s, e) = (s - 20, e);
        assert_eq!(
            cp_slice(&old, s, e),
            "the plan was sound. Critics disagreed."
        );
        // The quoted sentence changes slightly; the other occurrence of "the plan was sound" is
        // unchanged elsewhere.
        let new = old.replace("Critics disagreed.", "Critics strongly disagreed.");
        let result = reanchor(&old, &new, s, e);
        let (ns, ne) = span_of(&new, "the plan was sound. Critics strongly disagreed.");
        assert_at(&result, AnchorStatus::Drifted, ns, ne);
    }

    #[test]
    fn two_equal_new_homes_are_ambiguous() {
        let filler = "Unrelated opening paragraph about the weather and the tides.";
        let old = paragraphs(&[
            filler,
            "The council approved the budget on Monday after a long debate.",
            "Closing paragraph with other news.",
        ]);
        let (s, e) = span_of(&old, "approved the budget on Monday");
        let new = paragraphs(&[
            filler,
            "The council approved the budget on Tuesday after a long debate.",
            "The council approved the budget on Tuesday after a long debate.",
            "Closing paragraph with other news.",
        ]);
        let result = reanchor(&old, &new, s, e);
        assert_eq!(result.status, AnchorStatus::Ambiguous, "{result:?}");
        assert_eq!(result.candidates.len(), 2);
        let first = span_of(&new, "approved the budget on Tuesday");
        assert_eq!((result.start, result.end), (Some(first.0), Some(first.1)));
        assert_eq!(result.candidates[0].start, first.0);
        assert!(result.candidates[1].start > first.1);
        assert!(result.candidates[0].score - result.candidates[1].score <= 0.01);
    }

    #[test]
    fn a_short_quote_among_hundreds_of_copies_is_still_found() {
        let mut ps = vec!["The council met."; 300];
        ps.push("Finally the council voted.");
        let old = paragraphs(&ps);
        let (s, e) = span_of(&old, "the council voted");
        let (s, e) = (s + 4, e - 6);
        assert_eq!(cp_slice(&old, s, e), "council");
        let new = old.replace("the council voted", "the Council voted");
        let result = reanchor(&old, &new, s, e);
        assert_at(&result, AnchorStatus::Drifted, s, e);
        // Deleted instead: hundreds of exact copies elsewhere, and still no jump.
        let new = old.replace("Finally the council voted.", "Finally a vote.");
        let result = reanchor(&old, &new, s, e);
        assert_eq!(result.status, AnchorStatus::Orphaned, "{result:?}");
    }

    #[test]
    fn a_quote_that_cut_a_word_keeps_that_end() {
        let old = r1();
        // The reader selected from the middle of "bridge".
        let (s, e) = span_of(&old, "ridge will remain open to passanger cars");
        let new = old.replace("passanger", "passenger");
        let result = reanchor(&old, &new, s, e);
        assert_at(&result, AnchorStatus::Drifted, s, e);
        assert_eq!(
            result.now_reads.as_deref(),
            Some("ridge will remain open to passenger cars")
        );
    }

    // ----- Sizes and places -----

    #[test]
    fn a_one_word_quote() {
        let old = r1();
        let (s, e) = span_of(&old, "Whitcomb");
        let new = old.replace("next spring", "next summer");
        assert_at(&reanchor(&old, &new, s, e), AnchorStatus::Anchored, s, e);
        let new = old.replace("Mayor Dana Whitcomb", "Mayor Dana Whitcom");
        let result = reanchor(&old, &new, s, e);
        assert_at(&result, AnchorStatus::Drifted, s, e - 1);
    }

    #[test]
    fn a_three_paragraph_quote() {
        let old = r1();
        let p = R1_PARAGRAPHS;
        let quote = paragraphs(&[p[1], p[2], p[3]]);
        let (s, e) = span_of(&old, &quote);
        let new = old.replace("Tusday", "Tuesday");
        assert_at(
            &reanchor(&old, &new, s, e),
            AnchorStatus::Anchored,
            s + 1,
            e + 1,
        );
        // An edit inside the middle paragraph: the same three paragraphs, drifted.
        let new = old.replace("had not secured", "has yet to secure");
        let result = reanchor(&old, &new, s, e);
        let new_quote = quote.replace("had not secured", "has yet to secure");
        let (ns, ne) = span_of(&new, &new_quote);
        assert_at(&result, AnchorStatus::Drifted, ns, ne);
    }

    #[test]
    fn quotes_at_the_very_start_and_end_of_the_text() {
        let old = r1();
        let (s, e) = span_of(&old, "HARBORVIEW");
        assert_eq!(s, 0);
        let new = old.replace("HARBORVIEW", "HARBOURVIEW");
        assert_at(&reanchor(&old, &new, s, e), AnchorStatus::Drifted, 0, 11);
        let new = format!("Editor's note: updated.\n\n{old}");
        assert_at(&reanchor(&old, &new, s, e), AnchorStatus::Anchored, 25, 35);

        let (s, e) = span_of(&old, "on May 7.");
        assert_eq!(e, 793);
        let new = old.replace("May 7.", "May 8.");
        let result = reanchor(&old, &new, s, e);
        assert_at(&result, AnchorStatus::Drifted, s, e);
        let new = format!("{old}\n\nThis story has been updated.");
        assert_at(&reanchor(&old, &new, s, e), AnchorStatus::Anchored, s, e);
    }

    #[test]
    fn non_latin_scripts_and_emoji() {
        let old = paragraphs(&[
            "Η Βουλή ενέκρινε τον προϋπολογισμό με 160 ψήφους την Τρίτη.",
            "東京都議会は火曜日に予算案を可決した。反対は十二票だった。",
            "وافق المجلس على الميزانية يوم الثلاثاء بأغلبية كبيرة 🎉 بعد نقاش طويل.",
        ]);
        let new = old
            .replace("160", "162")
            .replace("十二票", "十三票")
            .replace("يوم الثلاثاء", "يوم الأربعاء");
        for (quote, new_quote, status) in [
            (
                "ενέκρινε τον προϋπολογισμό",
                "ενέκρινε τον προϋπολογισμό",
                AnchorStatus::Anchored,
            ),
            (
                "με 160 ψήφους την Τρίτη",
                "με 162 ψήφους την Τρίτη",
                AnchorStatus::Drifted,
            ),
            (
                "予算案を可決した",
                "予算案を可決した",
                AnchorStatus::Anchored,
            ),
            (
                "反対は十二票だった",
                "反対は十三票だった",
                AnchorStatus::Drifted,
            ),
            (
                "بأغلبية كبيرة 🎉 بعد نقاش",
                "بأغلبية كبيرة 🎉 بعد نقاش",
                AnchorStatus::Anchored,
            ),
        ] {
            let (s, e) = span_of(&old, quote);
            let (ns, ne) = span_of(&new, new_quote);
            let result = reanchor(&old, &new, s, e);
            assert_at(&result, status, ns, ne);
            assert_eq!(result.now_reads.as_deref(), Some(new_quote));
        }
    }

    #[test]
    fn emoji_before_the_quote_count_as_one_code_point() {
        let old = "Fans cheered 🎉🎉 as the team won the final on Sunday.";
        let new = "Fans cheered 🎉🎉🎉 as the team won the final on Sunday.";
        let (s, e) = span_of(old, "won the final");
        assert_eq!(s, 28);
        assert_at(&reanchor(old, new, s, e), AnchorStatus::Anchored, 29, 42);
    }

    // ----- Robustness -----

    #[test]
    fn offsets_that_do_not_fit_the_old_text_fall_back_to_the_quote() {
        let old = r1();
        let mut stale = prior(&old, 497, 526);
        stale.start = 5_000;
        stale.end = 5_029;
        let result = RevisionChange::new(&old, &old).reanchor(&stale);
        assert_at(&result, AnchorStatus::Anchored, 497, 526);
        assert_eq!(result.method, AnchorMethod::Fuzzy);
    }

    #[test]
    fn empty_quotes_and_texts_do_not_panic() {
        let old = r1();
        let empty = PriorAnchor {
            start: 10,
            end: 10,
            quote: quote_at(&old, 10, 10),
        };
        let change = RevisionChange::new(&old, "");
        let result = change.reanchor(&empty);
        assert_eq!(result.status, AnchorStatus::Orphaned);
        let result = change.reanchor(&prior(&old, 497, 526));
        assert_eq!(result.status, AnchorStatus::Orphaned);
        assert_eq!(result.now_reads.as_deref(), Some(""));
        let result = RevisionChange::new("", &old).reanchor(&prior("", 0, 0));
        assert_eq!(result.status, AnchorStatus::Orphaned);
        let reversed = PriorAnchor {
            start: 30,
            end: 20,
            quote: quote_at(&old, 20, 30),
        };
        let _ = RevisionChange::new(&old, &old.replace("Tusday", "Tuesday")).reanchor(&reversed);
    }

    #[test]
    fn status_and_method_names_round_trip() {
        for status in [
            AnchorStatus::Anchored,
            AnchorStatus::Drifted,
            AnchorStatus::Corrected,
            AnchorStatus::Ambiguous,
            AnchorStatus::Orphaned,
        ] {
            assert_eq!(AnchorStatus::parse(status.as_str()), Some(status));
        }
        for method in [
            AnchorMethod::Intake,
            AnchorMethod::Unchanged,
            AnchorMethod::Diff,
            AnchorMethod::Fuzzy,
            AnchorMethod::Moved,
            AnchorMethod::Manual,
            AnchorMethod::None,
        ] {
            assert_eq!(AnchorMethod::parse(method.as_str()), Some(method));
        }
        assert_eq!(AnchorStatus::parse("lost"), None);
        assert_eq!(AnchorMethod::parse(""), None);
    }

    // ----- Property: edits away from the quote never move it to other words -----

    const WORDS: &[&str] = &[
        "the",
        "council",
        "voted",
        "bridge",
        "city",
        "mayor",
        "said",
        "on",
        "a",
        "to",
        "of",
        "budget",
        "repairs",
        "Tuesday",
        "roughly",
        "vehicles",
        "café",
        "naïve",
        "Ωμέγα",
        "東京",
        "🎉",
        "—",
        "\"quoted\"",
        "42",
        "it's",
        "state.",
        "funds,",
        "and",
    ];

    fn text_from(words: &[Vec<usize>]) -> String {
        words
            .iter()
            .map(|p| p.iter().map(|&w| WORDS[w]).collect::<Vec<_>>().join(" "))
            .collect::<Vec<_>>()
            .join("\n\n")
    }

    /// Applies an edit (insert, delete or replace, at a relative position) to `part`.
    fn edit(part: &str, kind: u8, at: f64, len: usize, insert: &[usize]) -> String {
        let chars: Vec<char> = part.chars().collect();
        let at = ((chars.len() as f64) * at) as usize;
        let end = (at + len).min(chars.len());
        let inserted: String = insert.iter().map(|&w| format!("{} ", WORDS[w])).collect();
        let (keep_from, text) = match kind % 3 {
            0 => (at, inserted),
            1 => (end, String::new()),
            _ => (end, inserted),
        };
        chars[..at].iter().collect::<String>()
            + &text
            + &chars[keep_from..].iter().collect::<String>()
    }

    proptest! {
        #![proptest_config(crate::text::tests_support::proptest_config())]
        #[test]
        fn edits_away_from_the_quote_keep_it(
            paras in prop::collection::vec(prop::collection::vec(0..WORDS.len(), 3..25), 2..7),
            pick in (0.0..1.0f64, 0.0..1.0f64, 1usize..8),
            edits in prop::collection::vec(
                (any::<bool>(), any::<u8>(), 0.0..1.0f64, 0usize..40,
                 prop::collection::vec(0..WORDS.len(), 0..8)),
                1..4),
        ) {
            let old = text_from(&paras);
            // The quote: a run of whole words in one paragraph.
            let p = ((paras.len() as f64) * pick.0) as usize;
            let first = ((paras[p].len() as f64) * pick.1) as usize;
            let count = pick.2.min(paras[p].len() - first);
            let before = text_from(&paras[..p]);
            let para_start = if p == 0 { 0 } else { before.chars().count() + 2 };
            let words: Vec<&str> = paras[p].iter().map(|&w| WORDS[w]).collect();
            let lead: usize = words[..first].iter().map(|w| w.chars().count() + 1).sum();
            let quote_len = words[first..first + count].join(" ").chars().count();
            let (s, e) = (para_start + lead, para_start + lead + quote_len);
            let old_chars: Vec<char> = old.chars().collect();
            // Protected: the quote and its context.
            let guard_start = s.saturating_sub(CONTEXT_LEN + 1);
            let guard_end = (e + CONTEXT_LEN + 1).min(old_chars.len());
            let mut head: String = old_chars[..guard_start].iter().collect();
            let middle: String = old_chars[guard_start..guard_end].iter().collect();
            let mut tail: String = old_chars[guard_end..].iter().collect();
            // The start and end of the text are context too: a side that reaches them stays.
            let (head_free, tail_free) = (guard_start > 0, guard_end < old_chars.len());
            for (in_head, kind, at, len, insert) in &edits {
                if *in_head && head_free {
                    head = edit(&head, *kind, *at, *len, insert);
                } else if !*in_head && tail_free {
                    tail = edit(&tail, *kind, *at, *len, insert);
                }
            }
            let new = format!("{head}{middle}{tail}");
            let shift = head.chars().count() as isize - guard_start as isize;
            let (ns, ne) = ((s as isize + shift) as usize, (e as isize + shift) as usize);
            let result = reanchor(&old, &new, s, e);
            prop_assert_eq!(result.status, AnchorStatus::Anchored, "{:?}\nold: {:?}\nnew: {:?}\nquote {}..{} {:?}", result, old, new, s, e, cp_slice(&old, s, e));
            prop_assert_eq!((result.start, result.end), (Some(ns), Some(ne)), "{:?}\nold: {:?}\nnew: {:?}", result, old, new);
        }
    }

    proptest! {
        #![proptest_config(crate::text::tests_support::proptest_config())]
        /// A quote whose words are replaced by unrelated ones (or deleted) is orphaned with what
        /// replaced it, and never lands anywhere else, however often its words occur.
        #[test]
        fn a_replaced_quote_never_lands_elsewhere(
            paras in prop::collection::vec(prop::collection::vec(0usize..60, 3..25), 2..7),
            pick in (0.0..1.0f64, 0.0..1.0f64, 1usize..8),
            replacement in prop::collection::vec("[α-ω]{1,8}", 0..6),
        ) {
            let word = |n: &usize| format!("w{n}");
            let para_text: Vec<String> = paras
                .iter()
                .map(|p| p.iter().map(word).collect::<Vec<_>>().join(" "))
                .collect();
            let old = para_text.join("\n\n");
            let p = ((paras.len() as f64) * pick.0) as usize;
            let first = ((paras[p].len() as f64) * pick.1) as usize;
            let count = pick.2.min(paras[p].len() - first);
            let before: usize = para_text[..p].iter().map(|t| t.chars().count() + 2).sum();
            let lead: usize = paras[p][..first].iter().map(|w| word(w).len() + 1).sum();
            let quote: Vec<String> = paras[p][first..first + count].iter().map(word).collect();
            let (s, e) = (before + lead, before + lead + quote.join(" ").len());
            prop_assert_eq!(cp_slice(&old, s, e), quote.join(" "));
            let inserted = replacement.join(" ");
            let new = format!("{}{}{}", cp_slice(&old, 0, s), inserted, cp_slice(&old, e, usize::MAX));
            let result = reanchor(&old, &new, s, e);
            prop_assert_eq!(result.status, AnchorStatus::Orphaned, "{:?}\nold: {:?}\nnew: {:?}", result, old, new);
            let now_reads = result.now_reads.unwrap_or_default();
            prop_assert_eq!(now_reads.trim(), inserted.trim());
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: 8,
            ..crate::text::tests_support::proptest_config()
        })]
        /// Re-anchoring is a function of the two revisions alone: threads competing with busy
        /// loops for the processor all give the first answers, with the full diff budget and with
        /// budgets so small that the diff falls back to unique tokens.
        #[test]
        fn the_same_revisions_give_the_same_anchors_under_load(
            paras in prop::collection::vec(prop::collection::vec(0..WORDS.len(), 3..25), 2..7),
            edits in prop::collection::vec(
                (any::<u8>(), 0.0..1.0f64, 0usize..40, prop::collection::vec(0..WORDS.len(), 0..8)),
                1..4),
            spans in prop::collection::vec((0.0..1.0f64, 1usize..60), 1..6),
            work in prop::sample::select(vec![0u64, 60, 600, 6_000, DIFF_WORK]),
        ) {
            let old = text_from(&paras);
            let mut new = old.clone();
            for (kind, at, len, insert) in &edits {
                new = edit(&new, *kind, *at, *len, insert);
            }
            let len = old.chars().count();
            let priors: Vec<PriorAnchor> = spans
                .iter()
                .map(|&(at, n)| {
                    let start = (len as f64 * at) as usize;
                    prior(&old, start, (start + n).min(len))
                })
                .collect();
            let answers = || {
                let change = RevisionChange::with_diff_work(&old, &new, work);
                priors.iter().map(|p| change.reanchor(p)).collect::<Vec<_>>()
            };
            let first = answers();
            let stop = std::sync::atomic::AtomicBool::new(false);
            let again: Vec<Vec<Reanchored>> = std::thread::scope(|scope| {
                for _ in 0..2 {
                    scope.spawn(|| {
                        let mut spin = 0u64;
                        while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                            spin = std::hint::black_box(spin.wrapping_add(1));
                        }
                    });
                }
                let workers: Vec<_> = (0..3)
                    .map(|_| scope.spawn(|| (0..4).map(|_| answers()).collect::<Vec<_>>()))
                    .collect();
                let results = workers
                    .into_iter()
                    .flat_map(|w| w.join().expect("a worker finished"))
                    .collect();
                stop.store(true, std::sync::atomic::Ordering::Relaxed);
                results
            });
            for answer in again {
                prop_assert_eq!(&answer, &first, "old: {:?}\nnew: {:?}", old, new);
            }
        }
    }

    /// Paragraphs of local news that share names, words and phrases.
    const MOVABLE: &[&str] = &[
        "HARBORVIEW \u{2014} The city council voted 6-3 on Tusday to approve a $48 million bond for repairs to the Kessler Street bridge, which has been closed to trucks since March.",
        "Mayor Dana Whitcomb called the vote \"a long-overdue investment\" and said construction could begin as early as next spring.",
        "Council member Luis Ortega, who voted against the measure, said the city had not secured matching funds from the state.",
        "The bridge carries roughly 14,000 vehicles a day, according to a 2022 traffic study commissioned by the city.",
        "Repairs are expected to take 18 months. During that time, the bridge will remain open to passanger cars but closed to trucks.",
        "The council will hold a public hearing on the construction schedule on May 7.",
        "Whitcomb said the bond would pay for the bridge. Whitcomb said the bond would not raise taxes.",
        "Police said the suspect, a 34-year-old man, was arrested Tuesday near the bridge.",
        "The city council voted 5-4 on Monday to delay the repaving of Harbor Avenue.",
        "Ortega said the city had not asked the state for help with the repairs.",
    ];

    /// Sentences that share openings, endings and phrases, as news copy does.
    const SENTENCES: &[&str] = &[
        "The city council voted 6-3 on Tuesday to approve the bond.",
        "The city council voted 5-4 on Monday to delay the repaving.",
        "The city council voted to delay the hearing.",
        "Whitcomb said the bond would pay for the bridge.",
        "Whitcomb said the bond would not raise taxes.",
        "Whitcomb said the vote was fine.",
        "Ortega said the city had not secured matching funds.",
        "Ortega said the city had not asked the state for help.",
        "Ortega said it was fine.",
        "\"It was fine,\" Ortega said.",
        "\"We are borrowing money we may not need,\" Ortega said.",
        "\"We are borrowing money from our children,\" Ortega said.",
        "The bridge carries roughly 14,000 vehicles a day.",
        "The bridge carries roughly 1,400 trucks a day.",
        "Police said the suspect, a 34-year-old man, was arrested Tuesday.",
        "Police said the suspect, a 43-year-old woman, was released Wednesday.",
        "Repairs are expected to take 18 months.",
        "Repairs are expected to cost $48 million.",
        "The council will hold a public hearing on May 7.",
        "The council will hold a second hearing on May 21.",
    ];

    /// A paragraph moves to the end and a new paragraph takes its place: the character diff may
    /// line up a common word of the moved paragraph ("the", "said") with one in the newcomer.
    /// Every such word must follow its paragraph (or be orphaned), never stay in the newcomer.
    #[test]
    fn common_words_of_a_moved_paragraph_do_not_stay_in_its_replacement() {
        let others = [
            "HARBORVIEW \u{2014} The city council voted 6-3 on Tusday to approve a $48 million bond.",
            "The council will hold a public hearing on the construction schedule on May 7.",
        ];
        let moved = [
            "Whitcomb said the bond would pay for the bridge. Whitcomb said the bond would not raise taxes.",
            "Police said the suspect, a 34-year-old man, was arrested Tuesday near the bridge.",
            "Ortega said the city had not asked the state for help with the repairs.",
            "Residents of the east side have complained for years about detours around the bridge.",
        ];
        let newcomers = [
            "A spokesperson for the state transportation department did not respond to a request for comment.",
            "The school board, meeting the same night, approved a new calendar for the fall semester.",
            "Traffic engineers said the detour would add about ten minutes to most commutes.",
        ];
        let mut checked = 0;
        for p in moved {
            for n in newcomers {
                let old = paragraphs(&[others[0], p, others[1]]);
                let new = paragraphs(&[others[0], n, others[1], p]);
                let p_old = old.find(p).map(|b| old[..b].chars().count()).unwrap_or(0);
                let p_new = new.rfind(p).map(|b| new[..b].chars().count()).unwrap_or(0);
                let mut at = 0;
                for word in p.split(' ') {
                    let len = word.chars().count();
                    if matches!(word, "the" | "said" | "a" | "for") {
                        let result = reanchor(&old, &new, p_old + at, p_old + at + len);
                        if result.status != AnchorStatus::Orphaned {
                            assert_eq!(
                                (result.start, result.end),
                                (Some(p_new + at), Some(p_new + at + len)),
                                "{word:?} at {at} of {p:?} with {n:?}: {result:?}"
                            );
                        }
                        checked += 1;
                    }
                    at += len + 1;
                }
            }
        }
        assert!(checked > 40);
    }

    proptest! {
        #![proptest_config(crate::text::tests_support::proptest_config())]
        /// Deleting the whole sentence that holds a quote never anchors the quote on other words,
        /// however many words the sentences beside it share with it: it is orphaned (or, at
        /// worst, ambiguous), even with a small edit elsewhere.
        #[test]
        fn deleting_the_quoted_sentence_never_anchors_elsewhere(
            order in Just((0..SENTENCES.len()).collect::<Vec<_>>()).prop_shuffle(),
            breaks in prop::collection::vec(0u8..3, 2..10),
            pick in (0.0..1.0f64, 0.0..1.0f64, 0.0..1.0f64),
            retype in any::<bool>(),
        ) {
            // Distinct sentences; a paragraph break before about a third of them.
            let mut paras: Vec<Vec<usize>> = Vec::new();
            for (k, &brk) in breaks.iter().enumerate() {
                match paras.last_mut() {
                    Some(para) if brk > 0 => para.push(order[k]),
                    _ => paras.push(vec![order[k]]),
                }
            }
            let render = |paras: &[Vec<usize>]| {
                paras
                    .iter()
                    .filter(|p| !p.is_empty())
                    .map(|p| p.iter().map(|&i| SENTENCES[i]).collect::<Vec<_>>().join(" "))
                    .collect::<Vec<_>>()
                    .join("\n\n")
            };
            let old = render(&paras);
            // The quote: a run of whole words of one sentence.
            let flat: Vec<(usize, usize)> = paras
                .iter()
                .enumerate()
                .flat_map(|(p, para)| (0..para.len()).map(move |k| (p, k)))
                .collect();
            let (p, k) = flat[(flat.len() as f64 * pick.0) as usize];
            let sentence = SENTENCES[paras[p][k]];
            let before = render(&paras[..p]).chars().count() + if p > 0 { 2 } else { 0 };
            let lead: usize = paras[p][..k].iter().map(|&i| SENTENCES[i].chars().count() + 1).sum();
            let words: Vec<&str> = sentence.split(' ').collect();
            let first = (words.len() as f64 * pick.1) as usize;
            let last = first + ((words.len() - first) as f64 * pick.2) as usize;
            let quote = words[first..=last].join(" ");
            let s = before + lead + words[..first].iter().map(|w| w.chars().count() + 1).sum::<usize>();
            let e = s + quote.chars().count();
            prop_assert_eq!(cp_slice(&old, s, e), quote.as_str());
            let mut edited = paras.clone();
            edited[p].remove(k);
            let mut new = render(&edited);
            if retype {
                new = new.replacen("Tuesday", "Thursday", 1);
            }
            let result = reanchor(&old, &new, s, e);
            prop_assert!(
                matches!(result.status, AnchorStatus::Orphaned | AnchorStatus::Ambiguous),
                "{:?} for {:?}\nold: {:?}\nnew: {:?}", result, quote, old, new
            );
        }

        /// A moved paragraph is followed or orphaned, never found elsewhere: also with a word of
        /// it edited outside the quote, and with a new paragraph written where it stood.
        #[test]
        fn a_moved_paragraph_is_followed_or_orphaned(
            order in Just((0..MOVABLE.len()).collect::<Vec<_>>()).prop_shuffle(),
            count in 4usize..8,
            pick in (0.0..1.0f64, 0.0..1.0f64, 0usize..12, 0.0..1.0f64),
            edit in prop::option::of((0.0..1.0f64, prop::sample::select(vec!["Thursday", "county", "12,000", "officials"]))),
            newcomer in prop::option::of(prop::sample::select(vec![
                "A spokesperson for the state transportation department did not respond to a request for comment.",
                "The school board, meeting the same night, approved a new calendar for the fall semester.",
                "Traffic engineers said the detour would add about ten minutes to most commutes.",
            ])),
        ) {
            let paras: Vec<&str> = order[..count].iter().map(|&i| MOVABLE[i]).collect();
            let old = paras.join("\n\n");
            let from = (count as f64 * pick.0) as usize;
            let words: Vec<&str> = paras[from].split(' ').collect();
            let a = (words.len() as f64 * pick.1) as usize;
            let b = (a + 1 + pick.2).min(words.len());
            let quote = words[a..b].join(" ");
            let start_in = |ps: &[&str], i: usize, lead: usize| {
                ps[..i].iter().map(|p| p.chars().count() + 2).sum::<usize>() + lead
            };
            let lead: usize = words[..a].iter().map(|w| w.chars().count() + 1).sum();
            let s = start_in(&paras, from, lead);
            let mut moved_words: Vec<String> = words.iter().map(|w| w.to_string()).collect();
            if let Some((at, word)) = edit {
                let w = (words.len() as f64 * at) as usize;
                if !(a..b).contains(&w) {
                    moved_words[w] = word.to_owned();
                }
            }
            let moved = moved_words.join(" ");
            let new_lead: usize = moved_words[..a].iter().map(|w| w.chars().count() + 1).sum();
            let mut new_paras: Vec<&str> = paras.clone();
            new_paras.remove(from);
            let to = ((count - 1) as f64 * pick.3) as usize;
            let to = if to >= from { to + 1 } else { to }.min(count - 1);
            prop_assume!(to != from);
            new_paras.insert(to, &moved);
            let mut to = to;
            if let Some(n) = newcomer {
                let at = if to < from { from + 1 } else { from };
                new_paras.insert(at, n);
                if at <= to {
                    to += 1;
                }
            }
            let new = new_paras.join("\n\n");
            let ns = start_in(&new_paras, to, new_lead);
            let ne = ns + quote.chars().count();
            prop_assert_eq!(cp_slice(&new, ns, ne), quote.as_str());
            let result = reanchor(&old, &new, s, s + quote.chars().count());
            let right = match result.status {
                AnchorStatus::Orphaned => true,
                AnchorStatus::Ambiguous => result.candidates.iter().any(|c| (c.start, c.end) == (ns, ne)),
                _ => (result.start, result.end) == (Some(ns), Some(ne)),
            };
            prop_assert!(right, "{:?} for {:?}, expected [{}, {})\nold: {:?}\nnew: {:?}", result, quote, ns, ne, old, new);
        }

        /// Replacing one word in or beside a quote never puts the quote anywhere but on (part of)
        /// its own edited words: it follows them, or it is orphaned.
        #[test]
        fn replacing_a_word_near_the_quote_never_moves_it_elsewhere(
            order in Just((0..SENTENCES.len()).collect::<Vec<_>>()).prop_shuffle(),
            count in 3usize..9,
            pick in (0.0..1.0f64, 0usize..6, 0usize..7),
            replacement in prop::sample::select(vec!["12,000", "county", "Thursday", "argued", "$52", "residents"]),
        ) {
            let old = order[..count].iter().map(|&i| SENTENCES[i]).collect::<Vec<_>>().join(" ");
            let words: Vec<&str> = old.split(' ').collect();
            let a = (words.len() as f64 * pick.0) as usize;
            let b = (a + 1 + pick.1).min(words.len());
            // The word to replace: within three words of the quote, inside it or beside it.
            let t = (a.saturating_sub(3) + pick.2).min((b + 2).min(words.len() - 1));
            prop_assume!(words[t] != replacement);
            let start_of = |ws: &[String], i: usize| ws[..i].iter().map(|w| w.chars().count() + 1).sum::<usize>();
            let owned: Vec<String> = words.iter().map(|w| w.to_string()).collect();
            let (s, e) = (start_of(&owned, a), start_of(&owned, b) - 1);
            let mut edited = owned.clone();
            edited[t] = replacement.to_owned();
            let new = edited.join(" ");
            let (ns, ne) = (start_of(&edited, a), start_of(&edited, b) - 1);
            let result = reanchor(&old, &new, s, e);
            if result.status != AnchorStatus::Orphaned {
                let (gs, ge) = (result.start.unwrap_or(0), result.end.unwrap_or(0));
                prop_assert!(
                    gs < ne && ns < ge,
                    "{:?}: got {:?}, expected within {:?}\nold: {:?}\nnew: {:?}",
                    result.status, cp_slice(&new, gs, ge), cp_slice(&new, ns, ne), old, new
                );
            }
        }
    }
}
