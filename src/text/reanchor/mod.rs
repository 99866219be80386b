//! Re-anchoring: carrying a report's passage from one revision of an article to the next.
//! Unchanged text keeps its offsets; a passage inside an unchanged stretch of the character
//! diff is shifted; anything else goes through a fuzzy search whose candidates must clear
//! fixed thresholds, because a wrong anchor is worse than an orphan that an editor re-attaches.

use std::ops::Range;

use crate::text::diff::{Alignment, DIFF_WORK};
use crate::text::fold::{fold_char, fold_chars, is_word_char};
use crate::text::search::{
    accepted_passages, context_candidates, evaluate, paragraph_context_unchanged, quote_candidates,
    quote_candidates_near, score, word_edge, Query, Scored,
};
use crate::text::selector::{CharIndex, CONTEXT_LEN};

#[cfg(test)]
mod cases;
mod outcome;
#[cfg(test)]
mod properties;
mod sentences;
#[cfg(test)]
mod sweep;
#[cfg(test)]
mod tests;

pub use outcome::{AnchorMethod, AnchorStatus, Candidate, PriorAnchor, Reanchored};

/// Two accepted passages whose scores are this close are indistinguishable.
const AMBIGUITY_MARGIN: f64 = 0.01;

/// The diff between two revisions, computed once and reused for every anchor on the article.
pub struct RevisionChange<'a> {
    identical: bool,
    old: Vec<char>,
    new: Vec<char>,
    old_text: CharIndex<'a>,
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
            old_text: CharIndex::new(old_text),
            new_text: CharIndex::new(new_text),
            alignment,
        }
    }

    /// The anchor `[start, end)` of the old text, with its quote selector ([`quote_at`] on the
    /// old text, without scanning it from the start).
    ///
    /// [`quote_at`]: crate::text::quote_at
    pub fn prior(&self, start: usize, end: usize) -> PriorAnchor {
        PriorAnchor {
            start,
            end,
            quote: self.old_text.quote(start, end),
        }
    }

    /// Places one anchor of the old revision in the new one.
    pub fn reanchor(&self, prior: &PriorAnchor) -> Reanchored {
        let answer = self.place(prior);
        #[cfg(test)]
        crate::text::answers::record(
            "reanchor",
            (
                crate::text::answers::hash(self.old.iter().copied()),
                crate::text::answers::hash(self.new.iter().copied()),
            ),
            prior,
            &answer,
        );
        answer
    }

    fn place(&self, prior: &PriorAnchor) -> Reanchored {
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
            // Unchanged characters whose word grew ("Whitcomb" of "Whitcombe") are not the
            // passage: its ends must stay whole-word ends; the search snaps to the new word.
            let shifted = self
                .alignment
                .shift(span.start, span.end)
                .map(|new_start| new_start..new_start + span.len())
                .filter(|moved| self.keeps_word_edges(span, moved));
            if let Some(moved) = shifted.clone() {
                if self.context_came_along(prior, &moved) {
                    // The diff may line up the quote with the same words in a neighbouring
                    // sentence; its own sentence, found whole in the paragraph, outranks that.
                    if !self.sentence_came_along(span, &moved) {
                        if let Some(found) = self
                            .moved_within_paragraph(span)
                            .or_else(|| self.paragraph_moved_whole(span))
                        {
                            return found;
                        }
                    }
                    return self.placed(AnchorStatus::Anchored, AnchorMethod::Diff, 1.0, moved);
                }
            }
            if let Some(mut found) = self.moved_within_paragraph(span) {
                // Found whole where the diff put it: the words never moved, only their context
                // changed around them.
                if found.status == AnchorStatus::Anchored
                    && shifted.is_some_and(|m| found.start.zip(found.end) == Some((m.start, m.end)))
                {
                    found.method = AnchorMethod::Diff;
                }
                return found;
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

        // a. Candidates from the quote and from the surviving context. Of the quote's, only
        // those that the rules below can keep are looked for where they can be found quickly.
        let mut spans = old_span
            .as_ref()
            .and_then(|old| {
                let retained = |s: &Range<usize>| {
                    2 * self
                        .alignment
                        .unchanged_outside(s.start, s.end, old.clone())
                        <= s.len()
                        && !self.takes_in_inserted_break(s, old)
                };
                // A candidate that rule b keeps changes the answer if it is accepted, or if it
                // is an exact copy (step e counts those).
                let matters = |s: &Range<usize>| {
                    retained(s)
                        && (self.new[s.clone()] == quote[..] || {
                            let scored = evaluate(&self.new, &query, s.clone());
                            scored.accepted()
                                && !self.takes_in_inserted_break(&(scored.start..scored.end), old)
                        })
                };
                quote_candidates_near(&self.new, &query, &self.changed_for(old), matters)
            })
            .unwrap_or_else(|| quote_candidates(&self.new, &query));
        spans.extend(context_candidates(&self.new, &query));
        spans.sort_by_key(|s| (s.start, s.end));
        spans.dedup();
        // b. Text that was unchanged but stood elsewhere is another passage, never this one;
        // nor is a span holding a paragraph break that the new revision added beside it.
        if let Some(old) = &old_span {
            spans.retain(|s| {
                2 * self
                    .alignment
                    .unchanged_outside(s.start, s.end, old.clone())
                    <= s.len()
                    && !self.takes_in_inserted_break(s, old)
            });
        }
        // c, d. Whole words, scores, acceptance; overlapping candidates are one passage. Moving
        // an end to a whole word may reach across a paragraph break, so the breaks are checked
        // again on the scored span.
        let scored: Vec<Scored> = spans
            .iter()
            .map(|span| evaluate(&self.new, &query, span.clone()))
            .filter(|s| {
                old_span
                    .as_ref()
                    .is_none_or(|old| !self.takes_in_inserted_break(&(s.start..s.end), old))
            })
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

    /// The stretches of the new text that a passage for the old span `old` must take some of to
    /// pass rule b (see [`Self::search`]): the text the diff marks as new, and where the old
    /// span's own unchanged text went; in order, overlapping ones merged. Elsewhere every
    /// character is unchanged text that stood outside the old span.
    fn changed_for(&self, old: &Range<usize>) -> Vec<Range<usize>> {
        let start = self.alignment.map_start(old.start);
        let own = start..self.alignment.map_end(old.end).max(start);
        let mut stretches: Vec<Range<usize>> = self.alignment.changed_new().collect();
        let at = stretches.partition_point(|s| s.start < own.start);
        stretches.insert(at, own);
        let mut merged: Vec<Range<usize>> = Vec::with_capacity(stretches.len());
        for s in stretches.into_iter().filter(|s| !s.is_empty()) {
            match merged.last_mut() {
                Some(last) if s.start <= last.end => last.end = last.end.max(s.end),
                _ => merged.push(s),
            }
        }
        merged
    }

    /// Whether each end of `moved` in the new text is a word edge wherever the same end of
    /// `span` was one in the old text (never between two letters or digits).
    /// A character diff can line up a few common letters ("the", "said") across a rewritten
    /// stretch; a shift is trusted only when the passage's context came along with it, by the
    /// same test the fuzzy search applies to a candidate's context.
    fn context_came_along(&self, prior: &PriorAnchor, moved: &Range<usize>) -> bool {
        if self.reads_whole(prior, moved) {
            return true;
        }
        let quote = fold_chars(&prior.quote.exact);
        let mut prefix = fold_chars(&prior.quote.prefix);
        prefix.drain(..prefix.len().saturating_sub(CONTEXT_LEN));
        let mut suffix = fold_chars(&prior.quote.suffix);
        suffix.truncate(CONTEXT_LEN);
        let mut query = Query::new(&quote, Some(&prefix), Some(&suffix));
        query.paragraphs = true;
        score(&self.new, &query, moved.start, moved.end).context_supports()
    }

    /// Whether the new text reads, folded, exactly the quote at `moved` and its whole stored
    /// context (as far as it is compared, [`CONTEXT_LEN`]) on both sides, a non-empty context or
    /// the text's edge: the usual case of a passage in an unchanged stretch, decided without
    /// scoring. Such a span scores a perfect quote and a perfect context, so the context
    /// supports it.
    fn reads_whole(&self, prior: &PriorAnchor, moved: &Range<usize>) -> bool {
        /// Whether `text` is exactly the folded `stored` code points.
        fn reads(text: &[char], mut stored: impl Iterator<Item = char>) -> bool {
            text.iter()
                .all(|&c| stored.next().map(fold_char) == Some(c))
                && stored.next().is_none()
        }
        let new = &self.new;
        let quote = &prior.quote;
        if moved.end > new.len() || !reads(&new[moved.clone()], quote.exact.chars()) {
            return false;
        }
        let prefix_len = quote.prefix.chars().count();
        let before = prefix_len.min(CONTEXT_LEN);
        let prefix_ok = if before == 0 {
            moved.start == 0
        } else {
            moved.start >= before
                && reads(
                    &new[moved.start - before..moved.start],
                    quote.prefix.chars().skip(prefix_len - before),
                )
        };
        let after = quote.suffix.chars().take(CONTEXT_LEN).count();
        let suffix_ok = if after == 0 {
            moved.end == new.len()
        } else {
            moved.end + after <= new.len()
                && reads(
                    &new[moved.end..moved.end + after],
                    quote.suffix.chars().take(after),
                )
        };
        prefix_ok && suffix_ok
    }

    /// Rule: a re-anchored span never takes in text that the diff marks as inserted beyond the
    /// old quote's own edges: an inserted paragraph can sit beside a passage, never inside it,
    /// unless the old quote spanned that paragraph break.
    ///
    /// Whether `span` of the new text holds a line break that the diff marks as new and that
    /// stands in place of nothing inside the old quote `old` (it was added at or beyond its
    /// edges).
    fn takes_in_inserted_break(&self, span: &Range<usize>, old: &Range<usize>) -> bool {
        self.new[span.clone()]
            .iter()
            .enumerate()
            .filter(|&(_, &c)| c == '\n')
            .filter_map(|(i, _)| self.alignment.old_gap(span.start + i))
            .any(|gap| gap.end <= old.start || gap.start >= old.end)
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
