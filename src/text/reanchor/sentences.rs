//! A quote whose sentence moved within its paragraph, or gained a new neighbour: found again by
//! the sentence (or run of sentences) it stood in, whole and exact, among its own paragraph's
//! surviving words. The whole sentence is the evidence: a few of its words elsewhere are not.

use std::ops::Range;

use super::{AnchorMethod, AnchorStatus, Candidate, Reanchored, RevisionChange};
use crate::text::diff::{boundary, SENTENCE};

impl RevisionChange<'_> {
    /// Rule: a quote found intact (exact after folding, once, inside the same paragraph's
    /// surviving words) after its sentence moved within the paragraph is `anchored` there; if it
    /// occurs more than once in that paragraph, it is `ambiguous`.
    ///
    /// "Intact" is judged on the quote's whole sentence, which must stand at sentence boundaries
    /// and once in the old paragraph, so that a deleted sentence never lands on a look-alike.
    pub(super) fn moved_within_paragraph(&self, old: &Range<usize>) -> Option<Reanchored> {
        if old.is_empty() || self.old[old.clone()].contains(&'\n') {
            return None;
        }
        let paragraph = paragraph_around(&self.old, old.start);
        let run = sentences_around(&self.old, old, &paragraph);
        let sentences = &self.old[run.clone()];
        if sentence_occurrences(&self.old, &paragraph, sentences).len() != 1 {
            return None;
        }
        let now = self.paragraph_now(&paragraph)?;
        let offset = old.start - run.start;
        let places: Vec<Range<usize>> = sentence_occurrences(&self.new, &now, sentences)
            .into_iter()
            .map(|at| at + offset..at + offset + old.len())
            .collect();
        match &places[..] {
            [] => None,
            [only] => Some(self.placed(
                AnchorStatus::Anchored,
                AnchorMethod::Moved,
                1.0,
                only.clone(),
            )),
            [first, ..] => {
                let mut ambiguous = self.placed(
                    AnchorStatus::Ambiguous,
                    AnchorMethod::Moved,
                    1.0,
                    first.clone(),
                );
                ambiguous.candidates = places
                    .iter()
                    .map(|p| Candidate {
                        start: p.start,
                        end: p.end,
                        score: 1.0,
                    })
                    .collect();
                Some(ambiguous)
            }
        }
    }

    /// Whether the sentences around the old span `old` stand whole, at sentence boundaries,
    /// around its diff-shifted place `moved` (true for a quote across paragraphs, which has no
    /// one sentence).
    pub(super) fn sentence_came_along(&self, old: &Range<usize>, moved: &Range<usize>) -> bool {
        if old.is_empty() || self.old[old.clone()].contains(&'\n') {
            return true;
        }
        let paragraph = paragraph_around(&self.old, old.start);
        // The usual case, cheaply: the whole paragraph is one unchanged stretch, which the
        // quote was shifted along, and is still a whole paragraph there (not, say, the tail of
        // a longer one that quotes it).
        if let Some(run) = self.alignment.unchanged_run(paragraph.start, paragraph.end) {
            let start = run.new + (paragraph.start - run.old);
            let end = start + paragraph.len();
            if (start == 0 || self.new[start - 1] == '\n')
                && (end == self.new.len() || self.new[end] == '\n')
            {
                return true;
            }
        }
        let run = sentences_around(&self.old, old, &paragraph);
        let Some(start) = moved.start.checked_sub(old.start - run.start) else {
            return false;
        };
        let end = start + run.len();
        // A line break before or after counts as a sentence boundary (see `boundary`).
        end <= self.new.len()
            && self.new[start..end] == self.old[run]
            && boundary(&self.new, start) >= SENTENCE
            && (end == self.new.len() || self.new[end].is_whitespace())
    }

    /// When the diff lined the quote up with the same words in another sentence and its own
    /// sentence is not in its paragraph's surviving words, the paragraph itself may have moved:
    /// found whole, as a paragraph, exactly once in the new text, the quote is there.
    pub(super) fn paragraph_moved_whole(&self, old: &Range<usize>) -> Option<Reanchored> {
        if old.is_empty() || self.old[old.clone()].contains(&'\n') {
            return None;
        }
        let paragraph = paragraph_around(&self.old, old.start);
        let words = &self.old[paragraph.clone()];
        let n = self.new.len();
        if words.is_empty() || words.len() > n {
            return None;
        }
        let mut found = (0..=n - words.len()).filter(|&at| {
            self.new[at] == words[0]
                && self.new[at..at + words.len()] == *words
                && (at == 0 || self.new[at - 1] == '\n')
                && (at + words.len() == n || self.new[at + words.len()] == '\n')
        });
        let (Some(at), None) = (found.next(), found.next()) else {
            return None;
        };
        let start = at + (old.start - paragraph.start);
        Some(self.placed(
            AnchorStatus::Anchored,
            AnchorMethod::Moved,
            1.0,
            start..start + old.len(),
        ))
    }

    /// The new paragraph holding most of the old paragraph's unchanged characters: where that
    /// paragraph's surviving words are now.
    fn paragraph_now(&self, old: &Range<usize>) -> Option<Range<usize>> {
        let mut kept: Vec<(Range<usize>, usize)> = Vec::new();
        for run in self.alignment.unchanged_within(old.clone()) {
            match kept.iter_mut().find(|(p, _)| p.contains(&run.new)) {
                Some((_, count)) => *count += run.len,
                None => kept.push((paragraph_around(&self.new, run.new), run.len)),
            }
        }
        // The first of equal counts, so that the answer does not depend on anything else.
        kept.into_iter()
            .reduce(|best, next| if next.1 > best.1 { next } else { best })
            .map(|(paragraph, _)| paragraph)
    }
}

/// The paragraph (a stretch between line breaks) holding position `at`.
fn paragraph_around(text: &[char], at: usize) -> Range<usize> {
    let at = at.min(text.len());
    let start = text[..at]
        .iter()
        .rposition(|&c| c == '\n')
        .map_or(0, |i| i + 1);
    let end = text[at..]
        .iter()
        .position(|&c| c == '\n')
        .map_or(text.len(), |i| at + i);
    start..end
}

/// Whether a sentence starts at `at` inside `paragraph`.
fn starts_sentence(text: &[char], at: usize, paragraph: &Range<usize>) -> bool {
    at == paragraph.start || boundary(text, at) >= SENTENCE
}

/// The sentences of `paragraph` that `span` touches, from the start of the first to the end of
/// the last (without the white space after it).
fn sentences_around(text: &[char], span: &Range<usize>, paragraph: &Range<usize>) -> Range<usize> {
    let start = (paragraph.start..=span.start)
        .rev()
        .find(|&i| starts_sentence(text, i, paragraph))
        .unwrap_or(paragraph.start);
    let mut end = (span.end..=paragraph.end)
        .find(|&j| j == paragraph.end || (j > span.end && starts_sentence(text, j, paragraph)))
        .unwrap_or(paragraph.end);
    while end > span.end && text[end - 1].is_whitespace() {
        end -= 1;
    }
    start..end
}

/// Where `sentences` occur in `paragraph` as whole sentences: starting a sentence and followed
/// by white space or the paragraph's end.
fn sentence_occurrences(text: &[char], paragraph: &Range<usize>, sentences: &[char]) -> Vec<usize> {
    let len = sentences.len();
    if len == 0 || paragraph.len() < len {
        return Vec::new();
    }
    (paragraph.start..=paragraph.end - len)
        .filter(|&at| {
            // The first character alone rules out almost every place, cheaply.
            text[at] == sentences[0]
                && text[at..at + len] == *sentences
                && starts_sentence(text, at, paragraph)
                && (at + len == paragraph.end || text[at + len].is_whitespace())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::fold::fold_chars;

    #[test]
    fn a_moved_sentence_found_once_is_anchored_and_twice_ambiguous() {
        let old = "Repairs are expected to take 18 months. The bridge stays open. Cars may cross.";
        let quote = 29..39; // "18 months."
        let once = "The bridge stays open. Cars may cross. Repairs are expected to take 18 months.";
        let found = RevisionChange::new(old, once)
            .moved_within_paragraph(&quote)
            .expect("found once");
        assert_eq!(found.status, AnchorStatus::Anchored);
        assert_eq!((found.start, found.end), (Some(68), Some(78)));
        assert_eq!(found.now_reads.as_deref(), Some("18 months."));
        let twice = "The bridge stays open. Repairs are expected to take 18 months. Cars may cross. Repairs are expected to take 18 months.";
        let found = RevisionChange::new(old, twice)
            .moved_within_paragraph(&quote)
            .expect("found twice");
        assert_eq!(found.status, AnchorStatus::Ambiguous);
        let places: Vec<(usize, usize)> =
            found.candidates.iter().map(|c| (c.start, c.end)).collect();
        assert_eq!(places, vec![(52, 62), (108, 118)]);
        // Its sentence rewritten: nothing is found, however many of its words remain.
        let rewritten = "The bridge stays open. Cars may cross. Repairs may take 18 months.";
        assert!(RevisionChange::new(old, rewritten)
            .moved_within_paragraph(&quote)
            .is_none());
    }

    #[test]
    fn sentences_around_a_quote_run_from_sentence_start_to_sentence_end() {
        let text = fold_chars("Whitcomb said yes. Ortega said no. The vote was 6-3.");
        let paragraph = 0..text.len();
        // "said no" inside the second sentence.
        assert_eq!(sentences_around(&text, &(26..33), &paragraph), 19..34);
        // Across the second and third sentences.
        assert_eq!(sentences_around(&text, &(26..42), &paragraph), 19..52);
        // The whole first sentence.
        assert_eq!(sentences_around(&text, &(0..18), &paragraph), 0..18);
    }

    #[test]
    fn a_sentence_occurs_only_at_sentence_boundaries() {
        let text = fold_chars("He said it was fine. It was fine. \"It was fine.\"");
        let paragraph = 0..text.len();
        let sentence = fold_chars("It was fine.");
        assert_eq!(sentence_occurrences(&text, &paragraph, &sentence), vec![21]);
    }
}
